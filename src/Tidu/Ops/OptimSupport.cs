using System.Numerics;
using Tidu.Kernels;

namespace Tidu;

// The element-wise in-place updates optimizers are built from (PyTorch's add_(alpha=), mul_, lerp_, addcmul_,
// addcdiv_, maximum(out=), clamp_), written straight into the tensor's storage so that a step allocates no
// temporaries. Each computes in the tensor's own precision with the scalars converted to it, as PyTorch's CPU
// kernels do, and bumps the version counter like every in-place op. Operands have this tensor's shape.
public sealed partial class Tensor
{
    /// <summary>this += alpha·other (torch <c>add_(other, alpha=alpha)</c>) without a temporary.</summary>
    internal Tensor AddScaledInPlace(Tensor other, double alpha) =>
        Update("AddInPlace", other, null, new AddScaledOp(alpha));

    /// <summary>this · factor (torch <c>mul_(factor)</c>) without a temporary.</summary>
    internal Tensor ScaleInPlace(double factor) =>
        Update("MulInPlace", null, null, new ScaleOp(factor));

    /// <summary>this + value (torch <c>add_(value)</c>) without a temporary.</summary>
    internal Tensor AddScalarInPlace(double value) =>
        Update("AddInPlace", null, null, new AddScalarOp(value));

    /// <summary>this + weight·(end − this), in PyTorch's two-sided form (torch <c>lerp_(end, weight)</c>).</summary>
    internal Tensor LerpInPlace(Tensor end, double weight) =>
        Update("LerpInPlace", end, null, new LerpOp(weight));

    /// <summary>this + value·t1·t2 (torch <c>addcmul_(t1, t2, value=value)</c>).</summary>
    internal Tensor AddcmulInPlace(Tensor t1, Tensor t2, double value) =>
        Update("AddcmulInPlace", t1, t2, new AddcmulOp(value));

    /// <summary>this + value·t1/t2 (torch <c>addcdiv_(t1, t2, value=value)</c>).</summary>
    internal Tensor AddcdivInPlace(Tensor t1, Tensor t2, double value) =>
        Update("AddcdivInPlace", t1, t2, new AddcdivOp(value));

    /// <summary>
    /// this + value·numerator/(√squares/scale + eps): PyTorch's <c>denom = (v.sqrt() / scale).add_(eps)</c> followed
    /// by <c>addcdiv_(numerator, denom, value=value)</c>, fused so the denominator needs no temporary. Each element
    /// goes through the same roundings as the two-step form.
    /// </summary>
    internal Tensor AddcdivSqrtInPlace(Tensor numerator, Tensor squares, double scale, double eps, double value) =>
        Update("AddcdivInPlace", numerator, squares, new AddcdivSqrtOp(value, scale, eps));

    /// <summary>this = max(this, other), NaN propagating (torch <c>maximum(this, other, out=this)</c>).</summary>
    internal Tensor MaximumInPlace(Tensor other) =>
        Update("MaximumInPlace", other, null, new MaximumOp());

    /// <summary>Clamps every element into [min, max]; NaN stays NaN (torch <c>clamp_(min, max)</c>).</summary>
    internal Tensor ClampInPlace(double min, double max) =>
        Update("ClampInPlace", null, null, new ClampOp(min, max));

    /// <summary>
    /// Whether a fused optimizer kernel may update this tensor element for element together with
    /// <paramref name="operands"/> (null ones are ignored): all contiguous, floating point, of one dtype and shape.
    /// Otherwise the optimizer falls back to its sequence of in-place ops, which copes with strides and dtypes.
    /// Also checks, as every in-place op does, that the update may happen at all.
    /// </summary>
    internal bool CanFuseUpdate(params ReadOnlySpan<Tensor?> operands)
    {
        CheckInPlace("OptimizerStep");
        if (!IsContiguous || (DType != DType.Float32 && DType != DType.Float64)) return false;
        foreach (var t in operands)
            if (t is not null && (t.DType != DType || !t.IsContiguous || !t.shape.AsSpan().SequenceEqual(shape))) return false;
        return true;
    }

    /// <summary>Bumps the version counter after a fused kernel wrote the storage, as every in-place op does.</summary>
    internal void MarkUpdated() => version.Value++;

    /// <summary>A contiguous copy that is never recorded by autograd (for an optimizer's temporaries).</summary>
    internal Tensor CopyForUpdate()
    {
        var result = Empty(DType, shape);
        Strided.CopyInto(this, result);
        return result;
    }

    /// <summary>
    /// A zero-filled contiguous tensor with this one's shape and dtype for long-lived state (optimizer moments, a
    /// monitor's snapshot): the GC owns it even when created inside a <see cref="TensorScope"/>.
    /// </summary>
    internal Tensor NewZerosForState() => new(Storage.AllocateZeroedUnscoped(DType, NumberOfElements), (int[])shape.Clone(),
        ShapeUtil.ContiguousStrides(shape), 0, new VersionCounter());

    /// <summary>
    /// The p-norm of all elements (torch.linalg.vector_norm), accumulated in double; p = +∞ gives the largest
    /// magnitude, p = 0 the number of non-zero elements.
    /// </summary>
    internal double VectorNorm(double p)
    {
        var c = IsContiguous ? this : CopyForUpdate();
        return DType switch
        {
            DType.Float32 => Norm<float>(c.ContiguousSpan<float>(), p),
            DType.Float64 => Norm<double>(c.ContiguousSpan<double>(), p),
            _ => throw new InvalidOperationException($"VectorNorm: the tensor must be floating point, not {DType}."),
        };
    }

    private static double Norm<T>(ReadOnlySpan<T> x, double p) where T : IFloatingPointIeee754<T>
    {
        double acc = 0;
        if (double.IsPositiveInfinity(p))
        {
            foreach (var v in x)
            {
                double a = Math.Abs(double.CreateTruncating(v));
                if (a > acc || double.IsNaN(a)) acc = a;
                if (double.IsNaN(acc)) return acc;
            }
            return acc;
        }
        if (p == 0)
        {
            foreach (var v in x) if (v != T.Zero) acc += 1;
            return acc;
        }
        foreach (var v in x)
        {
            double a = Math.Abs(double.CreateTruncating(v));
            acc += p == 2 ? a * a : p == 1 ? a : Math.Pow(a, p);
        }
        return p == 2 ? Math.Sqrt(acc) : p == 1 ? acc : Math.Pow(acc, 1 / p);
    }

    private Tensor Update<TOp>(string op, Tensor? a, Tensor? b, TOp f) where TOp : struct, IUpdateOp
    {
        CheckInPlace(op);
        if (!DType.IsFloatingPoint())
            throw new InvalidOperationException($"{op}: optimizer updates need a floating-point tensor; this one is {DType}.");
        var dst = IsContiguous ? this : CopyForUpdate();
        var x = Operand(op, a, dst);
        var y = Operand(op, b, dst);
        if (DType == DType.Float32) f.Run(dst.ContiguousSpan<float>(), x.ContiguousSpan<float>(), y.ContiguousSpan<float>());
        else f.Run(dst.ContiguousSpan<double>(), x.ContiguousSpan<double>(), y.ContiguousSpan<double>());
        if (!ReferenceEquals(dst, this)) Strided.CopyInto(dst, this);
        version.Value++;
        return this;
    }

    /// <summary>An operand as a contiguous tensor of the destination's dtype (copied only when it is not already).</summary>
    private Tensor Operand(string op, Tensor? x, Tensor dst)
    {
        if (x is null) return dst; // the op does not read it
        if (!x.shape.AsSpan().SequenceEqual(shape))
            throw new ArgumentException($"{op}: an operand of shape {ShapeUtil.Format(x.shape)} does not match the tensor's shape {ShapeUtil.Format(shape)}.");
        if (x.DType == DType && x.IsContiguous) return x;
        var c = Empty(DType, shape);
        Strided.CopyInto(x, c);
        return c;
    }

    // One struct per update: it converts its scalars to the element type once per call (C(x) below, as PyTorch
    // converts a Scalar argument) and runs the matching vectorised kernel from Kernels/UpdateOps.cs.
    private interface IUpdateOp
    {
        void Run<T>(Span<T> self, ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>;
    }

    private static T C<T>(double x) where T : IFloatingPointIeee754<T> => T.CreateTruncating(x);

    private readonly struct AddScaledOp(double alpha) : IUpdateOp
    {
        public void Run<T>(Span<T> self, ReadOnlySpan<T> other, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
            ElementUpdate.Run(self, other, b, new AddScaledUpdate<T>(C<T>(alpha)));
    }

    private readonly struct ScaleOp(double factor) : IUpdateOp
    {
        public void Run<T>(Span<T> self, ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
            ElementUpdate.Run(self, a, b, new ScaleUpdate<T>(C<T>(factor)));
    }

    private readonly struct AddScalarOp(double value) : IUpdateOp
    {
        public void Run<T>(Span<T> self, ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
            ElementUpdate.Run(self, a, b, new AddScalarUpdate<T>(C<T>(value)));
    }

    // PyTorch's lerp starts from the nearer end for accuracy (ATen/native/Lerp.h); the weight is one scalar, so
    // the choice is made once per call
    private readonly struct LerpOp(double weight) : IUpdateOp
    {
        public void Run<T>(Span<T> self, ReadOnlySpan<T> end, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var w = C<T>(weight);
            if (T.Abs(w) < C<T>(0.5)) ElementUpdate.Run(self, end, b, new LerpFromStartUpdate<T>(w));
            else ElementUpdate.Run(self, end, b, new LerpFromEndUpdate<T>(T.One - w));
        }
    }

    private readonly struct AddcmulOp(double value) : IUpdateOp
    {
        public void Run<T>(Span<T> self, ReadOnlySpan<T> t1, ReadOnlySpan<T> t2) where T : unmanaged, IFloatingPointIeee754<T> =>
            ElementUpdate.Run(self, t1, t2, new AddcmulUpdate<T>(C<T>(value)));
    }

    private readonly struct AddcdivOp(double value) : IUpdateOp
    {
        public void Run<T>(Span<T> self, ReadOnlySpan<T> t1, ReadOnlySpan<T> t2) where T : unmanaged, IFloatingPointIeee754<T> =>
            ElementUpdate.Run(self, t1, t2, new AddcdivUpdate<T>(C<T>(value)));
    }

    private readonly struct AddcdivSqrtOp(double value, double scale, double eps) : IUpdateOp
    {
        public void Run<T>(Span<T> self, ReadOnlySpan<T> numerator, ReadOnlySpan<T> squares) where T : unmanaged, IFloatingPointIeee754<T> =>
            ElementUpdate.Run(self, numerator, squares, new AddcdivSqrtUpdate<T>(C<T>(value), C<T>(scale), C<T>(eps)));
    }

    private readonly struct MaximumOp : IUpdateOp
    {
        public void Run<T>(Span<T> self, ReadOnlySpan<T> other, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
            ElementUpdate.Run(self, other, b, new MaximumUpdate<T>());
    }

    private readonly struct ClampOp(double min, double max) : IUpdateOp
    {
        public void Run<T>(Span<T> self, ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
            ElementUpdate.Run(self, a, b, new ClampUpdate<T>(C<T>(min), C<T>(max)));
    }
}
