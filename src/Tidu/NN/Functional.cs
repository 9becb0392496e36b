using System.Runtime.Intrinsics;

namespace Tidu.NN;

/// <summary>
/// Stateless versions of the layers and losses (PyTorch's torch.nn.functional): the modules hold parameters
/// and call these.
/// </summary>
public static partial class Functional
{
    /// <summary>
    /// y = x·Wᵀ + b over the last dimension of x (torch.nn.functional.linear). For a floating-point input of rank
    /// ≥ 2 and parameters of its dtype this is one op (the bias added by the GEMM, the weight's gradient computed
    /// directly in its [out, in] layout); other inputs compose MatMul and Add.
    /// </summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2)
            throw new ArgumentException($"Linear: the weight must be 2-D [out, in], got shape {ShapeUtil.Format(weight.Shape)}.");
        if (input.Rank == 0 || input.Size(-1) != weight.Size(1))
            throw new ArgumentException($"Linear: input of shape {ShapeUtil.Format(input.Shape)} does not match weight of shape {ShapeUtil.Format(weight.Shape)} (expected last dim {weight.Size(1)}).");
        // the usual case is one fused op; leading dims of a batched input are flattened into its rows
        if (input.Rank >= 2 && input.DType is DType.Float32 or DType.Float64 && weight.DType == input.DType
            && input.NumberOfElements > 0 && weight.Size(0) > 0
            && (bias is null || bias.Rank == 1 && bias.DType == input.DType && bias.Size(0) == weight.Size(0)))
        {
            if (input.Rank == 2) return FusedLinear(input, weight, bias);
            int[] shape = [.. input.Shape[..^1], weight.Size(0)];
            return FusedLinear(input.Reshape(-1, weight.Size(1)), weight, bias).Reshape(shape);
        }
        var output = input.MatMul(weight.T());
        return bias is null ? output : output + bias;
    }

    /// <summary>
    /// y = x·Wᵀ + b as one op for x [m, k], W [n, k], b [n] of one floating-point dtype: the rows of y start as b and
    /// the GEMM accumulates into them (beta = 1), so there is no separate broadcast add. Backward: dx = g·W,
    /// dW = gᵀ·x (contiguous [n, k], no transposed views), db = Σ over the rows of g.
    /// </summary>
    private static Tensor FusedLinear(Tensor input, Tensor weight, Tensor? bias)
    {
        var x = input.Detach().Contiguous();
        var w = weight.Detach().Contiguous();
        var b = bias?.Detach().Contiguous();
        int m = x.Size(0), k = x.Size(1), n = w.Size(0);
        var y = Tensor.Empty(x.DType, [m, n]);
        if (x.DType == DType.Float32) LinearForward<float>(x, w, b, y, m, n, k);
        else LinearForward<double>(x, w, b, y, m, n, k);
        Tensor[] inputs = bias is null ? [input, weight] : [input, weight, bias];
        return Autograd.Record(y, "Linear", inputs, static (node, g) =>
        {
            var x = node.Saved(0);
            var w = node.Saved(1);
            var gc = g.Detach().Contiguous();
            bool hasBias = node.Inputs.Length == 3;
            int m = x.Size(0), k = x.Size(1), n = w.Size(0);
            Tensor? dx = node.Inputs[0] is null ? null : Tensor.EmptyGradient(x.DType, [m, k]);
            Tensor? dw = node.Inputs[1] is null ? null : Tensor.EmptyGradient(x.DType, [n, k]);
            Tensor? db = hasBias && node.Inputs[2] is not null ? Tensor.EmptyGradient(x.DType, [n]) : null;
            if (x.DType == DType.Float32) LinearBackward<float>(x, w, gc, dx, dw, db, m, n, k);
            else LinearBackward<double>(x, w, gc, dx, dw, db, m, n, k);
            return hasBias ? [dx, dw, db] : [dx, dw];
        }, saved: [x, w]);
    }

    private static void LinearForward<T>(Tensor x, Tensor w, Tensor? b, Tensor y, int m, int n, int k)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var ys = y.ContiguousSpan<T>();
        if (b is not null)
        {
            var bs = b.ContiguousSpan<T>();
            for (int i = 0; i < m; i++) bs.CopyTo(ys.Slice(i * n, n));
        }
        // y = x·Wᵀ (+ y): W [n, k] row-major is Wᵀ stored transposed
        Kernels.Gemm.Multiply(false, true, m, n, k, T.One, x.ContiguousSpan<T>(), k, w.ContiguousSpan<T>(), k,
            b is null ? T.Zero : T.One, ys, n);
    }

    private static void LinearBackward<T>(Tensor x, Tensor w, Tensor g, Tensor? dx, Tensor? dw, Tensor? db, int m, int n, int k)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var gs = g.ContiguousSpan<T>();
        // dx [m, k] = g [m, n] · W [n, k]
        if (dx is not null)
            Kernels.Gemm.Multiply(false, false, m, k, n, T.One, gs, n, w.ContiguousSpan<T>(), k, T.Zero, dx.ContiguousSpan<T>(), k);
        // dW [n, k] = gᵀ · x: g [m, n] row-major is gᵀ stored transposed; split by rows, as the optimizer reads it
        if (dw is not null)
            Kernels.Gemm.Multiply(true, false, n, k, m, T.One, gs, n, x.ContiguousSpan<T>(), k, T.Zero, dw.ContiguousSpan<T>(), k, splitRows: true);
        if (db is not null)
        {
            var d = db.ContiguousSpan<T>();
            gs[..n].CopyTo(d);
            for (int i = 1; i < m; i++) System.Numerics.Tensors.TensorPrimitives.Add<T>(d, gs.Slice(i * n, n), d);
        }
    }

    /// <summary>
    /// Inverted dropout: in training zeroes each element with probability p and scales the rest by 1/(1−p);
    /// the identity otherwise (torch.nn.functional.dropout).
    /// </summary>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: probability must be in [0, 1], got {p}.");
        if (!training || p == 0) return input;
        if (p == 1) return input * 0.0;
        Tensor mask;
        if (input.DType == DType.Float32) mask = DropoutMask<float>(input.Shape, DType.Float32, p, generator ?? Generator.Default);
        else if (input.DType == DType.Float64) mask = DropoutMask<double>(input.Shape, DType.Float64, p, generator ?? Generator.Default);
        else
            using (Tensor.NoGrad())
                mask = Tensor.Rand(input.Shape, input.DType, generator).Ge(p).To(input.DType) * (1.0 / (1 - p));
        return input * mask;
    }

    /// <summary>
    /// The mask Rand(shape).Ge(p).To(dtype) · 1/(1−p) in one pass instead of four: each element draws its uniform
    /// sample exactly as <see cref="Tensor.Rand(int[], DType, Generator?)"/> does (same generator calls, same
    /// rounding to the element type, same comparison in the element type), so the masks, and every training run
    /// that uses dropout, stay the same.
    /// </summary>
    private static Tensor DropoutMask<T>(int[] shape, DType dtype, double p, Generator generator)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var mask = Tensor.Empty(dtype, shape);
        if (typeof(T) == typeof(float))
        {
            // spelled out for float: the generic conversion T.CreateTruncating(double) is not inlined and cost
            // more than drawing the random numbers
            var f = mask.ContiguousSpan<float>();
            double below1 = MathF.BitDecrement(1f);
            float threshold = (float)p, keep = (float)(1.0 / (1 - p));
            Span<double> u = stackalloc double[256];
            for (int start = 0; start < f.Length; start += u.Length)
            {
                var chunk = f.Slice(start, Math.Min(u.Length, f.Length - start));
                generator.NextDoubles(u[..chunk.Length]);
                int i = 0;
                if (Vector512.IsHardwareAccelerated)
                {
                    // the scalar formula 16 lanes at a time, without its unpredictable branch
                    var limit = Vector512.Create(below1);
                    var th = Vector512.Create(threshold);
                    var kept = Vector512.Create(keep);
                    for (; i + 16 <= chunk.Length; i += 16)
                    {
                        var lo = Vector512.Min(Vector512.Create(u.Slice(i, 8)), limit);
                        var hi = Vector512.Min(Vector512.Create(u.Slice(i + 8, 8)), limit);
                        var x = Vector512.Narrow(lo, hi);
                        Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, th), kept, Vector512<float>.Zero).CopyTo(chunk[i..]);
                    }
                }
                for (; i < chunk.Length; i++) chunk[i] = (float)Math.Min(u[i], below1) >= threshold ? keep : 0f;
            }
        }
        else
        {
            var m = mask.ContiguousSpan<T>();
            T threshold = T.CreateTruncating(p), keep = T.CreateTruncating(1.0 / (1 - p));
            for (int i = 0; i < m.Length; i++)
                m[i] = T.CreateTruncating(Math.Min(generator.NextDouble(), 1.0)) >= threshold ? keep : T.Zero;
        }
        return mask;
    }
}
