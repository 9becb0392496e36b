using Tidu.Diagnostics;

namespace Tidu.Tests.Ops;

public class MinMaxTests
{
    private static Tensor Leaf(int seed, params int[] shape) =>
        Tensor.Randn(shape, DType.Float64, new Generator(seed)).RequiresGradInPlace();

    // [[1, 5, 3],
    //  [7, 2, 7]]
    private static Tensor Sample() => Tensor.From(new float[] { 1, 5, 3, 7, 2, 7 }, 2, 3);

    [Fact]
    public void MaxAndMinOverAllElementsGiveZeroDimTensors()
    {
        var x = Sample();
        var max = x.Max();
        var min = x.Min();
        Assert.Empty(max.Shape);
        Assert.Equal(7, max.Item());
        Assert.Equal(1, min.Item());
        Assert.Equal(DType.Float32, max.DType);
    }

    [Fact]
    public void MaxAndMinOverAllElementsWorkOnInt64()
    {
        var x = Tensor.From(new long[] { 4, -9, 12, 0 }, 2, 2);
        Assert.Equal(12, x.Max().Item());
        Assert.Equal(-9, x.Min().Item());
        Assert.Equal(DType.Int64, x.Max().DType);
    }

    [Fact]
    public void MaxOfAZeroDimTensorIsItsValue()
    {
        var x = Tensor.Scalar(2.5);
        Assert.Equal(2.5, x.Max().Item());
        var r = x.Max(0);
        Assert.Empty(r.Values.Shape);
        Assert.Equal(2.5, r.Values.Item());
        Assert.Equal(0, r.Indices.Item());
        Assert.Equal(0, x.ArgMin(-1).Item());
    }

    [Fact]
    public void MaxOfAnEmptyTensorThrows()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(0, 3).Max());
        Assert.Contains("no elements", ex.Message);
        Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(0).Min());
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 0).Max(1));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(0).ArgMax());
    }

    [Fact]
    public void NaNPropagatesThroughMaxAndMin()
    {
        var x = Tensor.From(new double[] { 1, double.NaN, 3, 0, -2, 8 }, 2, 3);
        Assert.True(double.IsNaN(x.Max().Item()));
        Assert.True(double.IsNaN(x.Min().Item()));
        var r = x.Max(1);
        var values = r.Values.ToArray<double>();
        Assert.True(double.IsNaN(values[0]));
        Assert.Equal(8, values[1]);
        Assert.Equal(new long[] { 1, 2 }, r.Indices.ToArray<long>());
        Assert.Equal(new long[] { 1, 1 }, x.Min(1).Indices.ToArray<long>());
        Assert.Equal(1, x.ArgMax().Item());
    }

    [Fact]
    public void MaxAlongADimGivesValuesAndFirstIndices()
    {
        var x = Sample();
        var rows = x.Max(1);
        Assert.Equal(new[] { 2 }, rows.Values.Shape);
        Assert.Equal(new float[] { 5, 7 }, rows.Values.ToArray<float>());
        Assert.Equal(new long[] { 1, 0 }, rows.Indices.ToArray<long>()); // 7 appears twice: the first wins
        Assert.Equal(DType.Int64, rows.Indices.DType);

        var (values, indices) = x.Max(0);
        Assert.Equal(new float[] { 7, 5, 7 }, values.ToArray<float>());
        Assert.Equal(new long[] { 1, 0, 1 }, indices.ToArray<long>());
    }

    [Fact]
    public void MinAlongADimGivesValuesAndFirstIndices()
    {
        var x = Tensor.From(new float[] { 4, 1, 1, 0, 9, 0 }, 2, 3);
        var r = x.Min(1);
        Assert.Equal(new float[] { 1, 0 }, r.Values.ToArray<float>());
        Assert.Equal(new long[] { 1, 0 }, r.Indices.ToArray<long>());
        var c = x.Min(0);
        Assert.Equal(new float[] { 0, 1, 0 }, c.Values.ToArray<float>());
        Assert.Equal(new long[] { 1, 0, 1 }, c.Indices.ToArray<long>());
    }

    [Fact]
    public void KeepDimAndNegativeDimsFollowPyTorch()
    {
        var x = Sample();
        var kept = x.Max(-1, keepDim: true);
        Assert.Equal(new[] { 2, 1 }, kept.Values.Shape);
        Assert.Equal(new[] { 2, 1 }, kept.Indices.Shape);
        Assert.Equal(x.Max(1).Values.ToArray<float>(), kept.Values.ToArray<float>());
        Assert.Equal(new[] { 1, 3 }, x.Min(-2, keepDim: true).Values.Shape);
        Assert.Equal(new[] { 2, 1 }, x.ArgMax(1, keepDim: true).Shape);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Max(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.ArgMin(-3));
    }

    [Fact]
    public void MaxOfATransposedViewReadsLogicalOrder()
    {
        var x = Sample();
        var t = x.Transpose(0, 1); // [[1, 7], [5, 2], [3, 7]], not contiguous
        Assert.False(t.IsContiguous);
        var r = t.Max(1);
        Assert.Equal(new float[] { 7, 5, 7 }, r.Values.ToArray<float>());
        Assert.Equal(new long[] { 1, 0, 1 }, r.Indices.ToArray<long>());
        Assert.Equal(new long[] { 0, 1 }, t.ArgMin(0).ToArray<long>());
        Assert.Equal(1, t.ArgMax().Item()); // flattened [1, 7, 5, 2, 3, 7]: first 7 at 1
        Assert.Equal(0, t.ArgMin().Item());
    }

    [Fact]
    public void ArgMaxWithoutDimIndexesTheFlattenedTensor()
    {
        var x = Tensor.From(new long[] { 3, 1, 9, 9, 0, 2 }, 2, 3);
        var i = x.ArgMax();
        Assert.Empty(i.Shape);
        Assert.Equal(2, i.Item());
        Assert.Equal(4, x.ArgMin().Item());
        Assert.Equal(new[] { 1, 1 }, x.ArgMax(keepDim: true).Shape);
        Assert.Equal(new long[] { 1, 0, 0 }, x.ArgMax(0).ToArray<long>());
        Assert.Equal(new long[] { 1, 1 }, x.ArgMin(1).ToArray<long>());
    }

    [Fact]
    public void ArgMaxCarriesNoGradient()
    {
        var x = Leaf(1, 3, 4);
        var i = x.ArgMax(1);
        Assert.Equal(DType.Int64, i.DType);
        Assert.False(i.RequiresGrad);
        Assert.False(x.Max(1).Indices.RequiresGrad);
        Assert.True(x.Max(1).Values.RequiresGrad);
    }

    [Fact]
    public void TiedMaximaShareTheGradientEvenly()
    {
        var x = Tensor.From(new double[] { 1, 3, 0, 3, 3, 2 }, 2, 3).RequiresGradInPlace();
        x.Max().Backward();
        Assert.Equal(new[] { 0, 1 / 3.0, 0, 1 / 3.0, 1 / 3.0, 0 }, x.Grad!.ToArray<double>());
        x.Grad = null;
        (x.Min() * 4.0).Backward();
        Assert.Equal(new double[] { 0, 0, 4, 0, 0, 0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void MaxAlongADimSendsTheGradientToTheIndexOnly()
    {
        var x = Tensor.From(new double[] { 2, 2, 1, 0, 5, 5 }, 2, 3).RequiresGradInPlace();
        var r = x.Max(1);
        (r.Values * Tensor.From(new double[] { 10, 20 })).Sum().Backward();
        Assert.Equal(new double[] { 10, 0, 0, 0, 20, 0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void MaxAndMinOverAllElementsPassGradCheck()
    {
        var x = Leaf(2, 3, 4);
        var r = GradCheck.Check(t => t.Max(), x);
        Assert.True(r.Passed, r.ToString());
        r = GradCheck.Check(t => t.Min(), x);
        Assert.True(r.Passed, r.ToString());
        r = GradCheck.Check(t => t.Transpose(0, 1).Max() * t.Min(), x);
        Assert.True(r.Passed, r.ToString());
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(-1, true)]
    [InlineData(-3, true)]
    public void MaxAndMinAlongADimPassGradCheck(int dim, bool keepDim)
    {
        var x = Leaf(3 + dim, 2, 3, 4);
        var r = GradCheck.Check(t => t.Max(dim, keepDim).Values, x);
        Assert.True(r.Passed, r.ToString());
        r = GradCheck.Check(t => t.Min(dim, keepDim).Values, x);
        Assert.True(r.Passed, r.ToString());
    }

    [Fact]
    public void MaxAlongADimOfATransposedViewPassesGradCheck()
    {
        var x = Leaf(9, 3, 4);
        var r = GradCheck.Check(t => t.Transpose(0, 1).Max(1).Values, x);
        Assert.True(r.Passed, r.ToString());
    }
}
