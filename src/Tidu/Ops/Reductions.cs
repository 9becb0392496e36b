using System.Numerics;
using System.Numerics.Tensors;

namespace Tidu;

/// <summary>
/// The layout of a reduction: the input with reduced dims moved last and made contiguous, so each output
/// element reduces one contiguous block of <see cref="Inner"/> values.
/// </summary>
internal readonly record struct ReductionLayout(Tensor Moved, int Outer, int Inner, int[] OutShape, int[] KeepShape, bool[] Reduced);

// Sum and Mean over all elements or given dims (PyTorch's reduction semantics: keepDim keeps size-1 dims).
public sealed partial class Tensor
{
    /// <summary>Moves the reduced dims of a (detached) input to the end; dims empty means all.</summary>
    internal ReductionLayout PrepareReduction(string op, int[]? dims, bool keepDim)
    {
        var reduced = new bool[Rank];
        if (dims is null || dims.Length == 0) Array.Fill(reduced, true);
        else
        {
            foreach (int dim in dims)
            {
                int d = ShapeUtil.WrapDim(op, dim, Rank);
                if (reduced.Length > 0 && reduced[d]) throw new ArgumentException($"{op}: dimension {d} appears more than once in {ShapeUtil.Format(dims)}.");
                if (reduced.Length > 0) reduced[d] = true;
            }
        }
        var perm = new List<int>(Rank);
        var outShape = new List<int>(); var keepShape = new int[Rank];
        int outer = 1, inner = 1;
        for (int i = 0; i < Rank; i++)
        {
            keepShape[i] = reduced[i] ? 1 : shape[i];
            if (!reduced[i]) { perm.Add(i); outShape.Add(shape[i]); outer *= shape[i]; }
        }
        for (int i = 0; i < Rank; i++) if (reduced[i]) { perm.Add(i); inner *= shape[i]; }
        var moved = Detach();
        if (Rank > 0) moved = moved.Permute(perm.ToArray());
        moved = moved.Contiguous();
        return new ReductionLayout(moved, outer, inner, keepDim ? keepShape : outShape.ToArray(), keepShape, reduced);
    }

    /// <summary>Applies a span reduction to each contiguous block of a layout.</summary>
    internal static Tensor ReduceBlocks(ReductionLayout layout, DType dtype, Func<ReadOnlySpan<double>, double>? f64, Func<ReadOnlySpan<float>, float>? f32, Func<ReadOnlySpan<long>, long>? i64)
    {
        var result = Empty(dtype, layout.OutShape);
        var src = layout.Moved;
        for (int o = 0; o < layout.Outer; o++)
        {
            switch (dtype)
            {
                case DType.Float32: result.storage.As<float>()[o] = f32!(src.storage.As<float>().AsSpan(src.offset + o * layout.Inner, layout.Inner)); break;
                case DType.Float64: result.storage.As<double>()[o] = f64!(src.storage.As<double>().AsSpan(src.offset + o * layout.Inner, layout.Inner)); break;
                default: result.storage.As<long>()[o] = i64!(src.storage.As<long>().AsSpan(src.offset + o * layout.Inner, layout.Inner)); break;
            }
        }
        return result;
    }

    /// <summary>Sum of all elements (a 0-d tensor).</summary>
    public Tensor Sum() => Sum(null, false);

    /// <summary>Sum over one dimension.</summary>
    public Tensor Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);

    /// <summary>Sum over the given dimensions (all when empty).</summary>
    public Tensor Sum(int[]? dims, bool keepDim = false)
    {
        if ((dims is null || dims.Length == 0) && !keepDim && IsContiguous) return SumAll();
        var layout = PrepareReduction("Sum", dims, keepDim);
        var result = ReduceBlocks(layout, DType, static s => TensorPrimitives.Sum(s), static s => TensorPrimitives.Sum(s), static s => TensorPrimitives.Sum(s));
        return Autograd.Record(result, "Sum", this, static (n, g) => [ExpandReduced(g, n.Ints)], ints: [.. shape, .. layout.KeepShape]);
    }

    /// <summary>
    /// The sum of every element of a contiguous tensor: the general path's single block, without building a
    /// permuted layout (the elements are already in reduction order, so the value is bit-for-bit the same).
    /// </summary>
    private Tensor SumAll()
    {
        var result = Empty(DType, ShapeUtil.Scalar);
        switch (DType)
        {
            case DType.Float32: result.storage.As<float>()[0] = TensorPrimitives.Sum<float>(ContiguousSpan<float>()); break;
            case DType.Float64: result.storage.As<double>()[0] = TensorPrimitives.Sum<double>(ContiguousSpan<double>()); break;
            default: result.storage.As<long>()[0] = TensorPrimitives.Sum<long>(ContiguousSpan<long>()); break;
        }
        // the 0-d gradient broadcasts straight to the input's shape (shape arrays are never mutated, so Ints can share it)
        return Autograd.Record(result, "Sum", this, static (n, g) => [g.ExpandTo(n.Ints)], ints: shape);
    }

    /// <summary>
    /// Broadcasts a reduction's gradient back over the reduced dims. <paramref name="shapes"/> holds the input
    /// shape followed by the keep-dim shape.
    /// </summary>
    internal static Tensor ExpandReduced(Tensor g, int[] shapes)
    {
        int rank = shapes.Length / 2;
        return g.Reshape(shapes[rank..]).Expand(shapes[..rank]);
    }

    /// <summary>Mean of all elements (floating-point tensors only, as in PyTorch).</summary>
    public Tensor Mean() => Mean(null, false);

    /// <summary>Mean over one dimension.</summary>
    public Tensor Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);

    /// <summary>Mean over the given dimensions (all when empty).</summary>
    public Tensor Mean(int[]? dims, bool keepDim = false)
    {
        if (!DType.IsFloatingPoint())
            throw new InvalidOperationException($"Mean: expects a floating-point tensor, got {DType}; convert with Float() first.");
        var sum = Sum(dims, keepDim);
        int count = NumberOfElements / Math.Max(sum.NumberOfElements, 1);
        return sum / (double)count;
    }
}
