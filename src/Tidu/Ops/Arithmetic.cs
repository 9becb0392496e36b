using Tidu.Kernels;

namespace Tidu;

// + - * / with broadcasting, and with scalars on either side. Each op's backward sits next to its forward;
// gradients of broadcast inputs are summed back to the input's shape by the engine.
public sealed partial class Tensor
{
    /// <summary>Element-wise sum with broadcasting (torch.add).</summary>
    public Tensor Add(Tensor other)
    {
        var (a, b) = Promoted(this, other);
        var result = BinaryKernel<AddOp>("Add", a, b);
        return Autograd.Record(result, "Add", a, b, static (n, g) => [g, g]);
    }

    /// <summary>Element-wise difference with broadcasting (torch.sub).</summary>
    public Tensor Sub(Tensor other)
    {
        var (a, b) = Promoted(this, other);
        var result = BinaryKernel<SubOp>("Sub", a, b);
        return Autograd.Record(result, "Sub", a, b, static (n, g) => [g, n.Inputs[1] is null ? null : -g]);
    }

    /// <summary>Element-wise product with broadcasting (torch.mul).</summary>
    public Tensor Mul(Tensor other)
    {
        var (a, b) = Promoted(this, other);
        var result = BinaryKernel<MulOp>("Mul", a, b);
        // save only what the other side's gradient needs, as PyTorch does (nothing when neither side needs one,
        // e.g. the products backward computes)
        return Autograd.Record(result, "Mul", a, b,
            static (n, g) => [n.Inputs[0] is null ? null : g * n.Saved(0), n.Inputs[1] is null ? null : g * n.Saved(1)],
            saved: a.RequiresGrad || b.RequiresGrad ? [a.RequiresGrad ? b : null, b.RequiresGrad ? a : null] : null);
    }

    /// <summary>Element-wise true division with broadcasting (torch.div); integer operands give Float32.</summary>
    public Tensor Div(Tensor other)
    {
        var (a, b) = Promoted(this, other);
        if (a.DType == DType.Int64) (a, b) = (a.To(DType.Float32), b.To(DType.Float32));
        var result = BinaryKernel<DivOp>("Div", a, b);
        return Autograd.Record(result, "Div", a, b, static (n, g) =>
        {
            var b = n.Saved(0);
            return [n.Inputs[0] is null ? null : g / b, n.Inputs[1] is null ? null : -g * n.Saved(1) / (b * b)];
        }, saved: [b, b.RequiresGrad ? a : null]);
    }

    /// <summary>This tensor plus a scalar.</summary>
    public Tensor Add(double scalar) => AddScalar(scalar, true);

    /// <summary>This tensor plus an integer scalar (keeps an Int64 tensor Int64).</summary>
    public Tensor Add(long scalar) => AddScalar(scalar, false);

    private Tensor AddScalar(double s, bool isFloat)
    {
        var a = To(ScalarResultType(this, isFloat));
        var result = ScalarKernel<AddOp>(a, s, false);
        return Autograd.Record(result, "AddScalar", a, static (n, g) => [g]);
    }

    private Tensor SubScalar(double s, bool isFloat, bool scalarFirst)
    {
        var a = To(ScalarResultType(this, isFloat));
        var result = ScalarKernel<SubOp>(a, s, scalarFirst);
        return Autograd.Record(result, "SubScalar", a, static (n, g) => [n.Flag ? -g : g], flag: scalarFirst);
    }

    /// <summary>This tensor times a scalar.</summary>
    public Tensor Mul(double scalar) => MulScalar(scalar, true);

    /// <summary>This tensor times an integer scalar.</summary>
    public Tensor Mul(long scalar) => MulScalar(scalar, false);

    private Tensor MulScalar(double s, bool isFloat)
    {
        var a = To(ScalarResultType(this, isFloat));
        var result = ScalarKernel<MulOp>(a, s, false);
        return Autograd.Record(result, "MulScalar", a, static (n, g) => [g * n.Scalar], scalar: s);
    }

    private Tensor DivScalar(double s, bool scalarFirst)
    {
        var a = AsFloatingPoint();
        var result = ScalarKernel<DivOp>(a, s, scalarFirst);
        if (!scalarFirst)
            return Autograd.Record(result, "DivScalar", a, static (n, g) => [g / n.Scalar], scalar: s);
        // d(s/x)/dx = -s/x² = -out/x
        return Autograd.Record(result, "ScalarDiv", a, static (n, g) => [-g * n.Saved(1) / n.Saved(0)], saved: [a, result]);
    }

    /// <summary>Element-wise negation.</summary>
    public Tensor Neg()
    {
        var result = ScalarKernel<MulOp>(this, -1, false);
        return Autograd.Record(result, "Neg", this, static (n, g) => [-g]);
    }

    /// <inheritdoc cref="Add(Tensor)"/>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    /// <inheritdoc cref="Sub(Tensor)"/>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    /// <inheritdoc cref="Mul(Tensor)"/>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    /// <inheritdoc cref="Div(Tensor)"/>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    /// <inheritdoc cref="Neg"/>
    public static Tensor operator -(Tensor a) => a.Neg();

    /// <summary>Tensor plus scalar.</summary>
    public static Tensor operator +(Tensor a, double s) => a.AddScalar(s, true);
    /// <summary>Scalar plus tensor.</summary>
    public static Tensor operator +(double s, Tensor a) => a.AddScalar(s, true);
    /// <summary>Tensor plus integer scalar.</summary>
    public static Tensor operator +(Tensor a, long s) => a.AddScalar(s, false);
    /// <summary>Integer scalar plus tensor.</summary>
    public static Tensor operator +(long s, Tensor a) => a.AddScalar(s, false);
    /// <summary>Tensor minus scalar.</summary>
    public static Tensor operator -(Tensor a, double s) => a.SubScalar(s, true, false);
    /// <summary>Scalar minus tensor.</summary>
    public static Tensor operator -(double s, Tensor a) => a.SubScalar(s, true, true);
    /// <summary>Tensor minus integer scalar.</summary>
    public static Tensor operator -(Tensor a, long s) => a.SubScalar(s, false, false);
    /// <summary>Integer scalar minus tensor.</summary>
    public static Tensor operator -(long s, Tensor a) => a.SubScalar(s, false, true);
    /// <summary>Tensor times scalar.</summary>
    public static Tensor operator *(Tensor a, double s) => a.MulScalar(s, true);
    /// <summary>Scalar times tensor.</summary>
    public static Tensor operator *(double s, Tensor a) => a.MulScalar(s, true);
    /// <summary>Tensor times integer scalar.</summary>
    public static Tensor operator *(Tensor a, long s) => a.MulScalar(s, false);
    /// <summary>Integer scalar times tensor.</summary>
    public static Tensor operator *(long s, Tensor a) => a.MulScalar(s, false);
    /// <summary>Tensor divided by scalar (true division).</summary>
    public static Tensor operator /(Tensor a, double s) => a.DivScalar(s, false);
    /// <summary>Scalar divided by tensor (true division).</summary>
    public static Tensor operator /(double s, Tensor a) => a.DivScalar(s, true);

    /// <summary>Element-wise power with a scalar exponent (torch.pow(x, p)).</summary>
    public Tensor Pow(double exponent)
    {
        var a = AsFloatingPoint();
        var result = UnaryKernel<PowOp>(a, exponent);
        return Autograd.Record(result, "Pow", a, static (n, g) =>
        {
            double p = n.Scalar;
            if (p == 0) return [ZerosLike(g)];
            return [g * p * n.Saved(0).Pow(p - 1)];
        }, saved: [a], scalar: exponent);
    }

    /// <summary>Element-wise power with a tensor exponent, broadcasting (torch.pow(x, y)).</summary>
    public Tensor Pow(Tensor exponent)
    {
        var (a, b) = Promoted(AsFloatingPoint(), exponent.AsFloatingPoint());
        var direct = BinaryPow(a, b);
        return Autograd.Record(direct, "PowTensor", a, b, static (n, g) =>
        {
            var a = n.Saved(0); var b = n.Saved(1); var o = n.Saved(2);
            return [n.Inputs[0] is null ? null : g * b * a.Pow(b - 1.0),
                    n.Inputs[1] is null ? null : ExponentGrad(g * o * a.Log(), a, b)];
        }, saved: [a, b, direct]);
    }

    // PyTorch masks the exponent's gradient to 0 where the base is 0 and the exponent non-negative (0^y is flat there).
    private static Tensor ExponentGrad(Tensor gl, Tensor a, Tensor b) => Where(a.Eq(0.0).Mul(b.Ge(0.0)), ZerosLike(gl), gl);

    private static Tensor BinaryPow(Tensor a, Tensor b)
    {
        a = a.Detach(); b = b.Detach();
        var shape = ShapeUtil.Broadcast("Pow", a.shape, b.shape);
        var ac = a.Expand(shape).Contiguous();
        var bc = b.Expand(shape).Contiguous();
        var result = Empty(a.DType, shape);
        if (a.DType == DType.Float32)
            System.Numerics.Tensors.TensorPrimitives.Pow<float>(ac.ContiguousSpan<float>(), bc.ContiguousSpan<float>(), result.storage.As<float>());
        else
            System.Numerics.Tensors.TensorPrimitives.Pow<double>(ac.ContiguousSpan<double>(), bc.ContiguousSpan<double>(), result.storage.As<double>());
        return result;
    }
}
