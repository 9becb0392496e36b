using Tidu.Diagnostics;
using Tidu.DoctorBench;

namespace Tidu.Tests.Diagnostics;

/// <summary>The repairs on the tuning half's scenarios: gentle lr cuts for oscillation, rollback for a blow-up.</summary>
[Collection(DoctorScenarioCollection.Name)]
public class DoctorRepairTests
{
    private static Doctor RunRepaired(string name, int steps, DoctorOptions? options = null)
    {
        Scenarios.DefaultOptions = options ?? new DoctorOptions { Repair = true };
        try { return Scenarios.All().Single(s => s.Name == name).Run(steps); }
        finally { Scenarios.DefaultOptions = null; }
    }

    private static double FinalLoss(Doctor doctor) => doctor.History.Losses.TakeLast(10).Average(l => l.Loss);

    [Fact]
    public void AnOscillatingLossGetsItsLrHalvedNotDividedByTen()
    {
        var doctor = RunRepaired("osc-moons-sgdm-0", 150);
        var repair = doctor.Findings.First(f => f.Parameter == "repair:lr");
        Assert.Equal(repair.Evidence["lrBefore"] * 0.5, repair.Evidence["lrAfter"], 6);
        double final = FinalLoss(doctor);
        Assert.True(final < 0.01 * doctor.History.Losses[0].Loss, $"final loss {final}");
    }

    [Fact]
    public void ASpikeToBlowUpLevelIsRolledBackWithTheLrHalved()
    {
        // Adam at lr 0.3: the loss jumps × 13 at step 2 and falls back. Halving the lr on the weights the spike left
        // ended at 3e-4; going back to the weights from before it ends ten times lower
        var doctor = RunRepaired("osc-moons-adam-0", 150);
        var rollback = Assert.Single(doctor.Findings, f => f.Parameter == "repair:rollback");
        Assert.Equal(FindingKind.OscillatingLoss, rollback.Kind);
        Assert.Equal(rollback.Evidence["lrBefore"] * 0.5, rollback.Evidence["lrAfter"], 6);
        Assert.Contains("of step 0", rollback.Message);
        double final = FinalLoss(doctor);
        Assert.True(final < 1e-4 * doctor.History.Losses[0].Loss, $"final loss {final}");
    }

    [Fact]
    public void ALossThatBlewUpIsRolledBackAndTrainingRecovers()
    {
        // lr 5: after the first rollback (lr 0.5) the loss swings between 1e2 and 1e4 under clipping; the loss rules
        // see it (their trend restarts at the first finite loss) and, the loss having blown up, the repair rolls back
        // again (lr 0.05) instead of only lowering the lr. The overshoot rule's one-jump form now catches this run at
        // step 2 (× 156), before any of that, so it is switched off here to keep the second rollback covered.
        var doctor = RunRepaired("lr-too-high-lr5-0", 150, new DoctorOptions { Repair = true, OvershootSpikeFactor = double.PositiveInfinity });
        Assert.True(doctor.Findings.Count(f => f.Parameter == "repair:rollback") >= 2, string.Join("\n", doctor.Findings));
        double final = FinalLoss(doctor);
        Assert.True(double.IsFinite(final) && final < 0.1 * doctor.History.Losses[0].Loss, $"final loss {final}");

        // with the defaults: one rollback at the jump, and training recovers as well
        var early = RunRepaired("lr-too-high-lr5-0", 150);
        var rollback = Assert.Single(early.Findings, f => f.Parameter == "repair:rollback");
        Assert.True(rollback.Step <= 3, rollback.ToString());
        double earlyFinal = FinalLoss(early);
        Assert.True(double.IsFinite(earlyFinal) && earlyFinal < 0.1 * early.History.Losses[0].Loss, $"final loss {earlyFinal}");
    }

    [Fact]
    public void NoRescaleFromActivationsOfWeightsThatWereRolledBack()
    {
        // before the fix the blown-up steps' activation gains (1e8× per layer) made the rescale repair divide the
        // restored weights by 1e16
        var doctor = RunRepaired("lr-too-high-deep-0", 40);
        Assert.DoesNotContain(doctor.Findings, f => f.Parameter == "repair:rescale");
    }

    [Fact]
    public void AnExplodingInitThatReachesNaNIsRescaledFromTheInitialWeights()
    {
        // 5 ReLU layers ×10: the loss goes 4.8e3 → NaN in 4 steps; rescaling the already-updated weights left it at 1e4+
        var doctor = RunRepaired("exploding-init-x10-d5-0", 80);
        Assert.Contains(doctor.Findings, f => f.Parameter == "repair:rescale");
        double final = FinalLoss(doctor);
        Assert.True(double.IsFinite(final) && final < 1, $"final loss {final}");
    }

    [Fact]
    public void SwingsFromATwoSampleBatchNormAreNotRepairedWithTheLr()
    {
        // the swings and gradient spikes come from BatchNorm's 2-sample statistics: SmallBatchNorm is reported (with
        // its consequences), but neither the lr nor the clip repair, which act on symptoms a larger batch removes
        var doctor = RunRepaired("batchnorm-batch-2-0", 150);
        Assert.Contains(doctor.Findings, f => f.Kind == FindingKind.SmallBatchNorm);
        Assert.Contains(doctor.Findings, f => f.Kind is FindingKind.OscillatingLoss or FindingKind.ExplodingGradient && f.Parameter is null);
        Assert.DoesNotContain(doctor.Findings, f => f.Parameter is "repair:lr" or "repair:clip");
    }

    [Fact]
    public void ACorruptBatchIsNamedAsTheRootAndSkipped()
    {
        // one NaN feature in sample 37: without repair every weight turns NaN after the first step, and each of those
        // findings (and the NaN loss) is shown as a consequence of the corrupt input, not of an exploding gradient
        Doctor plain;
        try { plain = Scenarios.All().Single(s => s.Name == "nan-in-data-0").Run(30); }
        finally { Scenarios.DefaultOptions = null; }
        var input = Assert.Single(plain.Findings, f => f.Kind == FindingKind.NonFiniteValue && f.Evidence.ContainsKey("nonFiniteValues"));
        Assert.Null(input.CausedBy);
        Assert.Equal(37, input.Evidence["firstSample"]);
        Assert.DoesNotContain(plain.Findings, f => f.Kind == FindingKind.ExplodingGradient);
        Assert.All(plain.Findings.Where(f => !ReferenceEquals(f, input)), f => Assert.Equal(FindingKind.NonFiniteValue, f.CausedBy));

        // with repair the corrupt batch's update is skipped (no rollback, the lr unchanged) and the clean ones train
        var doctor = RunRepaired("nan-in-data-0", 150);
        Assert.Contains(doctor.Findings, f => f.Parameter == "repair:skip");
        Assert.DoesNotContain(doctor.Findings, f => f.Parameter is "repair:rollback" or "repair:lr");
        var finite = doctor.History.Losses.Select(l => l.Loss).Where(double.IsFinite).ToList();
        Assert.True(finite.TakeLast(10).Average() < 0.1 * finite[0], $"final loss {finite.TakeLast(10).Average()}");
    }
}
