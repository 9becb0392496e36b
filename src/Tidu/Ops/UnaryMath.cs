using Tidu.Kernels;

namespace Tidu;

// Element-wise math. Integer inputs are converted to Float32 first, as PyTorch does for these functions.
public sealed partial class Tensor
{
    /// <summary>eˣ element-wise.</summary>
    public Tensor Exp()
    {
        var a = AsFloatingPoint();
        var result = UnaryKernel<ExpOp>(a);
        return Autograd.Record(result, "Exp", a, static (n, g) => [g * n.Saved(0)], saved: [result]);
    }

    /// <summary>Natural logarithm element-wise.</summary>
    public Tensor Log()
    {
        var a = AsFloatingPoint();
        var result = UnaryKernel<LogOp>(a);
        return Autograd.Record(result, "Log", a, static (n, g) => [g / n.Saved(0)], saved: [a]);
    }

    /// <summary>Square root element-wise.</summary>
    public Tensor Sqrt()
    {
        var a = AsFloatingPoint();
        var result = UnaryKernel<SqrtOp>(a);
        return Autograd.Record(result, "Sqrt", a, static (n, g) => [g / (2.0 * n.Saved(0))], saved: [result]);
    }

    /// <summary>Absolute value element-wise (the gradient at 0 is 0, as in PyTorch).</summary>
    public Tensor Abs()
    {
        if (DType == DType.Int64) return Where(Lt(0L), Neg(), this);
        var result = UnaryKernel<AbsOp>(this);
        return Autograd.Record(result, "Abs", this, static (n, g) => [g * n.Saved(0).Sign()], saved: [this]);
    }

    /// <summary>−1, 0 or 1 by the sign of each element (no gradient flows through it).</summary>
    public Tensor Sign()
    {
        if (DType == DType.Int64) return Gt(0L) - Lt(0L);
        return UnaryKernel<SignOp>(this);
    }

    /// <summary>Sine element-wise.</summary>
    public Tensor Sin()
    {
        var a = AsFloatingPoint();
        var result = UnaryKernel<SinOp>(a);
        return Autograd.Record(result, "Sin", a, static (n, g) => [g * n.Saved(0).Cos()], saved: [a]);
    }

    /// <summary>Cosine element-wise.</summary>
    public Tensor Cos()
    {
        var a = AsFloatingPoint();
        var result = UnaryKernel<CosOp>(a);
        return Autograd.Record(result, "Cos", a, static (n, g) => [-g * n.Saved(0).Sin()], saved: [a]);
    }

    /// <summary>Hyperbolic tangent element-wise.</summary>
    public Tensor Tanh()
    {
        var a = AsFloatingPoint();
        var result = UnaryKernel<TanhOp>(a);
        return Autograd.Record(result, "Tanh", a, static (n, g) =>
        {
            var (gy, y) = Promoted(g, n.Saved(0));
            return [BinaryKernel<TanhGradOp>("Tanh backward", gy, y)];
        }, saved: [result]);
    }

    /// <summary>The logistic function 1/(1+e⁻ˣ) element-wise.</summary>
    public Tensor Sigmoid()
    {
        var a = AsFloatingPoint();
        var result = UnaryKernel<SigmoidOp>(a);
        return Autograd.Record(result, "Sigmoid", a, static (n, g) =>
        {
            var y = n.Saved(0);
            return [g * y * (1.0 - y)];
        }, saved: [result]);
    }

    /// <summary>Clamps every element into [min, max]; either bound may be omitted (torch.clamp).</summary>
    public Tensor Clamp(double? min = null, double? max = null)
    {
        if (min is null && max is null) throw new ArgumentException("Clamp: at least one of min and max must be given.");
        var x = Detach();
        Tensor result = x, pass;
        bool needsGrad = Autograd.Needs(this); // asked before NoGrad(), inside which nothing needs grad
        using (NoGrad())
        {
            if (min is { } lo) result = result.Maximum(FullLike(x, lo));
            if (max is { } hi) result = result.Minimum(FullLike(x, hi));
            if (!needsGrad) return result;
            // the gradient passes where min <= x <= max (PyTorch's clamp_backward)
            pass = OnesLike(x);
            if (min is { } lo2) pass = pass * x.Ge(lo2);
            if (max is { } hi2) pass = pass * x.Le(hi2);
        }
        return Autograd.Record(result, "Clamp", this, static (n, g) => [g * n.Saved(0)], saved: [pass]);
    }

    /// <summary>Element-wise maximum of two tensors, broadcasting; NaN propagates (torch.maximum).</summary>
    public Tensor Maximum(Tensor other)
    {
        var (a, b) = Promoted(this, other);
        var result = BinaryKernel<MaxOp>("Maximum", a, b);
        return Autograd.Record(result, "Maximum", a, b, static (n, g) => MinMaxBackward(n, g, 1.0), saved: [a, b]);
    }

    /// <summary>Element-wise minimum of two tensors, broadcasting; NaN propagates (torch.minimum).</summary>
    public Tensor Minimum(Tensor other)
    {
        var (a, b) = Promoted(this, other);
        var result = BinaryKernel<MinOp>("Minimum", a, b);
        return Autograd.Record(result, "Minimum", a, b, static (n, g) => MinMaxBackward(n, g, -1.0), saved: [a, b]);
    }

    // PyTorch: the winner gets the gradient; on a tie each side gets half.
    private static Tensor?[] MinMaxBackward(GradFn n, Tensor g, double sign)
    {
        var a = n.Saved(0); var b = n.Saved(1);
        var half = g * a.Eq(b) * 0.5;
        var aWins = sign > 0 ? a.Gt(b) : a.Lt(b);
        var bWins = sign > 0 ? b.Gt(a) : b.Lt(a);
        return [n.Inputs[0] is null ? null : g * aWins + half, n.Inputs[1] is null ? null : g * bWins + half];
    }

    /// <summary>
    /// Picks from <paramref name="whenTrue"/> where the condition is non-zero and from <paramref name="whenFalse"/>
    /// elsewhere, broadcasting all three (torch.where).
    /// </summary>
    public static Tensor Where(Tensor condition, Tensor whenTrue, Tensor whenFalse)
    {
        var (a, b) = Promoted(whenTrue, whenFalse);
        var result = SelectExact(condition, a, b, ShapeUtil.Broadcast("Where", a.shape, b.shape));
        return Autograd.Record(result, "Where", a, b, static (n, g) =>
        {
            var m = n.Saved(0);
            var zero = ZerosLike(g);
            return [n.Inputs[0] is null ? null : Where(m, g, zero), n.Inputs[1] is null ? null : Where(m, zero, g)];
        }, saved: [condition]);
    }

    private static Tensor SelectExact(Tensor condition, Tensor a, Tensor b, int[] shape)
    {
        shape = ShapeUtil.Broadcast("Where", shape, condition.shape);
        var c = condition.Detach().Ne(0L).Expand(shape).Contiguous().ContiguousSpan<long>();
        var ac = a.Detach().Expand(shape).Contiguous();
        var bc = b.Detach().Expand(shape).Contiguous();
        var result = Empty(a.DType, shape);
        switch (a.DType)
        {
            case DType.Float32: Pick(c, ac.ContiguousSpan<float>(), bc.ContiguousSpan<float>(), result.storage.As<float>()); break;
            case DType.Float64: Pick(c, ac.ContiguousSpan<double>(), bc.ContiguousSpan<double>(), result.storage.As<double>()); break;
            default: Pick(c, ac.ContiguousSpan<long>(), bc.ContiguousSpan<long>(), result.storage.As<long>()); break;
        }
        return result;

        static void Pick<T>(ReadOnlySpan<long> c, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
        {
            for (int i = 0; i < d.Length; i++) d[i] = c[i] != 0 ? x[i] : y[i];
        }
    }
}
