using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Ops;

public class ActivationsTests
{
    // values away from the kinks at 0, so finite differences do not straddle them
    private static Tensor AwayFromZero() => Leaf([-2, -0.6, -0.1, 0.2, 0.9, 3], 2, 3);

    [Fact] public void ReluPassesGradCheckAwayFromZero() => AssertGradCheck(t => t.Relu(), AwayFromZero());
    [Fact] public void LeakyReluPassesGradCheckAwayFromZero() => AssertGradCheck(t => t.LeakyRelu(), AwayFromZero());
    [Fact] public void LeakyReluWithCustomSlopePassesGradCheck() => AssertGradCheck(t => t.LeakyRelu(0.2), AwayFromZero());
    [Fact] public void ExactGeluPassesGradCheck() => AssertGradCheck(t => t.Gelu(), RandnLeaf(1, 2, 4));
    [Fact] public void TanhGeluPassesGradCheck() => AssertGradCheck(t => t.Gelu(GeluApproximation.Tanh), RandnLeaf(2, 2, 4));
    [Fact] public void SoftplusPassesGradCheck() => AssertGradCheck(t => t.Softplus(), RandnLeaf(3, 2, 4));
    [Fact] public void SoftplusWithBetaPassesGradCheck() => AssertGradCheck(t => t.Softplus(beta: 2), RandnLeaf(4, 2, 4));

    [Fact]
    public void SoftplusPassesGradCheckOnBothSidesOfTheThreshold() =>
        AssertGradCheck(t => t.Softplus(beta: 2, threshold: 1), Leaf([-1, 0.2, 0.4, 0.7, 2, 25], 6));

    [Fact]
    public void ReluZeroesNegativesAndPassesGradientWhereOutputIsPositive()
    {
        var x = Leaf([-1, 0, 2], 3);
        var y = x.Relu();
        AssertValues([0, 0, 2], [3], y);
        y.Sum().Backward();
        AssertValues([0, 0, 1], [3], x.Grad!); // PyTorch: gradient 0 at x == 0
    }

    [Fact]
    public void LeakyReluScalesNegativesBySlope()
    {
        var x = Leaf([-2, 0, 3], 3);
        var y = x.LeakyRelu(0.1);
        AssertValues([-0.2, 0, 3], [3], y, 1e-15);
        y.Sum().Backward();
        AssertValues([0.1, 0.1, 1], [3], x.Grad!, 1e-15);
        AssertValues([-0.02, 0, 3], [3], Tensor.From(new double[] { -2, 0, 3 }).LeakyRelu(), 1e-15); // default 0.01
    }

    [Fact]
    public void GeluMatchesBothDefinitions()
    {
        double[] v = [-3, -1, 0, 0.5, 1, 2];
        var x = Tensor.From(v);
        // exact: x·Φ(x); Φ(1) = 0.8413447460685429, Φ(−1) = 0.15865525393145707, Φ(2) = 0.9772498680518208,
        // Φ(0.5) = 0.6914624612740131, Φ(−3) = 0.0013498980316301035
        double[] phi = [0.0013498980316301035, 0.15865525393145707, 0.5, 0.6914624612740131, 0.8413447460685429, 0.9772498680518208];
        AssertValues(v.Select((a, i) => a * phi[i]).ToArray(), [6], x.Gelu(), 1e-14);
        double k = Math.Sqrt(2 / Math.PI);
        AssertValues(v.Select(a => 0.5 * a * (1 + Math.Tanh(k * (a + 0.044715 * a * a * a)))).ToArray(), [6], x.Gelu(GeluApproximation.Tanh), 1e-15);
    }

    [Fact]
    public void SoftplusIsLog1PlusExpAndLinearBeyondTheThreshold()
    {
        var x = Tensor.From(new double[] { 0, 1, -1, 30 });
        AssertValues([Math.Log(2), Math.Log(1 + Math.E), Math.Log(1 + 1 / Math.E), 30], [4], x.Softplus(), 1e-15);
        // beta = 2: log(1 + e^(2x))/2
        AssertValues([Math.Log(2) / 2, Math.Log(1 + Math.Exp(2)) / 2, Math.Log(1 + Math.Exp(-2)) / 2, 30], [4], x.Softplus(beta: 2), 1e-15);
        var y = Leaf([30], 1);
        y.Softplus().Sum().Backward();
        Assert.Equal(1, y.Grad!.Item());
    }

    [Fact]
    public void SoftplusIsAccurateForVeryNegativeInputs()
    {
        // log1p(e^x) ≈ e^x when e^x is far below machine epsilon; log(1 + e^x) would round to 0
        var y = Tensor.From(new double[] { -40, -745 }).Softplus().ToArray<double>();
        Assert.Equal(Math.Exp(-40), y[0], Math.Exp(-40) * 1e-14);
        Assert.Equal(Math.Exp(-745), y[1]);
        Assert.Equal(Math.Exp(-40), Tensor.From(new float[] { -40 }).Softplus().ToArray<float>()[0], 1e-24f);
    }

    [Fact]
    public void SoftplusWithZeroBetaThrows() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2).Softplus(beta: 0));
}
