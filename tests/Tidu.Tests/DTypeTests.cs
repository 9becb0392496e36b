namespace Tidu.Tests;

public class DTypeTests
{
    [Fact]
    public void Float32PlusFloat64IsFloat64()
    {
        var r = Tensor.From(new float[] { 1.5f, 2 }) + Tensor.From(new double[] { 0.25, 1 });
        Assert.Equal(DType.Float64, r.DType);
        Assert.Equal([1.75, 3], r.ToArray<double>());
    }

    [Fact]
    public void Int64TimesADoubleScalarIsFloat32()
    {
        var r = Tensor.From(new long[] { 1, 2, 3 }) * 1.5;
        Assert.Equal(DType.Float32, r.DType);
        Assert.Equal([1.5f, 3f, 4.5f], r.ToArray<float>());
    }

    [Fact]
    public void Int64TimesALongScalarStaysInt64()
    {
        var r = Tensor.From(new long[] { 1, 2, 3 }) * 4L;
        Assert.Equal(DType.Int64, r.DType);
        Assert.Equal([4L, 8L, 12L], r.ToArray<long>());
        Assert.Equal(DType.Int64, (Tensor.From(new long[] { 1 }) * 4).DType); // an int literal is an integer scalar
    }

    [Fact]
    public void Int64DividedByInt64IsTrueDivisionInFloat32()
    {
        var r = Tensor.From(new long[] { 7, -7, 1 }) / Tensor.From(new long[] { 2, 2, 3 });
        Assert.Equal(DType.Float32, r.DType);
        Assert.Equal([3.5f, -3.5f, 1f / 3f], r.ToArray<float>());
        Assert.Equal(DType.Float32, (Tensor.From(new long[] { 7 }) / 2).DType);
    }

    [Fact]
    public void Int64PlusFloat32IsFloat32()
    {
        var r = Tensor.From(new long[] { 1, 2 }) + Tensor.From(new float[] { 0.5f, 0.5f });
        Assert.Equal(DType.Float32, r.DType);
        Assert.Equal([1.5f, 2.5f], r.ToArray<float>());
    }

    [Fact]
    public void ZeroDimOperandOfTheSameCategoryDoesNotWidenTheResult()
    {
        // torch.ones(2) * torch.tensor(2.0, dtype=torch.float64) is float32: 0-d tensors only decide across categories
        var v = Tensor.From(new float[] { 1, 2 });
        Assert.Equal(DType.Float32, (v * Tensor.Scalar(2.0)).DType);
        Assert.Equal(DType.Float32, (Tensor.Scalar(2.0) + v).DType);
        Assert.Equal(DType.Float64, (Tensor.Scalar(2.0) + Tensor.Scalar(1f)).DType);
        // a 0-d float beats a dimensioned integer tensor and keeps its own precision
        Assert.Equal(DType.Float64, (Tensor.From(new long[] { 1, 2 }) * Tensor.Scalar(0.5)).DType);
        Assert.Equal(DType.Float32, (Tensor.From(new long[] { 1, 2 }) * Tensor.Scalar(0.5f)).DType);
        Assert.Equal(DType.Float32, (v + Tensor.Scalar(3L)).DType);
    }

    [Fact]
    public void PromotionRuleTableMatchesPyTorch()
    {
        Assert.Equal(DType.Float64, DTypeExtensions.Promote(DType.Float32, DType.Float64));
        Assert.Equal(DType.Float32, DTypeExtensions.Promote(DType.Int64, DType.Float32));
        Assert.Equal(DType.Float64, DTypeExtensions.Promote(DType.Int64, DType.Float64));
        Assert.Equal(DType.Int64, DTypeExtensions.Promote(DType.Int64, DType.Int64));
        Assert.True(DType.Float32.IsFloatingPoint());
        Assert.False(DType.Int64.IsFloatingPoint());
        Assert.Equal(4, DType.Float32.ElementSize());
        Assert.Equal(8, DType.Float64.ElementSize());
    }

    [Fact]
    public void GradientFlowsBackThroughPromotionInTheLeafsDType()
    {
        var x = Tensor.From(new float[] { 1, 2 }).RequiresGradInPlace();
        var y = Tensor.From(new double[] { 3, 4 });
        (x * y).Sum().Backward();
        Assert.Equal(DType.Float32, x.Grad!.DType);
        Assert.Equal([3f, 4f], x.Grad.ToArray<float>());
    }
}
