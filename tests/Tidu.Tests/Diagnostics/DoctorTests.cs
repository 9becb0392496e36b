using Tidu.Diagnostics;
using Tidu.DoctorBench;
using Tidu.NN;
using Tidu.Optim;

namespace Tidu.Tests.Diagnostics;

/// <summary>Each rule on its scenario from bench/doctor (fewer steps), and silence on healthy runs.</summary>
[Collection(DoctorScenarioCollection.Name)]
public class DoctorTests
{
    private const int Steps = 80;

    public static TheoryData<string> Faulty() =>
        [.. Scenarios.All().Where(s => s.Split == "tune" && !s.Healthy).Select(s => s.Name)];

    public static TheoryData<string> Healthy() => [.. Scenarios.All().Where(s => s.Healthy).Select(s => s.Name).Take(4)];

    [Theory]
    [MemberData(nameof(Faulty))]
    public void EachRuleTriggersOnItsScenario(string name)
    {
        var sc = Scenarios.All().Single(s => s.Name == name);
        var findings = sc.Run(Steps).Findings;
        foreach (var kind in sc.Expected) Assert.Contains(findings, f => f.Kind == kind);
    }

    [Theory]
    [MemberData(nameof(Healthy))]
    public void HealthyRunsRaiseNoWarnings(string name)
    {
        var findings = Scenarios.All().Single(s => s.Name == name).Run(Steps).Findings;
        Assert.DoesNotContain(findings, f => f.Severity >= Severity.Warning);
    }

    [Fact]
    public void FindingsNameTheParameter()
    {
        var frozen = Scenarios.All().Single(s => s.Name == "frozen-layer-0").Run(20).Findings;
        Assert.Contains(frozen, f => f is { Kind: FindingKind.NoGradient, Severity: Severity.Info, Parameter: "0.weight" });
        var detached = Scenarios.All().Single(s => s.Name == "detached-branch-0").Run(20).Findings;
        Assert.True(detached.Any(f => f is { Kind: FindingKind.NoGradient, Severity: Severity.Error, Parameter: "side.0.weight" }), string.Join("\n", detached));
        Assert.DoesNotContain(detached, f => f.Parameter is not null && f.Parameter.StartsWith("main", StringComparison.Ordinal));
        var bn = Scenarios.All().Single(s => s.Name == "batchnorm-batch-2-0").Run(5).Findings;
        Assert.Contains(bn, f => f is { Kind: FindingKind.SmallBatchNorm, Parameter: "1" });
    }

    /// <summary>
    /// A Tanh after a Linear(1, 1) with weight 10 and bias 0, fed batches of 100 inputs in turn, where the given fraction
    /// of each batch's inputs is beyond ±0.5 (pre-activations beyond ±5); returns the SaturatedActivation findings.
    /// </summary>
    private static List<Finding> SaturationOver(double[] fractions, int steps)
    {
        var model = new Sequential(new Linear(1, 1), new Tanh());
        foreach (var (name, p) in model.NamedParameters()) Init.Constant(p, name.EndsWith("weight", StringComparison.Ordinal) ? 10 : 0);
        var opt = new SGD(model.Parameters(), lr: 1e-12);
        using var doctor = new Doctor(model, opt);
        for (int step = 0; step < steps; step++)
        {
            int beyond = (int)Math.Round(100 * fractions[step % fractions.Length]);
            var x = Enumerable.Range(0, 100).Select(i => i < beyond ? 0.8f : 0.1f).ToArray();
            opt.ZeroGrad();
            var y = model.Forward(Tensor.From(x, 100, 1));
            var loss = (y * y).Mean();
            loss.Backward();
            doctor.Observe(loss);
            opt.Step();
        }
        return [.. doctor.Findings.Where(f => f.Kind == FindingKind.SaturatedActivation)];
    }

    [Fact]
    public void SaturationIsJudgedOnItsMeanOverBatchesThatTakeTurns()
    {
        // saturated-tanh-1-r4: 0.51, 0.47, 0.54, 0.52 in turn. One batch at 0.47 used to reset the count every 4 steps.
        var found = Assert.Single(SaturationOver([0.51, 0.47, 0.54, 0.52], 40));
        Assert.Equal("1", found.Parameter);
        Assert.InRange(found.Evidence["saturatedFraction"], 0.5, 0.54);
        // below the threshold on average: quiet, although three of four batches are above it
        Assert.Empty(SaturationOver([0.52, 0.51, 0.52, 0.3], 40));
    }

    [Fact]
    public void AFirstLayerGradientThatUnderflowedIsCalledExactlyZero()
    {
        // Linear(2, 4) with weights 1e4 feeds a Sigmoid that saturates to exactly 1 in float32, so no gradient gets
        // through to the first layer while the last one still learns. "0 times that of the last" read as a slip.
        var model = new Sequential(new Linear(2, 4), new Sigmoid(), new Linear(4, 1));
        Init.Constant(model.NamedParameters().Single(p => p.Name == "0.weight").Parameter, 1e4);
        var opt = new SGD(model.Parameters(), lr: 1e-3);
        using var doctor = new Doctor(model, opt);
        var x = Tensor.From([1f, 1f, 2f, 1f, 1f, 2f, 2f, 2f], 4, 2);
        for (int step = 0; step < 10; step++)
        {
            opt.ZeroGrad();
            var loss = (model.Forward(x) - 3).Pow(2).Mean();
            loss.Backward();
            doctor.Observe(loss);
            opt.Step();
        }
        var vanishing = Assert.Single(doctor.Findings, f => f.Kind == FindingKind.VanishingGradient);
        Assert.Equal(0, vanishing.Evidence["firstGradNorm"]);
        Assert.Contains("exactly zero", vanishing.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0 times", vanishing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AccumulationOverMicroBatchesIsNotGradientNotZeroed()
    {
        var data = Scenarios.Moons(64, 1);
        var model = Scenarios.Mlp(2, 2, 16, 1, () => new ReLU(), 1);
        var opt = new SGD(model.Parameters(), lr: 0.05);
        using var doctor = new Doctor(model, opt);
        for (int step = 0; step < 10; step++)
        {
            for (int micro = 0; micro < 4; micro++)
            {
                var loss = Functional.CrossEntropy(model.Forward(data.X.Narrow(0, 16 * micro, 16)), data.Y.Narrow(0, 16 * micro, 16)) * 0.25;
                loss.Backward();
                doctor.Observe(loss);
            }
            opt.Step();
            opt.ZeroGrad(setToNone: step % 2 == 0); // both ways of clearing
        }
        Assert.DoesNotContain(doctor.Findings, f => f.Kind == FindingKind.GradientNotZeroed);

        // the same loop without ZeroGrad is caught, and names the parameter
        var model2 = Scenarios.Mlp(2, 2, 16, 1, () => new ReLU(), 1);
        var opt2 = new SGD(model2.Parameters(), lr: 0.05);
        using var doctor2 = new Doctor(model2, opt2);
        for (int step = 0; step < 3; step++)
        {
            var loss = Functional.CrossEntropy(model2.Forward(data.X), data.Y);
            loss.Backward();
            doctor2.Observe(loss);
            opt2.Step();
        }
        Assert.Contains(doctor2.Findings, f => f is { Kind: FindingKind.GradientNotZeroed, Parameter: "0.weight" });
    }

    [Fact]
    public void RepairLowersTheLearningRateAndRecordsIt()
    {
                var doctor = Scenarios.Regress(Scenarios.LinReg(256, 5, 3, 1), Scenarios.Mlp(5, 1, 16, 1, () => new ReLU(), 3),
            m => new SGD(m.Parameters(), lr: 1.5), 60, options: new DoctorOptions { Repair = true });
        // lr 1.5 blows up to non-finite gradients within a few steps: the repair rolls back to the last good weights
        var repair = doctor.Findings.First(f => f.Parameter is "repair:lr" or "repair:rollback");
        Assert.Equal(Severity.Info, repair.Severity);
        Assert.True(repair.Evidence["lrAfter"] < repair.Evidence["lrBefore"]);
        Assert.Equal(repair.Evidence["lrBefore"] * 0.1, repair.Evidence["lrAfter"], 6);
        // and training recovers instead of staying NaN
        var losses = doctor.History.Losses.Select(l => l.Loss).Where(l => !double.IsNaN(l)).ToList();
        Assert.True(double.IsFinite(losses[^1]) && losses[^1] < losses[0], $"final loss {losses[^1]}, initial {losses[0]}");
    }

    [Fact]
    public void FindingsAreDeduplicatedAndRaisedOnce()
    {
        var model = Scenarios.Mlp(2, 2, 8, 1, () => new ReLU(), 2);
        var opt = new Adam(model.Parameters(), lr: 1e-2);
        using var doctor = new Doctor(model, opt);
        int events = 0;
        doctor.FindingRaised += _ => events++;
        var data = Scenarios.Pixels(Scenarios.Moons(32, 2));
        for (int step = 0; step < 5; step++)
        {
            opt.ZeroGrad();
            var loss = Functional.CrossEntropy(model.Forward(data.X), data.Y);
            loss.Backward();
            doctor.Observe(loss);
            opt.Step();
        }
        var f = Assert.Single(doctor.Findings, x => x.Kind == FindingKind.UnnormalizedInput);
        Assert.Equal("0", f.Parameter);
        Assert.Equal(doctor.Findings.Count, events);
        Assert.Equal(5, doctor.History.Losses.Count);
    }
}
