using Tidu.NN;

namespace Tidu.Tests.NN;

public sealed class DropoutMaskTests
{
    /// <summary>The one-pass mask must be the one the four-op formula gives from the same generator state, so runs
    /// with dropout reproduce across the change.</summary>
    [Theory]
    [InlineData(DType.Float32, 0.2)]
    [InlineData(DType.Float32, 0.5)]
    [InlineData(DType.Float32, 0.999)]
    [InlineData(DType.Float64, 0.2)]
    [InlineData(DType.Float64, 1e-9)]
    public void MatchesRandGeScaleWithTheSameGenerator(DType dtype, double p)
    {
        var x = Tensor.Ones([37, 129], dtype);
        var fused = Functional.Dropout(x, p, training: true, new Generator(11));
        Tensor expected;
        using (Tensor.NoGrad())
            expected = x * (Tensor.Rand([37, 129], dtype, new Generator(11)).Ge(p).To(dtype) * (1.0 / (1 - p)));
        Assert.Equal(expected.ToArray<double>(), fused.ToArray<double>());
    }
}
