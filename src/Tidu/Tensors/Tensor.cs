using System.Diagnostics;

namespace Tidu;

/// <summary>
/// An n-dimensional array of Float32, Float64 or Int64 values with reverse-mode automatic differentiation,
/// following PyTorch's <c>torch.Tensor</c> semantics: row-major storage with strides (views share storage),
/// broadcasting, gradients that accumulate into <see cref="Grad"/> until <see cref="ZeroGrad"/>.
/// </summary>
[DebuggerDisplay("{DebuggerDisplay,nq}")]
public sealed partial class Tensor
{
    internal Storage storage;
    internal int[] shape;
    internal int[] strides;
    internal int offset;
    internal VersionCounter version;
    internal GradFn? gradFn;
    private bool requiresGrad;
    private bool retainsGrad;
    private Tensor? grad;
    private bool gradFromBackward; // grad was created by backward's accumulation, so nothing else refers to it
    private bool freshGradient;    // made by a backward function for one input only: a leaf may take it as its Grad

    internal Tensor(Storage storage, int[] shape, int[] strides, int offset, VersionCounter version)
    {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.version = version;
    }

    /// <summary>A new contiguous tensor with uninitialised values (callers fill every element).</summary>
    internal static Tensor Empty(DType dtype, int[] shape) =>
        new(Storage.Allocate(dtype, ShapeUtil.Numel(shape)), shape, ShapeUtil.ContiguousStrides(shape), 0, new VersionCounter());

    /// <summary>The size of each dimension (a copy).</summary>
    public int[] Shape => (int[])shape.Clone();

    /// <summary>The step, in elements, between neighbours along each dimension (a copy).</summary>
    public int[] Strides => (int[])strides.Clone();

    /// <summary>Offset of the first element in the underlying storage.</summary>
    public int StorageOffset => offset;

    /// <summary>The number of dimensions (<c>dim()</c> in PyTorch).</summary>
    public int Rank => shape.Length;

    /// <summary>The number of elements (<c>numel()</c> in PyTorch).</summary>
    public int NumberOfElements => ShapeUtil.Numel(shape);

    /// <summary>The element type.</summary>
    public DType DType => storage.DType;

    /// <summary>Size of one dimension; negative dims count from the end.</summary>
    public int Size(int dim) => shape[ShapeUtil.WrapDim("Size", dim, Rank)];

    /// <summary>True when the elements lie in storage in row-major order without gaps.</summary>
    public bool IsContiguous => ShapeUtil.IsContiguous(shape, strides);

    /// <summary>True when both tensors are views of the same storage.</summary>
    public bool SharesStorageWith(Tensor other) => ReferenceEquals(storage, other.storage);

    /// <summary>
    /// How many times this tensor's storage has been changed in place (PyTorch's <c>_version</c>).
    /// </summary>
    public int Version => version.Value;

    // ---- autograd state -------------------------------------------------------------------------------

    /// <summary>
    /// Whether autograd records operations on this tensor. Only leaf tensors of a floating-point dtype can be
    /// set; results of recorded operations report true.
    /// </summary>
    public bool RequiresGrad
    {
        get => requiresGrad;
        set
        {
            if (gradFn is not null && !value)
                throw new InvalidOperationException(
                    $"RequiresGrad can only be cleared on a leaf tensor; this tensor was produced by {gradFn.Name}. Use Detach() instead.");
            if (value && !DType.IsFloatingPoint())
                throw new InvalidOperationException($"Only tensors of a floating-point dtype can require gradients; this one is {DType}.");
            requiresGrad = value;
        }
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor, for chaining.</summary>
    public Tensor RequiresGradInPlace(bool value = true)
    {
        RequiresGrad = value;
        return this;
    }

    /// <summary>True for tensors created by the user (not the result of a recorded operation).</summary>
    public bool IsLeaf => gradFn is null;

    /// <summary>The backward node that produced this tensor, or null for a leaf.</summary>
    public GradFn? GradFn => gradFn;

    /// <summary>
    /// The accumulated gradient. Filled by <see cref="Backward(bool)"/> for leaves that require grad and for
    /// non-leaves after <see cref="RetainGrad"/>; each backward adds to it. A gradient outlives the
    /// <see cref="TensorScope"/> it was computed in; one that backward created and that is then replaced or set to
    /// null inside a scope (ZeroGrad) goes back to the pool when that scope ends.
    /// </summary>
    public Tensor? Grad
    {
        get => grad;
        set
        {
            if (value is not null && !value.shape.AsSpan().SequenceEqual(shape))
                throw new ArgumentException($"Grad: assigned gradient has shape {ShapeUtil.Format(value.shape)} but the tensor has shape {ShapeUtil.Format(shape)}.");
            // a gradient outlives the step that computed it: the GC owns it, not the scope it was made in
            value?.storage.Promote();
            // a gradient backward made and the caller now discards (ZeroGrad) goes back to the pool with the
            // current scope, so a scoped training step recycles gradients as well as activations
            if (gradFromBackward && grad is not null && !ReferenceEquals(grad, value)) TensorScope.AdoptDiscarded(grad.storage);
            gradFromBackward = false;
            grad = value;
        }
    }

    /// <summary>
    /// A new uninitialised tensor that a backward function fills and returns as the gradient of exactly one input
    /// (and keeps no other reference to): when that input is a leaf without a gradient, the engine makes it the
    /// leaf's <see cref="Grad"/> instead of copying it (PyTorch likewise steals a gradient nothing else uses). For a
    /// Linear layer's weight that saves copying the whole weight gradient every step.
    /// </summary>
    internal static Tensor EmptyGradient(DType dtype, int[] shape)
    {
        var t = Empty(dtype, shape);
        t.freshGradient = true;
        return t;
    }

    /// <summary>Whether the engine may take this tensor as a leaf's gradient (once: taking it clears the mark).</summary>
    internal bool TakeFreshGradient()
    {
        bool fresh = freshGradient;
        freshGradient = false;
        return fresh;
    }

    /// <summary>Sets <see cref="Grad"/> to a tensor backward created for it (see the setter).</summary>
    internal void SetGradFromBackward(Tensor value)
    {
        Grad = value;
        gradFromBackward = true;
    }

    /// <summary>Asks a non-leaf tensor to keep its gradient in <see cref="Grad"/> during backward.</summary>
    public void RetainGrad()
    {
        if (!requiresGrad)
            throw new InvalidOperationException("RetainGrad: cannot retain the gradient of a tensor that does not require grad.");
        if (gradFn is null) return; // leaves keep their gradient anyway
        retainsGrad = true;
        gradFn.RetainedOutput = this;
    }

    /// <summary>True after <see cref="RetainGrad"/> on a non-leaf.</summary>
    public bool RetainsGrad => retainsGrad;

    /// <summary>Sets every element of <see cref="Grad"/> to zero in place (PyTorch: <c>w.grad.zero_()</c>).</summary>
    public void ZeroGrad()
    {
        if (grad is null) return;
        using (NoGrad()) grad.ZeroInPlace();
    }

    /// <summary>A tensor sharing this one's storage but cut from the autograd graph.</summary>
    public Tensor Detach() => new(storage, shape, strides, offset, version);

    /// <summary>
    /// The values without history (PyTorch's <c>.data</c>): shares storage, never records gradients, and its
    /// changes are not seen by the version counter. Assigning copies the new values into this tensor in place.
    /// </summary>
    public Tensor Data
    {
        get => new(storage, shape, strides, offset, new VersionCounter());
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.DType != DType)
                throw new ArgumentException($"Data: cannot assign a {value.DType} tensor to a {DType} tensor; convert it with To({DType}) first.");
            if (value.shape.AsSpan().SequenceEqual(shape))
            {
                if (ReferenceEquals(value.storage, storage)) value = value.Contiguous().Clone();
                Kernels.Strided.CopyInto(value, this);
            }
            else
            {
                // PyTorch's set_data may change the shape: this tensor then takes the new values' layout.
                var c = value.Contiguous();
                if (ReferenceEquals(c, value)) c = value.Clone();
                // a long-lived tensor (a parameter) taking new memory keeps it beyond the current scope
                if (storage.Scope is null) c.storage.Promote();
                storage = c.storage;
                shape = c.shape;
                strides = c.strides;
                offset = c.offset;
            }
        }
    }

    // ---- element access --------------------------------------------------------------------------------

    /// <summary>The value of a one-element tensor, as a double (PyTorch's <c>item()</c>).</summary>
    public double Item()
    {
        if (NumberOfElements != 1)
            throw new InvalidOperationException(
                $"Item: only a tensor with exactly one element can be converted to a scalar; this one has shape {ShapeUtil.Format(shape)} ({NumberOfElements} elements).");
        return GetAsDouble(offset);
    }

    internal double GetAsDouble(int storageIndex) => DType switch
    {
        DType.Float32 => storage.As<float>()[storageIndex],
        DType.Float64 => storage.As<double>()[storageIndex],
        _ => storage.As<long>()[storageIndex],
    };

    /// <summary>
    /// The elements in row-major order as a new array of <typeparamref name="T"/> (float, double or long),
    /// converting from this tensor's dtype where they differ.
    /// </summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var target = DTypeExtensions.Of<T>();
        var c = (target == DType ? this : To(target)).Contiguous();
        var span = c.storage.As<T>().AsSpan(c.offset, c.NumberOfElements);
        return span.ToArray();
    }

    /// <summary>The contiguous elements of this tensor (which must be contiguous) as a span.</summary>
    internal Span<T> ContiguousSpan<T>() => storage.As<T>().AsSpan(offset, NumberOfElements);

    /// <summary>A tensor with the same values laid out contiguously; this tensor itself when already contiguous.</summary>
    public Tensor Contiguous()
    {
        if (IsContiguous) return this;
        var result = Empty(DType, shape);
        Kernels.Strided.CopyInto(this, result);
        return Autograd.Record(result, "Contiguous", this, static (n, g) => [g]);
    }

    /// <summary>A copy with its own contiguous storage (gradients flow back to this tensor).</summary>
    public Tensor Clone()
    {
        var result = Empty(DType, shape);
        Kernels.Strided.CopyInto(this, result);
        return Autograd.Record(result, "Clone", this, static (n, g) => [g]);
    }

    private string DebuggerDisplay => $"Tensor {ShapeUtil.Format(shape)} {DType}{(requiresGrad ? " requires_grad" : "")} {(storage.IsReleased ? ReleasedText : TensorFormatter.Preview(this, 6))}";

    private const string ReleasedText = "(released: its TensorScope ended)";

    /// <summary>Shape, dtype, gradient status and the values (summarised beyond 1,000 elements), e.g. for logs.</summary>
    public override string ToString() => storage.IsReleased
        ? $"tensor {ReleasedText}, shape={ShapeUtil.Format(shape)}, dtype={DType}"
        : TensorFormatter.Format(this);
}
