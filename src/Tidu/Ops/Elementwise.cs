using System.Numerics;
using Tidu.Kernels;

namespace Tidu;

// Dispatch from a dtype to the generic span kernels, shared by every element-wise op.
public sealed partial class Tensor
{
    /// <summary>Forward of a broadcasting binary op on two tensors of the same dtype.</summary>
    internal static Tensor BinaryKernel<TOp>(string op, Tensor a, Tensor b) where TOp : IBinaryOp
    {
        var dtype = a.DType;
        var outShape = ShapeUtil.Broadcast(op, a.shape, b.shape);
        var result = Empty(dtype, outShape);
        bool flat = a.IsContiguous && b.IsContiguous && a.shape.AsSpan().SequenceEqual(b.shape);
        switch (dtype)
        {
            case DType.Float32: Binary<float, TOp>(a, b, result, flat); break;
            case DType.Float64: Binary<double, TOp>(a, b, result, flat); break;
            default: Binary<long, TOp>(a, b, result, flat); break;
        }
        return result;
    }

    private static void Binary<T, TOp>(Tensor a, Tensor b, Tensor result, bool flat) where T : unmanaged, INumber<T> where TOp : IBinaryOp
    {
        var dst = result.storage.As<T>();
        if (flat)
        {
            int n = dst.Length;
            ParallelSpans.Binary<T, TOp>(a.storage.As<T>().AsSpan(a.offset, n), b.storage.As<T>().AsSpan(b.offset, n), dst);
            return;
        }
        Strided.Binary<T, TOp>(
            a.storage.As<T>(), a.offset, ShapeUtil.BroadcastStrides(a.shape, a.strides, result.shape),
            b.storage.As<T>(), b.offset, ShapeUtil.BroadcastStrides(b.shape, b.strides, result.shape),
            dst, result.shape);
    }

    /// <summary>Forward of a binary op between a tensor and a scalar already converted to the tensor's dtype.</summary>
    internal static Tensor ScalarKernel<TOp>(Tensor a, double s, bool scalarFirst) where TOp : IBinaryOp
    {
        var c = a.Contiguous();
        var result = Empty(a.DType, a.shape);
        switch (a.DType)
        {
            case DType.Float32: ScalarSpan<float, TOp>(c, (float)s, result, scalarFirst); break;
            case DType.Float64: ScalarSpan<double, TOp>(c, s, result, scalarFirst); break;
            default: ScalarSpan<long, TOp>(c, (long)s, result, scalarFirst); break;
        }
        return result;
    }

    private static void ScalarSpan<T, TOp>(Tensor c, T s, Tensor result, bool scalarFirst) where T : unmanaged, INumber<T> where TOp : IBinaryOp
    {
        var x = c.ContiguousSpan<T>();
        var d = result.storage.As<T>().AsSpan();
        ParallelSpans.WithScalar<T, TOp>(x, s, d, scalarFirst);
    }

    /// <summary>Forward of a unary floating-point op; the input is converted to contiguous first.</summary>
    internal static Tensor UnaryKernel<TOp>(Tensor a, double arg = 0, double arg2 = 0) where TOp : IUnaryOp
    {
        var c = a.Contiguous();
        var result = Empty(a.DType, a.shape);
        if (a.DType == DType.Float32) ParallelSpans.Unary<float, TOp>(c.ContiguousSpan<float>(), result.storage.As<float>(), arg, arg2);
        else ParallelSpans.Unary<double, TOp>(c.ContiguousSpan<double>(), result.storage.As<double>(), arg, arg2);
        return result;
    }

    /// <summary>Integer tensors become Float32 before floating-point math, as in PyTorch (torch.exp of an int tensor is float).</summary>
    internal Tensor AsFloatingPoint() => DType.IsFloatingPoint() ? this : To(DType.Float32);

    /// <summary>Converts two operands to their promoted dtype (differentiably) before a binary op.</summary>
    internal static (Tensor, Tensor) Promoted(Tensor a, Tensor b)
    {
        if (a.DType == b.DType) return (a, b);
        var dtype = ResultType(a, b);
        return (a.To(dtype), b.To(dtype));
    }

    /// <summary>
    /// torch.result_type for two tensors: a 0-d operand decides the dtype only when it is of a higher category
    /// (float over integer) than a dimensioned one, so a Float32 vector times a Float64 0-d tensor stays Float32
    /// (https://pytorch.org/docs/stable/tensor_attributes.html#type-promotion-doc).
    /// </summary>
    internal static DType ResultType(Tensor a, Tensor b)
    {
        if ((a.Rank == 0) == (b.Rank == 0)) return DTypeExtensions.Promote(a.DType, b.DType);
        var (dimensioned, zeroDim) = a.Rank == 0 ? (b, a) : (a, b);
        return zeroDim.DType.IsFloatingPoint() && !dimensioned.DType.IsFloatingPoint() ? zeroDim.DType : dimensioned.DType;
    }

    /// <summary>The dtype of tensor ⊕ scalar: a float scalar turns an Int64 tensor into Float32; otherwise the tensor's dtype wins.</summary>
    internal static DType ScalarResultType(Tensor a, bool scalarIsFloat) =>
        a.DType == DType.Int64 && scalarIsFloat ? DType.Float32 : a.DType;
}
