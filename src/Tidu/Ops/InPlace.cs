using System.Numerics;
using System.Numerics.Tensors;
using Tidu.Diagnostics;

namespace Tidu;

// In-place updates (PyTorch's trailing-underscore methods). Each bumps the version counter so that a backward
// that saved this tensor detects the change. Autograd does not record in-place ops: on a tensor that requires
// grad they are allowed only under Tensor.NoGrad() (where optimizers use them).
public sealed partial class Tensor
{
    private void CheckInPlace(string op)
    {
        if (requiresGrad && GradMode.IsEnabled)
            throw new InvalidOperationException(
                IsLeaf
                    ? $"{op}: a leaf tensor that requires grad cannot be changed in place while gradients are recorded; wrap the update in 'using (Tensor.NoGrad())' or assign through Data."
                    : $"{op}: in-place changes to a tensor that is part of a recorded graph are not supported; use the out-of-place op ({op.Replace("InPlace", "")}) instead.");
    }

    private Tensor WriteInPlace(string op, Tensor values)
    {
        CheckInPlace(op);
        // as in PyTorch, arithmetic may not silently truncate a floating-point result into an integer tensor
        if (op != "CopyInPlace" && op != "FillInPlace" && !DType.IsFloatingPoint() && values.DType.IsFloatingPoint())
            throw new InvalidOperationException($"{op}: the result type {values.DType} cannot be cast to this tensor's dtype {DType} in place.");
        if (!ShapeUtil.Broadcast(op, shape, values.shape).AsSpan().SequenceEqual(shape))
            throw new ArgumentException($"{op}: a result of shape {ShapeUtil.Format(values.shape)} cannot be written into a tensor of shape {ShapeUtil.Format(shape)}.");
        Kernels.Strided.CopyInto(values, this);
        version.Value++;
        return this;
    }

    /// <summary>this += other (broadcast to this tensor's shape).</summary>
    public Tensor AddInPlace(Tensor other)
    {
        CheckInPlace("AddInPlace");
        if (TryAddInPlaceFlat(other)) return this;
        Tensor sum;
        using (NoGrad()) sum = Detach() + other.Detach();
        return WriteInPlace("AddInPlace", sum);
    }

    /// <summary>
    /// this += other straight into this tensor's memory when both are contiguous with the same shape and dtype
    /// (the engine accumulating a gradient): the same sums as the general path without its temporary tensor. The
    /// operands may be the very same elements but must not overlap otherwise; anomaly mode takes the general path,
    /// which checks the sum as an op.
    /// </summary>
    private bool TryAddInPlaceFlat(Tensor other)
    {
        if (other.DType != DType || AnomalyMode.MaybeActive || !other.shape.AsSpan().SequenceEqual(shape)
            || !IsContiguous || !other.IsContiguous || (ReferenceEquals(other.storage, storage) && other.offset != offset))
            return false;
        switch (DType)
        {
            case DType.Float32: AddSpans(ContiguousSpan<float>(), other.ContiguousSpan<float>()); break;
            case DType.Float64: AddSpans(ContiguousSpan<double>(), other.ContiguousSpan<double>()); break;
            default: AddSpans(ContiguousSpan<long>(), other.ContiguousSpan<long>()); break;
        }
        version.Value++;
        return true;

        static void AddSpans<T>(Span<T> target, ReadOnlySpan<T> addend) where T : INumber<T> => TensorPrimitives.Add(target, addend, target);
    }

    /// <summary>this += alpha·other (torch add_ with alpha).</summary>
    public Tensor AddInPlace(Tensor other, double alpha)
    {
        CheckInPlace("AddInPlace");
        Tensor sum;
        using (NoGrad()) sum = Detach() + other.Detach() * alpha;
        return WriteInPlace("AddInPlace", sum);
    }

    /// <summary>this -= other.</summary>
    public Tensor SubInPlace(Tensor other)
    {
        CheckInPlace("SubInPlace");
        Tensor r;
        using (NoGrad()) r = Detach() - other.Detach();
        return WriteInPlace("SubInPlace", r);
    }

    /// <summary>this *= other.</summary>
    public Tensor MulInPlace(Tensor other)
    {
        CheckInPlace("MulInPlace");
        Tensor r;
        using (NoGrad()) r = Detach() * other.Detach();
        return WriteInPlace("MulInPlace", r);
    }

    /// <summary>this *= scalar.</summary>
    public Tensor MulInPlace(double scalar)
    {
        CheckInPlace("MulInPlace");
        Tensor r;
        using (NoGrad()) r = Detach() * scalar;
        return WriteInPlace("MulInPlace", r);
    }

    /// <summary>this /= other.</summary>
    public Tensor DivInPlace(Tensor other)
    {
        CheckInPlace("DivInPlace");
        Tensor r;
        using (NoGrad()) r = Detach() / other.Detach();
        return WriteInPlace("DivInPlace", r);
    }

    /// <summary>Sets every element to one value.</summary>
    public Tensor FillInPlace(double value)
    {
        if (!IsContiguous) return WriteInPlace("FillInPlace", Full([], value, DType));
        // contiguous (a gradient being zeroed): fill the span itself rather than broadcasting a 0-d tensor into it
        CheckInPlace("FillInPlace");
        switch (DType)
        {
            case DType.Float32: ContiguousSpan<float>().Fill((float)value); break;
            case DType.Float64: ContiguousSpan<double>().Fill(value); break;
            default: ContiguousSpan<long>().Fill((long)value); break;
        }
        version.Value++;
        return this;
    }

    /// <summary>Sets every element to zero.</summary>
    public Tensor ZeroInPlace() => FillInPlace(0);

    /// <summary>Copies values from a tensor broadcastable to this one's shape (torch copy_), converting dtype.</summary>
    public Tensor CopyInPlace(Tensor source)
    {
        var src = ReferenceEquals(source.storage, storage) ? source.Clone().Detach() : source.Detach();
        return WriteInPlace("CopyInPlace", src);
    }
}
