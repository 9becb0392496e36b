using Tidu.Diagnostics;

namespace Tidu.Tests.Ops;

public class SoftmaxTests
{
    private static Tensor Leaf(int seed, params int[] shape) =>
        Tensor.Randn(shape, DType.Float64, new Generator(seed)).RequiresGradInPlace();

    private static void AssertClose(double[] expected, Tensor actual, double tolerance = 1e-12)
    {
        var values = actual.ToArray<double>();
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], values[i], tolerance);
    }

    // softmax([1, 2, 3]) = e^x / (e + e² + e³)
    private static readonly double Denominator = Math.E + Math.Exp(2) + Math.Exp(3);
    private static readonly double[] Softmax123 = [Math.E / Denominator, Math.Exp(2) / Denominator, Math.Exp(3) / Denominator];
    private static readonly double[] LogSoftmax123 = [1 - Math.Log(Denominator), 2 - Math.Log(Denominator), 3 - Math.Log(Denominator)];

    [Fact]
    public void SoftmaxOfAVector()
    {
        var y = Tensor.From(new double[] { 1, 2, 3 }).Softmax(0);
        AssertClose(Softmax123, y);
        AssertClose([0.0900305731703805, 0.2447284710547976, 0.6652409557748219], y);
    }

    [Fact]
    public void SoftmaxOfLargeValuesDoesNotOverflow()
    {
        AssertClose(Softmax123, Tensor.From(new double[] { 1000, 1001, 1002 }).Softmax(0));
        var f = Tensor.From(new float[] { 1000, 1001, 1002 }).Softmax(-1).ToArray<float>();
        for (int i = 0; i < 3; i++) Assert.Equal(Softmax123[i], f[i], 1e-6);
        AssertClose([0, 1], Tensor.From(new double[] { -1000, 1000 }).Softmax(0));
    }

    [Fact]
    public void SoftmaxAlongEachDimOfAMatrix()
    {
        // [[1, 2, 3],
        //  [1, 2, 3] + 10]
        var x = Tensor.From(new double[] { 1, 2, 3, 11, 12, 13 }, 2, 3);
        var rows = x.Softmax(1);
        Assert.Equal(new[] { 2, 3 }, rows.Shape);
        AssertClose([.. Softmax123, .. Softmax123], rows);
        AssertClose([.. Softmax123, .. Softmax123], x.Softmax(-1));
        double small = 1 / (1 + Math.Exp(10)), large = 1 - small;
        AssertClose([small, small, small, large, large, large], x.Softmax(0));
        AssertClose([small, small, small, large, large, large], x.Softmax(-2));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Softmax(2));
    }

    [Fact]
    public void SoftmaxOfATransposedViewReadsLogicalOrder()
    {
        var x = Tensor.From(new double[] { 1, 11, 2, 12, 3, 13 }, 3, 2).Transpose(0, 1); // [[1, 2, 3], [11, 12, 13]]
        Assert.False(x.IsContiguous);
        var y = x.Softmax(1);
        Assert.True(y.IsContiguous);
        AssertClose([.. Softmax123, .. Softmax123], y);
        AssertClose([.. LogSoftmax123, .. LogSoftmax123], x.LogSoftmax(1));
    }

    [Fact]
    public void SoftmaxOverTheMiddleDimOfARank3TensorSumsToOne()
    {
        var x = Tensor.Randn([2, 5, 3], DType.Float64, new Generator(4));
        var sums = x.Softmax(1).Sum(1).ToArray<double>();
        Assert.Equal(6, sums.Length);
        foreach (double s in sums) Assert.Equal(1, s, 1e-12);
    }

    [Fact]
    public void SoftmaxAndLogSoftmaxOfAZeroDimTensor()
    {
        Assert.Equal(1, Tensor.Scalar(5.0).Softmax(0).Item());
        Assert.Equal(0, Tensor.Scalar(5.0).LogSoftmax(-1).Item());
        Assert.Empty(Tensor.Scalar(5.0).Softmax(0).Shape);
    }

    [Fact]
    public void LogSoftmaxIsStableForLargeAndSmallValues()
    {
        AssertClose(LogSoftmax123, Tensor.From(new double[] { 1, 2, 3 }).LogSoftmax(0));
        AssertClose(LogSoftmax123, Tensor.From(new double[] { 1000, 1001, 1002 }).LogSoftmax(0));
        // a naive log(softmax) would give log(0) = −∞ for the first entry
        AssertClose([-2000, 0], Tensor.From(new double[] { -1000, 1000 }).LogSoftmax(0));
        var f = Tensor.From(new float[] { 1000, 1001, 1002 }).LogSoftmax(0).ToArray<float>();
        for (int i = 0; i < 3; i++) Assert.Equal(LogSoftmax123[i], f[i], 1e-5);
    }

    [Fact]
    public void SoftmaxConvertsIntegerInputToFloat32()
    {
        var y = Tensor.From(new long[] { 1, 2, 3 }).Softmax(0);
        Assert.Equal(DType.Float32, y.DType);
        var values = y.ToArray<float>();
        for (int i = 0; i < 3; i++) Assert.Equal(Softmax123[i], values[i], 1e-6);
    }

    [Fact]
    public void LogSumExpOfAVector()
    {
        var x = Tensor.From(new double[] { 1, 2, 3 });
        var r = x.LogSumExp(0);
        Assert.Empty(r.Shape);
        Assert.Equal(Math.Log(Denominator), r.Item(), 1e-12);
        Assert.Equal(3.4076059644443806, r.Item(), 1e-12);
    }

    [Fact]
    public void LogSumExpIsStableAndHandlesInfinities()
    {
        Assert.Equal(1000 + Math.Log(2), Tensor.From(new double[] { 1000, 1000 }).LogSumExp(0).Item(), 1e-10);
        Assert.Equal(-1000 + Math.Log(2), Tensor.From(new double[] { -1000, -1000 }).LogSumExp(0).Item(), 1e-10);
        double inf = double.PositiveInfinity;
        Assert.Equal(-inf, Tensor.From(new double[] { -inf, -inf }).LogSumExp(0).Item());
        Assert.Equal(0, Tensor.From(new double[] { -inf, 0 }).LogSumExp(0).Item());
        Assert.Equal(inf, Tensor.From(new double[] { 1, inf }).LogSumExp(0).Item());
        Assert.True(double.IsNaN(Tensor.From(new double[] { 1, double.NaN }).LogSumExp(0).Item()));
        Assert.Equal(1000 + Math.Log(2), Tensor.From(new float[] { 1000, 1000 }).LogSumExp(0).Item(), 1e-3);
    }

    [Fact]
    public void LogSumExpAlongDimsWithKeepDim()
    {
        // [[1, 2, 3],
        //  [0, 0, 0]]
        var x = Tensor.From(new double[] { 1, 2, 3, 0, 0, 0 }, 2, 3);
        AssertClose([Math.Log(Denominator), Math.Log(3)], x.LogSumExp(1));
        AssertClose([Math.Log(Denominator), Math.Log(3)], x.LogSumExp(-1));
        var kept = x.LogSumExp(1, keepDim: true);
        Assert.Equal(new[] { 2, 1 }, kept.Shape);
        AssertClose([Math.Log(Math.E + 1), Math.Log(Math.Exp(2) + 1), Math.Log(Math.Exp(3) + 1)], x.LogSumExp(0));
        Assert.Equal(new[] { 1, 3 }, x.LogSumExp(-2, keepDim: true).Shape);
        var all = x.LogSumExp([0, 1]);
        Assert.Empty(all.Shape);
        Assert.Equal(Math.Log(Denominator + 3), all.Item(), 1e-12);
        Assert.Equal(new[] { 1, 1 }, x.LogSumExp([1, 0], keepDim: true).Shape);
        AssertClose([Math.Log(Denominator), Math.Log(3)], x.Transpose(0, 1).LogSumExp(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.LogSumExp(2));
    }

    [Fact]
    public void LogSumExpOfAZeroDimTensorIsItsValue()
    {
        var r = Tensor.Scalar(2.5).LogSumExp(0);
        Assert.Empty(r.Shape);
        Assert.Equal(2.5, r.Item(), 1e-12);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-1)]
    [InlineData(-3)]
    public void SoftmaxAndLogSoftmaxPassGradCheck(int dim)
    {
        var x = Leaf(30 + dim, 2, 3, 4);
        var r = GradCheck.Check(t => t.Softmax(dim), x);
        Assert.True(r.Passed, r.ToString());
        r = GradCheck.Check(t => t.LogSoftmax(dim), x);
        Assert.True(r.Passed, r.ToString());
    }

    [Fact]
    public void SoftmaxOfATransposedViewPassesGradCheck()
    {
        var x = Leaf(40, 3, 4);
        var r = GradCheck.Check(t => t.Transpose(0, 1).Softmax(1), x);
        Assert.True(r.Passed, r.ToString());
        r = GradCheck.Check(t => t.Transpose(0, 1).LogSoftmax(0), x);
        Assert.True(r.Passed, r.ToString());
    }

    [Theory]
    [InlineData(new[] { 0 }, false)]
    [InlineData(new[] { 1 }, true)]
    [InlineData(new[] { -1 }, false)]
    [InlineData(new[] { 0, 2 }, true)]
    [InlineData(new[] { 2, 1, 0 }, false)]
    public void LogSumExpPassesGradCheck(int[] dims, bool keepDim)
    {
        var x = Leaf(50 + dims[0], 2, 3, 4);
        var r = GradCheck.Check(t => t.LogSumExp(dims, keepDim), x);
        Assert.True(r.Passed, r.ToString());
        r = GradCheck.Check(t => t.Transpose(0, 2).LogSumExp(dims[0], keepDim), x);
        Assert.True(r.Passed, r.ToString());
    }
}
