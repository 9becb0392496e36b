namespace Tidu.Optim;

/// <summary>How <see cref="OneCycleLR"/> moves between two values within a phase.</summary>
public enum AnnealStrategy
{
    /// <summary>Cosine annealing: end + (start − end)/2 · (1 + cos(π·pct)).</summary>
    Cos,

    /// <summary>Linear annealing: start + (end − start)·pct.</summary>
    Linear,
}

/// <summary>
/// The 1cycle policy (Smith and Topin, 2017; torch.optim.lr_scheduler.OneCycleLR): the learning rate rises from
/// maxLr/divFactor to maxLr during the first pctStart of the steps, then anneals to
/// maxLr/(divFactor·finalDivFactor); momentum (or Adam's β₁) moves the opposite way between maxMomentum and
/// baseMomentum. Step it after every batch, <c>totalSteps</c> times in all.
/// </summary>
public sealed class OneCycleLR : LRScheduler
{
    private enum Point { Initial, Max, Min }

    private readonly record struct Phase(double EndStep, Point StartLr, Point EndLr, bool StartAtMaxMomentum, bool EndAtMaxMomentum);

    private readonly int totalSteps;
    private readonly AnnealStrategy annealStrategy;
    private readonly bool cycleMomentum;
    private readonly bool useBeta1;
    private readonly double maxLr;
    private readonly double minLr;
    private readonly double baseMomentum;
    private readonly double maxMomentum;
    private readonly Phase[] phases;

    /// <summary>Sets every group to the cycle's start and takes step 0.</summary>
    /// <param name="optimizer">The optimizer whose groups to schedule.</param>
    /// <param name="maxLr">The peak learning rate.</param>
    /// <param name="totalSteps">The number of steps in the cycle (epochs × steps per epoch).</param>
    /// <param name="pctStart">Fraction of the cycle spent increasing the learning rate.</param>
    /// <param name="annealStrategy">Cosine or linear annealing.</param>
    /// <param name="cycleMomentum">Cycle momentum (SGD, RMSprop) or β₁ (Adam) inversely to the learning rate.</param>
    /// <param name="baseMomentum">The lowest momentum, reached at the learning-rate peak.</param>
    /// <param name="maxMomentum">The highest momentum, at the start and end of the cycle.</param>
    /// <param name="divFactor">initial_lr = maxLr / divFactor.</param>
    /// <param name="finalDivFactor">min_lr = initial_lr / finalDivFactor.</param>
    /// <param name="threePhase">Go back down to initial_lr symmetrically before annealing to min_lr (the fast.ai schedule when false).</param>
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, double pctStart = 0.3,
        AnnealStrategy annealStrategy = AnnealStrategy.Cos, bool cycleMomentum = true, double baseMomentum = 0.85,
        double maxMomentum = 0.95, double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false)
        : base(optimizer)
    {
        if (totalSteps <= 0) throw new ArgumentException($"OneCycleLR: expected a positive totalSteps; got {totalSteps}.", nameof(totalSteps));
        if (!(pctStart >= 0 && pctStart <= 1)) throw new ArgumentException($"OneCycleLR: pctStart must be in [0, 1]; got {pctStart}.", nameof(pctStart));
        this.totalSteps = totalSteps;
        this.annealStrategy = annealStrategy;
        this.cycleMomentum = cycleMomentum;
        this.maxLr = maxLr;
        this.baseMomentum = baseMomentum;
        this.maxMomentum = maxMomentum;
        phases = threePhase
            ?
            [
                new(pctStart * totalSteps - 1, Point.Initial, Point.Max, true, false),
                new(2 * pctStart * totalSteps - 2, Point.Max, Point.Initial, false, true),
                new(totalSteps - 1, Point.Initial, Point.Min, true, true),
            ]
            :
            [
                new(pctStart * totalSteps - 1, Point.Initial, Point.Max, true, false),
                new(totalSteps - 1, Point.Max, Point.Min, false, true),
            ];

        double initialLr = maxLr / divFactor;
        minLr = initialLr / finalDivFactor;
        foreach (var group in optimizer.ParamGroups) group.InitialLr = initialLr;
        if (cycleMomentum)
        {
            var groups = optimizer.ParamGroups;
            useBeta1 = groups.All(g => g.HasOption("beta1"));
            if (!useBeta1 && !groups.All(g => g.HasOption("momentum")))
                throw new ArgumentException($"OneCycleLR: {optimizer.Name} has neither momentum nor beta1, which cycleMomentum needs; pass cycleMomentum: false.", nameof(optimizer));
            foreach (var group in groups) SetMomentum(group, maxMomentum);
        }
        InitialStep();
    }

    /// <inheritdoc/>
    protected override double[] ComputeLr()
    {
        int stepNum = LastEpoch;
        if (stepNum > totalSteps)
            throw new InvalidOperationException($"OneCycleLR: tried to step {stepNum} times; the specified number of total steps is {totalSteps}.");
        var groups = Optimizer.ParamGroups;
        var lrs = new double[groups.Count];
        for (int i = 0; i < lrs.Length; i++)
        {
            double startStep = 0;
            for (int k = 0; k < phases.Length; k++)
            {
                var phase = phases[k];
                if (stepNum <= phase.EndStep || k == phases.Length - 1)
                {
                    double pct = (stepNum - startStep) / (phase.EndStep - startStep);
                    lrs[i] = Anneal(Lr(groups[i], phase.StartLr), Lr(groups[i], phase.EndLr), pct);
                    if (cycleMomentum)
                    {
                        SetMomentum(groups[i], Anneal(phase.StartAtMaxMomentum ? maxMomentum : baseMomentum,
                            phase.EndAtMaxMomentum ? maxMomentum : baseMomentum, pct));
                    }
                    break;
                }
                startStep = phase.EndStep;
            }
        }
        return lrs;
    }

    private double Lr(ParamGroup group, Point point) => point switch
    {
        Point.Initial => group.InitialLr!.Value,
        Point.Max => maxLr,
        _ => minLr,
    };

    private double Anneal(double start, double end, double pct) => annealStrategy == AnnealStrategy.Cos
        ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
        : (end - start) * pct + start;

    private void SetMomentum(ParamGroup group, double value)
    {
        if (useBeta1) group.Beta1 = value;
        else group.Momentum = value;
    }
}
