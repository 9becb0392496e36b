using Tidu.Kernels;

namespace Tidu;

/// <summary>
/// Two fused element-wise ops that the losses need and that are not worth composing from primitives: the
/// composition would lose accuracy (log(1 + e⁻ˣ) for large x) or give 0·∞ = NaN gradients (log clamped at −100).
/// Forward and backward side by side, as for every op.
/// </summary>
internal static class LossSupport
{
    /// <summary>
    /// log σ(x) = min(x, 0) − log1p(e^(−|x|)) element-wise (torch.nn.functional.logsigmoid): finite for every
    /// finite x, exact for large |x|. Backward: d/dx = 1 − σ(x) = σ(−x).
    /// </summary>
    internal static Tensor LogSigmoid(Tensor x)
    {
        var a = x.AsFloatingPoint();
        var result = Tensor.UnaryKernel<LogSigmoidOp>(a);
        return Autograd.Record(result, "LogSigmoid", a, static (n, g) => [g * n.Saved(0).Neg().Sigmoid()], saved: [a]);
    }

    /// <summary>
    /// The unreduced, unweighted binary cross-entropy −(y·max(log x, −100) + (1 − y)·max(log(1 − x), −100)), as
    /// PyTorch's binary_cross_entropy kernel computes it (log1p for log(1 − x)). Inputs have one shape and dtype.
    /// Backward (PyTorch's binary_cross_entropy_backward and _target_backward):
    /// d/dx = (x − y) / max(x(1 − x), 1e-12), d/dy = log(1 − x) − log(x) (unclamped, −logit(x)).
    /// </summary>
    internal static Tensor BinaryCrossEntropy(Tensor input, Tensor target)
    {
        var x = input.Detach().Contiguous();
        var y = target.Detach().Contiguous();
        var result = Tensor.Empty(x.DType, x.shape);
        if (x.DType == DType.Float32)
            Bce(x.ContiguousSpan<float>(), y.ContiguousSpan<float>(), result.ContiguousSpan<float>());
        else
            Bce(x.ContiguousSpan<double>(), y.ContiguousSpan<double>(), result.ContiguousSpan<double>());
        return Autograd.Record(result, "BinaryCrossEntropy", input, target, static (n, g) =>
        {
            var x = n.Saved(0);
            var y = n.Saved(1);
            return [n.Inputs[0] is null ? null : g * (x - y) / (x * (1.0 - x)).Clamp(min: 1e-12),
                    n.Inputs[1] is null ? null : g * ((1.0 - x).Log() - x.Log())];
        }, saved: [input, target]);

        static void Bce<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : System.Numerics.IFloatingPointIeee754<T>
        {
            for (int i = 0; i < d.Length; i++)
            {
                double xv = double.CreateTruncating(x[i]), yv = double.CreateTruncating(y[i]);
                double logX = Math.Max(Math.Log(xv), -100), log1mX = Math.Max(SpecialFunctions.Log1P(-xv), -100);
                d[i] = T.CreateTruncating((yv - 1) * log1mX - yv * logX);
            }
        }
    }
}

/// <summary>log σ(x) = min(x, 0) − log1p(e^(−|x|)), computed in double.</summary>
internal readonly struct LogSigmoidOp : IUnaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            d[i] = T.CreateTruncating(Math.Min(v, 0) - SpecialFunctions.Log1P(Math.Exp(-Math.Abs(v))));
        }
    }
}
