namespace Tidu.Optim;

/// <summary>
/// Multiplies the learning rate by <c>gamma</c> every <c>stepSize</c> epochs (torch.optim.lr_scheduler.StepLR):
/// lr = initial_lr · gamma^⌊epoch / stepSize⌋.
/// </summary>
public sealed class StepLR : LRScheduler
{
    private readonly int stepSize;
    private readonly double gamma;

    /// <summary>Decays every <paramref name="stepSize"/> epochs by <paramref name="gamma"/>.</summary>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        if (stepSize <= 0) throw new ArgumentException($"StepLR: stepSize must be positive; got {stepSize}.", nameof(stepSize));
        this.stepSize = stepSize;
        this.gamma = gamma;
        InitialStep();
    }

    /// <inheritdoc/>
    protected override double[] ComputeLr() =>
        LastEpoch == 0 || LastEpoch % stepSize != 0 ? CurrentLrs() : ScaledLrs(gamma);
}
