using Tidu.Diagnostics;
using Tidu.DoctorBench;

namespace Tidu.Tests.Diagnostics;

/// <summary>
/// The doctor sampling every 16 steps, as <c>tidu train</c> runs it: the first steps are sampled all the same, a
/// suspicion is confirmed on the next steps, and a non-finite loss between samples is looked at.
/// </summary>
[Collection(DoctorScenarioCollection.Name)]
public class DoctorSamplingTests
{
    private static Doctor Run(string name, int steps, bool repair = false)
    {
        Scenarios.DefaultOptions = new DoctorOptions { SampleEvery = 16, Repair = repair };
        try { return Scenarios.All().Single(s => s.Name == name).Run(steps); }
        finally { Scenarios.DefaultOptions = null; }
    }

    [Fact]
    public void AnLrThatBlowsUpBetweenSamplesIsBlamedOnTheLr()
    {
        // with only steps 0 and 16 sampled, the root was "the gradients became non-finite" (ExplodingGradient)
        var findings = Run("lr-too-high-0", 80).Findings;
        Assert.Contains(findings, f => f is { Kind: FindingKind.LearningRateTooHigh, CausedBy: null });
        Assert.All(findings.Where(f => f.Kind == FindingKind.ExplodingGradient), f => Assert.Equal(FindingKind.LearningRateTooHigh, f.CausedBy));
    }

    [Theory]
    [InlineData("lr-too-high-adam-0")]  // missed: the overshoot rule needs the update ratio of the first steps
    [InlineData("exploding-init-x10-0")]
    [InlineData("vanishing-deep-sigmoid-0")]
    public void FaultsOfTheFirstStepsAreFoundAsWhenEveryStepIsSampled(string name)
    {
        var scenario = Scenarios.All().Single(s => s.Name == name);
        var findings = Run(name, 80).Findings;
        Assert.All(scenario.Expected, k => Assert.Contains(findings, f => f.Kind == k));
    }

    [Fact]
    public void ASuspicionIsConfirmedOnTheNextStepsNotKStepsApart()
    {
        // 5 samples of dead units 16 steps apart took until step 64; confirmed on consecutive steps it is step 19
        var dead = Run("dying-relu-bias-0", 80).Findings.First(f => f.Kind == FindingKind.DeadRelu);
        Assert.True(dead.FirstStep < 25, dead.ToString());
    }

    [Fact]
    public void ANonFiniteLossBetweenSamplesIsLookedAtAndTheBatchSkipped()
    {
        // a NaN batch between samples: its input is checked after all, named as the root, and with Repair its update
        // is skipped (before, the NaN went into the weights and the repaired run ended NaN)
        var doctor = Run("nan-in-data-0", 80, repair: true);
        Assert.Contains(doctor.Findings, f => f is { Kind: FindingKind.NonFiniteValue, CausedBy: null } && f.Parameter != "loss" && !f.Parameter!.StartsWith("repair", StringComparison.Ordinal));
        Assert.Contains(doctor.Findings, f => f.Parameter == "repair:skip");
        var last = doctor.History.Losses.TakeLast(5).Select(l => l.Loss).Where(double.IsFinite).ToList();
        Assert.NotEmpty(last);
    }

    [Fact]
    public void SmallUpdatesWhileASchedulerMovesTheLrAreNotAnLrTooLow()
    {
        // updates of ~1e-6 of the weights: too small, unless a scheduler is warming the lr up (or decaying it)
        static IReadOnlyList<Finding> Run(Func<int, double> lrAt, int steps)
        {
            Tensor.ManualSeed(9);
            var model = new Tidu.NN.Linear(4, 1);
            var opt = new Tidu.Optim.SGD(model.Parameters(), lr: lrAt(0));
            using var doctor = new Doctor(model, opt);
            var x = Tensor.Randn(32, 4);
            var y = Tensor.Randn(32, 1);
            for (int step = 0; step < steps; step++)
            {
                opt.ParamGroups[0].Lr = lrAt(step);
                opt.ZeroGrad();
                var loss = Tidu.NN.Functional.MseLoss(model.Forward(x), y);
                loss.Backward();
                doctor.Observe(loss);
                opt.Step();
            }
            return doctor.Findings;
        }
        // a linear warm-up over 40 steps from 1e-8 to 1e-6, then a cosine decay: never steady at its peak for long
        Assert.DoesNotContain(Run(t => t < 40 ? 1e-8 + t * 2.5e-8 : 1e-6 * 0.5 * (1 + Math.Cos(Math.PI * (t - 40) / 40)), 80),
            f => f.Kind == FindingKind.LearningRateTooLow);
        // the same lr held constant is too low
        Assert.Contains(Run(_ => 1e-6, 40), f => f.Kind == FindingKind.LearningRateTooLow);
    }

    [Fact]
    public void AHealthyRunIsSampledOnlyAtTheStartAndEveryK()
    {
        var doctor = Run("healthy-moons-relu-adam-0", 150);
        Assert.Empty(doctor.Findings);
        int[] expected = [.. Enumerable.Range(0, new DoctorOptions().DenseSteps), .. Enumerable.Range(1, 9).Select(i => 16 * i)];
        Assert.Equal(expected, doctor.History.Layers.Select(l => l.Step).Distinct());
    }
}
