using Tidu.Diagnostics;
using Tidu.DoctorBench;
using Tidu.NN;
using Tidu.Optim;

namespace Tidu.Tests.Diagnostics;

/// <summary>
/// The boundary between OscillatingLoss and DivergingLoss: loss curves fed to the doctor step by step (a tiny model
/// whose real loss is replaced by the scripted value), and the tuning half's oscillation and divergence scenarios.
/// </summary>
[Collection(DoctorScenarioCollection.Name)]
public class DoctorLossCurveTests
{
    /// <summary>
    /// Runs a doctor over the given losses, one optimizer step per value, and returns its findings. Each step feeds
    /// the model another input, as mini-batches do; with <paramref name="fullBatch"/> it is the same input every step.
    /// </summary>
    internal static IReadOnlyList<Finding> Observe(IEnumerable<double> losses, bool fullBatch = false)
    {
        Tensor.ManualSeed(5);
        var model = new Linear(2, 1);
        var opt = new SGD(model.Parameters(), lr: 1e-3);
        using var doctor = new Doctor(model, opt);
        int step = 0;
        foreach (double value in losses)
        {
            var x = Tensor.From(new float[] { 0.5f + (fullBatch ? 0 : 0.01f * (step++ % 7)), -0.25f }, 1, 2);
            opt.ZeroGrad();
            var output = model.Forward(x).Sum();
            // the gradient comes from the model, the recorded loss value from the script
            var loss = output * 0 + (float)value;
            loss.Backward();
            doctor.Observe(loss);
            opt.Step();
        }
        return doctor.Findings;
    }

    private static IEnumerable<double> Repeat(double value, int count) => Enumerable.Repeat(value, count);

    [Fact]
    public void ARiseAfterConvergingIsNotAPlateau()
    {
        // falls to 1e-4 of its start, then sits at 0.8 of it for 20 steps (a late instability): not SlowConvergence,
        // whereas the same 20 high steps after a loss that never got below 0.8 of its start are a plateau
        var converged = Enumerable.Range(0, 40).Select(i => 1.0 * Math.Pow(0.8, i)).Append(1e-4).Concat(Repeat(0.8, 20)).ToList();
        Assert.DoesNotContain(Observe(converged), f => f.Kind == FindingKind.SlowConvergence);
        var stalled = Enumerable.Range(0, 8).Select(i => 1.0 - 0.025 * i).Concat(Repeat(0.8, 53)).ToList();
        Assert.Contains(Observe(stalled), f => f.Kind == FindingKind.SlowConvergence);
    }

    [Fact]
    public void APauseAfterAFastFirstFallIsNotAPlateau()
    {
        // healthy-moons-tanh-sgdm-1-r1: 0.65 → 0.29 in 5 steps, then 20 steps near 0.27 before it trains on. Against
        // the mean of the first 5 losses (0.50) that pause looked "still above half the start"; against the first loss
        // (0.65) it is 0.42 of it, and the run has made progress. A stall at 0.6 of the first loss is still a plateau.
        double[] fall = [0.65, 0.58, 0.51, 0.43, 0.35];
        var paused = fall.Concat(Enumerable.Range(0, 25).Select(i => 0.27 + (i % 2 == 0 ? 0.02 : -0.02))).ToList();
        Assert.DoesNotContain(Observe(paused), f => f.Kind == FindingKind.SlowConvergence);
        var stalled = fall.Concat(Enumerable.Range(0, 25).Select(i => 0.40 + (i % 2 == 0 ? 0.02 : -0.02))).ToList();
        Assert.Contains(Observe(stalled), f => f.Kind == FindingKind.SlowConvergence);
    }

    [Fact]
    public void UnshuffledBatchesAfterAFastFirstFallAreNotAnOscillation()
    {
        // healthy-moons-tanh-sgdm-0-r3 (tuning replicas, 8 seeds): 0.64 → 0.30 in 4 steps, then 4 unshuffled batches
        // whose losses settle at 0.18–0.38 and fall slowly. Against the trend start (the mean of the first 5, 0.45) the
        // swings looked "still high" and OscillatingLoss fired at step 15; against the first loss they are below half
        // of it. The same swings while the loss is still high are an oscillation.
        double[] run = [0.636, 0.542, 0.462, 0.312, 0.301, 0.276, 0.367, 0.181, 0.275, 0.304, 0.432, 0.183, 0.268, 0.273,
            0.384, 0.207, 0.284, 0.267, 0.347, 0.198, 0.265, 0.244, 0.327, 0.168, 0.239, 0.243, 0.326, 0.170, 0.237, 0.236,
            0.305, 0.175, 0.233, 0.221, 0.284, 0.163, 0.219, 0.203, 0.274, 0.146];
        Assert.DoesNotContain(Observe([.. run]), f => f.Kind == FindingKind.OscillatingLoss);
        var high = run.Select((l, i) => i < 5 ? l : 1.8 * l).ToList();
        Assert.Contains(Observe(high), f => f.Kind == FindingKind.OscillatingLoss);
    }

    [Fact]
    public void SpikesThatComeBackDownAreOscillationNotDivergence()
    {
        // a loss that falls, then jumps ×10 every third step and comes back each time: above twice its start on
        // single steps, never for long
        var curve = new List<double> { 0.7, 0.6, 0.5, 0.45, 0.4, 0.38, 0.36, 0.35, 0.34, 0.33 };
        for (int i = 0; i < 30; i++) curve.Add(i % 3 == 0 ? 4.0 : 0.35);
        var findings = Observe(curve);
        Assert.Contains(findings, f => f.Kind == FindingKind.OscillatingLoss);
        Assert.DoesNotContain(findings, f => f.Kind == FindingKind.DivergingLoss);
    }

    [Fact]
    public void ClassOrderedBatchesThatJumpToNearTheStartAreNotOscillation()
    {
        // unshuffled, class-sorted batches: the loss falls within each class's batches and jumps ×4 when the class
        // changes, but only back to about the start (a chance-level guess), while the troughs keep falling
        var curve = new List<double>();
        double trough = 0.4;
        for (int cycle = 0; cycle < 12; cycle++, trough *= 0.7)
            curve.AddRange([1.3, 0.8, trough * 1.5, trough]);
        Assert.DoesNotContain(Observe(curve), f => f.Kind == FindingKind.OscillatingLoss);
    }

    [Fact]
    public void OnOneFullBatchAJumpThatFallsBackIsOscillationAtAnyLevel()
    {
        // held-out lr-oscillating-1-r7 (8 seeds): full-batch momentum SGD falls from 0.70 to 0.03, then jumps ×30–×190
        // in one step to 0.26–0.65 and falls back, below twice its start. Mini-batches jump like that when a harder
        // batch comes round (class-ordered data); one batch on every step cannot, so there the update overshoots.
        double[] run = [0.704, 0.612, 0.498, 0.341, 0.289, 0.304, 0.306, 0.308, 0.228, 0.162, 0.124, 0.103, 0.116, 0.073,
            0.098, 0.038, 0.026, 0.074, 0.235, 0.108, 0.032, 0.097, 0.008, 0.320, 0.198, 0.066, 0.079, 0.025, 0.065, 0.001,
            0.263, 0.071, 0.131, 0.317, 0.647, 0.071, 0.024, 0.032, 0.016, 0.003];
        Assert.Contains(Observe(run, fullBatch: true), f => f.Kind == FindingKind.OscillatingLoss);
        Assert.DoesNotContain(Observe(run), f => f.Kind == FindingKind.OscillatingLoss);
    }

    [Fact]
    public void OneCatapultSpikeFarAboveTheStartIsOscillation()
    {
        // momentum SGD at a too-high lr: the loss falls, jumps to 9× its start in one step and falls back
        var curve = new List<double> { 0.66, 0.5, 0.32, 0.22, 0.25, 0.26, 0.25, 0.22, 0.25, 0.58, 6.0, 1.1, 0.9, 0.45, 0.4 };
        curve.AddRange(Repeat(0.35, 10));
        var findings = Observe(curve);
        var oscillation = Assert.Single(findings, f => f.Kind == FindingKind.OscillatingLoss);
        // a finding raised again keeps its first step in the evidence
        double first = oscillation.FirstStep;
        Assert.InRange(first, 10, 14);
        Assert.DoesNotContain(findings, f => f.Kind == FindingKind.DivergingLoss);
    }

    [Fact]
    public void AlternatingSwingsWithoutProgressAreOscillationNotDivergence()
    {
        // the loss alternates between 0.3 and 1.6 (mean above twice the start of 0.5) without a trend
        var curve = new List<double>(Repeat(0.5, 10));
        for (int i = 0; i < 30; i++) curve.Add(i % 2 == 0 ? 1.6 : 0.3);
        var findings = Observe(curve);
        Assert.Contains(findings, f => f.Kind == FindingKind.OscillatingLoss);
        Assert.DoesNotContain(findings, f => f.Kind == FindingKind.DivergingLoss);
    }

    [Fact]
    public void SteadyGrowthIsDivergence()
    {
        // ×1.1 per step from step 10 on: smooth, no swings
        var curve = Enumerable.Range(0, 60).Select(i => 0.5 * Math.Pow(1.1, Math.Max(0, i - 10))).ToList();
        var findings = Observe(curve);
        Assert.Contains(findings, f => f is { Kind: FindingKind.DivergingLoss, Severity: Severity.Error });
        Assert.DoesNotContain(findings, f => f.Kind == FindingKind.OscillatingLoss);
    }

    [Fact]
    public void ALossThatJumpsAndStaysHighIsDivergence()
    {
        var curve = new List<double>(Repeat(0.5, 12));
        curve.AddRange(Enumerable.Range(0, 20).Select(i => 5.0 + 0.5 * (i % 2)));
        Assert.Contains(Observe(curve), f => f.Kind == FindingKind.DivergingLoss);
    }

    [Fact]
    public void ANonFiniteLossIsDivergence() =>
        Assert.Contains(Observe([.. Repeat(0.5, 12), double.NaN, double.NaN]), f => f.Kind == FindingKind.DivergingLoss);

    [Fact]
    public void NoisyButFallingLossRaisesNothing()
    {
        // mini-batch SGD: a falling trend with ±30 % noise alternating in sign
        var curve = Enumerable.Range(0, 80).Select(i => (0.7 * Math.Exp(-i / 30.0) + 0.05) * (i % 2 == 0 ? 1.3 : 0.7)).ToList();
        var findings = Observe(curve);
        Assert.DoesNotContain(findings, f => f.Kind is FindingKind.OscillatingLoss or FindingKind.DivergingLoss);
    }

    [Theory]
    [InlineData("osc-moons-sgdm-0")]
    [InlineData("osc-moons-deep-sgdm-0")]
    [InlineData("osc-moons-adam-0")]
    [InlineData("lr-oscillating-0")]
    public void TooHighLrThatOscillatesIsNotCalledDivergence(string name)
    {
        var findings = Scenarios.All().Single(s => s.Name == name).Run(80).Findings;
        Assert.Contains(findings, f => f.Kind == FindingKind.OscillatingLoss);
        Assert.DoesNotContain(findings, f => f.Kind == FindingKind.DivergingLoss);
    }

    [Theory]
    [InlineData("div-moons-sgdm-0")]
    [InlineData("div-linreg-edge-0")]
    public void GenuineDivergenceIsFound(string name) =>
        Assert.Contains(Scenarios.All().Single(s => s.Name == name).Run(80).Findings, f => f.Kind == FindingKind.DivergingLoss);

    [Theory]
    [InlineData("healthy-moons-tanh-sgdm-0")]
    [InlineData("healthy-spirals-relu-adam-s71-0")]
    [InlineData("healthy-moons-tanh-sgdm-s74-0")]
    public void HealthyNoisySgdRaisesNothing(string name) =>
        Assert.Empty(Scenarios.All().Single(s => s.Name == name).Run(150).Findings);
}
