using Tidu.Optim;

namespace Tidu.Tests.Optim;

/// <summary>
/// The fused single-pass steps (contiguous tensors) against the in-place op sequences the optimizers fall back to
/// for a strided gradient: the same parameters after several steps, bit for bit, in both precisions.
/// </summary>
public sealed class FusedStepTests
{
    public static readonly TheoryData<string> Optimizers =
    [
        "Adam", "Adam(wd)", "Adam(amsgrad, maximize)", "Adam(beta1 0.3, wd, amsgrad)",
        "AdamW", "AdamW(amsgrad, maximize)",
        "SGD", "SGD(momentum)", "SGD(momentum, dampening, wd)", "SGD(nesterov, maximize)",
    ];

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void FusedAndMultiPassStepsAgree(string name)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var fused = Run(name, dtype, stridedGradient: false);
            var multiPass = Run(name, dtype, stridedGradient: true);
            Assert.Equal(multiPass.Length, fused.Length);
            for (int i = 0; i < fused.Length; i++)
                Assert.True(BitConverter.DoubleToInt64Bits(multiPass[i]) == BitConverter.DoubleToInt64Bits(fused[i]),
                    $"{name} {dtype} [{i}]: multi-pass {multiPass[i]:R}, fused {fused[i]:R}");
        }
    }

    // a [37, 3] parameter (vector body and tail) after four steps with changing gradients
    private static double[] Run(string name, DType dtype, bool stridedGradient)
    {
        const int rows = 37, cols = 3;
        var rng = new System.Random(7);
        var initial = Enumerable.Range(0, rows * cols).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var w = Tensor.From(initial, rows, cols).To(dtype).RequiresGradInPlace();
        var optimizer = Create(name, w);
        for (int step = 0; step < 4; step++)
        {
            var g = Enumerable.Range(0, rows * cols).Select(i => Math.Sin(0.37 * i + step) * (i % 5 == 0 ? 1e-3 : 1)).ToArray();
            if (stridedGradient)
            {
                // the same values through a transposed view, which the fused kernels do not take
                var transposed = new double[rows * cols];
                for (int r = 0; r < rows; r++)
                    for (int c = 0; c < cols; c++) transposed[c * rows + r] = g[r * cols + c];
                w.Grad = Tensor.From(transposed, cols, rows).To(dtype).T();
                Assert.False(w.Grad.IsContiguous);
            }
            else
            {
                w.Grad = Tensor.From(g, rows, cols).To(dtype);
            }
            optimizer.Step();
        }
        return w.Detach().To(DType.Float64).ToArray<double>();
    }

    private static Optimizer Create(string name, Tensor w) => name switch
    {
        "Adam" => new Adam([w], lr: 0.01),
        "Adam(wd)" => new Adam([w], lr: 0.01, weightDecay: 0.1),
        "Adam(amsgrad, maximize)" => new Adam([w], lr: 0.01, amsgrad: true, maximize: true),
        "Adam(beta1 0.3, wd, amsgrad)" => new Adam([w], lr: 0.01, beta1: 0.3, weightDecay: 0.1, amsgrad: true),
        "AdamW" => new AdamW([w], lr: 0.01),
        "AdamW(amsgrad, maximize)" => new AdamW([w], lr: 0.01, weightDecay: 0.05, amsgrad: true, maximize: true),
        "SGD" => new SGD([w], lr: 0.1),
        "SGD(momentum)" => new SGD([w], lr: 0.1, momentum: 0.9),
        "SGD(momentum, dampening, wd)" => new SGD([w], lr: 0.1, momentum: 0.9, dampening: 0.2, weightDecay: 0.01),
        "SGD(nesterov, maximize)" => new SGD([w], lr: 0.1, momentum: 0.8, nesterov: true, maximize: true, weightDecay: 0.01),
        _ => throw new ArgumentException(name),
    };
}
