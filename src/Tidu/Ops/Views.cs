namespace Tidu;

// Views share storage with their input and differ in shape, strides and offset. Backward maps the gradient
// through the inverse view.
public sealed partial class Tensor
{
    private Tensor MakeView(int[] newShape, int[] newStrides, int newOffset) => new(storage, newShape, newStrides, newOffset, version);

    /// <summary>Resolves a single −1 in a requested shape and checks the element count.</summary>
    private int[] InferShape(string op, int[] requested)
    {
        var result = (int[])requested.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < result.Length; i++)
        {
            if (result[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"{op}: only one dimension can be inferred (-1) in {ShapeUtil.Format(requested)}.");
                infer = i;
            }
            else if (result[i] < 0) throw new ArgumentException($"{op}: invalid dimension {result[i]} in {ShapeUtil.Format(requested)}.");
            else known *= result[i];
        }
        int n = NumberOfElements;
        if (infer >= 0)
        {
            if (known == 0 || n % known != 0)
                throw new ArgumentException($"{op}: shape {ShapeUtil.Format(requested)} is invalid for a tensor of shape {ShapeUtil.Format(shape)} ({n} elements).");
            result[infer] = (int)(n / known);
        }
        else if (known != n)
        {
            throw new ArgumentException($"{op}: shape {ShapeUtil.Format(requested)} is invalid for a tensor of shape {ShapeUtil.Format(shape)} ({n} elements).");
        }
        return result;
    }

    /// <summary>
    /// Strides that let the existing layout be read in <paramref name="newShape"/> without copying, or null
    /// (PyTorch's computeStride: each run of merged dims must be contiguous within itself).
    /// </summary>
    private int[]? ViewStrides(int[] newShape)
    {
        if (IsContiguous) return ShapeUtil.ContiguousStrides(newShape);
        var newStrides = new int[newShape.Length];
        int viewD = newShape.Length - 1;
        int chunkBaseStride = strides.Length > 0 ? strides[^1] : 1;
        long tensorNumel = 1, viewNumel = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            tensorNumel *= shape[d];
            if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBaseStride))
            {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1))
                {
                    newStrides[viewD] = (int)(viewNumel * chunkBaseStride);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0)
                {
                    chunkBaseStride = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? newStrides : null;
    }

    /// <summary>The same elements in a new shape (one dim may be −1); a view when the layout allows, else a copy.</summary>
    public Tensor Reshape(params int[] newShape)
    {
        var target = InferShape("Reshape", newShape);
        var viewStrides = ViewStrides(target);
        if (viewStrides is null) return Contiguous().Reshape(target);
        return RecordView(MakeView(target, viewStrides, offset), "Reshape");
    }

    /// <summary>A view in a new shape; throws when the layout cannot be viewed that way (use Reshape).</summary>
    public Tensor View(params int[] newShape)
    {
        var target = InferShape("View", newShape);
        var viewStrides = ViewStrides(target) ?? throw new InvalidOperationException(
            $"View: a tensor of shape {ShapeUtil.Format(shape)} with strides {ShapeUtil.Format(strides)} cannot be viewed as {ShapeUtil.Format(target)}; use Reshape(), which copies.");
        return RecordView(MakeView(target, viewStrides, offset), "View");
    }

    /// <summary>Views with backward = reshape the gradient to the input's shape.</summary>
    private Tensor RecordView(Tensor view, string name) =>
        Autograd.Record(view, name, this, static (n, g) => [g.Reshape(n.Ints)], ints: shape);

    /// <summary>Flattens dims startDim..endDim into one (torch.flatten).</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = ShapeUtil.WrapDim("Flatten", startDim, Rank), e = ShapeUtil.WrapDim("Flatten", endDim, Rank);
        if (s > e) throw new ArgumentException($"Flatten: startDim ({startDim}) comes after endDim ({endDim}).");
        var ns = new List<int>();
        for (int i = 0; i < s; i++) ns.Add(shape[i]);
        int merged = 1;
        for (int i = s; i <= e; i++) merged *= shape[i];
        ns.Add(merged);
        for (int i = e + 1; i < Rank; i++) ns.Add(shape[i]);
        return Reshape(ns.ToArray());
    }

    /// <summary>Swaps two dimensions (a view).</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        int a = ShapeUtil.WrapDim("Transpose", dim0, Rank), b = ShapeUtil.WrapDim("Transpose", dim1, Rank);
        if (Rank == 0) return this;
        var ns = (int[])shape.Clone(); var st = (int[])strides.Clone();
        (ns[a], ns[b]) = (ns[b], ns[a]);
        (st[a], st[b]) = (st[b], st[a]);
        return Autograd.Record(MakeView(ns, st, offset), "Transpose", this,
            static (n, g) => [g.Transpose(n.Ints[0], n.Ints[1])], ints: [a, b]);
    }

    /// <summary>The transpose of a matrix (≤ 2-D), as torch.Tensor.t().</summary>
    public Tensor T()
    {
        if (Rank > 2) throw new InvalidOperationException($"T: expects a tensor with at most 2 dimensions, got shape {ShapeUtil.Format(shape)}; use Transpose or Permute.");
        return Rank < 2 ? this : Transpose(0, 1);
    }

    /// <summary>Reorders the dimensions (a view): result dim i is input dim dims[i].</summary>
    public Tensor Permute(params int[] dims)
    {
        if (dims.Length != Rank)
            throw new ArgumentException($"Permute: got {dims.Length} dims {ShapeUtil.Format(dims)} for a tensor of shape {ShapeUtil.Format(shape)}.");
        var ns = new int[Rank]; var st = new int[Rank]; var inverse = new int[Rank];
        var seen = new bool[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int d = ShapeUtil.WrapDim("Permute", dims[i], Rank);
            if (seen[d]) throw new ArgumentException($"Permute: dimension {d} appears twice in {ShapeUtil.Format(dims)}.");
            seen[d] = true;
            ns[i] = shape[d]; st[i] = strides[d]; inverse[d] = i;
        }
        return Autograd.Record(MakeView(ns, st, offset), "Permute", this, static (n, g) => [g.Permute(n.Ints)], ints: inverse);
    }

    /// <summary>
    /// Broadcasts to a larger shape without copying (stride 0 on new or size-1 dims); −1 keeps a size.
    /// </summary>
    public Tensor Expand(params int[] newShape)
    {
        if (newShape.Length < Rank)
            throw new ArgumentException($"Expand: the target {ShapeUtil.Format(newShape)} has fewer dimensions than the tensor's shape {ShapeUtil.Format(shape)}.");
        int lead = newShape.Length - Rank;
        var ns = new int[newShape.Length]; var st = new int[newShape.Length];
        for (int i = 0; i < newShape.Length; i++)
        {
            int target = newShape[i];
            if (i < lead)
            {
                if (target < 0) throw new ArgumentException($"Expand: the new leading dimension {i} cannot be -1 in {ShapeUtil.Format(newShape)}.");
                ns[i] = target; st[i] = 0;
                continue;
            }
            int have = shape[i - lead];
            if (target == -1) target = have;
            if (have == target) { ns[i] = have; st[i] = strides[i - lead]; }
            else if (have == 1) { ns[i] = target; st[i] = 0; }
            else throw new ArgumentException($"Expand: the tensor of shape {ShapeUtil.Format(shape)} cannot be expanded to {ShapeUtil.Format(newShape)} (dim {i} is {have}, not 1).");
        }
        if (ns.AsSpan().SequenceEqual(shape)) return this;
        // the engine sums the broadcast gradient back to this tensor's shape
        return Autograd.Record(MakeView(ns, st, offset), "Expand", this, static (n, g) => [g]);
    }

    /// <summary>
    /// <see cref="Expand"/> to a shape array the library owns (kept, not copied; no −1 entries): for a 0-d tensor,
    /// as backward broadcasts a full reduction's gradient, a view on shared zero strides.
    /// </summary>
    internal Tensor ExpandTo(int[] target)
    {
        if (Rank != 0) return Expand(target);
        if (target.Length == 0) return this;
        return Autograd.Record(MakeView(target, ShapeUtil.ZeroStrides(target.Length), offset), "Expand", this, static (n, g) => [g]);
    }

    /// <summary>Expands to the shape of another tensor.</summary>
    public Tensor ExpandAs(Tensor other) => Expand(other.shape);

    /// <summary>Inserts a size-1 dimension at <paramref name="dim"/> (a view).</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = dim < 0 ? dim + Rank + 1 : dim;
        if (d < 0 || d > Rank) throw new ArgumentOutOfRangeException(nameof(dim), $"Unsqueeze: dimension {dim} is out of range for a tensor of rank {Rank} (expected {-Rank - 1}..{Rank}).");
        var ns = new List<int>(shape); ns.Insert(d, 1);
        return Reshape(ns.ToArray());
    }

    /// <summary>Removes every size-1 dimension.</summary>
    public Tensor Squeeze()
    {
        var ns = new List<int>();
        foreach (int s in shape) if (s != 1) ns.Add(s);
        return ns.Count == Rank ? this : Reshape(ns.ToArray());
    }

    /// <summary>Removes dimension <paramref name="dim"/> if its size is 1 (otherwise returns the tensor unchanged, as PyTorch).</summary>
    public Tensor Squeeze(int dim)
    {
        if (Rank == 0) return this;
        int d = ShapeUtil.WrapDim("Squeeze", dim, Rank);
        if (shape[d] != 1) return this;
        var ns = new List<int>(shape); ns.RemoveAt(d);
        return Reshape(ns.ToArray());
    }
}
