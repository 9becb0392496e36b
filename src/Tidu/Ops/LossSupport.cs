using System.Numerics.Tensors;
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
    /// Cross-entropy of logits [N, C] against Int64 class indices [N] in one op (the common case of
    /// torch.nn.functional.cross_entropy), with PyTorch's semantics for every option. Per row n with target tₙ,
    /// log-sum-exp Lₙ = max + log Σ_c exp(x_c − max) and mask mₙ = [tₙ ≠ ignoreIndex]:
    /// nllₙ = mₙ·w[tₙ]·(Lₙ − x_tₙ), sₙ = mₙ·Σ_c w_c·(Lₙ − x_c), ℓₙ = (1 − ε)·nllₙ + (ε/C)·sₙ; None returns ℓ,
    /// Sum Σℓ, Mean Σℓ / Σ mₙ·w[tₙ] (NaN when every target is ignored). Backward, with p = softmax(xₙ) and S = Σ w:
    /// dℓₙ/dx_j = mₙ·((1 − ε)·w[tₙ]·(p_j − [j = tₙ]) + (ε/C)·(S·p_j − w_j)), scaled by the upstream gradient
    /// (divided by Σ mₙ·w[tₙ] for Mean); ignored rows get 0. Inputs are checked by the caller; the class weight
    /// (input dtype, [C]) gets no gradient.
    /// </summary>
    internal static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight, int ignoreIndex, NN.Reduction reduction, double labelSmoothing)
    {
        var x = input.Detach().Contiguous();
        var t = target.Detach().Contiguous();
        var w = weight?.Detach().Contiguous();
        int n = x.shape[0];
        // per row the maximum and log Σ exp(x − max), then Σ mₙ·w[tₙ]
        var stats = Tensor.Empty(DType.Float64, [2 * n + 1]);
        var losses = Tensor.Empty(x.DType, [n]);
        var statSpan = stats.ContiguousSpan<double>();
        double total = x.DType == DType.Float32
            ? CrossEntropyForward(x.ContiguousSpan<float>(), t.ContiguousSpan<long>(), w is null ? default : w.ContiguousSpan<float>(), w is not null,
                x.shape[1], ignoreIndex, labelSmoothing, statSpan, losses.ContiguousSpan<float>())
            : CrossEntropyForward(x.ContiguousSpan<double>(), t.ContiguousSpan<long>(), w is null ? default : w.ContiguousSpan<double>(), w is not null,
                x.shape[1], ignoreIndex, labelSmoothing, statSpan, losses.ContiguousSpan<double>());
        var result = reduction switch
        {
            NN.Reduction.None => losses,
            NN.Reduction.Sum => Tensor.Full([], total, x.DType),
            _ => Tensor.Full([], total / statSpan[2 * n], x.DType),
        };
        return Autograd.Record(result, "CrossEntropy", input, static (node, g) =>
        {
            var x = node.Saved(0);
            var t = node.Saved(1);
            var stats = node.Saved(2);
            var w = node.Flag ? node.Saved(3) : null;
            var reduction = (NN.Reduction)node.Ints[1];
            var gc = g.Detach().Contiguous();
            var dx = Tensor.Empty(x.DType, x.shape);
            if (x.DType == DType.Float32)
                CrossEntropyBackward(x.ContiguousSpan<float>(), t.ContiguousSpan<long>(), w is null ? default : w.ContiguousSpan<float>(), w is not null,
                    x.shape[1], node.Ints[0], node.Scalar, reduction, stats.ContiguousSpan<double>(), gc.ContiguousSpan<float>(), dx.ContiguousSpan<float>());
            else
                CrossEntropyBackward(x.ContiguousSpan<double>(), t.ContiguousSpan<long>(), w is null ? default : w.ContiguousSpan<double>(), w is not null,
                    x.shape[1], node.Ints[0], node.Scalar, reduction, stats.ContiguousSpan<double>(), gc.ContiguousSpan<double>(), dx.ContiguousSpan<double>());
            return [dx];
        }, saved: w is null ? [x, t, stats] : [x, t, stats, w], ints: [ignoreIndex, (int)reduction], scalar: labelSmoothing, flag: w is not null);
    }

    /// <summary>
    /// Rows per block of the cross-entropy kernels: the exponentials of a whole block go through one vectorised
    /// TensorPrimitives.Exp call. Per row, a 10-class classifier's 4 calls on 10 values each cost more in call
    /// overhead than in arithmetic (64 rows: 4.7 µs forward, 0.8 µs per block).
    /// </summary>
    private const int BlockValues = 2048;

    /// <summary>Classes up to which per-row max, subtract and sum are scalar loops rather than TensorPrimitives calls.</summary>
    private const int SmallClasses = 32;

    /// <summary>Writes each row's loss and statistics (see <see cref="CrossEntropy"/>); returns Σ loss.</summary>
    private static double CrossEntropyForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<long> target, ReadOnlySpan<T> weight, bool weighted, int classes,
        int ignoreIndex, double labelSmoothing, Span<double> stats, Span<T> losses) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int rows = target.Length;
        double eps = labelSmoothing, total = 0, weightSum = 0;
        double weightTotal = weighted ? double.CreateTruncating(TensorPrimitives.Sum(weight)) : classes;
        int blockRows = Math.Max(1, BlockValues / classes);
        Span<T> scratch = classes <= BlockValues ? stackalloc T[blockRows * classes] : new T[classes];
        Span<double> smoothAll = eps > 0 ? stackalloc double[blockRows] : default;
        for (int r0 = 0; r0 < rows; r0 += blockRows)
        {
            int count = Math.Min(blockRows, rows - r0);
            var block = scratch[..(count * classes)];
            // x − max per row (as LogSoftmax: +∞ or NaN give NaN, as in PyTorch), then one Exp for the block
            for (int i = 0; i < count; i++)
            {
                var row = x.Slice((r0 + i) * classes, classes);
                var shifted = block.Slice(i * classes, classes);
                T shift = Max(row);
                if (classes <= SmallClasses) for (int c = 0; c < classes; c++) shifted[c] = row[c] - shift;
                else TensorPrimitives.Subtract(row, shift, shifted);
                stats[2 * (r0 + i)] = double.CreateTruncating(shift);
            }
            // Σ_c w_c·(x_c − shift), only for label smoothing, needs the shifted values before they are exponentiated
            var smoothSums = eps > 0 ? smoothAll[..count] : default;
            for (int i = 0; i < smoothSums.Length; i++)
            {
                var shifted = block.Slice(i * classes, classes);
                smoothSums[i] = weighted
                    ? double.CreateTruncating(TensorPrimitives.Dot<T>(shifted, weight))
                    : double.CreateTruncating(TensorPrimitives.Sum<T>(shifted));
            }
            TensorPrimitives.Exp<T>(block, block);
            for (int i = 0; i < count; i++)
            {
                int r = r0 + i;
                var row = x.Slice(r * classes, classes);
                double logSum = Math.Log(double.CreateTruncating(Sum<T>(block.Slice(i * classes, classes))));
                double shift = stats[2 * r];
                stats[2 * r + 1] = logSum;
                long tr = target[r];
                double loss = 0;
                if (tr != ignoreIndex)
                {
                    double wt = weighted ? double.CreateTruncating(weight[(int)tr]) : 1;
                    weightSum += wt;
                    // x_t − shift − log Σ is the target's log-probability, as LogSoftmax computes it
                    double nll = -wt * (double.CreateTruncating(row[(int)tr] - T.CreateTruncating(shift)) - logSum);
                    loss = eps > 0 ? (1 - eps) * nll + eps / classes * (weightTotal * logSum - smoothSums[i]) : nll;
                }
                losses[r] = T.CreateTruncating(loss);
                total += loss;
            }
        }
        stats[2 * rows] = weightSum;
        return total;
    }

    /// <summary>The maximum of a row, NaN if it holds one (TensorPrimitives.Max's semantics), scalar for few classes.</summary>
    private static T Max<T>(ReadOnlySpan<T> row) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (row.Length > SmallClasses) return TensorPrimitives.Max(row);
        T m = row[0];
        for (int c = 1; c < row.Length; c++) m = T.Max(m, row[c]); // IEEE maximum: NaN propagates
        return m;
    }

    private static T Sum<T>(ReadOnlySpan<T> row) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (row.Length > SmallClasses) return TensorPrimitives.Sum(row);
        T s = T.Zero;
        for (int c = 0; c < row.Length; c++) s += row[c];
        return s;
    }

    /// <summary>dℓ/dx of <see cref="CrossEntropy"/> for the upstream gradient g (a scalar, or one value per row for None).</summary>
    private static void CrossEntropyBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<long> target, ReadOnlySpan<T> weight, bool weighted, int classes,
        int ignoreIndex, double labelSmoothing, NN.Reduction reduction, ReadOnlySpan<double> stats, ReadOnlySpan<T> g, Span<T> dx)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int rows = target.Length;
        double eps = labelSmoothing;
        double weightTotal = weighted ? double.CreateTruncating(TensorPrimitives.Sum(weight)) : classes;
        double scale = reduction switch
        {
            NN.Reduction.None => 1,
            NN.Reduction.Sum => double.CreateTruncating(g[0]),
            _ => double.CreateTruncating(g[0]) / stats[2 * rows],
        };
        bool small = classes <= SmallClasses;
        // p = exp(x − shift − log Σ) for every row, with one Exp call over all of dx
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * classes, classes);
            var d = dx.Slice(r * classes, classes);
            T shift = T.CreateTruncating(stats[2 * r]), logSum = T.CreateTruncating(stats[2 * r + 1]);
            if (small) for (int c = 0; c < classes; c++) d[c] = xr[c] - shift - logSum;
            else
            {
                TensorPrimitives.Subtract(xr, shift, d);
                TensorPrimitives.Subtract(d, logSum, d);
            }
        }
        TensorPrimitives.Exp<T>(dx, dx);
        for (int r = 0; r < rows; r++)
        {
            var d = dx.Slice(r * classes, classes);
            long tr = target[r];
            if (tr == ignoreIndex) { d.Clear(); continue; }
            double coef = reduction == NN.Reduction.None ? double.CreateTruncating(g[r]) : scale;
            double wt = weighted ? double.CreateTruncating(weight[(int)tr]) : 1;
            // coef·(((1 − ε)·w_t + (ε/C)·S)·p − (ε/C)·w − (1 − ε)·w_t·onehot)
            T factor = T.CreateTruncating(coef * ((1 - eps) * wt + eps / classes * weightTotal));
            if (small) for (int c = 0; c < classes; c++) d[c] *= factor;
            else TensorPrimitives.Multiply(d, factor, d);
            if (eps > 0)
            {
                var b = T.CreateTruncating(coef * eps / classes);
                if (weighted) TensorPrimitives.MultiplyAdd(weight, -b, d, d);
                else TensorPrimitives.Subtract(d, b, d);
            }
            d[(int)tr] -= T.CreateTruncating(coef * (1 - eps) * wt);
        }
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
