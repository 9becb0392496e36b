using Tidu.Diagnostics;

namespace Tidu.Tests.Ops;

public class StatisticsTests
{
    private static Tensor Leaf(int seed, params int[] shape) =>
        Tensor.Randn(shape, DType.Float64, new Generator(seed)).RequiresGradInPlace();

    private static void AssertClose(double[] expected, Tensor actual, double tolerance = 1e-12)
    {
        var values = actual.ToArray<double>();
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], values[i], tolerance);
    }

    // [[1, 2, 3],
    //  [4, 6, 8]]
    private static Tensor Sample() => Tensor.From(new double[] { 1, 2, 3, 4, 6, 8 }, 2, 3);

    [Fact]
    public void VarAndStdOverAllElementsUseBesselsCorrectionByDefault()
    {
        var x = Tensor.From(new double[] { 1, 2, 3, 4 });
        // mean 2.5, Σ(x − mean)² = 5
        Assert.Empty(x.Var().Shape);
        Assert.Equal(5 / 3.0, x.Var().Item(), 1e-12);
        Assert.Equal(1.25, x.Var(correction: 0).Item(), 1e-12);
        Assert.Equal(Math.Sqrt(5 / 3.0), x.Std().Item(), 1e-12);
        Assert.Equal(Math.Sqrt(1.25), x.Std(correction: 0).Item(), 1e-12);
        Assert.Equal(2.5, x.Var(correction: 2).Item(), 1e-12);
    }

    [Fact]
    public void VarAlongADim()
    {
        var x = Sample();
        AssertClose([1, 4], x.Var(1));
        AssertClose([1, 2], x.Std(1));
        AssertClose([4.5, 8, 12.5], x.Var(0));
        AssertClose([2.25, 4, 6.25], x.Var(0, correction: 0));
        AssertClose([1.5, 2, 2.5], x.Std(0, correction: 0));
        AssertClose([1, 4], x.Var(-1));
    }

    [Fact]
    public void VarOverSeveralDimsMatchesVarOverAll()
    {
        var x = Sample();
        Assert.Equal(x.Var().Item(), x.Var([0, 1]).Item(), 1e-12);
        Assert.Equal(x.Std().Item(), x.Std([-1, 0]).Item(), 1e-12);
        Assert.Equal(x.Var().Item(), x.Var([]).Item(), 1e-12);
    }

    [Fact]
    public void KeepDimKeepsReducedDimsWithSizeOne()
    {
        var x = Tensor.Zeros([2, 3, 4], DType.Float64);
        Assert.Equal(new[] { 2, 1, 4 }, x.Var(1, keepDim: true).Shape);
        Assert.Equal(new[] { 1, 3, 1 }, x.Std([0, -1], keepDim: true).Shape);
        Assert.Equal(new[] { 1, 1, 1 }, x.Var(keepDim: true).Shape);
        Assert.Equal(new[] { 3 }, x.Std([0, 2]).Shape);
        Assert.Equal(new[] { 2, 3 }, x.Var(-1).Shape);
    }

    [Fact]
    public void VarOfATransposedViewReadsLogicalOrder()
    {
        var t = Sample().Transpose(0, 1); // [[1, 4], [2, 6], [3, 8]]
        Assert.False(t.IsContiguous);
        AssertClose([1, 4], t.Var(0));
        AssertClose([1.5, 2, 2.5], t.Std(1, correction: 0));
    }

    [Fact]
    public void VarWorksOnFloat32()
    {
        var x = Tensor.From(new float[] { 1, 2, 3, 4, 6, 8 }, 2, 3);
        var v = x.Var(1);
        Assert.Equal(DType.Float32, v.DType);
        Assert.Equal(new float[] { 1, 4 }, v.ToArray<float>());
        Assert.Equal(new float[] { 1, 2 }, x.Std(1).ToArray<float>());
    }

    [Fact]
    public void ASingleElementGivesNaNWithCorrectionAndZeroWithout()
    {
        var x = Tensor.Scalar(3.0);
        Assert.Empty(x.Var().Shape);
        Assert.True(double.IsNaN(x.Var().Item()));
        Assert.Equal(0, x.Var(correction: 0).Item());
        Assert.Equal(0, x.Std(0, correction: 0).Item());
    }

    [Fact]
    public void IntegerTensorsAreRejected()
    {
        var x = Tensor.From(new long[] { 1, 2, 3 });
        var ex = Assert.Throws<InvalidOperationException>(() => x.Var());
        Assert.Contains("floating-point", ex.Message);
        Assert.Throws<InvalidOperationException>(() => x.Std(0));
    }

    [Fact]
    public void InvalidDimsAreRejected()
    {
        var x = Sample();
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Var(2));
        Assert.Throws<ArgumentException>(() => x.Std([1, -1]));
    }

    [Fact]
    public void VarGradientIsTwiceTheDeviationOverTheDivisor()
    {
        var x = Tensor.From(new double[] { 1, 2, 3, 4 }).RequiresGradInPlace();
        x.Var().Backward();
        AssertClose([2 * -1.5 / 3, 2 * -0.5 / 3, 2 * 0.5 / 3, 2 * 1.5 / 3], x.Grad!);
    }

    [Theory]
    [InlineData(new int[0], 1.0, false)]
    [InlineData(new[] { 0 }, 1.0, false)]
    [InlineData(new[] { 1 }, 0.0, true)]
    [InlineData(new[] { -1 }, 1.0, true)]
    [InlineData(new[] { 0, 2 }, 2.0, false)]
    [InlineData(new[] { -2, 0 }, 0.5, true)]
    public void VarAndStdPassGradCheck(int[] dims, double correction, bool keepDim)
    {
        var x = Leaf(10 + dims.Length, 2, 3, 4);
        var r = GradCheck.Check(t => t.Var(dims, correction, keepDim), x);
        Assert.True(r.Passed, r.ToString());
        r = GradCheck.Check(t => t.Std(dims, correction, keepDim), x);
        Assert.True(r.Passed, r.ToString());
    }

    [Fact]
    public void VarAndStdOfATransposedViewPassGradCheck()
    {
        var x = Leaf(20, 3, 4);
        var r = GradCheck.Check(t => t.Transpose(0, 1).Var(1), x);
        Assert.True(r.Passed, r.ToString());
        r = GradCheck.Check(t => t.Transpose(0, 1).Std(0, correction: 0), x);
        Assert.True(r.Passed, r.ToString());
    }
}
