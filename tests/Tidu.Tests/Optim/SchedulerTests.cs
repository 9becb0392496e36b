using Tidu.Optim;

namespace Tidu.Tests.Optim;

/// <summary>Each scheduler's learning rates over the epochs against the closed form in PyTorch's documentation.</summary>
public class SchedulerTests
{
    private static SGD Optimizer(double lr = 0.1, double momentum = 0) =>
        new([Tensor.From(new[] { 1.0 }).RequiresGradInPlace()], lr: lr, momentum: momentum);

    /// <summary>The lr after construction (epoch 0) and after each of <paramref name="steps"/> steps.</summary>
    private static double[] Run(LRScheduler scheduler, int steps)
    {
        var lrs = new List<double> { scheduler.Optimizer.ParamGroups[0].Lr };
        for (int i = 0; i < steps; i++)
        {
            scheduler.Optimizer.Step();
            scheduler.Step();
            Assert.Equal(scheduler.Optimizer.ParamGroups[0].Lr, scheduler.GetLastLr()[0]);
            lrs.Add(scheduler.Optimizer.ParamGroups[0].Lr);
        }
        Assert.Equal(steps, scheduler.LastEpoch);
        return [.. lrs];
    }

    private static void AssertSequence(Func<int, double> closedForm, double[] actual, double tolerance = 1e-15)
    {
        for (int epoch = 0; epoch < actual.Length; epoch++)
        {
            double expected = closedForm(epoch);
            if (!(Math.Abs(expected - actual[epoch]) <= tolerance * Math.Max(1, Math.Abs(expected))))
                Assert.Fail($"epoch {epoch}: expected {expected:R}, got {actual[epoch]:R}; all: [{string.Join(", ", actual)}]");
        }
    }

    [Fact]
    public void StepLRDecaysEveryStepSizeEpochs()
    {
        var scheduler = new StepLR(Optimizer(0.1), stepSize: 3, gamma: 0.5);
        Assert.Equal(0, scheduler.LastEpoch);
        AssertSequence(e => 0.1 * Math.Pow(0.5, e / 3), Run(scheduler, 12));
        Assert.Equal([0.1], scheduler.BaseLrs);
    }

    [Fact]
    public void StepLRDefaultsToGammaOneTenth()
    {
        AssertSequence(e => 1.0 * Math.Pow(0.1, e / 4), Run(new StepLR(Optimizer(1.0), stepSize: 4), 10), 1e-14);
    }

    [Fact]
    public void MultiStepLRDecaysAtEachMilestone()
    {
        int[] milestones = [2, 5, 5, 9];
        var scheduler = new MultiStepLR(Optimizer(0.2), milestones, gamma: 0.5);
        // a milestone listed twice decays twice, as PyTorch's Counter does
        AssertSequence(e => 0.2 * Math.Pow(0.5, milestones.Count(m => m <= e)), Run(scheduler, 12));
    }

    [Fact]
    public void ExponentialLRDecaysEveryEpoch()
    {
        AssertSequence(e => 0.1 * Math.Pow(0.9, e), Run(new ExponentialLR(Optimizer(0.1), gamma: 0.9), 12), 1e-14);
    }

    [Fact]
    public void CosineAnnealingFollowsTheClosedFormAcrossPeriods()
    {
        const double baseLr = 0.1, etaMin = 0.001;
        const int tMax = 10;
        var lrs = Run(new CosineAnnealingLR(Optimizer(baseLr), tMax, etaMin), 35);
        AssertSequence(e => etaMin + (baseLr - etaMin) * (1 + Math.Cos(Math.PI * e / tMax)) / 2, lrs, 1e-12);
        Assert.Equal(etaMin, lrs[tMax], 12);
        Assert.Equal(baseLr, lrs[2 * tMax], 12);
    }

    [Fact]
    public void LinearLRRampsTheFactorThenHolds()
    {
        var lrs = Run(new LinearLR(Optimizer(0.3)), 12); // startFactor 1/3, endFactor 1, totalIters 5
        AssertSequence(e => 0.3 * (1.0 / 3 + (1 - 1.0 / 3) * Math.Min(e, 5) / 5), lrs, 1e-14);
        var down = Run(new LinearLR(Optimizer(1.0), startFactor: 1, endFactor: 0.1, totalIters: 4), 10);
        AssertSequence(e => 1.0 + (0.1 - 1.0) * Math.Min(e, 4) / 4, down, 1e-14);
    }

    private static double AnnealCos(double start, double end, double pct) => end + (start - end) / 2 * (Math.Cos(Math.PI * pct) + 1);

    [Fact]
    public void OneCycleRaisesThenAnnealsLrAndCyclesMomentumInversely()
    {
        var optimizer = Optimizer(momentum: 0.9);
        const double maxLr = 1.0;
        const int total = 20;
        var scheduler = new OneCycleLR(optimizer, maxLr, total);
        double initial = maxLr / 25, min = initial / 1e4, up = 0.3 * total - 1;
        var momenta = new List<double> { optimizer.ParamGroups[0].Momentum };
        var lrs = new List<double> { optimizer.ParamGroups[0].Lr };
        for (int i = 1; i < total; i++)
        {
            scheduler.Step();
            lrs.Add(optimizer.ParamGroups[0].Lr);
            momenta.Add(optimizer.ParamGroups[0].Momentum);
        }
        AssertSequence(s => s <= up ? AnnealCos(initial, maxLr, s / up) : AnnealCos(maxLr, min, (s - up) / (total - 1 - up)), [.. lrs], 1e-14);
        AssertSequence(s => s <= up ? AnnealCos(0.95, 0.85, s / up) : AnnealCos(0.85, 0.95, (s - up) / (total - 1 - up)), [.. momenta], 1e-14);
        Assert.Equal(initial, lrs[0], 15);
        Assert.Equal(maxLr, lrs[5], 15);
        Assert.Equal(min, lrs[^1], 15);
        Assert.Equal(initial, optimizer.ParamGroups[0].InitialLr);
        scheduler.Step(); // step total is still allowed, as in PyTorch
        var e = Assert.Throws<InvalidOperationException>(scheduler.Step);
        Assert.Contains("total steps is 20", e.Message);
    }

    [Fact]
    public void OneCycleCyclesAdamsBeta1AndSupportsLinearThreePhase()
    {
        var w = Tensor.From(new[] { 1.0 }).RequiresGradInPlace();
        var optimizer = new Adam([w]);
        const int total = 20;
        var scheduler = new OneCycleLR(optimizer, maxLr: 0.5, totalSteps: total, pctStart: 0.25,
            annealStrategy: AnnealStrategy.Linear, threePhase: true, divFactor: 10, finalDivFactor: 100);
        double initial = 0.05, min = 0.0005, e1 = 0.25 * total - 1, e2 = 2 * 0.25 * total - 2;
        static double Lin(double a, double b, double pct) => (b - a) * pct + a;
        for (int s = 0; s < total; s++)
        {
            if (s > 0) scheduler.Step();
            var (lr, beta1) = s <= e1 ? (Lin(initial, 0.5, s / e1), Lin(0.95, 0.85, s / e1))
                : s <= e2 ? (Lin(0.5, initial, (s - e1) / (e2 - e1)), Lin(0.85, 0.95, (s - e1) / (e2 - e1)))
                : (Lin(initial, min, (s - e2) / (total - 1 - e2)), 0.95);
            Assert.Equal(lr, optimizer.ParamGroups[0].Lr, 14);
            Assert.Equal(beta1, optimizer.ParamGroups[0].Beta1, 14);
            Assert.Equal(0.999, optimizer.ParamGroups[0].Beta2);
        }
    }

    [Fact]
    public void OneCycleWithMomentumCyclingNeedsAnOptimizerWithMomentum()
    {
        var optimizer = new Adagrad([Tensor.From(new[] { 1.0 }).RequiresGradInPlace()]);
        Assert.Throws<ArgumentException>(() => new OneCycleLR(optimizer, 0.1, 10));
        _ = new OneCycleLR(optimizer, 0.1, 10, cycleMomentum: false);
        Assert.Equal(0.1 / 25, optimizer.ParamGroups[0].Lr, 15);
    }

    [Fact]
    public void ReduceLROnPlateauReducesAfterPatienceAndWaitsOutTheCooldown()
    {
        var optimizer = Optimizer(1.0);
        var scheduler = new ReduceLROnPlateau(optimizer, factor: 0.5, patience: 2, cooldown: 1);
        Assert.Equal(1.0, optimizer.ParamGroups[0].Lr); // no change on construction
        double[] metrics = [10, 9, 9, 9, 9, 8, 8, 8, 8, 8, 8, 8, 8];
        double[] expected = [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125];
        var actual = metrics.Select(m => { scheduler.Step(m); return scheduler.GetLastLr()[0]; }).ToArray();
        Assert.Equal(expected, actual);
        Assert.Equal(13, scheduler.LastEpoch);
        Assert.Equal(8, scheduler.Best);
    }

    [Fact]
    public void ReduceLROnPlateauInMaxModeWithAbsoluteThresholdAndFloor()
    {
        var optimizer = Optimizer(1.0);
        var scheduler = new ReduceLROnPlateau(optimizer, PlateauMode.Max, factor: 0.1, patience: 1,
            threshold: 0.5, thresholdMode: ThresholdMode.Abs, minLr: 0.05);
        // 0.8 → 1.2 is within the 0.5 threshold, so it is not an improvement
        double[] metrics = [0.8, 1.2, 1.25, 2.0, 2.1, 2.2, 2.3, 2.4];
        double[] expected = [1, 1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05];
        Assert.Equal(expected, metrics.Select(m => { scheduler.Step(m); return optimizer.ParamGroups[0].Lr; }).ToArray());
    }

    [Fact]
    public void SchedulersSetEveryGroupFromItsOwnBase()
    {
        var optimizer = new SGD([new ParamGroup([Tensor.From(new[] { 1.0 }).RequiresGradInPlace()]),
            new ParamGroup([Tensor.From(new[] { 2.0 }).RequiresGradInPlace()], lr: 1.0)], lr: 0.1);
        var scheduler = new ExponentialLR(optimizer, 0.5);
        scheduler.Step();
        scheduler.Step();
        Assert.Equal([0.025, 0.25], scheduler.GetLastLr());
        Assert.Equal([0.1, 1.0], scheduler.BaseLrs);
    }

    [Fact]
    public void InvalidSchedulerArgumentsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new StepLR(Optimizer(), 0));
        Assert.Throws<ArgumentException>(() => new LinearLR(Optimizer(), startFactor: 0));
        Assert.Throws<ArgumentException>(() => new LinearLR(Optimizer(), endFactor: 1.5));
        Assert.Throws<ArgumentException>(() => new CosineAnnealingLR(Optimizer(), 0));
        Assert.Throws<ArgumentException>(() => new OneCycleLR(Optimizer(momentum: 0.9), 0.1, 0));
        Assert.Throws<ArgumentException>(() => new ReduceLROnPlateau(Optimizer(), factor: 1.0));
    }
}
