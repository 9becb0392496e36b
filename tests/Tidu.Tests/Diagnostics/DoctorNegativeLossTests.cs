using Tidu.Diagnostics;
using Tidu.DoctorBench;

namespace Tidu.Tests.Diagnostics;

/// <summary>
/// Losses that go below 0: the ratio-based loss rules must stay quiet on them, a loss with no lower bound is reported
/// as WeightGrowth at the root of what follows, and a negative loss with a floor is healthy.
/// </summary>
[Collection(DoctorScenarioCollection.Name)]
public class DoctorNegativeLossTests
{
    private static IReadOnlyList<Finding> Observe(IEnumerable<double> losses) => DoctorLossCurveTests.Observe(losses);

    [Fact]
    public void ALossThatFallsFasterAndFasterBelowZeroIsUnbounded()
    {
        // −0.01·1.3^i: each 3-step fall 2.2 × the one before, for 40 steps
        var curve = Enumerable.Range(0, 40).Select(i => -0.01 * Math.Pow(1.3, i)).ToList();
        var growth = Assert.Single(Observe(curve), f => f.Kind == FindingKind.WeightGrowth);
        Assert.Equal(1, growth.Evidence["unboundedLoss"]);
        Assert.Equal(Severity.Error, growth.Severity);
        Assert.True(growth.FirstStep <= 15, $"found at {growth.FirstStep}");
        Assert.Contains(growth.Suggestions, s => s.Contains("log σ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ANegativeLossThatLevelsOffRaisesNothing(bool noisy)
    {
        // a likelihood loss: from 1.5 through 0 to its floor at −1.8, with or without ±0.1 batch noise. The ratio rules
        // used to call steps between negative values spikes and rises.
        var rng = new System.Random(3);
        var curve = Enumerable.Range(0, 150).Select(i => -1.8 + 3.3 * Math.Exp(-i / 15.0) + (noisy ? 0.2 * (rng.NextDouble() - 0.5) : 0)).ToList();
        // (the scripted loss passes no gradient, so NoGradient is expected and not what this test is about)
        var found = Observe(curve).Where(f => f.Kind != FindingKind.NoGradient).ToList();
        Assert.False(found.Count > 0, string.Join("; ", found));
    }

    [Fact]
    public void ALossJitteringJustBelowZeroIsNeitherOscillatingNorDiverging()
    {
        // batch noise around −0.02: −0.005 after −0.03 is "more than 3 × the step before" and "above twice the start"
        // only by the arithmetic of negative numbers, which the ratio rules used to report as spikes
        var rng = new System.Random(7);
        var curve = Enumerable.Range(0, 80).Select(_ => -0.02 + 0.03 * (rng.NextDouble() - 0.5)).ToList();
        var found = Observe(curve).Where(f => f.Kind != FindingKind.NoGradient).ToList();
        Assert.False(found.Count > 0, string.Join("; ", found));
    }

    [Fact]
    public void ALossOfExactlyZeroKeepsTheRatioRulesOn()
    {
        // a hinge loss fits one batch exactly (0), then the run diverges: still DivergingLoss
        var curve = Enumerable.Range(0, 10).Select(i => 1.0 - 0.05 * i).Append(0.0).Concat(Enumerable.Range(0, 25).Select(i => 2.5 + 0.2 * i)).ToList();
        Assert.Contains(Observe(curve), f => f.Kind == FindingKind.DivergingLoss);
    }

    [Fact]
    public void ASlowStraightFallBelowZeroIsNotUnbounded()
    {
        // Adam moving a log-variance by its lr every step lowers a likelihood loss along a straight line for a while:
        // no acceleration, no finding
        var curve = Enumerable.Range(0, 60).Select(i => 0.3 - 0.05 * i).ToList();
        Assert.DoesNotContain(Observe(curve), f => f.Kind == FindingKind.WeightGrowth);
    }

    [Fact]
    public void TheUnboundedRankingLossIsTheRootOfTheBlowUp()
    {
        // momentum SGD on −(s⁺ − s⁻): NaN by step 40; every later finding is shown under the unbounded loss
        var findings = Scenarios.All().Single(s => s.Name == "unbounded-ranking-loss-1").Run(60).Findings;
        var root = Assert.Single(findings, f => f.Kind == FindingKind.WeightGrowth);
        Assert.Null(root.CausedBy);
        Assert.Contains(findings, f => f.Kind == FindingKind.NonFiniteValue);
        Assert.All(findings.Where(f => f != root), f => Assert.Equal(FindingKind.WeightGrowth, f.CausedBy));
        Assert.All(findings.Where(f => f != root), f => Assert.Contains("consequence of “Loss without a lower bound”", f.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void TheReportTitlesTheRootByTheLossAndLinksItsConsequencesToIt()
    {
        var doctor = Scenarios.All().Single(s => s.Name == "unbounded-ranking-loss-1").Run(60);
        string path = Path.Combine(Path.GetTempPath(), $"tidu-unbounded-{Guid.NewGuid():N}.html");
        try
        {
            doctor.WriteReport(path);
            string html = File.ReadAllText(path);
            Assert.Contains("<h3>Loss without a lower bound</h3>", html, StringComparison.Ordinal);
            Assert.Contains("#1 Loss without a lower bound</a>", html, StringComparison.Ordinal);
            Assert.DoesNotContain("Weights keep growing", html, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AnUnboundedLossIsNotRepaired()
    {
        // lowering the lr or rolling back only postpones the overflow of a loss with no floor: with Repair on, the
        // doctor reports it and leaves the run alone (the same findings as without Repair, and no repair records)
        var sc = Scenarios.All().Single(s => s.Name == "unbounded-ranking-loss-1");
        var plain = sc.Run(60).Findings;
        Scenarios.DefaultOptions = new DoctorOptions { Repair = true };
        try
        {
            var repaired = sc.Run(60).Findings;
            Assert.DoesNotContain(repaired, f => f.Parameter is { } p && p.StartsWith("repair:", StringComparison.Ordinal));
            Assert.Equal(plain.Select(f => (f.Kind, f.Parameter)), repaired.Select(f => (f.Kind, f.Parameter)));
        }
        finally
        {
            Scenarios.DefaultOptions = null;
        }
    }
}
