using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Ops;

public class CastsTests
{
    [Fact]
    public void ToTheSameDTypeReturnsTheSameTensor()
    {
        var x = Tensor.From(new double[] { 1, 2 });
        Assert.Same(x, x.To(DType.Float64));
        Assert.Same(x, x.Double());
    }

    [Fact]
    public void ToFloat64PassesGradCheck() => AssertGradCheck(t => t.To(DType.Float64) * 2.0, RandnLeaf(1, 2, 3));

    [Fact]
    public void RoundTripThroughFloat32PassesALooseGradCheck()
    {
        // Float32 rounding (~6e-8) spoils finite differences at eps 1e-6; a wider eps keeps them meaningful
        var r = Tidu.Diagnostics.GradCheck.Check(t => t.Float().Double(), RandnLeaf(2, 4), eps: 1e-3, atol: 1e-3);
        Assert.True(r.Passed, r.ToString());
    }

    [Fact]
    public void GradientReturnsToTheLeafInItsOwnDType()
    {
        var x = Tensor.From(new float[] { 1, 2 }).RequiresGradInPlace();
        var y = x.Double() * 3.0;
        Assert.Equal(DType.Float64, y.DType);
        y.Sum().Backward();
        Assert.Equal(DType.Float32, x.Grad!.DType);
        Assert.Equal([3f, 3f], x.Grad.ToArray<float>());
    }

    [Fact]
    public void ConversionToInt64TruncatesTowardZeroAndCutsTheGraph()
    {
        var x = Tensor.From(new double[] { -1.7, -0.5, 0.5, 1.7, 2 }).RequiresGradInPlace();
        var l = x.Long();
        Assert.Equal(DType.Int64, l.DType);
        Assert.Equal([-1L, 0L, 0L, 1L, 2L], l.ToArray<long>());
        Assert.False(l.RequiresGrad);
    }

    [Fact]
    public void ConversionsBetweenAllDTypesKeepValues()
    {
        var l = Tensor.From(new long[] { -3, 0, 5 }, 3, 1);
        Assert.Equal([-3f, 0f, 5f], l.Float().ToArray<float>());
        Assert.Equal([-3.0, 0, 5], l.Double().ToArray<double>());
        Assert.Equal([3, 1], l.Float().Shape);
        Assert.Equal([0.1f], Tensor.From(new double[] { 0.1 }).Float().ToArray<float>());
        Assert.Equal([(double)0.1f], Tensor.From(new float[] { 0.1f }).Double().ToArray<double>());
    }

    [Fact]
    public void ConversionOfANonContiguousViewFollowsLogicalOrder()
    {
        var x = Tensor.From(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3).T();
        Assert.Equal([1f, 4f, 2f, 5f, 3f, 6f], x.Float().ToArray<float>());
    }

    [Fact]
    public void ToArrayConvertsToTheRequestedElementType()
    {
        var x = Tensor.From(new float[] { 1.5f, -2.5f });
        Assert.Equal([1.5, -2.5], x.ToArray<double>());
        Assert.Equal([1L, -2L], x.ToArray<long>());
    }
}
