namespace Tidu.Optim;

/// <summary>
/// Scales the learning rate by a factor that moves linearly from <c>startFactor</c> to <c>endFactor</c> over
/// <c>totalIters</c> epochs and then stays (torch.optim.lr_scheduler.LinearLR), e.g. for warm-up:
/// lr = initial_lr · (start + (end − start) · min(epoch, totalIters) / totalIters), applied recursively as PyTorch does.
/// </summary>
public sealed class LinearLR : LRScheduler
{
    private readonly double startFactor;
    private readonly double endFactor;
    private readonly int totalIters;

    /// <summary>Ramps the factor from <paramref name="startFactor"/> to <paramref name="endFactor"/> in <paramref name="totalIters"/> epochs.</summary>
    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5) : base(optimizer)
    {
        if (!(startFactor > 0 && startFactor <= 1))
            throw new ArgumentException($"LinearLR: startFactor must be in (0, 1]; got {startFactor}.", nameof(startFactor));
        if (!(endFactor >= 0 && endFactor <= 1))
            throw new ArgumentException($"LinearLR: endFactor must be in [0, 1]; got {endFactor}.", nameof(endFactor));
        if (totalIters <= 0) throw new ArgumentException($"LinearLR: totalIters must be positive; got {totalIters}.", nameof(totalIters));
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        InitialStep();
    }

    /// <inheritdoc/>
    protected override double[] ComputeLr()
    {
        if (LastEpoch == 0) return ScaledLrs(startFactor);
        if (LastEpoch > totalIters) return CurrentLrs();
        return ScaledLrs(1.0 + (endFactor - startFactor) /
            (totalIters * startFactor + (LastEpoch - 1) * (endFactor - startFactor)));
    }
}
