using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;

namespace Tidu.Kernels;

internal readonly struct ExpOp : IUnaryOp { public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Exp(x, d); }
internal readonly struct LogOp : IUnaryOp { public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Log(x, d); }
internal readonly struct SqrtOp : IUnaryOp { public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sqrt(x, d); }
internal readonly struct AbsOp : IUnaryOp { public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Abs(x, d); }
internal readonly struct SinOp : IUnaryOp { public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sin(x, d); }
internal readonly struct CosOp : IUnaryOp { public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Cos(x, d); }
internal readonly struct TanhOp : IUnaryOp { public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Tanh(x, d); }
internal readonly struct SigmoidOp : IUnaryOp { public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sigmoid(x, d); }
internal readonly struct PowOp : IUnaryOp { public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Pow(x, T.CreateTruncating(arg), d); }

/// <summary>max(x, 0); NaN stays NaN as in torch.relu.</summary>
internal readonly struct ReluOp : IUnaryOp { public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(x, T.Zero, d); }

internal readonly struct LeakyReluOp : IUnaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T slope = T.CreateTruncating(arg);
        for (int i = 0; i < x.Length; i++) d[i] = x[i] > T.Zero ? x[i] : x[i] * slope;
    }
}

/// <summary>1 where x &gt; 0, else the slope: the derivative of LeakyReLU (arg = slope; 0 gives ReLU's).</summary>
internal readonly struct LeakyReluGradOp : IUnaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T slope = T.CreateTruncating(arg);
        for (int i = 0; i < x.Length; i++) d[i] = x[i] > T.Zero ? T.One : slope;
    }
}

/// <summary>sign(x) with sign(0) = 0 (the derivative PyTorch uses for abs).</summary>
internal readonly struct SignOp : IUnaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) d[i] = T.IsNaN(x[i]) ? x[i] : x[i] > T.Zero ? T.One : x[i] < T.Zero ? -T.One : T.Zero;
    }
}

/// <summary>GELU, exact (arg = 0: x·Φ(x)) or tanh approximation (arg = 1), as torch.nn.functional.gelu.</summary>
internal readonly struct GeluOp : IUnaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            d[i] = T.CreateTruncating(arg == 0 ? 0.5 * v * (1 + SpecialFunctions.Erf(v / Math.Sqrt(2))) : GeluTanh(v));
        }
    }

    internal static double GeluTanh(double v) => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
}

/// <summary>dGELU/dx for the exact (arg = 0) or tanh (arg = 1) form.</summary>
internal readonly struct GeluGradOp : IUnaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const double invSqrt2Pi = 0.3989422804014327;
        for (int i = 0; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            double g;
            if (arg == 0)
            {
                g = 0.5 * (1 + SpecialFunctions.Erf(v / Math.Sqrt(2))) + v * invSqrt2Pi * Math.Exp(-0.5 * v * v);
            }
            else
            {
                double k = Math.Sqrt(2 / Math.PI), inner = k * (v + 0.044715 * v * v * v), t = Math.Tanh(inner);
                g = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v);
            }
            d[i] = T.CreateTruncating(g);
        }
    }
}

/// <summary>softplus(x) = log(1 + exp(βx))/β, and x itself where βx exceeds the threshold (torch.nn.functional.softplus).</summary>
internal readonly struct SoftplusOp : IUnaryOp
{
    // arg = beta, arg2 = threshold
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double beta = arg, threshold = arg2;
        for (int i = 0; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]), bx = beta * v;
            d[i] = T.CreateTruncating(bx > threshold ? v : SpecialFunctions.Log1P(Math.Exp(bx)) / beta);
        }
    }
}

internal static class SpecialFunctions
{
    /// <summary>
    /// log(1 + y), accurate when y is tiny (PyTorch's softplus uses log1p; Math.Log(1 + y) returns 0 once 1 + y
    /// rounds to 1). Goldberg's trick: the rounding error of 1 + y cancels in log(u)·y/(u − 1).
    /// </summary>
    internal static double Log1P(double y)
    {
        double u = 1 + y;
        return u == 1 ? y : double.IsPositiveInfinity(u) ? u : Math.Log(u) * y / (u - 1);
    }

    /// <summary>
    /// The error function to double precision. For |x| &lt; 6: erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)),
    /// a series of positive terms (no cancellation; Abramowitz &amp; Stegun 7.1.6). Beyond, erf is ±1 in double.
    /// </summary>
    internal static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        if (ax >= 6) return Math.Sign(x);
        double term = ax, sum = ax, x2 = ax * ax;
        for (int n = 0; n < 500; n++)
        {
            term *= 2 * x2 / (2 * n + 3);
            sum += term;
            if (term < sum * 1e-17) break;
        }
        double r = 2 / Math.Sqrt(Math.PI) * Math.Exp(-x2) * sum;
        return x < 0 ? -r : r;
    }
}
