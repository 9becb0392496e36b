namespace Tidu;

// Indexing. Narrow, Select, Slice and the basic-indexing indexer return views that share storage (one helper,
// Subview, makes all of them and owns their backward). Gather, IndexSelect and ScatterAdd copy; they share one
// gather kernel and one scatter-add kernel that walk any strided layout.
public sealed partial class Tensor
{
    // ---- views ----------------------------------------------------------------------------------------

    /// <summary>
    /// A view of <paramref name="length"/> elements of dimension <paramref name="dim"/> starting at
    /// <paramref name="start"/> (torch.narrow); a negative start counts from the end.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within the dimension.</exception>
    public Tensor Narrow(int dim, int start, int length)
    {
        if (Rank == 0) throw new ArgumentException("Narrow: cannot be applied to a 0-dimensional tensor.", nameof(dim));
        int d = ShapeUtil.WrapDim("Narrow", dim, Rank);
        int size = shape[d];
        if (start < -size || start > size)
            throw new ArgumentOutOfRangeException(nameof(start),
                $"Narrow: start {start} is out of range for dimension {dim} of size {size} (expected {-size}..{size}; tensor shape {ShapeUtil.Format(shape)}).");
        if (start < 0) start += size;
        if (length < 0 || start + length > size)
            throw new ArgumentOutOfRangeException(nameof(length),
                $"Narrow: start ({start}) + length ({length}) exceeds dimension {dim} of size {size} (tensor shape {ShapeUtil.Format(shape)}).");
        var (starts, steps, lengths) = FullSubview();
        starts[d] = start;
        lengths[d] = length;
        return Subview("Narrow", starts, steps, lengths, null);
    }

    /// <summary>
    /// The slice at <paramref name="index"/> of dimension <paramref name="dim"/>, with that dimension removed
    /// (torch.select; <c>t.Select(0, i)</c> is <c>t[i]</c>). A negative index counts from the end.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the dimension.</exception>
    public Tensor Select(int dim, int index)
    {
        if (Rank == 0) throw new ArgumentException("Select: cannot be applied to a 0-dimensional tensor.", nameof(dim));
        int d = ShapeUtil.WrapDim("Select", dim, Rank);
        int size = shape[d];
        if (index < -size || index >= size)
            throw new ArgumentOutOfRangeException(nameof(index),
                $"Select: index {index} is out of range for dimension {dim} of size {size} (tensor shape {ShapeUtil.Format(shape)}).");
        var (starts, steps, lengths) = FullSubview();
        starts[d] = index < 0 ? index + size : index;
        lengths[d] = -1;
        return Subview("Select", starts, steps, lengths, null);
    }

    /// <summary>
    /// The view <c>t[..., start:end:step, ...]</c> along dimension <paramref name="dim"/> with Python's slicing
    /// rules: negative bounds count from the end, bounds past the ends are clamped (an empty result is allowed),
    /// null means from the beginning / to the end. As in PyTorch, <paramref name="step"/> must be positive.
    /// </summary>
    public Tensor Slice(int dim, int? start = null, int? end = null, int step = 1)
    {
        if (Rank == 0) throw new ArgumentException("Slice: cannot be applied to a 0-dimensional tensor.", nameof(dim));
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), $"Slice: step must be greater than zero (got {step}).");
        int d = ShapeUtil.WrapDim("Slice", dim, Rank);
        var (starts, steps, lengths) = FullSubview();
        (starts[d], lengths[d]) = ResolveSlice(shape[d],
            start is int s ? TensorIndex.FromInt(s) : null, end is int e ? TensorIndex.FromInt(e) : null, step);
        steps[d] = step;
        return Subview("Slice", starts, steps, lengths, null);
    }

    /// <summary>
    /// PyTorch basic indexing, returning a view: integers (or <see cref="Index"/>, e.g. <c>^1</c>) select and
    /// remove a dimension, ranges (<c>1..3</c>, <c>..</c>) and <see cref="TensorIndex.Slice(int?, int?, int)"/>
    /// keep it, <see cref="TensorIndex.Ellipsis"/> stands for the dimensions not mentioned and
    /// <see cref="TensorIndex.NewAxis"/> inserts a dimension of size 1. Unindexed trailing dimensions are kept whole.
    /// </summary>
    /// <exception cref="ArgumentException">More indices than dimensions, or more than one ellipsis.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An integer index is outside its dimension.</exception>
    // Item() already names the scalar accessor, so the indexer's metadata name is changed from the default "Item".
    [System.Runtime.CompilerServices.IndexerName("Indexer")]
    public Tensor this[params TensorIndex[] indices]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(indices);
            int consuming = 0, ellipsis = -1;
            for (int i = 0; i < indices.Length; i++)
            {
                switch (indices[i].Kind)
                {
                    case TensorIndexKind.Integer:
                    case TensorIndexKind.Slice:
                        consuming++;
                        break;
                    case TensorIndexKind.Ellipsis:
                        if (ellipsis >= 0) throw new ArgumentException($"Index: an index can only have a single ellipsis (got [{string.Join(", ", indices)}]).", nameof(indices));
                        ellipsis = i;
                        break;
                }
            }
            if (consuming > Rank)
                throw new ArgumentException(
                    $"Index: too many indices for a tensor of rank {Rank} (shape {ShapeUtil.Format(shape)}): {consuming} were given ([{string.Join(", ", indices)}]).", nameof(indices));

            var (starts, steps, lengths) = FullSubview();
            var newAxes = new List<int>();
            int inDim = 0, outDim = 0;
            for (int i = 0; i < indices.Length; i++)
            {
                var index = indices[i];
                switch (index.Kind)
                {
                    case TensorIndexKind.Integer:
                    {
                        int size = shape[inDim];
                        var at = index.Start ?? Index.Start;
                        int pos = at.IsFromEnd ? size - at.Value : at.Value;
                        if (pos < 0 || pos >= size)
                            throw new ArgumentOutOfRangeException(nameof(indices),
                                $"Index: index {TensorIndex.Describe(at)} is out of range for dimension {inDim} of size {size} (tensor shape {ShapeUtil.Format(shape)}).");
                        starts[inDim] = pos;
                        lengths[inDim] = -1;
                        inDim++;
                        break;
                    }
                    case TensorIndexKind.Slice:
                        (starts[inDim], lengths[inDim]) = ResolveSlice(shape[inDim], index.Start, index.End, index.Step);
                        steps[inDim] = index.Step;
                        inDim++;
                        outDim++;
                        break;
                    case TensorIndexKind.Ellipsis:
                        int skipped = Rank - consuming;
                        inDim += skipped;
                        outDim += skipped;
                        break;
                    default:
                        newAxes.Add(outDim);
                        outDim++;
                        break;
                }
            }
            return Subview("Index", starts, steps, lengths, newAxes);
        }
    }

    /// <summary>Start, step and length arrays that describe the whole tensor, for <see cref="Subview"/>.</summary>
    private (int[] Starts, int[] Steps, int[] Lengths) FullSubview()
    {
        var steps = new int[Rank];
        Array.Fill(steps, 1);
        return (new int[Rank], steps, (int[])shape.Clone());
    }

    /// <summary>Python's slice.indices for a positive step: clamps the bounds and returns (start, length).</summary>
    private static (int Start, int Length) ResolveSlice(int size, Index? start, Index? end, int step)
    {
        static int Clamp(Index i, int size)
        {
            long p = i.IsFromEnd ? (long)size - i.Value : i.Value;
            return (int)Math.Clamp(p, 0, size);
        }
        int s = start is { } a ? Clamp(a, size) : 0;
        int e = end is { } b ? Clamp(b, size) : size;
        int length = e <= s ? 0 : (e - s + step - 1) / step;
        return (s, length);
    }

    /// <summary>
    /// The view that takes, along each input dimension d, <c>lengths[d]</c> elements from <c>starts[d]</c> in steps
    /// of <c>steps[d]</c>, or removes d (fixing it at <c>starts[d]</c>) where <c>lengths[d]</c> is −1; then inserts
    /// size-1 dimensions at the output positions <paramref name="newAxes"/>. Backward: zeros of the input's shape,
    /// the same view of them, the gradient copied in.
    /// </summary>
    private Tensor Subview(string op, int[] starts, int[] steps, int[] lengths, List<int>? newAxes)
    {
        var view = SubviewOf(this, starts, steps, lengths, newAxes);
        return Autograd.Record(view, op, this, static (n, g) => [SubviewGradient(n.Ints, g)],
            ints: [.. shape, .. starts, .. steps, .. lengths]);
    }

    private static Tensor SubviewOf(Tensor t, int[] starts, int[] steps, int[] lengths, List<int>? newAxes)
    {
        int newOffset = t.offset;
        var ns = new List<int>(t.Rank + (newAxes?.Count ?? 0));
        var st = new List<int>(ns.Capacity);
        for (int d = 0; d < t.Rank; d++)
        {
            // an empty slice may start at the end of the dimension; no element is read there
            if (lengths[d] != 0) newOffset += starts[d] * t.strides[d];
            if (lengths[d] < 0) continue;
            ns.Add(lengths[d]);
            st.Add(steps[d] * t.strides[d]);
        }
        if (newAxes is not null)
        {
            foreach (int p in newAxes)
            {
                ns.Insert(p, 1);
                st.Insert(p, p < st.Count ? st[p] * Math.Max(ns[p + 1], 1) : 1);
            }
        }
        return t.MakeView([.. ns], [.. st], newOffset);
    }

    /// <summary>The gradient of a <see cref="Subview"/>: <paramref name="g"/> placed into zeros of the input's shape.</summary>
    private static Tensor SubviewGradient(int[] ints, Tensor g)
    {
        int rank = ints.Length / 4;
        var inputShape = ints[..rank];
        var grad = Zeros(inputShape, g.DType);
        var target = SubviewOf(grad, ints[rank..(2 * rank)], ints[(2 * rank)..(3 * rank)], ints[(3 * rank)..], null);
        // the gradient may carry the size-1 dims inserted by NewAxis; the target has none of them
        Kernels.Strided.CopyInto(g.Rank == target.Rank ? g : g.Reshape(target.shape), target);
        return grad;
    }

    // ---- gather / scatter ------------------------------------------------------------------------------

    /// <summary>
    /// Gathers values along <paramref name="dim"/> (torch.gather): for a 3-D tensor
    /// <c>out[i][j][k] = self[index[i][j][k]][j][k]</c> when dim is 0. <paramref name="index"/> is Int64, has the
    /// same rank as this tensor and no larger size in any dimension other than dim; the result has its shape.
    /// </summary>
    /// <exception cref="ArgumentException">The index has the wrong dtype, rank or shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index value is outside <c>[0, Size(dim))</c>.</exception>
    public Tensor Gather(int dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        int d = ShapeUtil.WrapDim("Gather", dim, Rank);
        CheckIndexTensor("Gather", index, this, d, null);
        var result = Empty(DType, index.shape);
        GatherInto("Gather", this, d, index, result);
        return Autograd.Record(result, "Gather", this, static (n, g) =>
        {
            int dim = n.Ints[0];
            var grad = Zeros(n.Ints[1..], g.DType);
            ScatterAddInto("Gather", grad, dim, n.Saved(0), g);
            return [grad];
        }, saved: [index], ints: [d, .. shape]);
    }

    /// <summary>
    /// The entries of this tensor at the positions <paramref name="index"/> (a 1-D Int64 tensor) along
    /// <paramref name="dim"/> (torch.index_select). The result is a copy whose dimension dim has
    /// <c>index.NumberOfElements</c> entries; indices may repeat.
    /// </summary>
    /// <exception cref="ArgumentException">The index is not a 1-D Int64 tensor.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index value is outside <c>[0, Size(dim))</c>.</exception>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        int d = ShapeUtil.WrapDim("IndexSelect", dim, Rank);
        if (index.DType != DType.Int64)
            throw new ArgumentException($"IndexSelect: the index must be an Int64 tensor, got {index.DType} (shape {ShapeUtil.Format(index.shape)}).", nameof(index));
        if (index.Rank > 1)
            throw new ArgumentException($"IndexSelect: the index must be 1-D, got shape {ShapeUtil.Format(index.shape)} (input shape {ShapeUtil.Format(shape)}).", nameof(index));
        var outShape = Rank == 0 ? [] : (int[])shape.Clone();
        if (Rank > 0) outShape[d] = index.NumberOfElements;
        else if (index.NumberOfElements != 1)
            throw new ArgumentException($"IndexSelect: a 0-dimensional input takes exactly one index, got shape {ShapeUtil.Format(index.shape)}.", nameof(index));
        var result = Empty(DType, outShape);
        if (d == 0 && Rank > 0 && IsContiguous) SelectRows(index, result);
        else GatherInto("IndexSelect", this, d, SelectionIndex(index, d, outShape), result);
        return Autograd.Record(result, "IndexSelect", this, static (n, g) =>
        {
            int dim = n.Ints[0];
            var grad = Zeros(n.Ints[1..], g.DType);
            // scatter-add accumulates, so rows selected more than once receive the sum of their gradients
            ScatterAddInto("IndexSelect", grad, dim, SelectionIndex(n.Saved(0), dim, g.shape), g);
            return [grad];
        }, saved: [index], ints: [d, .. shape]);
    }

    /// <summary>
    /// IndexSelect along dim 0 of a contiguous tensor (a data loader picking a batch of samples): each selected row
    /// is one block copy, instead of the general gather's per-element index walk.
    /// </summary>
    private void SelectRows(Tensor index, Tensor result)
    {
        int rows = shape[0], rowLength = rows == 0 ? 0 : NumberOfElements / rows;
        var ix = index.IsContiguous ? index : index.Contiguous();
        var indices = ix.storage.As<long>().AsSpan(ix.offset, ix.NumberOfElements);
        Array source = storage.Buffer, destination = result.storage.Buffer;
        for (int i = 0; i < indices.Length; i++)
        {
            long r = indices[i];
            if (r < 0 || r >= rows)
                throw new ArgumentOutOfRangeException(nameof(index),
                    $"IndexSelect: index {r} is out of range for dimension 0 of size {rows} (input shape {ShapeUtil.Format(shape)}).");
            Array.Copy(source, offset + r * rowLength, destination, result.offset + (long)i * rowLength, rowLength);
        }
    }

    /// <summary>
    /// Out-of-place torch.scatter_add: a copy of this tensor to which each value of <paramref name="source"/> is
    /// added at the position given by <paramref name="index"/> along <paramref name="dim"/> (for 3-D and dim 0,
    /// <c>out[index[i][j][k]][j][k] += source[i][j][k]</c>); repeated positions accumulate. The index is Int64
    /// with the same rank, no larger than <paramref name="source"/> in any dimension and no larger than this
    /// tensor in any dimension other than dim. <paramref name="source"/> must have this tensor's dtype.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong dtypes, ranks or shapes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index value is outside <c>[0, Size(dim))</c>.</exception>
    public Tensor ScatterAdd(int dim, Tensor index, Tensor source)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(source);
        int d = ShapeUtil.WrapDim("ScatterAdd", dim, Rank);
        if (source.DType != DType)
            throw new ArgumentException($"ScatterAdd: the source must have the same dtype as the tensor ({DType}), got {source.DType}.", nameof(source));
        CheckIndexTensor("ScatterAdd", index, this, d, source);
        var result = Empty(DType, shape);
        Kernels.Strided.CopyInto(this, result);
        ScatterAddInto("ScatterAdd", result, d, index, source);
        return Autograd.Record(result, "ScatterAdd", this, source, static (n, g) =>
        {
            int dim = n.Ints[0];
            var index = n.Saved(0);
            var gs = g.Gather(dim, index);
            var sourceShape = n.Ints[1..];
            if (!gs.shape.AsSpan().SequenceEqual(sourceShape))
            {
                // the index may cover only the leading part of the source; the rest received no gradient
                var padded = Zeros(sourceShape, g.DType);
                var (starts, steps, lengths) = padded.FullSubview();
                if (gs.Rank > 0) lengths = (int[])gs.shape.Clone();
                Kernels.Strided.CopyInto(gs, SubviewOf(padded, starts, steps, lengths, null));
                gs = padded;
            }
            return [g, gs];
        }, saved: [index], ints: [d, .. source.shape]);
    }

    /// <summary>
    /// Validates an index for Gather / ScatterAdd: Int64, the rank of <paramref name="input"/>, no larger than
    /// the input outside dim and (for ScatterAdd) no larger than the source anywhere.
    /// </summary>
    private static void CheckIndexTensor(string op, Tensor index, Tensor input, int dim, Tensor? source)
    {
        if (index.DType != DType.Int64)
            throw new ArgumentException($"{op}: the index must be an Int64 tensor, got {index.DType} (shape {ShapeUtil.Format(index.shape)}).", nameof(index));
        if (index.Rank != input.Rank || (source is not null && source.Rank != input.Rank))
            throw new ArgumentException($"{op}: the index{(source is null ? "" : ", the source")} and the input must have the same number of dimensions ({Shapes()}).", nameof(index));
        for (int i = 0; i < index.Rank; i++)
        {
            if (source is not null && index.shape[i] > source.shape[i])
                throw new ArgumentException($"{op}: the index is larger than the source in dimension {i} ({Shapes()}).", nameof(index));
            if (i != dim && index.shape[i] > input.shape[i])
                throw new ArgumentException($"{op}: the index is larger than the input in dimension {i}, which is allowed only in dimension {dim} ({Shapes()}).", nameof(index));
        }

        // built only for a message: the check runs on every Gather / ScatterAdd of a training step
        string Shapes() => $"input shape {ShapeUtil.Format(input.shape)}, index shape {ShapeUtil.Format(index.shape)}"
            + (source is null ? "" : $", source shape {ShapeUtil.Format(source.shape)}");
    }

    /// <summary>IndexSelect's 1-D index read as a gather index: a stride-0 view of the output's shape.</summary>
    private static Tensor SelectionIndex(Tensor index, int dim, int[] outShape)
    {
        var strides = new int[outShape.Length];
        if (outShape.Length > 0) strides[dim] = index.Rank == 0 ? 0 : index.strides[0];
        return index.MakeView(outShape, strides, index.offset);
    }

    /// <summary>
    /// Shape and strides for the gather/scatter kernels; a 0-d tensor is read as one element of a 1-D tensor, as
    /// torch.gather does.
    /// </summary>
    private static (int[] Shape, int[] Strides) KernelLayout(Tensor t) =>
        t.Rank == 0 ? ([1], [1]) : (t.shape, t.strides);

    /// <summary><c>result[e] = self[... index[e] ...]</c> for every element e of index; result is contiguous with index's shape.</summary>
    private static void GatherInto(string op, Tensor self, int dim, Tensor index, Tensor result)
    {
        var (selfShape, selfStrides) = KernelLayout(self);
        var (indexShape, indexStrides) = KernelLayout(index);
        var walk = new IndexWalk(op, selfShape, selfStrides, self.offset, dim, indexShape, indexStrides, index.offset, self.shape, index.shape);
        var idx = index.storage.As<long>();
        switch (self.DType)
        {
            case DType.Float32: walk.Gather(self.storage.As<float>(), idx, result.storage.As<float>(), result.offset); break;
            case DType.Float64: walk.Gather(self.storage.As<double>(), idx, result.storage.As<double>(), result.offset); break;
            default: walk.Gather(self.storage.As<long>(), idx, result.storage.As<long>(), result.offset); break;
        }
    }

    /// <summary>
    /// <c>target[... index[e] ...] += source[e]</c> for every element e of index; <paramref name="target"/> is a
    /// fresh contiguous tensor (no version bump, no autograd).
    /// </summary>
    private static void ScatterAddInto(string op, Tensor target, int dim, Tensor index, Tensor source)
    {
        if (source.DType != target.DType) source = source.To(target.DType);
        var (targetShape, targetStrides) = KernelLayout(target);
        var (indexShape, indexStrides) = KernelLayout(index);
        var (_, sourceStrides) = KernelLayout(source);
        var walk = new IndexWalk(op, targetShape, targetStrides, target.offset, dim, indexShape, indexStrides, index.offset, target.shape, index.shape);
        var idx = index.storage.As<long>();
        switch (target.DType)
        {
            case DType.Float32: walk.ScatterAdd(target.storage.As<float>(), idx, source.storage.As<float>(), source.offset, sourceStrides); break;
            case DType.Float64: walk.ScatterAdd(target.storage.As<double>(), idx, source.storage.As<double>(), source.offset, sourceStrides); break;
            default: walk.ScatterAdd(target.storage.As<long>(), idx, source.storage.As<long>(), source.offset, sourceStrides); break;
        }
    }

    /// <summary>
    /// Walks every element of an index tensor in row-major order, tracking the matching position in the indexed
    /// ("self") tensor outside dim; the index value supplies the position along dim.
    /// </summary>
    private readonly struct IndexWalk(string op, int[] selfShape, int[] selfStrides, int selfOffset, int dim,
        int[] indexShape, int[] indexStrides, int indexOffset, int[] selfShapeForMessages, int[] indexShapeForMessages)
    {
        private int Count => ShapeUtil.Numel(indexShape);

        /// <summary>self's strides with dim zeroed: the step of the self position per index-counter step.</summary>
        private int[] OuterStrides()
        {
            var s = (int[])selfStrides.Clone();
            s[dim] = 0;
            return s;
        }

        private int Position(long k)
        {
            int size = selfShape[dim];
            if ((ulong)k >= (ulong)size) ThrowOutOfRange(k, size);
            return (int)k * selfStrides[dim];
        }

        private void ThrowOutOfRange(long k, int size) =>
            throw new ArgumentOutOfRangeException("index",
                $"{op}: index {k} is out of bounds for dimension {dim} with size {size} (input shape {ShapeUtil.Format(selfShapeForMessages)}, index shape {ShapeUtil.Format(indexShapeForMessages)}).");

        internal void Gather<T>(T[] self, long[] index, T[] dst, int dstOffset)
        {
            int n = Count;
            if (n == 0) return;
            var outer = OuterStrides();
            int rank = indexShape.Length;
            Span<int> counter = stackalloc int[rank];
            int so = selfOffset, io = indexOffset;
            for (int e = 0; e < n; e++)
            {
                dst[dstOffset + e] = self[so + Position(index[io])];
                for (int d = rank - 1; d >= 0; d--)
                {
                    so += outer[d]; io += indexStrides[d];
                    if (++counter[d] < indexShape[d]) break;
                    so -= outer[d] * indexShape[d]; io -= indexStrides[d] * indexShape[d]; counter[d] = 0;
                }
            }
        }

        internal void ScatterAdd<T>(T[] self, long[] index, T[] source, int sourceOffset, int[] sourceStrides)
            where T : System.Numerics.INumber<T>
        {
            int n = Count;
            if (n == 0) return;
            var outer = OuterStrides();
            int rank = indexShape.Length;
            Span<int> counter = stackalloc int[rank];
            int so = selfOffset, io = indexOffset, src = sourceOffset;
            for (int e = 0; e < n; e++)
            {
                self[so + Position(index[io])] += source[src];
                for (int d = rank - 1; d >= 0; d--)
                {
                    so += outer[d]; io += indexStrides[d]; src += sourceStrides[d];
                    if (++counter[d] < indexShape[d]) break;
                    so -= outer[d] * indexShape[d]; io -= indexStrides[d] * indexShape[d]; src -= sourceStrides[d] * indexShape[d]; counter[d] = 0;
                }
            }
        }
    }
}
