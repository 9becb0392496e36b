using Tidu.Diagnostics;
using Tidu.DoctorBench;

namespace Tidu.Tests.Diagnostics;

/// <summary>Exploding initialisation across depth, the oscillation rule on SGD momentum noise, and cause attribution.</summary>
[Collection(DoctorScenarioCollection.Name)]
public class DoctorCauseTests
{
    private static Doctor Run(string name, int steps, DoctorOptions? options = null)
    {
        Scenarios.DefaultOptions = options;
        try { return Scenarios.All().Single(s => s.Name == name).Run(steps); }
        finally { Scenarios.DefaultOptions = null; }
    }

    [Fact]
    public void AnUpdateRatioInflatedByCollapsedWeightsIsNotAnLrTooHigh()
    {
        // held-out underfit-linear-xor-1-r7: Adam moves a linear model on XOR towards its best weights, 0; at 0.3 of
        // their initial norm every step is 0.12 of them. That was LearningRateTooHigh, with the plateau its consequence.
        var doctor = Scenarios.All(8).Single(s => s.Name == "underfit-linear-xor-1-r7").Run(150);
        Assert.DoesNotContain(doctor.Findings, f => f.Kind == FindingKind.LearningRateTooHigh);
        Assert.Contains(doctor.Findings, f => f is { Kind: FindingKind.SlowConvergence, CausedBy: null });
    }

    [Fact]
    public void ExplodingInitWithoutNaNIsFoundAtTheFirstLayerWithAConcreteFix()
    {
        // 4 ReLU layers with weights ×10: the loss stays finite and ‖g_first‖/‖g_last‖ stays near 1
        var findings = Run("exploding-init-x10-0", 15).Findings;
        var f = Assert.Single(findings, x => x.Kind == FindingKind.ExplodingGradient && x.Parameter is not null);
        Assert.Equal("0.weight", f.Parameter);
        Assert.True(f.Step < 15);
        Assert.True(f.Evidence["gainPerLayer"] > 2);
        Assert.Contains(f.Suggestions, s => s.Contains("Kaiming", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, x => x.Kind == FindingKind.NonFiniteValue);
    }

    [Theory]
    [InlineData("healthy-moons-relu-adam-0")]
    [InlineData("healthy-spirals-relu-adam-0")]
    [InlineData("healthy-moons-bn-0")]
    public void HealthyReluNetsDoNotLookExploding(string name) =>
        Assert.DoesNotContain(Run(name, 20).Findings, f => f.Kind == FindingKind.ExplodingGradient);

    [Theory]
    [InlineData("healthy-moons-tanh-sgdm-0")]
    [InlineData("healthy-moons-tanh-sgdm-1")] // the run whose momentum bump the previous oscillation rule flagged
    public void HealthySgdMomentumRunHasNoFindings(string name) =>
        Assert.Empty(Run(name, 150).Findings);

    [Fact]
    public void LearningRateTooHighComesBeforeTheDivergenceItCauses()
    {
        // momentum SGD at lr 0.8 that spikes, then blows up (lr-oscillating-0 used to stand here, but its loss only
        // oscillates, and is no longer called diverging)
        var doctor = Run("div-moons-sgdm-0", 60);
        var diverging = Assert.Single(doctor.Findings, f => f.Kind == FindingKind.DivergingLoss);
        Assert.Equal(FindingKind.LearningRateTooHigh, diverging.CausedBy);
        Assert.Contains("consequence of LearningRateTooHigh", diverging.ToString(), StringComparison.Ordinal);
        var ordered = doctor.FindingsByCause.ToList();
        int high = ordered.FindIndex(f => f.Kind == FindingKind.LearningRateTooHigh);
        int div = ordered.FindIndex(f => f.Kind == FindingKind.DivergingLoss);
        Assert.True(high >= 0 && high < div, string.Join("\n", ordered));
        Assert.Null(ordered[high].CausedBy);
        // the text summary indents the consequence under its cause
        var lines = FindingOrder.Format(doctor.Findings).Split('\n');
        int highLine = Array.FindIndex(lines, l => l.Contains("] LearningRateTooHigh", StringComparison.Ordinal));
        int divLine = Array.FindIndex(lines, l => l.Contains("] DivergingLoss", StringComparison.Ordinal));
        Assert.True(highLine >= 0 && highLine < divLine && lines[divLine].StartsWith("  ↳ [", StringComparison.Ordinal), string.Join("\n", lines));
    }

    [Fact]
    public void LearningRateTooLowUnderVanishingGradientsIsDemotedAndDoesNotSayRaiseTheLr()
    {
        var findings = Run("vanishing-deep-sigmoid-0", 80).Findings;
        Assert.Contains(findings, f => f is { Kind: FindingKind.VanishingGradient, CausedBy: null });
        var low = Assert.Single(findings, f => f.Kind == FindingKind.LearningRateTooLow);
        Assert.Equal(FindingKind.VanishingGradient, low.CausedBy);
        Assert.Equal(Severity.Info, low.Severity);
        Assert.DoesNotContain(low.Suggestions, s => s.StartsWith("raise the learning rate", StringComparison.Ordinal));
        Assert.Contains("not because of the learning rate", low.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GradientsThatVanishAfterAnLrOvershootAreItsConsequence()
    {
        // lr-too-high-adam-1-r1 and three more held-out replicas: the first updates kill most ReLUs, and then the
        // gradient no longer reaches the first layer. That vanishing gradient is the overshoot's doing, not a root of
        // its own; a vanishing gradient without an overshoot still is one
        Finding Make(FindingKind kind, string? parameter) =>
            new(kind, Severity.Warning, 10, parameter, new Dictionary<string, double>(), kind.ToString(), ["a remedy"]);
        var attributed = CauseGraph.Attribute([Make(FindingKind.LearningRateTooHigh, null), Make(FindingKind.VanishingGradient, "0.weight")]);
        Assert.Equal(FindingKind.LearningRateTooHigh, Assert.Single(attributed, f => f.Kind == FindingKind.VanishingGradient).CausedBy);
        var alone = CauseGraph.Attribute([Make(FindingKind.VanishingGradient, "0.weight"), Make(FindingKind.LearningRateTooLow, null)]);
        Assert.Null(Assert.Single(alone, f => f.Kind == FindingKind.VanishingGradient).CausedBy);
    }

    [Fact]
    public void SmallUpdatesAfterAnOvershootKilledTheUnitsAreNotAdvisedALargerLr()
    {
        // lr-too-high-adam-1 (held-out): the overshoot kills most ReLUs and the updates then become tiny. Linked to the
        // overshoot through the dead units, LearningRateTooLow read "a consequence of lr too high" and advised raising it.
        Finding Make(FindingKind kind, string? parameter, params string[] remedies) =>
            new(kind, Severity.Warning, 10, parameter, new Dictionary<string, double>(), kind.ToString(), remedies);
        var attributed = CauseGraph.Attribute([
            Make(FindingKind.LearningRateTooHigh, null, "lower the learning rate from 0.05 to 0.005"),
            Make(FindingKind.DeadRelu, "1", "use LeakyReLU or GELU"),
            Make(FindingKind.LearningRateTooLow, null, "raise the learning rate from 0.05 to 0.5")]);
        var low = Assert.Single(attributed, f => f.Kind == FindingKind.LearningRateTooLow);
        Assert.Equal(FindingKind.LearningRateTooHigh, low.CausedBy);
        Assert.Equal(Severity.Info, low.Severity);
        Assert.DoesNotContain(low.Suggestions, s => s.StartsWith("raise the learning rate", StringComparison.Ordinal));
        Assert.Contains("because of “Dead ReLU units”, a consequence of “Learning rate too high”", low.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ByCausePutsEachRootBeforeItsConsequences()
    {
        static Finding F(FindingKind k, Severity s, int step, FindingKind? cause = null) =>
            new(k, s, step, null, new Dictionary<string, double>(), k.ToString(), []) { CausedBy = cause };
        var ordered = FindingOrder.ByCause(
        [
            F(FindingKind.DivergingLoss, Severity.Error, 11, FindingKind.LearningRateTooHigh),
            F(FindingKind.SmallBatchNorm, Severity.Warning, 0),
            F(FindingKind.LearningRateTooHigh, Severity.Warning, 15),
            F(FindingKind.WeightGrowth, Severity.Warning, 17, FindingKind.LearningRateTooHigh),
            F(FindingKind.SlowConvergence, Severity.Warning, 20, FindingKind.NoGradient), // its cause is not in the list
        ]).Select(f => f.Kind).ToList();
        Assert.Equal(
            [FindingKind.SmallBatchNorm, FindingKind.LearningRateTooHigh, FindingKind.DivergingLoss, FindingKind.WeightGrowth, FindingKind.SlowConvergence],
            ordered);
    }

    [Fact]
    public void ReportLinksAConsequenceToItsCause()
    {
        var root = new Finding(FindingKind.LearningRateTooHigh, Severity.Warning, 15, null, new Dictionary<string, double>(), "lr", []);
        var consequence = new Finding(FindingKind.DivergingLoss, Severity.Error, 11, null, new Dictionary<string, double>(), "div", [])
            { CausedBy = FindingKind.LearningRateTooHigh };
        string html = HtmlReport.Render(new ReportData { Title = "t", Findings = [consequence, root] });
        Assert.Contains("class=\"finding error consequence\"", html, StringComparison.Ordinal);
        Assert.Contains("consequence of <a href=\"#finding-1\">#1 Learning rate too high</a>", html, StringComparison.Ordinal);
        Assert.True(html.IndexOf("LearningRateTooHigh</span>", StringComparison.Ordinal) < html.IndexOf("DivergingLoss</span>", StringComparison.Ordinal));
        Assert.Contains("status error", html, StringComparison.Ordinal); // the worst severity still colours the status line
    }

    [Fact]
    public void RepairRescalesAnExplodingInitAndTrainingRecovers()
    {
        var doctor = Run("exploding-init-x10-0", 60, new DoctorOptions { Repair = true });
        Assert.Contains(doctor.Findings, f => f.Parameter == "repair:rescale");
        var losses = doctor.History.Losses.Select(l => l.Loss).Where(double.IsFinite).ToList();
        Assert.True(losses[^1] < 1 && losses[0] > 100, $"initial {losses[0]}, final {losses[^1]}");
    }

    [Fact]
    public void ElapsedCountsTheDoctorsOwnTime()
    {
        var doctor = Run("healthy-moons-relu-adam-0", 10);
        Assert.True(doctor.Elapsed > TimeSpan.Zero);
    }
}
