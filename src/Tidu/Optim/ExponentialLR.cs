namespace Tidu.Optim;

/// <summary>
/// Multiplies the learning rate by <c>gamma</c> every epoch (torch.optim.lr_scheduler.ExponentialLR):
/// lr = initial_lr · gamma^epoch.
/// </summary>
public sealed class ExponentialLR : LRScheduler
{
    private readonly double gamma;

    /// <summary>Decays by <paramref name="gamma"/> each epoch.</summary>
    public ExponentialLR(Optimizer optimizer, double gamma) : base(optimizer)
    {
        this.gamma = gamma;
        InitialStep();
    }

    /// <inheritdoc/>
    protected override double[] ComputeLr() => LastEpoch == 0 ? CurrentLrs() : ScaledLrs(gamma);
}
