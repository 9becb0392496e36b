namespace Tidu.Optim;

/// <summary>
/// Cosine annealing from the initial learning rate to <c>etaMin</c> over <c>tMax</c> epochs, then back up,
/// periodically (torch.optim.lr_scheduler.CosineAnnealingLR, SGDR without restarts). The closed form is
/// η = η_min + (η_max − η_min)(1 + cos(π·epoch/T_max))/2; like PyTorch, each step applies the recursive form from
/// the current rate, so values match PyTorch's to the last bit and chaining with other schedulers works.
/// </summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    private readonly int tMax;
    private readonly double etaMin;

    /// <summary>Anneals over <paramref name="tMax"/> epochs down to <paramref name="etaMin"/>.</summary>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        if (tMax <= 0) throw new ArgumentException($"CosineAnnealingLR: tMax must be positive; got {tMax}.", nameof(tMax));
        this.tMax = tMax;
        this.etaMin = etaMin;
        InitialStep();
    }

    /// <inheritdoc/>
    protected override double[] ComputeLr()
    {
        var groups = Optimizer.ParamGroups;
        var lrs = new double[groups.Count];
        for (int i = 0; i < lrs.Length; i++)
        {
            double lr = groups[i].Lr, baseLr = BaseLrs[i];
            int t = LastEpoch;
            if (t == 0)
                lrs[i] = lr;
            else if (StepCount == 1 && t > 0)
                lrs[i] = etaMin + (baseLr - etaMin) * (1 + Math.Cos(t * Math.PI / tMax)) / 2;
            else if ((t - 1 - tMax) % (2 * tMax) == 0)
                lrs[i] = lr + (baseLr - etaMin) * (1 - Math.Cos(Math.PI / tMax)) / 2;
            else
                lrs[i] = (1 + Math.Cos(Math.PI * t / tMax)) / (1 + Math.Cos(Math.PI * (t - 1) / tMax)) * (lr - etaMin) + etaMin;
        }
        return lrs;
    }
}
