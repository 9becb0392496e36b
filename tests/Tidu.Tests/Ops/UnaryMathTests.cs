using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Ops;

public class UnaryMathTests
{
    [Fact] public void ExpPassesGradCheck() => AssertGradCheck(t => t.Exp(), RandnLeaf(1, 2, 3));
    [Fact] public void LogPassesGradCheckOnPositiveInputs() => AssertGradCheck(t => t.Log(), UniformLeaf(2, 0.3, 3, 2, 3));
    [Fact] public void SqrtPassesGradCheckOnPositiveInputs() => AssertGradCheck(t => t.Sqrt(), UniformLeaf(3, 0.3, 3, 2, 3));
    [Fact] public void AbsPassesGradCheckAwayFromZero() => AssertGradCheck(t => t.Abs(), Leaf([-2, -0.4, 0.3, 1.7, -0.9, 5], 2, 3));
    [Fact] public void SinPassesGradCheck() => AssertGradCheck(t => t.Sin(), RandnLeaf(4, 2, 3));
    [Fact] public void CosPassesGradCheck() => AssertGradCheck(t => t.Cos(), RandnLeaf(5, 2, 3));
    [Fact] public void TanhPassesGradCheck() => AssertGradCheck(t => t.Tanh(), RandnLeaf(6, 2, 3));
    [Fact] public void SigmoidPassesGradCheck() => AssertGradCheck(t => t.Sigmoid(), RandnLeaf(7, 2, 3));

    [Fact]
    public void ElementwiseMathMatchesSystemMath()
    {
        double[] v = [0.25, 1, 2.5];
        var x = Tensor.From(v);
        AssertValues(v.Select(a => Math.Exp(a)).ToArray(), [3], x.Exp(), 1e-15);
        AssertValues(v.Select(a => Math.Log(a)).ToArray(), [3], x.Log(), 1e-15);
        AssertValues(v.Select(a => Math.Sqrt(a)).ToArray(), [3], x.Sqrt(), 1e-15);
        AssertValues(v.Select(a => Math.Sin(a)).ToArray(), [3], x.Sin(), 1e-15);
        AssertValues(v.Select(a => Math.Cos(a)).ToArray(), [3], x.Cos(), 1e-15);
        AssertValues(v.Select(a => Math.Tanh(a)).ToArray(), [3], x.Tanh(), 1e-15);
        AssertValues(v.Select(a => 1 / (1 + Math.Exp(-a))).ToArray(), [3], x.Sigmoid(), 1e-15);
    }

    [Fact]
    public void MathOnInt64GivesFloat32()
    {
        var x = Tensor.From(new long[] { 0, 1 });
        Assert.Equal(DType.Float32, x.Exp().DType);
        Assert.Equal([1f, MathF.E], x.Exp().ToArray<float>());
    }

    [Fact]
    public void AbsAndSignKeepInt64AndHandleSignsAndZero()
    {
        var x = Tensor.From(new long[] { -3, 0, 4 });
        Assert.Equal([3L, 0L, 4L], x.Abs().ToArray<long>());
        Assert.Equal([-1L, 0L, 1L], x.Sign().ToArray<long>());
        Assert.Equal([-1.0, 0, 1], Tensor.From(new double[] { -2.5, 0, 0.1 }).Sign().ToArray<double>());
    }

    [Fact]
    public void AbsGradientAtZeroIsZero()
    {
        var x = Leaf([-2, 0, 3], 3);
        x.Abs().Sum().Backward();
        AssertValues([-1, 0, 1], [3], x.Grad!);
    }

    // ---- Clamp -----------------------------------------------------------------------------------------

    private static Tensor ClampInput() => Leaf([-2, -0.7, -0.2, 0.3, 0.8, 1.5], 2, 3);

    [Fact] public void ClampWithMinPassesGradCheck() => AssertGradCheck(t => t.Clamp(min: -0.5), ClampInput());
    [Fact] public void ClampWithMaxPassesGradCheck() => AssertGradCheck(t => t.Clamp(max: 0.5), ClampInput());
    [Fact] public void ClampWithBothPassesGradCheck() => AssertGradCheck(t => t.Clamp(-0.5, 1.0), ClampInput());

    [Fact]
    public void ClampRecordsTheGraphAndPassesGradientOnlyInsideTheBounds()
    {
        var x = ClampInput();
        var y = x.Clamp(-0.5, 1.0);
        Assert.True(y.RequiresGrad);
        Assert.Equal("Clamp", y.GradFn!.Name);
        AssertValues([-0.5, -0.5, -0.2, 0.3, 0.8, 1.0], [2, 3], y);
        y.Sum().Backward();
        AssertValues([0, 0, 1, 1, 1, 0], [2, 3], x.Grad!);
    }

    [Fact]
    public void ClampGradientPassesAtTheBoundsThemselves()
    {
        // PyTorch's clamp_backward uses (x >= min) & (x <= max)
        var x = Leaf([-1, 1], 2);
        x.Clamp(-1, 1).Sum().Backward();
        AssertValues([1, 1], [2], x.Grad!);
    }

    [Fact]
    public void ClampWithoutBoundsThrows() => Assert.Throws<ArgumentException>(() => Tensor.Zeros(2).Clamp());

    // ---- Maximum / Minimum -----------------------------------------------------------------------------

    [Fact]
    public void MaximumPassesGradCheckWithBroadcasting() =>
        AssertGradCheck(xs => xs[0].Maximum(xs[1]), RandnLeaf(8, 2, 3), RandnLeaf(9, 3));

    [Fact]
    public void MinimumPassesGradCheckWithBroadcasting() =>
        AssertGradCheck(xs => xs[0].Minimum(xs[1]), RandnLeaf(10, 3, 1), RandnLeaf(11, 1, 4));

    [Fact]
    public void MaximumAndMinimumPickElementwiseAndPropagateNaN()
    {
        var a = Tensor.From(new double[] { 1, 5, double.NaN });
        var b = Tensor.From(new double[] { 3, 2, 0 });
        AssertValues([3, 5, double.NaN], [3], a.Maximum(b));
        AssertValues([1, 2, double.NaN], [3], a.Minimum(b));
    }

    [Fact]
    public void MaximumSplitsTheGradientEvenlyOnATie()
    {
        var a = Leaf([1, 2, 3], 3);
        var b = Leaf([2, 2, 1], 3);
        a.Maximum(b).Sum().Backward();
        AssertValues([0, 0.5, 1], [3], a.Grad!);
        AssertValues([1, 0.5, 0], [3], b.Grad!);
    }

    // ---- Where -----------------------------------------------------------------------------------------

    [Fact]
    public void WherePassesGradCheckWithBroadcasting()
    {
        var mask = Tensor.From(new long[] { 1, 0, 1, 0, 0, 1 }, 2, 3);
        AssertGradCheck(xs => Tensor.Where(mask, xs[0], xs[1]), RandnLeaf(12, 2, 3), RandnLeaf(13, 3));
    }

    [Fact]
    public void WhereSelectsAndRoutesGradientsByTheCondition()
    {
        var cond = Tensor.From(new double[] { 0.5, 0, -1 }); // any non-zero is true
        var a = Leaf([1, 2, 3], 3);
        var b = Leaf([10], 1);
        var y = Tensor.Where(cond, a, b);
        AssertValues([1, 10, 3], [3], y);
        y.Sum().Backward();
        AssertValues([1, 0, 1], [3], a.Grad!);
        AssertValues([1], [1], b.Grad!);
    }

    [Fact]
    public void WhereBroadcastsTheConditionToo()
    {
        var cond = Tensor.From(new long[] { 1, 0 }, 2, 1);
        var y = Tensor.Where(cond, Tensor.From(new double[] { 1, 2, 3 }), Tensor.Scalar(0.0));
        AssertValues([1, 2, 3, 0, 0, 0], [2, 3], y);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TanhGradientIsGTimesOneMinusYSquaredForEveryLayoutOfTheGradient(bool transposed)
    {
        // the fused backward kernel against the three-op formula, bit for bit, for an upstream gradient that is
        // dense, broadcast (from Sum) and, through a transpose, strided
        var x = Tensor.Randn([4, 3], DType.Float32, new Generator(21)).RequiresGradInPlace();
        var c = Tensor.Randn([4, 3], DType.Float32, new Generator(22));
        foreach (var upstream in new Func<Tensor, Tensor>[] { y => (y * c).Sum(), y => y.Sum(), y => (y.T() * c.T()).Sum() })
        {
            x.Grad = null;
            // transposed: tanh reads a strided input, and its gradient arrives transposed
            var y = transposed ? x.T().Tanh().T() : x.Tanh();
            upstream(y).Backward();

            var yy = x.Detach().Tanh();
            var leaf = yy.Clone().RequiresGradInPlace();
            upstream(leaf).Backward();
            Tensor expected;
            using (Tensor.NoGrad()) expected = leaf.Grad! * (1.0 - yy * yy);
            Assert.Equal(expected.ToArray<float>(), x.Grad!.ToArray<float>());
        }
    }
}
