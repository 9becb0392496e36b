using Tidu.Diagnostics;

namespace Tidu.Tests.Ops;

public class JoiningTests
{
    private static Tensor Seq(double start, params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        return Tensor.From(Enumerable.Range(0, n).Select(i => start + i).ToArray(), shape);
    }

    private static Tensor Leaf(double start, params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var t = Tensor.From(Enumerable.Range(0, n).Select(i => start + 0.31 * i - 0.02 * i * i).ToArray(), shape);
        t.RequiresGrad = true;
        return t;
    }

    private static void AssertValues(double[] expected, Tensor actual, params int[] shape)
    {
        Assert.Equal(shape, actual.Shape);
        Assert.Equal(expected, actual.ToArray<double>());
    }

    [Fact]
    public void CatAlongDim0AndDim1()
    {
        var a = Seq(0, 2, 2); // [[0,1],[2,3]]
        var b = Seq(10, 1, 2); // [[10,11]]
        AssertValues([0, 1, 2, 3, 10, 11], Tensor.Cat([a, b]), 3, 2);
        var c = Seq(20, 2, 3);
        AssertValues([0, 1, 20, 21, 22, 2, 3, 23, 24, 25], Tensor.Cat([a, c], 1), 2, 5);
        AssertValues([0, 1, 20, 21, 22, 2, 3, 23, 24, 25], Tensor.Cat([a, c], -1), 2, 5);
    }

    [Fact]
    public void CatCopiesNonContiguousInputs()
    {
        var a = Seq(0, 2, 3).Transpose(0, 1); // [[0,3],[1,4],[2,5]]
        var b = Seq(10, 3, 1);
        var result = Tensor.Cat([a, b], 1);
        AssertValues([0, 3, 10, 1, 4, 11, 2, 5, 12], result, 3, 3);
        Assert.False(result.SharesStorageWith(a));
    }

    [Fact]
    public void CatPromotesDTypes()
    {
        var ints = Tensor.From(new long[] { 1, 2 });
        var floats = Tensor.From(new float[] { 0.5f });
        var doubles = Tensor.From(new double[] { 0.25 });
        var f = Tensor.Cat([ints, floats]);
        Assert.Equal(DType.Float32, f.DType);
        Assert.Equal([1f, 2f, 0.5f], f.ToArray<float>());
        var d = Tensor.Cat([floats, ints, doubles]);
        Assert.Equal(DType.Float64, d.DType);
        Assert.Equal([0.5, 1, 2, 0.25], d.ToArray<double>());
        Assert.Equal(DType.Int64, Tensor.Cat([ints, ints]).DType);
    }

    [Fact]
    public void CatSkipsEmpty1DTensorsAsPyTorchDoes()
    {
        var empty = Tensor.Zeros([0], DType.Float64);
        AssertValues([0, 1, 2, 3], Tensor.Cat([empty, Seq(0, 2, 2), empty], 1), 2, 2);
    }

    [Fact]
    public void CatShapeMismatchNamesOpAndBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Cat([Seq(0, 2, 3), Seq(0, 2, 4)]));
        Assert.Contains("Cat", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[2, 4]", ex.Message);
        var rank = Assert.Throws<ArgumentException>(() => Tensor.Cat([Seq(0, 2, 3), Seq(0, 3)]));
        Assert.Contains("[3]", rank.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Cat([]));
        Assert.Throws<ArgumentException>(() => Tensor.Cat([Tensor.Scalar(1.0), Tensor.Scalar(2.0)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Cat([Seq(0, 2, 3)], 2));
    }

    [Fact]
    public void CatGradCheck()
    {
        var a = Leaf(0.5, 2, 3);
        var b = Leaf(-1, 3, 2);
        var result = GradCheck.Check(xs => Tensor.Cat([xs[0], xs[1].Transpose(0, 1), xs[0]], 0).Pow(2), [a, b]);
        Assert.True(result.Passed, result.ToString());
        var dim1 = GradCheck.Check(xs => Tensor.Cat([xs[0], xs[1].Transpose(0, 1)], -1).Pow(2).Sum(), [a, b]);
        Assert.True(dim1.Passed, dim1.ToString());
    }

    [Fact]
    public void CatBackwardConvertsGradientsToEachInputsDType()
    {
        var f = Tensor.From(new float[] { 1, 2 });
        f.RequiresGrad = true;
        var d = Tensor.From(new double[] { 3 });
        d.RequiresGrad = true;
        var weights = Tensor.From(new double[] { 1, 2, 3 });
        (Tensor.Cat([f, d]) * weights).Sum().Backward();
        Assert.Equal(DType.Float32, f.Grad!.DType);
        Assert.Equal([1f, 2f], f.Grad.ToArray<float>());
        Assert.Equal([3.0], d.Grad!.ToArray<double>());
    }

    [Fact]
    public void StackAddsANewDimension()
    {
        var a = Seq(0, 2);
        var b = Seq(10, 2);
        AssertValues([0, 1, 10, 11], Tensor.Stack([a, b]), 2, 2);
        AssertValues([0, 10, 1, 11], Tensor.Stack([a, b], 1), 2, 2);
        AssertValues([0, 10, 1, 11], Tensor.Stack([a, b], -1), 2, 2);
        var m = Seq(0, 2, 2).Transpose(0, 1); // [[0,2],[1,3]]
        AssertValues([0, 2, 1, 3, 0, 2, 1, 3], Tensor.Stack([m, m]), 2, 2, 2);
        AssertValues([0, 0, 2, 2, 1, 1, 3, 3], Tensor.Stack([m, m], 2), 2, 2, 2);
    }

    [Fact]
    public void StackErrors()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Stack([Seq(0, 2, 3), Seq(0, 3, 2)]));
        Assert.Contains("Stack", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[3, 2]", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Stack([Seq(0, 2)], 2));
        Assert.Throws<ArgumentException>(() => Tensor.Stack([]));
    }

    [Fact]
    public void StackGradCheck()
    {
        var a = Leaf(0.5, 2, 3);
        var b = Leaf(-1, 3, 2);
        var result = GradCheck.Check(xs => Tensor.Stack([xs[0], xs[1].Transpose(0, 1), xs[0]], 1).Pow(2), [a, b]);
        Assert.True(result.Passed, result.ToString());
    }
}
