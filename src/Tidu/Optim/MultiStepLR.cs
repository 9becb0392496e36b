namespace Tidu.Optim;

/// <summary>
/// Multiplies the learning rate by <c>gamma</c> at each milestone epoch (torch.optim.lr_scheduler.MultiStepLR):
/// lr = initial_lr · gamma^(number of milestones ≤ epoch); a milestone listed twice counts twice, as in PyTorch.
/// </summary>
public sealed class MultiStepLR : LRScheduler
{
    private readonly int[] milestones;
    private readonly double gamma;

    /// <summary>Decays by <paramref name="gamma"/> at each of <paramref name="milestones"/>.</summary>
    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        this.milestones = milestones.Order().ToArray();
        this.gamma = gamma;
        InitialStep();
    }

    /// <summary>The milestones in increasing order.</summary>
    public IReadOnlyList<int> Milestones => milestones;

    /// <inheritdoc/>
    protected override double[] ComputeLr()
    {
        int count = milestones.Count(m => m == LastEpoch);
        return count == 0 ? CurrentLrs() : ScaledLrs(Math.Pow(gamma, count));
    }
}
