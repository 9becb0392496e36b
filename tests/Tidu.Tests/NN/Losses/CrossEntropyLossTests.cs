using Tidu.NN;
using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.NN.Losses;

public class CrossEntropyLossTests
{
    // logits [[1, 2, 3], [0, 0, 0]]; log softmax row 0 = x − (3 + log(1 + e⁻¹ + e⁻²)), row 1 = −log 3
    private static readonly double Lse0 = 3 + Math.Log(1 + Math.Exp(-1) + Math.Exp(-2));
    private static readonly double[][] LogP = [[1 - Lse0, 2 - Lse0, 3 - Lse0], [-Math.Log(3), -Math.Log(3), -Math.Log(3)]];
    private static readonly double[] ClassWeight = [0.2, 0.3, 0.5];

    private static Tensor Logits() => Tensor.From(new double[] { 1, 2, 3, 0, 0, 0 }, 2, 3);
    private static Tensor Targets(params long[] t) => Tensor.From(t);
    private static Tensor Weight() => Tensor.From(ClassWeight);

    [Fact]
    public void ClassIndicesGiveMinusLogSoftmaxOfTheTargetClass()
    {
        double l0 = -LogP[0][2], l1 = -LogP[1][0];
        Assert.Equal(0.40760596444438, l0, 1e-13);
        AssertValues([l0, l1], [2], Functional.CrossEntropy(Logits(), Targets(2, 0), reduction: Reduction.None), 1e-15);
        AssertValues([l0 + l1], [], Functional.CrossEntropy(Logits(), Targets(2, 0), reduction: Reduction.Sum), 1e-15);
        AssertValues([(l0 + l1) / 2], [], new CrossEntropyLoss().Forward(Logits(), Targets(2, 0)), 1e-15);
    }

    [Fact]
    public void ContractExampleCompilesAndRuns()
    {
        var logits = Tensor.From(new float[] { 1, 2, 3, 0, 0, 0 }, 2, 3);
        var ce = new CrossEntropyLoss();
        var loss = ce.Forward(logits, Tensor.From(new long[] { 0, 2 }));
        Assert.Equal(DType.Float32, loss.DType);
        Assert.Equal((-LogP[0][0] - LogP[1][2]) / 2, loss.Item(), 1e-6);
    }

    [Fact]
    public void WeightedMeanDividesByTheWeightsOfTheTargets()
    {
        double l0 = -0.5 * LogP[0][2], l1 = -0.2 * LogP[1][0];
        AssertValues([l0, l1], [2], Functional.CrossEntropy(Logits(), Targets(2, 0), Weight(), reduction: Reduction.None), 1e-15);
        AssertValues([l0 + l1], [], Functional.CrossEntropy(Logits(), Targets(2, 0), Weight(), reduction: Reduction.Sum), 1e-15);
        AssertValues([(l0 + l1) / 0.7], [], new CrossEntropyLoss(Weight()).Forward(Logits(), Targets(2, 0)), 1e-15);
    }

    [Fact]
    public void IgnoredTargetsAddNeitherLossNorWeightNorGradient()
    {
        double l0 = -LogP[0][2];
        AssertValues([l0, 0], [2], Functional.CrossEntropy(Logits(), Targets(2, -100), reduction: Reduction.None), 1e-15);
        AssertValues([l0], [], Functional.CrossEntropy(Logits(), Targets(2, -100)), 1e-15);
        // an ignore index inside the class range
        AssertValues([l0], [], new CrossEntropyLoss(ignoreIndex: 0).Forward(Logits(), Targets(2, 0)), 1e-15);
        // with weights the mean divides by the weight of the one target left
        AssertValues([l0], [], Functional.CrossEntropy(Logits(), Targets(2, 1), Weight(), ignoreIndex: 1), 1e-15);
        // every target ignored: the mean is 0/0, NaN as in PyTorch
        Assert.True(double.IsNaN(Functional.CrossEntropy(Logits(), Targets(-100, -100)).Item()));

        var x = Logits().RequiresGradInPlace();
        Functional.CrossEntropy(x, Targets(2, -100)).Backward();
        var g = x.Grad!.ToArray<double>();
        Assert.Equal([0.0, 0.0, 0.0], g[3..]);
        Assert.Equal(Math.Exp(LogP[0][2]) - 1, g[2], 1e-15);
    }

    [Fact]
    public void LabelSmoothingWithoutWeightsEqualsSmoothedOneHotTargets()
    {
        const double eps = 0.1;
        // (1 − ε)·nll + (ε/C)·mean over n of −Σ_c log p
        double nll = (-LogP[0][2] - LogP[1][0]) / 2;
        double smooth = (-LogP[0].Sum() - LogP[1].Sum()) / 2;
        double expected = (1 - eps) * nll + eps / 3 * smooth;
        Assert.Equal(0.80310912655624, expected, 1e-13);
        AssertValues([expected], [], new CrossEntropyLoss(labelSmoothing: eps).Forward(Logits(), Targets(2, 0)), 1e-15);
        var smoothed = Tensor.From(new double[] { 0, 0, 1, 1, 0, 0 }, 2, 3) * (1 - eps) + eps / 3;
        AssertValues([expected], [], Functional.CrossEntropy(Logits(), smoothed), 1e-15);
        // None and Sum
        double[] rows = [(1 - eps) * -LogP[0][2] + eps / 3 * -LogP[0].Sum(), (1 - eps) * -LogP[1][0] + eps / 3 * -LogP[1].Sum()];
        AssertValues(rows, [2], Functional.CrossEntropy(Logits(), Targets(2, 0), reduction: Reduction.None, labelSmoothing: eps), 1e-15);
        AssertValues([rows.Sum()], [], Functional.CrossEntropy(Logits(), Targets(2, 0), reduction: Reduction.Sum, labelSmoothing: eps), 1e-15);
    }

    private static double WeightedSmooth(int n) => -(ClassWeight[0] * LogP[n][0] + ClassWeight[1] * LogP[n][1] + ClassWeight[2] * LogP[n][2]);

    [Fact]
    public void LabelSmoothingWithWeightsAndIgnoreIndexFollowsPyTorch()
    {
        const double eps = 0.1;
        // PyTorch: (1 − ε)·nll_mean + (ε/C)·Σₙ sₙ / Σₙ w[yₙ], sₙ = −Σ_c w_c log p_nc
        double nll = (-0.5 * LogP[0][2] - 0.2 * LogP[1][0]) / 0.7;
        double expected = (1 - eps) * nll + eps / 3 * (WeightedSmooth(0) + WeightedSmooth(1)) / 0.7;
        Assert.Equal(0.6495907206, expected, 1e-9);
        AssertValues([expected], [], new CrossEntropyLoss(Weight(), labelSmoothing: eps).Forward(Logits(), Targets(2, 0)), 1e-15);

        // row 1 ignored: its smoothing term is zeroed and its weight leaves the denominator
        double ignored = (1 - eps) * -LogP[0][2] + eps / 3 * WeightedSmooth(0) / 0.5;
        AssertValues([ignored], [], Functional.CrossEntropy(Logits(), Targets(2, -100), Weight(), labelSmoothing: eps), 1e-15);
        double[] none = [(1 - eps) * -0.5 * LogP[0][2] + eps / 3 * WeightedSmooth(0), 0];
        AssertValues(none, [2], Functional.CrossEntropy(Logits(), Targets(2, -100), Weight(), reduction: Reduction.None, labelSmoothing: eps), 1e-15);
        AssertValues([none[0]], [], Functional.CrossEntropy(Logits(), Targets(2, -100), Weight(), reduction: Reduction.Sum, labelSmoothing: eps), 1e-15);
    }

    [Fact]
    public void ProbabilityTargetsGiveTheCrossEntropyOfTheDistributions()
    {
        double[] p = [0.1, 0.2, 0.7, 1.0 / 3, 1.0 / 3, 1.0 / 3];
        var y = Tensor.From(p, 2, 3);
        double Row(int n, double[] w) => -(w[0] * p[3 * n] * LogP[n][0] + w[1] * p[3 * n + 1] * LogP[n][1] + w[2] * p[3 * n + 2] * LogP[n][2]);
        double[] ones = [1, 1, 1];
        double[] rows = [Row(0, ones), Row(1, ones)];
        AssertValues(rows, [2], Functional.CrossEntropy(Logits(), y, reduction: Reduction.None), 1e-15);
        AssertValues([rows.Sum()], [], Functional.CrossEntropy(Logits(), y, reduction: Reduction.Sum), 1e-15);
        AssertValues([rows.Average()], [], Functional.CrossEntropy(Logits(), y), 1e-15);
        // weighted: the mean still divides by N, not by the weights (PyTorch)
        double[] weighted = [Row(0, ClassWeight), Row(1, ClassWeight)];
        AssertValues([weighted.Average()], [], new CrossEntropyLoss(Weight()).Forward(Logits(), y), 1e-15);
        AssertValues(weighted, [2], new CrossEntropyLoss(Weight(), reduction: Reduction.None).Forward(Logits(), y), 1e-15);
        // smoothing: y ← (1 − ε)·y + ε/C
        var ys = y * 0.8 + 0.2 / 3;
        AssertValues([Functional.CrossEntropy(Logits(), ys).Item()], [], Functional.CrossEntropy(Logits(), y, labelSmoothing: 0.2), 1e-15);
    }

    [Fact]
    public void UnbatchedInputTakesAScalarTarget()
    {
        var x = Tensor.From(new double[] { 1, 2, 3 });
        AssertValues([-LogP[0][1]], [], Functional.CrossEntropy(x, Tensor.Scalar(1L), reduction: Reduction.None), 1e-15);
        AssertValues([-LogP[0][1]], [], Functional.CrossEntropy(x, Tensor.Scalar(1L)), 1e-15);
        AssertValues([-0.3 * LogP[0][1] / 0.3], [], Functional.CrossEntropy(x, Tensor.Scalar(1L), Weight()), 1e-15);
        var probs = Tensor.From(new double[] { 0.1, 0.2, 0.7 });
        AssertValues([-(0.1 * LogP[0][0] + 0.2 * LogP[0][1] + 0.7 * LogP[0][2])], [], Functional.CrossEntropy(x, probs), 1e-15);
        AssertValues([-LogP[0][2] * 0.9 + 0.1 / 3 * -LogP[0].Sum()], [], Functional.CrossEntropy(x, Tensor.Scalar(2L), labelSmoothing: 0.1), 1e-15);
    }

    [Fact]
    public void KDimensionalInputMatchesTheFlattenedTwoDimensionalLoss()
    {
        // input [N=2, C=3, H=2, W=2] equals the rows of input.permute(0, 2, 3, 1).reshape(8, 3)
        var x = Tensor.Randn([2, 3, 2, 2], DType.Float64, new Generator(5));
        var t = Tensor.From(new long[] { 0, 2, 1, -100, 2, 2, 0, 1 }, 2, 2, 2);
        var flatX = x.Permute(0, 2, 3, 1).Reshape(8, 3);
        var flatT = t.Reshape(8);
        foreach (var w in new Tensor?[] { null, Weight() })
        {
            foreach (double eps in new[] { 0.0, 0.25 })
            {
                var none = Functional.CrossEntropy(x, t, w, reduction: Reduction.None, labelSmoothing: eps);
                Assert.Equal([2, 2, 2], none.Shape);
                AssertValues(Functional.CrossEntropy(flatX, flatT, w, reduction: Reduction.None, labelSmoothing: eps).ToArray<double>(), [2, 2, 2], none, 1e-14);
                foreach (var r in new[] { Reduction.Mean, Reduction.Sum })
                    AssertValues([Functional.CrossEntropy(flatX, flatT, w, reduction: r, labelSmoothing: eps).Item()], [],
                        Functional.CrossEntropy(x, t, w, reduction: r, labelSmoothing: eps), 1e-14);
            }
        }
        // one position by hand: n = 0, (h, w) = (0, 1), target 2
        var logp = x.LogSoftmax(1);
        Assert.Equal(-logp[0, 2, 0, 1].Item(), Functional.CrossEntropy(x, t, reduction: Reduction.None)[0, 0, 1].Item(), 1e-15);
        // probability targets of shape [N, C, H, W]
        var y = Tensor.Rand([2, 3, 2, 2], DType.Float64, new Generator(6)).Softmax(1);
        AssertValues([Functional.CrossEntropy(flatX, y.Permute(0, 2, 3, 1).Reshape(8, 3)).Item()], [], Functional.CrossEntropy(x, y), 1e-14);
    }

    [Fact]
    public void NllLossPicksMinusTheLogProbabilityOfTheTarget()
    {
        var logp = Tensor.From(new double[] { -1, -2, -3, -0.5, -1.5, -2.5 }, 2, 3);
        var t = Targets(1, 2);
        AssertValues([2, 2.5], [2], Functional.NllLoss(logp, t, reduction: Reduction.None));
        AssertValues([4.5], [], Functional.NllLoss(logp, t, reduction: Reduction.Sum));
        AssertValues([2.25], [], new NLLLoss().Forward(logp, t));
        var w = Tensor.From(new double[] { 1, 2, 3 });
        AssertValues([4, 7.5], [2], new NLLLoss(w, reduction: Reduction.None).Forward(logp, t));
        AssertValues([11.5 / 5], [], new NLLLoss(w).Forward(logp, t), 1e-15);
        AssertValues([2], [], new NLLLoss(w, ignoreIndex: 2).Forward(logp, t), 1e-15);
        AssertValues([1.5], [], Functional.NllLoss(Tensor.From(new double[] { -1, -1.5 }), Tensor.Scalar(1L)));
        // NllLoss of LogSoftmax is CrossEntropy
        AssertValues([Functional.CrossEntropy(Logits(), Targets(2, 0), Weight()).Item()], [],
            Functional.NllLoss(Logits().LogSoftmax(1), Targets(2, 0), Weight()), 1e-15);
    }

    public static TheoryData<Reduction, bool, double> ClassIndexCases()
    {
        var data = new TheoryData<Reduction, bool, double>();
        foreach (var r in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
            foreach (bool weighted in new[] { false, true })
                foreach (double eps in new[] { 0.0, 0.3 })
                    data.Add(r, weighted, eps);
        return data;
    }

    [Theory]
    [MemberData(nameof(ClassIndexCases))]
    public void CrossEntropyGradientsMatchFiniteDifferences(Reduction reduction, bool weighted, double eps)
    {
        var w = weighted ? Tensor.From(new double[] { 0.5, 1, 2, 0.25 }) : null;
        var x = RandnLeaf(41, 3, 4);
        AssertGradCheck(x => Functional.CrossEntropy(x, Targets(3, -100, 1), w, reduction: reduction, labelSmoothing: eps), x);
        var k = RandnLeaf(42, 2, 4, 3);
        AssertGradCheck(k => Functional.CrossEntropy(k, Tensor.From(new long[] { 0, 1, 3, 2, 2, -100 }, 2, 3), w, reduction: reduction, labelSmoothing: eps), k);
        // probability targets: gradients for the logits and the target distribution
        var p = UniformLeaf(43, 0, 1, 3, 4);
        AssertGradCheck(xs => Functional.CrossEntropy(xs[0], xs[1], w, reduction: reduction, labelSmoothing: eps), x, p);
    }

    public static TheoryData<Reduction, bool, int, double> FusedCases()
    {
        var data = new TheoryData<Reduction, bool, int, double>();
        foreach (var r in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
            foreach (bool weighted in new[] { false, true })
                foreach (int ignoreIndex in new[] { -100, 1 })
                    foreach (double eps in new[] { 0.0, 0.3 })
                        data.Add(r, weighted, ignoreIndex, eps);
        return data;
    }

    // The 2-D case [N, C] with class indices is one fused op; an input [N, C, 1] with targets [N, 1] still takes
    // the composite path (LogSoftmax, Gather, …), so the two can be compared value for value and gradient for gradient.
    [Theory]
    [MemberData(nameof(FusedCases))]
    public void FusedTwoDimensionalPathMatchesTheCompositeOne(Reduction reduction, bool weighted, int ignoreIndex, double eps)
    {
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            double tol = dtype == DType.Float64 ? 1e-14 : 2e-6;
            var w = weighted ? Tensor.From(new double[] { 0.5, 1, 2, 0.25, 3 }).To(dtype) : null;
            var t = Tensor.From(new long[] { 3, ignoreIndex, 1, 0, 4, 1, 2 });
            var values = Tensor.Randn([7, 5], DType.Float64, new Generator(77)) * 3;
            var fusedX = values.To(dtype).RequiresGradInPlace();
            var compositeX = values.To(dtype).RequiresGradInPlace();
            var fused = Functional.CrossEntropy(fusedX, t, w, ignoreIndex, reduction, eps);
            var composite = Functional.CrossEntropy(compositeX.Unsqueeze(2), t.Unsqueeze(1), w, ignoreIndex, reduction, eps);
            if (reduction == Reduction.None) composite = composite.Squeeze(1);
            Assert.Equal(dtype, fused.DType);
            AssertValues(composite.ToArray<double>(), composite.Shape, fused, tol);
            // a non-uniform upstream gradient for None
            var upstream = reduction == Reduction.None ? Tensor.Arange(1.0, 8.0, 1.0, dtype) : Tensor.Full([], 1.5, dtype);
            (fused * upstream).Sum().Backward();
            (composite * upstream).Sum().Backward();
            AssertValues(compositeX.Grad!.ToArray<double>(), [7, 5], fusedX.Grad!, tol);
        }
    }

    // The fused kernels take the exponentials of blocks of rows at once (2048 values) and use scalar loops up to 32
    // classes: several blocks, more classes than the scalar limit, and a row longer than a block all agree with the
    // composite path.
    [Theory]
    [InlineData(500, 10, false)]
    [InlineData(500, 10, true)]
    [InlineData(70, 40, true)]
    [InlineData(5, 3000, false)]
    [InlineData(5, 3000, true)]
    public void FusedPathMatchesTheCompositeOneAcrossBlocksAndClassCounts(int rows, int classes, bool options)
    {
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            double tol = dtype == DType.Float64 ? 1e-13 : 1e-5;
            var g = new Generator(rows + classes);
            var w = options ? (Tensor.Rand([classes], DType.Float64, g) + 0.5).To(dtype) : null;
            int ignoreIndex = options ? 1 : -100;
            double eps = options ? 0.2 : 0;
            var t = Tensor.RandInt(0, classes, [rows], g);
            var values = Tensor.Randn([rows, classes], DType.Float64, g) * 3;
            var fusedX = values.To(dtype).RequiresGradInPlace();
            var compositeX = values.To(dtype).RequiresGradInPlace();
            var fused = Functional.CrossEntropy(fusedX, t, w, ignoreIndex, Reduction.Mean, eps);
            var composite = Functional.CrossEntropy(compositeX.Unsqueeze(2), t.Unsqueeze(1), w, ignoreIndex, Reduction.Mean, eps);
            AssertValues(composite.ToArray<double>(), composite.Shape, fused, tol);
            fused.Backward();
            composite.Backward();
            AssertValues(compositeX.Grad!.ToArray<double>(), [rows, classes], fusedX.Grad!, tol);
        }
    }

    [Theory]
    [MemberData(nameof(FusedCases))]
    public void FusedCrossEntropyGradientsMatchFiniteDifferences(Reduction reduction, bool weighted, int ignoreIndex, double eps)
    {
        var w = weighted ? Tensor.From(new double[] { 0.5, 1, 2, 0.25 }) : null;
        var x = RandnLeaf(45, 5, 4);
        AssertGradCheck(x => Functional.CrossEntropy(x, Targets(3, 1, ignoreIndex, 0, 1), w, ignoreIndex, reduction, eps), x);
    }

    [Fact]
    public void FusedPathHandlesExtremeLogitsAndAllIgnoredRowsAsPyTorch()
    {
        // large logits do not overflow: log-sum-exp subtracts the row maximum
        var big = Tensor.From(new double[] { 1000, 0, -1000, 1000 }, 2, 2);
        AssertValues([0, 2000], [2], Functional.CrossEntropy(big, Targets(0, 0), reduction: Reduction.None), 1e-12);
        var bigF = Tensor.From(new float[] { 1000, 0, -1000, 1000 }, 2, 2);
        AssertValues([0, 2000], [2], Functional.CrossEntropy(bigF, Targets(0, 0), reduction: Reduction.None), 1e-3);
        // every target ignored: the mean is NaN, the gradient 0 (PyTorch's nll_loss backward skips ignored rows)
        var x = Logits().RequiresGradInPlace();
        var loss = Functional.CrossEntropy(x, Targets(-100, -100));
        Assert.True(double.IsNaN(loss.Item()));
        loss.Backward();
        Assert.All(x.Grad!.ToArray<double>(), v => Assert.Equal(0.0, v));
        // a class weight that requires grad gets one (through the composite path)
        var w = Weight().RequiresGradInPlace();
        Functional.CrossEntropy(Logits(), Targets(2, 0), w, reduction: Reduction.Sum).Backward();
        AssertValues([-LogP[1][0], 0, -LogP[0][2]], [3], w.Grad!, 1e-15);
    }

    public static TheoryData<Reduction, bool, int> NllCases()
    {
        var data = new TheoryData<Reduction, bool, int>();
        foreach (var r in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
            foreach (bool weighted in new[] { false, true })
                foreach (int ignoreIndex in new[] { -100, 1 })
                    data.Add(r, weighted, ignoreIndex);
        return data;
    }

    [Theory]
    [MemberData(nameof(NllCases))]
    public void NllLossGradientsMatchFiniteDifferences(Reduction reduction, bool weighted, int ignoreIndex)
    {
        var w = weighted ? Tensor.From(new double[] { 0.5, 1, 2 }) : null;
        var x = RandnLeaf(44, 4, 3);
        AssertGradCheck(x => Functional.NllLoss(x, Targets(0, 1, 2, 1), w, ignoreIndex, reduction), x);
    }

    [Fact]
    public void OutOfRangeClassIndexIsAClearError()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new CrossEntropyLoss().Forward(Logits(), Targets(0, 5)));
        AssertMentions(e.Message, "CrossEntropy", "target value 5", "[0, 2]", "[2, 3]", "[2]");
        e = Assert.Throws<ArgumentOutOfRangeException>(() => Functional.NllLoss(Logits(), Targets(-1, 0)));
        AssertMentions(e.Message, "NllLoss", "target value -1", "[2, 3]");
        e = Assert.Throws<ArgumentOutOfRangeException>(() => Functional.CrossEntropy(Tensor.Zeros(3), Tensor.Scalar(3L)));
        AssertMentions(e.Message, "CrossEntropy", "target value 3", "[3]", "[]");
    }

    [Fact]
    public void WrongTargetShapesAndDtypesAreRefusedNamingBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Logits(), Targets(0, 1, 2)));
        AssertMentions(e.Message, "CrossEntropy", "[2, 3]", "[3]");
        e = Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Tensor.Zeros(2, 3, 4), Tensor.From(new long[] { 0, 1, 2, 0, 1, 2 }, 2, 3)));
        AssertMentions(e.Message, "CrossEntropy", "[2, 4]", "[2, 3, 4]", "[2, 3]");
        e = Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Logits(), Tensor.Zeros(2)));
        AssertMentions(e.Message, "CrossEntropy", "Int64", "Float32");
        e = Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Logits(), Tensor.From(new long[] { 0, 1, 2, 0, 1, 2 }, 2, 3)));
        AssertMentions(e.Message, "CrossEntropy", "probabilities", "Int64");
        e = Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Tensor.From(new long[] { 1, 2 }, 1, 2), Targets(0)));
        AssertMentions(e.Message, "CrossEntropy", "floating point");
        e = Assert.Throws<ArgumentException>(() => Functional.NllLoss(Tensor.Scalar(1.0), Tensor.Scalar(0L)));
        AssertMentions(e.Message, "NllLoss", "class dimension");
    }

    [Fact]
    public void InvalidWeightsSmoothingAndIgnoreIndexAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new CrossEntropyLoss(Tensor.Ones(2)).Forward(Logits(), Targets(0, 1)));
        AssertMentions(e.Message, "CrossEntropy", "[3]", "[2]");
        e = Assert.Throws<ArgumentException>(() => new NLLLoss(Tensor.From(new long[] { 1, 1, 1 })).Forward(Logits(), Targets(0, 1)));
        AssertMentions(e.Message, "NllLoss", "Int64");
        Assert.Throws<ArgumentOutOfRangeException>(() => new CrossEntropyLoss(labelSmoothing: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.CrossEntropy(Logits(), Targets(0, 1), labelSmoothing: -0.1));
        e = Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Logits(), Tensor.Zeros([2, 3], DType.Float64), ignoreIndex: 0));
        AssertMentions(e.Message, "CrossEntropy", "ignoreIndex");
    }
}
