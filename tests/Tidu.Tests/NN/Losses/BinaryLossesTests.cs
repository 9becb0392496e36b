using Tidu.NN;
using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.NN.Losses;

public class BinaryLossesTests
{
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    // ---- BinaryCrossEntropy ----------------------------------------------------------------------------

    [Fact]
    public void BceMatchesTheDefinition()
    {
        var x = Tensor.From(new double[] { 0.2, 0.9, 0.5 });
        var y = Tensor.From(new double[] { 0, 1, 0.3 });
        // −(y log x + (1 − y) log(1 − x))
        double[] expected = [-Math.Log(0.8), -Math.Log(0.9), Math.Log(2)];
        AssertValues(expected, [3], Functional.BinaryCrossEntropy(x, y, reduction: Reduction.None), 1e-15);
        AssertValues([expected.Sum()], [], Functional.BinaryCrossEntropy(x, y, reduction: Reduction.Sum), 1e-15);
        AssertValues([expected.Average()], [], new BCELoss().Forward(x, y), 1e-15);
        var f = new BCELoss().Forward(x.Float(), y.Float());
        Assert.Equal(DType.Float32, f.DType);
        Assert.Equal(expected.Average(), f.Item(), 1e-6);
    }

    [Fact]
    public void BceWeightBroadcastsOverTheInput()
    {
        var x = Tensor.From(new double[] { 0.2, 0.9, 0.5, 0.5, 0.5, 0.5 }, 2, 3);
        var y = Tensor.From(new double[] { 0, 1, 0.3, 1, 1, 1 }, 2, 3);
        var w = Tensor.From(new double[] { 1, 2, 3 });
        double l2 = Math.Log(2);
        double[] expected = [-Math.Log(0.8), -2 * Math.Log(0.9), 3 * l2, l2, 2 * l2, 3 * l2];
        AssertValues(expected, [2, 3], new BCELoss(w, Reduction.None).Forward(x, y), 1e-15);
        AssertValues([expected.Average()], [], Functional.BinaryCrossEntropy(x, y, w), 1e-15);
    }

    [Fact]
    public void BceClampsTheLogAtMinus100ForInputsZeroAndOne()
    {
        var x = Leaf([0, 1, 0, 1], 4);
        var y = Tensor.From(new double[] { 0, 1, 1, 0 });
        var loss = Functional.BinaryCrossEntropy(x, y, reduction: Reduction.None);
        AssertValues([0, 0, 100, 100], [4], loss);
        loss.Sum().Backward();
        // PyTorch's (x − y) / max(x(1 − x), 1e-12): finite, no NaN
        AssertValues([0, 0, -1e12, 1e12], [4], x.Grad!);
        var f = Functional.BinaryCrossEntropy(Tensor.From(new float[] { 0, 1 }), Tensor.From(new float[] { 1, 0 }), reduction: Reduction.Sum);
        Assert.Equal(200.0, f.Item());
    }

    [Fact]
    public void BceGradientWithRespectToTargetIsMinusLogit()
    {
        var x = Tensor.From(new double[] { 0.25, 0.5 });
        var y = Leaf([0.5, 0.5], 2);
        Functional.BinaryCrossEntropy(x, y, reduction: Reduction.Sum).Backward();
        AssertValues([Math.Log(3), 0], [2], y.Grad!, 1e-15);
    }

    public static TheoryData<Reduction> Reductions() => new() { Reduction.Mean, Reduction.Sum, Reduction.None };

    [Theory]
    [MemberData(nameof(Reductions))]
    public void BceGradientsMatchFiniteDifferences(Reduction reduction)
    {
        var x = UniformLeaf(21, 0.05, 0.95, 2, 3);
        var y = UniformLeaf(22, 0, 1, 2, 3);
        var w = Tensor.From(new double[] { 0.5, 1, 2 });
        AssertGradCheck(xs => Functional.BinaryCrossEntropy(xs[0], xs[1], reduction: reduction), x, y);
        AssertGradCheck(xs => Functional.BinaryCrossEntropy(xs[0], xs[1], w, reduction), x, y);
    }

    [Fact]
    public void BceRefusesInputsOutsideZeroOneAndMismatchedShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.BinaryCrossEntropy(Tensor.From(new double[] { 0.5, 1.5 }), Tensor.Zeros([2], DType.Float64)));
        AssertMentions(e.Message, "BinaryCrossEntropy", "[0, 1]", "1.5");
        Assert.Throws<ArgumentException>(() => Functional.BinaryCrossEntropy(Tensor.From(new double[] { double.NaN }), Tensor.Zeros([1], DType.Float64)));
        e = Assert.Throws<ArgumentException>(() => new BCELoss().Forward(Tensor.Full([2, 1], 0.5), Tensor.Zeros(2)));
        AssertMentions(e.Message, "BinaryCrossEntropy", "[2, 1]", "[2]");
        e = Assert.Throws<ArgumentException>(() => Functional.BinaryCrossEntropy(Tensor.Full([2, 3], 0.5), Tensor.Zeros(2, 3), Tensor.Ones(2)));
        AssertMentions(e.Message, "BinaryCrossEntropy", "weight", "[2]", "[2, 3]");
    }

    // ---- BinaryCrossEntropyWithLogits ------------------------------------------------------------------

    [Fact]
    public void BceWithLogitsEqualsBceOfTheSigmoid()
    {
        double[] logits = [-2, 0.5, 3];
        double[] targets = [0, 1, 0.25];
        var expected = logits.Select((x, i) => -(targets[i] * Math.Log(Sigmoid(x)) + (1 - targets[i]) * Math.Log(1 - Sigmoid(x)))).ToArray();
        var x = Tensor.From(logits);
        var y = Tensor.From(targets);
        AssertValues(expected, [3], Functional.BinaryCrossEntropyWithLogits(x, y, reduction: Reduction.None), 1e-14);
        AssertValues([expected.Sum()], [], Functional.BinaryCrossEntropyWithLogits(x, y, reduction: Reduction.Sum), 1e-14);
        AssertValues([expected.Average()], [], new BCEWithLogitsLoss().Forward(x, y), 1e-14);
    }

    [Fact]
    public void BceWithLogitsAppliesWeightAndPosWeight()
    {
        // input [2, 3], posWeight [3] per class, weight [2, 1] per row
        double[] logits = [-2, 0.5, 3, 1, -1, 0];
        double[] targets = [0, 1, 0.25, 1, 0.5, 1];
        double[] pos = [2, 0.5, 3];
        double[] rowWeight = [1, 4];
        var expected = logits.Select((x, i) =>
            rowWeight[i / 3] * -(pos[i % 3] * targets[i] * Math.Log(Sigmoid(x)) + (1 - targets[i]) * Math.Log(1 - Sigmoid(x)))).ToArray();
        var loss = new BCEWithLogitsLoss(Tensor.From(rowWeight, 2, 1), Reduction.None, posWeight: Tensor.From(pos))
            .Forward(Tensor.From(logits, 2, 3), Tensor.From(targets, 2, 3));
        AssertValues(expected, [2, 3], loss, 1e-14);
        var mean = Functional.BinaryCrossEntropyWithLogits(Tensor.From(logits, 2, 3), Tensor.From(targets, 2, 3), Tensor.From(rowWeight, 2, 1), Tensor.From(pos));
        AssertValues([expected.Average()], [], mean, 1e-14);
    }

    [Fact]
    public void BceWithLogitsStaysFiniteForLargeLogits()
    {
        var x = Leaf([1000, -1000, 1000, -1000, 40, -40], 6);
        var y = Tensor.From(new double[] { 1, 0, 0, 1, 1, 0 });
        var loss = Functional.BinaryCrossEntropyWithLogits(x, y, reduction: Reduction.None);
        // the true values at ±40 are e^(−40) ≈ 4e-18 (PyTorch's formula, like this one, may round them to 0)
        AssertValues([0, 0, 1000, 1000, Math.Exp(-40), Math.Exp(-40)], [6], loss, 1e-17);
        loss.Sum().Backward();
        // d/dx = σ(x) − y
        AssertValues([0, 0, 1, -1, Sigmoid(40) - 1, Sigmoid(-40)], [6], x.Grad!, 1e-17);

        var xf = Tensor.From(new float[] { 1000, -1000, 100 }).RequiresGradInPlace();
        var lf = Functional.BinaryCrossEntropyWithLogits(xf, Tensor.From(new float[] { 0, 1, 0.5f }), posWeight: Tensor.From(new float[] { 3 }), reduction: Reduction.Sum);
        Assert.Equal(DType.Float32, lf.DType);
        Assert.Equal(1000 + 3000 + 50, lf.Item(), 1e-3);
        lf.Backward();
        Assert.All(xf.Grad!.ToArray<float>(), g => Assert.True(float.IsFinite(g)));
    }

    [Theory]
    [MemberData(nameof(Reductions))]
    public void BceWithLogitsGradientsMatchFiniteDifferences(Reduction reduction)
    {
        var x = RandnLeaf(31, 2, 3);
        var y = UniformLeaf(32, 0, 1, 2, 3);
        AssertGradCheck(xs => Functional.BinaryCrossEntropyWithLogits(xs[0], xs[1], reduction: reduction), x, y);
        // weight and posWeight are differentiable too (their gradients are summed over the broadcast)
        var w = UniformLeaf(33, 0.5, 2, 2, 1);
        var p = UniformLeaf(34, 0.5, 3, 3);
        AssertGradCheck(xs => Functional.BinaryCrossEntropyWithLogits(xs[0], xs[1], xs[2], xs[3], reduction), x, y, w, p);
    }

    [Fact]
    public void LogSigmoidMatchesTheDefinitionAndGradChecks()
    {
        var x = Tensor.From(new double[] { -800, -3, 0, 2, 800 });
        AssertValues([-800, Math.Log(Sigmoid(-3)), -Math.Log(2), Math.Log(Sigmoid(2)), 0], [5], LossSupport.LogSigmoid(x), 1e-15);
        AssertGradCheck(LossSupport.LogSigmoid, UniformLeaf(35, -8, 8, 7));
    }

    [Fact]
    public void BceWithLogitsRefusesMismatchedShapesAndWeights()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.BinaryCrossEntropyWithLogits(Tensor.Zeros(4, 1), Tensor.Zeros(4)));
        AssertMentions(e.Message, "BinaryCrossEntropyWithLogits", "[4, 1]", "[4]");
        e = Assert.Throws<ArgumentException>(() => new BCEWithLogitsLoss(posWeight: Tensor.Ones(4)).Forward(Tensor.Zeros(2, 3), Tensor.Zeros(2, 3)));
        AssertMentions(e.Message, "posWeight", "[4]", "[2, 3]");
        e = Assert.Throws<ArgumentException>(() => Functional.BinaryCrossEntropyWithLogits(Tensor.Zeros(2), Tensor.From(new long[] { 0, 1 })));
        AssertMentions(e.Message, "BinaryCrossEntropyWithLogits", "Int64");
    }
}
