using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;

namespace Tidu.Kernels;

/// <summary>A binary element-wise kernel in the three span shapes TensorPrimitives offers, plus a scalar form.</summary>
internal interface IBinaryOp
{
    static abstract void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T>;
    static abstract void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, INumber<T>;
    static abstract void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T>;
    static abstract T Apply<T>(T x, T y) where T : unmanaged, INumber<T>;
}

internal readonly struct AddOp : IBinaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Add(x, y, d);
    public static void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Add(x, y, d);
    public static void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Add(y, x, d);
    public static T Apply<T>(T x, T y) where T : unmanaged, INumber<T> => x + y;
}

internal readonly struct SubOp : IBinaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Subtract(x, y, d);
    public static void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Subtract(x, y, d);
    public static void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Subtract(x, y, d);
    public static T Apply<T>(T x, T y) where T : unmanaged, INumber<T> => x - y;
}

internal readonly struct MulOp : IBinaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Multiply(x, y, d);
    public static void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Multiply(x, y, d);
    public static void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Multiply(y, x, d);
    public static T Apply<T>(T x, T y) where T : unmanaged, INumber<T> => x * y;
}

internal readonly struct DivOp : IBinaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Divide(x, y, d);
    public static void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Divide(x, y, d);
    public static void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Divide(x, y, d);
    public static T Apply<T>(T x, T y) where T : unmanaged, INumber<T> => x / y;
}

/// <summary>
/// tanh's backward, x·(1 − y²) for gradient x and output y, in one kernel instead of three ops (PyTorch's
/// tanh_backward computes it in the same order, so the values are the same as g * (1 - y * y)).
/// </summary>
internal readonly struct TanhGradOp : IBinaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T>
    {
        // d is a fresh output, never one of the inputs, so it can hold the intermediate 1 − y²
        TensorPrimitives.Multiply(y, y, d);
        TensorPrimitives.Subtract(T.One, d, d);
        TensorPrimitives.Multiply(x, d, d);
    }
    public static void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Multiply(x, T.One - y * y, d);
    public static void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T>
    {
        TensorPrimitives.Multiply(y, y, d);
        TensorPrimitives.Subtract(T.One, d, d);
        TensorPrimitives.Multiply(d, x, d);
    }
    public static T Apply<T>(T x, T y) where T : unmanaged, INumber<T> => x * (T.One - y * y);
}

/// <summary>Element-wise maximum that propagates NaN (torch.maximum).</summary>
internal readonly struct MaxOp : IBinaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Max(x, y, d);
    public static void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Max(x, y, d);
    public static void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Max(y, x, d);
    public static T Apply<T>(T x, T y) where T : unmanaged, INumber<T> => T.Max(x, y);
}

/// <summary>Element-wise minimum that propagates NaN (torch.minimum).</summary>
internal readonly struct MinOp : IBinaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Min(x, y, d);
    public static void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Min(x, y, d);
    public static void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T> => TensorPrimitives.Min(y, x, d);
    public static T Apply<T>(T x, T y) where T : unmanaged, INumber<T> => T.Min(x, y);
}

/// <summary>Comparison producing 1 or 0 in the operands' own type (converted to an Int64 mask afterwards).</summary>
internal interface ICompare { static abstract bool Test<T>(T x, T y) where T : unmanaged, INumber<T>; }

internal readonly struct CompareOp<TCmp> : IBinaryOp where TCmp : ICompare
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < d.Length; i++) d[i] = TCmp.Test(x[i], y[i]) ? T.One : T.Zero;
    }
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < d.Length; i++) d[i] = TCmp.Test(x[i], y) ? T.One : T.Zero;
    }
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < d.Length; i++) d[i] = TCmp.Test(x, y[i]) ? T.One : T.Zero;
    }
    public static T Apply<T>(T x, T y) where T : unmanaged, INumber<T> => TCmp.Test(x, y) ? T.One : T.Zero;
}

internal readonly struct EqCmp : ICompare { public static bool Test<T>(T x, T y) where T : unmanaged, INumber<T> => x == y; }
internal readonly struct NeCmp : ICompare { public static bool Test<T>(T x, T y) where T : unmanaged, INumber<T> => x != y; }
internal readonly struct LtCmp : ICompare { public static bool Test<T>(T x, T y) where T : unmanaged, INumber<T> => x < y; }
internal readonly struct LeCmp : ICompare { public static bool Test<T>(T x, T y) where T : unmanaged, INumber<T> => x <= y; }
internal readonly struct GtCmp : ICompare { public static bool Test<T>(T x, T y) where T : unmanaged, INumber<T> => x > y; }
internal readonly struct GeCmp : ICompare { public static bool Test<T>(T x, T y) where T : unmanaged, INumber<T> => x >= y; }

/// <summary>A unary kernel over floating-point spans.</summary>
internal interface IUnaryOp
{
    static abstract void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T>;
}
