using System.Numerics;
using System.Numerics.Tensors;

namespace Tidu;

/// <summary>
/// The result of <see cref="Tensor.Max(int, bool)"/> or <see cref="Tensor.Min(int, bool)"/>: the extreme values
/// along a dimension and their positions in it (PyTorch's <c>torch.return_types.max</c>).
/// </summary>
/// <param name="Values">The largest (or smallest) value of each slice; gradients flow through it.</param>
/// <param name="Indices">The Int64 index of that value within the reduced dimension (the first one on ties).</param>
public readonly record struct MaxMinResult(Tensor Values, Tensor Indices);

// Max, Min, ArgMax and ArgMin (torch.max / torch.min / torch.argmax / torch.argmin). NaN propagates: a slice that
// contains NaN has NaN as its extreme and the index of its first NaN.
public sealed partial class Tensor
{
    /// <summary>
    /// The largest element (a 0-d tensor); NaN if any element is NaN. The gradient is shared evenly among all
    /// elements equal to the maximum (PyTorch's <c>evenly_distribute_backward</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor has no elements.</exception>
    public Tensor Max() => ExtremeAll("Max", max: true);

    /// <summary>
    /// The smallest element (a 0-d tensor); NaN if any element is NaN. The gradient is shared evenly among all
    /// elements equal to the minimum.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor has no elements.</exception>
    public Tensor Min() => ExtremeAll("Min", max: false);

    /// <summary>
    /// The largest value along <paramref name="dim"/> and its index (the first occurrence on ties). The gradient
    /// flows only to the element at that index.
    /// </summary>
    /// <param name="dim">The dimension to reduce; negative values count from the end.</param>
    /// <param name="keepDim">Keep the reduced dimension with size 1.</param>
    public MaxMinResult Max(int dim, bool keepDim = false) => ExtremeAlong("Max", dim, keepDim, max: true);

    /// <summary>
    /// The smallest value along <paramref name="dim"/> and its index (the first occurrence on ties). The gradient
    /// flows only to the element at that index.
    /// </summary>
    /// <param name="dim">The dimension to reduce; negative values count from the end.</param>
    /// <param name="keepDim">Keep the reduced dimension with size 1.</param>
    public MaxMinResult Min(int dim, bool keepDim = false) => ExtremeAlong("Min", dim, keepDim, max: false);

    /// <summary>
    /// The Int64 index of the largest value along <paramref name="dim"/> (the first on ties), or, when
    /// <paramref name="dim"/> is null, of the largest element of the flattened tensor. No gradient flows.
    /// </summary>
    /// <param name="dim">The dimension to reduce, or null for the flattened tensor.</param>
    /// <param name="keepDim">Keep reduced dimensions with size 1 (with a null dim, every dimension becomes 1).</param>
    public Tensor ArgMax(int? dim = null, bool keepDim = false) => ArgExtreme("ArgMax", dim, keepDim, max: true);

    /// <summary>
    /// The Int64 index of the smallest value along <paramref name="dim"/> (the first on ties), or, when
    /// <paramref name="dim"/> is null, of the smallest element of the flattened tensor. No gradient flows.
    /// </summary>
    /// <param name="dim">The dimension to reduce, or null for the flattened tensor.</param>
    /// <param name="keepDim">Keep reduced dimensions with size 1 (with a null dim, every dimension becomes 1).</param>
    public Tensor ArgMin(int? dim = null, bool keepDim = false) => ArgExtreme("ArgMin", dim, keepDim, max: false);

    private Tensor ExtremeAll(string op, bool max)
    {
        if (NumberOfElements == 0)
            throw new InvalidOperationException(
                $"{op}: the tensor of shape {ShapeUtil.Format(shape)} has no elements; reduce over a dimension with {op}(dim) instead.");
        var layout = PrepareReduction(op, null, keepDim: false);
        var result = max
            ? ReduceBlocks(layout, DType, static s => TensorPrimitives.Max(s), static s => TensorPrimitives.Max(s), static s => TensorPrimitives.Max(s))
            : ReduceBlocks(layout, DType, static s => TensorPrimitives.Min(s), static s => TensorPrimitives.Min(s), static s => TensorPrimitives.Min(s));
        return Autograd.Record(result, op, this, static (n, g) =>
        {
            // PyTorch's evenly_distribute_backward: every element equal to the result (every NaN, if it is NaN)
            // receives an equal share
            var x = n.Saved(0); var value = n.Saved(1);
            var mask = double.IsNaN(value.Item()) ? x.Ne(x) : x.Eq(value);
            return [mask * (g / mask.Sum())];
        }, saved: [this, result]);
    }

    private MaxMinResult ExtremeAlong(string op, int dim, bool keepDim, bool max)
    {
        int d = ShapeUtil.WrapDim(op, dim, Rank);
        var (values, indices, layout) = ExtremeBlocks(op, [d], keepDim, max);
        values = Autograd.Record(values, op, this, static (n, g) =>
        {
            // the gradient goes to the selected element only: a one-hot mask along dim built from the indices
            int rank = (n.Ints.Length - 1) / 2;
            if (rank == 0) return [g];
            int[] inputShape = n.Ints[..rank], keepShape = n.Ints[rank..(2 * rank)];
            int d = n.Ints[^1];
            var positionShape = new int[rank];
            Array.Fill(positionShape, 1);
            positionShape[d] = inputShape[d];
            var oneHot = n.Saved(0).Reshape(keepShape).Eq(Arange(inputShape[d]).Reshape(positionShape));
            return [ExpandReduced(g, n.Ints[..^1]) * oneHot];
        }, saved: [indices], ints: [.. shape, .. layout.KeepShape, d]);
        return new MaxMinResult(values, indices);
    }

    private Tensor ArgExtreme(string op, int? dim, bool keepDim, bool max) =>
        ExtremeBlocks(op, dim is { } d ? [d] : null, keepDim, max).Indices;

    /// <summary>Values and Int64 indices of the extreme of each block of a reduction over <paramref name="dims"/> (null: all).</summary>
    private (Tensor Values, Tensor Indices, ReductionLayout Layout) ExtremeBlocks(string op, int[]? dims, bool keepDim, bool max)
    {
        var layout = PrepareReduction(op, dims, keepDim);
        if (layout.Inner == 0)
            throw new ArgumentException(
                $"{op}: cannot reduce over a dimension of size 0 (input shape {ShapeUtil.Format(shape)}); the extreme of an empty slice is undefined.");
        var values = Empty(DType, layout.OutShape);
        var indices = Empty(DType.Int64, layout.OutShape);
        switch (DType)
        {
            case DType.Float32: IndexOfExtreme<float>(layout, values, indices, max); break;
            case DType.Float64: IndexOfExtreme<double>(layout, values, indices, max); break;
            default: IndexOfExtreme<long>(layout, values, indices, max); break;
        }
        return (values, indices, layout);
    }

    private static void IndexOfExtreme<T>(ReductionLayout layout, Tensor values, Tensor indices, bool max) where T : INumber<T>
    {
        var src = layout.Moved.storage.As<T>();
        var v = values.storage.As<T>();
        var idx = indices.storage.As<long>();
        int start = layout.Moved.offset, inner = layout.Inner;
        for (int o = 0; o < layout.Outer; o++)
        {
            var block = new ReadOnlySpan<T>(src, start + o * inner, inner);
            // TensorPrimitives returns the first index of the extreme, or of the first NaN
            int i = max ? TensorPrimitives.IndexOfMax(block) : TensorPrimitives.IndexOfMin(block);
            v[o] = block[i];
            idx[o] = i;
        }
    }
}
