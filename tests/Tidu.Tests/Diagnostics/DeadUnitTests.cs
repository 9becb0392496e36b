using Tidu.Diagnostics;
using Tidu.NN;
using Tidu.Optim;

namespace Tidu.Tests.Diagnostics;

/// <summary>DeadRelu is about units that never fire, not about sparse activations.</summary>
[Collection(DoctorScenarioCollection.Name)]
public class DeadUnitTests
{
    [Fact]
    public void DeadUnitFractionCountsUnitsZeroForTheWholeBatch()
    {
        // units 0 and 2 fire for some sample, unit 1 never, unit 3 only once
        var t = Tensor.From(new float[] { 1, 0, -1, 0, -2, -1, 3, 0, 0, 0, -1, 0.5f }, 3, 4);
        Assert.Equal(0.25, TensorStats.DeadUnitFraction(t));
        Assert.Equal(1.0, TensorStats.DeadUnitFraction(Tensor.Zeros(5, 2, 3)));
    }

    [Fact]
    public void SparseButAliveReluLayerIsNotDead()
    {
        // unit u outputs relu(x[:, u % 4] − 0.8): about 80 % zeros, yet every unit fires for some inputs
        var findings = Run(bias: -0.8);
        Assert.DoesNotContain(findings, f => f.Kind == FindingKind.DeadRelu);
    }

    [Fact]
    public void ReluLayerWithEveryUnitOffIsDead()
    {
        var findings = Run(bias: -10);
        Assert.Contains(findings, f => f.Kind == FindingKind.DeadRelu && f.Parameter == "1");
    }

    [Fact]
    public void DeadUnitsInANetworkThatLearnsAreInfoAndAWarningWhereTheLossStalls()
    {
        // two moons, 64 hidden ReLU units, the first 40 switched off by a bias of −20: the other 24 learn the task
        Tensor.ManualSeed(3);
        var hidden = new Linear(2, 64);
        using (Tensor.NoGrad())
        {
            var b = hidden.Bias!.ToArray<float>();
            for (int u = 0; u < 40; u++) b[u] = -20;
            hidden.Bias.CopyInPlace(Tensor.From(b, 64));
        }
        var model = new Sequential(hidden, new ReLU(), new Linear(64, 2));
        var learning = Tidu.DoctorBench.Scenarios.Classify(Tidu.DoctorBench.Scenarios.Moons(256, 3), model, m => new Adam(m.Parameters(), lr: 1e-2), 120);
        var dead = learning.Findings.Single(f => f.Kind == FindingKind.DeadRelu);
        Assert.Equal(Severity.Info, dead.Severity);
        Assert.True(dead.Evidence["recentLossOverStart"] < 0.5, dead.ToString());
        // every unit off (the dying-relu-bias scenario): the loss stays at chance, a Warning
        var stuck = Tidu.DoctorBench.Scenarios.All().Single(s => s.Name == "dying-relu-bias-0").Run(60);
        Assert.Contains(stuck.Findings, f => f.Kind == FindingKind.DeadRelu && f.Severity == Severity.Warning);
    }

    private static IReadOnlyList<Finding> Run(double bias)
    {
        var linear = new Linear(4, 8);
        using (Tensor.NoGrad())
        {
            var w = new float[32];
            for (int u = 0; u < 8; u++) w[u * 4 + u % 4] = 1;
            linear.Weight.CopyInPlace(Tensor.From(w, 8, 4));
            linear.Bias!.CopyInPlace(Tensor.Full([8], bias, DType.Float32));
        }
        var model = new Sequential(linear, new ReLU(), new Linear(8, 1));
        var optimizer = new SGD(model.Parameters(), lr: 0);
        var generator = new Generator(3);
        using var doctor = new Doctor(model, optimizer);
        for (int step = 0; step < 30; step++)
        {
            optimizer.ZeroGrad();
            var x = Tensor.Rand([64, 4], DType.Float32, generator);
            var y = model.Forward(x);
            var loss = (y * y).Mean();
            loss.Backward();
            doctor.Observe(loss);
            optimizer.Step();
        }
        return doctor.Findings;
    }
}
