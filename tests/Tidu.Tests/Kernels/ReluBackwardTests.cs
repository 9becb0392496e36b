namespace Tidu.Tests.Kernels;

/// <summary>ReLU's backward against PyTorch's threshold_backward rule (0 where the output is ≤ 0, else the gradient).</summary>
public sealed class ReluBackwardTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(63)]
    [InlineData(65)]
    [InlineData(127)]
    [InlineData(129)]
    [InlineData(1000)]
    public void GradientPassesExceptWhereTheOutputIsNotPositive(int length)
    {
        var rng = new System.Random(length);
        var x = new double[length];
        var g = new double[length];
        for (int i = 0; i < length; i++)
        {
            int r = rng.Next(10);
            x[i] = r == 0 ? 0 : r == 1 ? double.NaN : rng.NextDouble() * 2 - 1;
            g[i] = r == 2 ? double.NaN : rng.NextDouble() * 2 - 1;
        }
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            var xt = Tensor.From(x, length).To(dtype).RequiresGradInPlace();
            var y = xt.Relu();
            y.Backward(Tensor.From(g, length).To(dtype));
            var ys = y.ToArray<double>();
            var gs = Tensor.From(g, length).To(dtype).ToArray<double>();
            var expected = ys.Select((v, i) => v <= 0 ? 0 : gs[i]).ToArray();
            var actual = xt.Grad!.ToArray<double>();
            Assert.Equal(dtype, xt.Grad!.DType);
            for (int i = 0; i < length; i++)
                Assert.True(expected[i].Equals(actual[i]), $"{dtype} [{i}]: y {ys[i]}, g {gs[i]}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
