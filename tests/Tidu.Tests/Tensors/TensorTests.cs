using System.Diagnostics;
using System.Reflection;

namespace Tidu.Tests.Tensors;

public class TensorTests
{
    private static string DebuggerDisplay(Tensor t)
    {
        var attribute = typeof(Tensor).GetCustomAttribute<DebuggerDisplayAttribute>();
        Assert.NotNull(attribute);
        Assert.Equal("{DebuggerDisplay,nq}", attribute.Value);
        var property = typeof(Tensor).GetProperty("DebuggerDisplay", BindingFlags.Instance | BindingFlags.NonPublic);
        return (string)property!.GetValue(t)!;
    }

    [Fact]
    public void ToStringShowsShapeDTypeAndValues()
    {
        var t = Tensor.From(new float[] { 1, 2.5f, -3, 4 }, 2, 2);
        Assert.Equal("Tensor(shape=[2, 2], dtype=Float32)\n[[1, 2.5],\n [-3, 4]]", t.ToString());
        Assert.Equal("Tensor(shape=[], dtype=Int64)\n7", Tensor.Scalar(7L).ToString());
        Assert.Equal("Tensor(shape=[3], dtype=Float64)\n[0.1, 0.2, 0.3]", Tensor.From(new double[] { 0.1, 0.2, 0.3 }).ToString());
    }

    [Fact]
    public void ToStringShowsGradientStatus()
    {
        var x = Tensor.From(new double[] { 1 }).RequiresGradInPlace();
        Assert.Contains("requiresGrad=true", x.ToString());
        Assert.Contains("gradFn=Mul", (x * x).ToString());
    }

    [Fact]
    public void ToStringOfAViewShowsItsLogicalValues()
    {
        var t = Tensor.From(new long[] { 1, 2, 3, 4, 5, 6 }, 2, 3).T();
        Assert.Equal("Tensor(shape=[3, 2], dtype=Int64)\n[[1, 4],\n [2, 5],\n [3, 6]]", t.ToString());
    }

    [Fact]
    public void ToStringSummarisesALargeTensor()
    {
        var t = Tensor.Arange(10_000);
        var s = t.ToString();
        Assert.Equal("Tensor(shape=[10000], dtype=Int64)\n[0, 1, 2, ..., 9997, 9998, 9999]", s);
        var m = Tensor.Arange(10_000).Reshape(100, 100).ToString();
        Assert.Contains("...", m);
        Assert.Contains("[0, 1, 2, ..., 97, 98, 99]", m);
        Assert.Contains("[9900, 9901, 9902, ..., 9997, 9998, 9999]", m);
        Assert.True(m.Length < 600, $"summary is {m.Length} characters long");
    }

    [Fact]
    public void DebuggerDisplayShowsShapeDTypeAndAPreview()
    {
        var x = Tensor.From(new double[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 2, 4).RequiresGradInPlace();
        Assert.Equal("Tensor [2, 4] Float64 requires_grad [1, 2, 3, 4, 5, 6, …]", DebuggerDisplay(x));
        Assert.Equal("Tensor [2] Float32 [1.5, -2]", DebuggerDisplay(Tensor.From(new float[] { 1.5f, -2 })));
        Assert.Equal("Tensor [2, 2] Int64 [1, 3, 2, 4]", DebuggerDisplay(Tensor.From(new long[] { 1, 2, 3, 4 }, 2, 2).T()));
        Assert.StartsWith("Tensor [10000] Int64 [0, 1, 2, 3, 4, 5, …]", DebuggerDisplay(Tensor.Arange(10_000)));
    }

    [Fact]
    public void ShapeAndStridesAreCopies()
    {
        var t = Tensor.Zeros(2, 3);
        t.Shape[0] = 99;
        t.Strides[0] = 99;
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal([3, 1], t.Strides);
    }

    [Fact]
    public void ToArrayOfAViewWithAnOffsetReadsOnlyItsElements()
    {
        // Sum over a permuted 3-D tensor and a squeezed view exercise non-zero offsets indirectly; here the
        // offset is kept by Detach and Reshape of a contiguous tensor
        var t = Tensor.From(new double[] { 1, 2, 3, 4 }, 2, 2);
        Assert.Equal([1.0, 3, 2, 4], t.T().ToArray<double>());
        Assert.Equal([1.0, 2, 3, 4], t.Detach().Reshape(4).ToArray<double>());
    }

    [Fact]
    public void SharesStorageWithDistinguishesViewsFromCopies()
    {
        var t = Tensor.Zeros(2, 2);
        Assert.True(t.SharesStorageWith(t.Reshape(4)));
        Assert.True(t.SharesStorageWith(t.Detach()));
        Assert.False(t.SharesStorageWith(t.Clone()));
        Assert.False(t.SharesStorageWith(Tensor.Zeros(2, 2)));
    }
}

public class EmptyTensorTests
{
    [Fact]
    public void EmptyTensorsAreContiguous()
    {
        Assert.True(Tensor.Zeros(2, 0, 3).IsContiguous);
        Assert.True(Tensor.Zeros(2, 0, 3).Transpose(0, 2).IsContiguous);
    }
}
