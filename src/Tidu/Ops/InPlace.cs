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
        Tensor sum;
        using (NoGrad()) sum = Detach() + other.Detach();
        return WriteInPlace("AddInPlace", sum);
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
    public Tensor FillInPlace(double value) => WriteInPlace("FillInPlace", Full([], value, DType));

    /// <summary>Sets every element to zero.</summary>
    public Tensor ZeroInPlace() => FillInPlace(0);

    /// <summary>Copies values from a tensor broadcastable to this one's shape (torch copy_), converting dtype.</summary>
    public Tensor CopyInPlace(Tensor source)
    {
        var src = ReferenceEquals(source.storage, storage) ? source.Clone().Detach() : source.Detach();
        return WriteInPlace("CopyInPlace", src);
    }
}
