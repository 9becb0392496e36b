using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Tidu.Kernels;

// The 2×2 stride-2 max pooling of one row pair, the CNN's case. On random data the scalar argmax mispredicts about
// every other comparison; the float32 loop instead takes 8 windows at a time, splitting each row's 16 values into
// even and odd columns (as pairs of 32-bit halves of 64-bit lanes) and choosing with masks. Its comparisons are
// the scalar ones (a value wins when larger or NaN, in row-major window order), so both loops give the same result
// for every window. The last group of 8 may overlap the previous one: it rewrites the same values. Rows of 4 to 7
// windows (a 14×14 input) take the same steps 4 windows at a time.
internal static unsafe partial class Pooling
{
    private const int WindowsPerVector = 8, WindowsPerHalfVector = 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool VectorRows<T>(int outW) =>
        typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated && outW >= WindowsPerVector;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HalfVectorRows<T>(int outW) =>
        typeof(T) == typeof(float) && Vector128.IsHardwareAccelerated && outW >= WindowsPerHalfVector;

    /// <summary>
    /// Pools input rows <paramref name="a"/> and <paramref name="b"/> (width ≥ 2·outW) into <paramref name="outW"/>
    /// maxima; <paramref name="idx"/> (may be null) receives flat indices given the rows' plane offset.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRow2x2<T>(T* a, T* b, T* dst, long* idx, int outW, int rowOffset, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (VectorRows<T>(outW))
        {
            for (int ox = 0; ; ox += WindowsPerVector)
            {
                ox = Math.Min(ox, outW - WindowsPerVector);
                var (max, arg) = Windows8((float*)a + 2 * ox, (float*)b + 2 * ox);
                max.Store((float*)dst + ox);
                if (idx is not null)
                    for (int j = 0; j < WindowsPerVector; j++)
                    {
                        int k = arg.GetElement(j);
                        idx[ox + j] = rowOffset + 2 * (ox + j) + (k & 1) + (k >> 1) * width;
                    }
                if (ox == outW - WindowsPerVector) return;
            }
        }
        if (HalfVectorRows<T>(outW))
        {
            for (int ox = 0; ; ox += WindowsPerHalfVector)
            {
                ox = Math.Min(ox, outW - WindowsPerHalfVector);
                var (max, arg) = Windows4((float*)a + 2 * ox, (float*)b + 2 * ox);
                max.Store((float*)dst + ox);
                if (idx is not null)
                    for (int j = 0; j < WindowsPerHalfVector; j++)
                    {
                        int k = arg.GetElement(j);
                        idx[ox + j] = rowOffset + 2 * (ox + j) + (k & 1) + (k >> 1) * width;
                    }
                if (ox == outW - WindowsPerHalfVector) return;
            }
        }
        for (int ox = 0; ox < outW; ox++)
        {
            int k = ArgMax2x2(a + 2 * ox, b + 2 * ox, out T max);
            dst[ox] = max;
            if (idx is not null) idx[ox] = rowOffset + 2 * ox + (k & 1) + (k >> 1) * width;
        }
    }

    /// <summary>
    /// Writes the 2·outW gradient values of rows <paramref name="da"/> and <paramref name="db"/>: each window's
    /// gradient at its maximum, 0 at the window's other three positions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardRow2x2<T>(T* a, T* b, T* gOut, T* da, T* db, int outW) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (VectorRows<T>(outW))
        {
            for (int ox = 0; ; ox += WindowsPerVector)
            {
                ox = Math.Min(ox, outW - WindowsPerVector);
                var (_, arg) = Windows8((float*)a + 2 * ox, (float*)b + 2 * ox);
                var g = Vector256.Load((float*)gOut + ox);
                Store2(Vector256.ConditionalSelect(Vector256.Equals(arg, Vector256<int>.Zero).AsSingle(), g, default),
                    Vector256.ConditionalSelect(Vector256.Equals(arg, Vector256.Create(1)).AsSingle(), g, default), (float*)da + 2 * ox);
                Store2(Vector256.ConditionalSelect(Vector256.Equals(arg, Vector256.Create(2)).AsSingle(), g, default),
                    Vector256.ConditionalSelect(Vector256.Equals(arg, Vector256.Create(3)).AsSingle(), g, default), (float*)db + 2 * ox);
                if (ox == outW - WindowsPerVector) return;
            }
        }
        if (HalfVectorRows<T>(outW))
        {
            for (int ox = 0; ; ox += WindowsPerHalfVector)
            {
                ox = Math.Min(ox, outW - WindowsPerHalfVector);
                var (_, arg) = Windows4((float*)a + 2 * ox, (float*)b + 2 * ox);
                var g = Vector128.Load((float*)gOut + ox);
                Store2(Vector128.ConditionalSelect(Vector128.Equals(arg, Vector128<int>.Zero).AsSingle(), g, default),
                    Vector128.ConditionalSelect(Vector128.Equals(arg, Vector128.Create(1)).AsSingle(), g, default), (float*)da + 2 * ox);
                Store2(Vector128.ConditionalSelect(Vector128.Equals(arg, Vector128.Create(2)).AsSingle(), g, default),
                    Vector128.ConditionalSelect(Vector128.Equals(arg, Vector128.Create(3)).AsSingle(), g, default), (float*)db + 2 * ox);
                if (ox == outW - WindowsPerHalfVector) return;
            }
        }
        for (int ox = 0; ox < outW; ox++)
        {
            int k = ArgMax2x2(a + 2 * ox, b + 2 * ox, out _);
            T grad = gOut[ox];
            da[2 * ox] = k == 0 ? grad : T.Zero;
            da[2 * ox + 1] = k == 1 ? grad : T.Zero;
            db[2 * ox] = k == 2 ? grad : T.Zero;
            db[2 * ox + 1] = k == 3 ? grad : T.Zero;
        }
    }

    /// <summary>The maxima and argmax offsets (0 … 3) of the 8 windows whose rows start at a and b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Max, Vector256<int> Arg) Windows8(float* a, float* b)
    {
        var (a0, a1) = Deinterleave(Vector256.Load(a), Vector256.Load(a + 8));
        var (b0, b1) = Deinterleave(Vector256.Load(b), Vector256.Load(b + 8));
        var max = a0;
        var arg = Vector256<int>.Zero;
        Challenge(a1, 1, ref max, ref arg);
        Challenge(b0, 2, ref max, ref arg);
        Challenge(b1, 3, ref max, ref arg);
        return (max, arg);
    }

    /// <summary>The vector form of <see cref="Beats"/>: lanes where v is larger or NaN take v and the offset k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Challenge(Vector256<float> v, int k, ref Vector256<float> max, ref Vector256<int> arg)
    {
        var wins = Vector256.GreaterThan(v, max) | ~Vector256.Equals(v, v);
        max = Vector256.ConditionalSelect(wins, v, max);
        arg = Vector256.ConditionalSelect(wins.AsInt32(), Vector256.Create(k), arg);
    }

    /// <summary>16 consecutive floats (lo, hi) as their 8 even and 8 odd elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Even, Vector256<float> Odd) Deinterleave(Vector256<float> lo, Vector256<float> hi)
    {
        // little-endian: an even element is the low half of a 64-bit lane, the odd one its high half
        var l = lo.AsUInt64();
        var h = hi.AsUInt64();
        return (Vector256.Narrow(l, h).AsSingle(),
            Vector256.Narrow(Vector256.ShiftRightLogical(l, 32), Vector256.ShiftRightLogical(h, 32)).AsSingle());
    }

    /// <summary>Stores even[0], odd[0], even[1], odd[1], … (16 floats) at <paramref name="dst"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2(Vector256<float> even, Vector256<float> odd, float* dst)
    {
        var (e0, e1) = Vector256.Widen(even.AsUInt32());
        var (o0, o1) = Vector256.Widen(odd.AsUInt32());
        (e0 | Vector256.ShiftLeft(o0, 32)).AsSingle().Store(dst);
        (e1 | Vector256.ShiftLeft(o1, 32)).AsSingle().Store(dst + 8);
    }

    /// <summary>The 4-window form of <see cref="Windows8"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> Max, Vector128<int> Arg) Windows4(float* a, float* b)
    {
        var (a0, a1) = Deinterleave(Vector128.Load(a), Vector128.Load(a + 4));
        var (b0, b1) = Deinterleave(Vector128.Load(b), Vector128.Load(b + 4));
        var max = a0;
        var arg = Vector128<int>.Zero;
        Challenge(a1, 1, ref max, ref arg);
        Challenge(b0, 2, ref max, ref arg);
        Challenge(b1, 3, ref max, ref arg);
        return (max, arg);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Challenge(Vector128<float> v, int k, ref Vector128<float> max, ref Vector128<int> arg)
    {
        var wins = Vector128.GreaterThan(v, max) | ~Vector128.Equals(v, v);
        max = Vector128.ConditionalSelect(wins, v, max);
        arg = Vector128.ConditionalSelect(wins.AsInt32(), Vector128.Create(k), arg);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> Even, Vector128<float> Odd) Deinterleave(Vector128<float> lo, Vector128<float> hi)
    {
        var l = lo.AsUInt64();
        var h = hi.AsUInt64();
        return (Vector128.Narrow(l, h).AsSingle(),
            Vector128.Narrow(Vector128.ShiftRightLogical(l, 32), Vector128.ShiftRightLogical(h, 32)).AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2(Vector128<float> even, Vector128<float> odd, float* dst)
    {
        var (e0, e1) = Vector128.Widen(even.AsUInt32());
        var (o0, o1) = Vector128.Widen(odd.AsUInt32());
        (e0 | Vector128.ShiftLeft(o0, 32)).AsSingle().Store(dst);
        (e1 | Vector128.ShiftLeft(o1, 32)).AsSingle().Store(dst + 4);
    }
}
