using System.Numerics;
using System.Numerics.Tensors;

namespace Tidu;

/// <summary>Computes one output block from one contiguous input block of the same length.</summary>
internal delegate void BlockMap<T>(ReadOnlySpan<T> source, Span<T> destination);

// LogSumExp, Softmax and LogSoftmax (torch.logsumexp / torch.softmax / torch.log_softmax). All three subtract the
// maximum of each slice before exponentiating, so large inputs (e.g. 1000) do not overflow. Integer inputs are
// converted to Float32 first, as for the other floating-point functions.
public sealed partial class Tensor
{
    /// <summary>
    /// log Σ exp(x) over <paramref name="dim"/>, computed stably; a slice of only −∞ gives −∞.
    /// </summary>
    /// <param name="dim">The dimension to reduce; negative values count from the end.</param>
    /// <param name="keepDim">Keep the reduced dimension with size 1.</param>
    public Tensor LogSumExp(int dim, bool keepDim = false) => LogSumExp([dim], keepDim);

    /// <summary>
    /// log Σ exp(x) over the given dimensions (all when empty), computed stably; a slice of only −∞ gives −∞.
    /// </summary>
    /// <param name="dims">The dimensions to reduce; negative values count from the end.</param>
    /// <param name="keepDim">Keep reduced dimensions with size 1.</param>
    public Tensor LogSumExp(int[] dims, bool keepDim = false)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var a = AsFloatingPoint();
        var layout = a.PrepareReduction("LogSumExp", dims, keepDim);
        double[] scratch64 = a.DType == DType.Float64 ? new double[layout.Inner] : [];
        float[] scratch32 = a.DType == DType.Float32 ? new float[layout.Inner] : [];
        var result = ReduceBlocks(layout, a.DType, s => LogSumExp(s, scratch64), s => LogSumExp(s, scratch32), null);
        if (!Autograd.Needs(a)) return result;
        // d out / dx = exp(x − out): the softmax of the slice
        var resultKeep = result.Detach().Reshape(layout.KeepShape);
        return Autograd.Record(result, "LogSumExp", a,
            static (n, g) => [ExpandReduced(g, n.Ints) * (n.Saved(0) - n.Saved(1)).Exp()],
            saved: [a, resultKeep], ints: [.. a.shape, .. layout.KeepShape]);
    }

    /// <summary>
    /// exp(x) / Σ exp(x) along <paramref name="dim"/> (each slice sums to 1), computed as exp(x − max) / Σ exp(x − max).
    /// </summary>
    /// <param name="dim">The dimension along which the values are normalised; negative values count from the end.</param>
    public Tensor Softmax(int dim)
    {
        var a = AsFloatingPoint();
        int d = ShapeUtil.WrapDim("Softmax", dim, a.Rank);
        var result = a.MapAlong("Softmax", d, static (x, y) => Softmax(x, y), static (x, y) => Softmax(x, y));
        // d/dx: y · (g − Σ g·y)
        return Autograd.Record(result, "Softmax", a, static (n, g) =>
        {
            var y = n.Saved(0);
            return [y * (g - (g * y).Sum(n.Ints[0], keepDim: true))];
        }, saved: [result], ints: [d]);
    }

    /// <summary>
    /// log(softmax(x)) along <paramref name="dim"/>, computed as x − max − log Σ exp(x − max) (more accurate than
    /// taking the log of <see cref="Softmax(int)"/>).
    /// </summary>
    /// <param name="dim">The dimension along which the values are normalised; negative values count from the end.</param>
    public Tensor LogSoftmax(int dim)
    {
        var a = AsFloatingPoint();
        int d = ShapeUtil.WrapDim("LogSoftmax", dim, a.Rank);
        int length = a.Rank == 0 ? 1 : a.shape[d];
        double[] scratch64 = a.DType == DType.Float64 ? new double[length] : [];
        float[] scratch32 = a.DType == DType.Float32 ? new float[length] : [];
        var result = a.MapAlong("LogSoftmax", d, (x, y) => LogSoftmax(x, y, scratch64), (x, y) => LogSoftmax(x, y, scratch32));
        // d/dx: g − exp(out) · Σ g
        return Autograd.Record(result, "LogSoftmax", a,
            static (n, g) => [g - n.Saved(0).Exp() * g.Sum(n.Ints[0], keepDim: true)],
            saved: [result], ints: [d]);
    }

    /// <summary>
    /// Applies a block map to every slice along <paramref name="dim"/> of this (floating-point) tensor and returns a
    /// contiguous tensor of the same shape: the reduction layout moves dim last, the map runs on each contiguous
    /// row, and the result is permuted back.
    /// </summary>
    internal Tensor MapAlong(string op, int dim, BlockMap<double> f64, BlockMap<float> f32)
    {
        var layout = PrepareReduction(op, [dim], keepDim: false);
        var moved = Empty(DType, layout.Moved.shape);
        if (DType == DType.Float64) MapBlocks(layout, moved, f64);
        else MapBlocks(layout, moved, f32);
        if (Rank == 0) return moved;
        // PrepareReduction's order is the kept dims, then the reduced ones; invert it
        var inverse = new int[Rank];
        int next = 0;
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < Rank; i++)
                if (layout.Reduced[i] == (pass == 1)) inverse[i] = next++;
        return moved.Permute(inverse).Contiguous();
    }

    private static void MapBlocks<T>(ReductionLayout layout, Tensor destination, BlockMap<T> map)
    {
        var src = layout.Moved.storage.As<T>();
        var dst = destination.storage.As<T>();
        int start = layout.Moved.offset, inner = layout.Inner;
        if (inner == 0) return;
        for (int o = 0; o < layout.Outer; o++)
            map(new ReadOnlySpan<T>(src, start + o * inner, inner), new Span<T>(dst, o * inner, inner));
    }

    /// <summary>Stable log Σ exp of one block; as in PyTorch, an infinite maximum is not subtracted (avoids ∞ − ∞).</summary>
    private static T LogSumExp<T>(ReadOnlySpan<T> x, Span<T> scratch) where T : IFloatingPointIeee754<T>
    {
        if (x.IsEmpty) return T.NegativeInfinity;
        T max = TensorPrimitives.Max(x);
        T shift = T.IsInfinity(max) ? T.Zero : max;
        var e = scratch[..x.Length];
        TensorPrimitives.Subtract(x, shift, e);
        TensorPrimitives.Exp<T>(e, e);
        return T.Log(TensorPrimitives.Sum<T>(e)) + shift;
    }

    private static void Softmax<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Subtract(x, TensorPrimitives.Max(x), y);
        TensorPrimitives.Exp<T>(y, y);
        TensorPrimitives.Divide<T>(y, TensorPrimitives.Sum<T>(y), y);
    }

    private static void LogSoftmax<T>(ReadOnlySpan<T> x, Span<T> y, Span<T> scratch) where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Subtract(x, TensorPrimitives.Max(x), y);
        var e = scratch[..y.Length];
        TensorPrimitives.Exp<T>(y, e);
        TensorPrimitives.Subtract<T>(y, T.Log(TensorPrimitives.Sum<T>(e)), y);
    }
}
