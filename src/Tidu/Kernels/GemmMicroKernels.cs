using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Tidu.Kernels;

/// <summary>
/// GEMM micro-kernels (see <see cref="GemmTiling{T}"/> for the contract). Each keeps an MR×NR tile of C in
/// registers for the whole kc loop: per k step it loads one row of the B micro-panel (NR values, a few vectors),
/// broadcasts the MR values of the A micro-panel and does MR·NR/W fused multiply-adds.
/// </summary>
internal static unsafe partial class GemmMicroKernels
{
    /// <summary>6×4 vectors of 512 bits: 6×64 for float32, 6×32 for float64; 24 accumulators, 4 B loads and
    /// 6 broadcasts per k step (30 of the 32 zmm registers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Avx512<T>(int kc, T* a, T* b, T* c, nint ldc, T alpha, T beta) where T : unmanaged
        => Avx512Tile(kc, a, 1, 6, b, c, ldc, alpha, beta); // a packed micro-panel: the 6 rows side by side, 6 per k

    /// <summary>
    /// The same kernel reading A in place from six rows of a row-major matrix (A(r, p) = a[r·lda + p]) instead of
    /// from a packed micro-panel: BLIS's "sup" idea for operands that are cheap to stream. Each k step broadcasts the
    /// same six values and does the same fused multiply-adds in the same order, so the two give identical results.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Avx512RowsA<T>(int kc, T* a, nint lda, T* b, T* c, nint ldc, T alpha, T beta) where T : unmanaged
        => Avx512Tile(kc, a, lda, 1, b, c, ldc, alpha, beta);

    /// <summary>
    /// The 6×4-vector tile over kc steps with A(r, p) at a[r·row + p·step]. Compiled optimised from its first call,
    /// like every kernel: the JIT does not inline this much into the entry points, and a tier-0 copy ran at 7 GFLOP/s.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Avx512Tile<T>(int kc, T* a, nint row, nint step, T* b, T* c, nint ldc, T alpha, T beta) where T : unmanaged
    {
        int w = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<T> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<T> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<T> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector512<T> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector512<T> c50 = default, c51 = default, c52 = default, c53 = default;
        nint r2 = 2 * row, r3 = 3 * row, r4 = 4 * row, r5 = 5 * row;
        // two k steps per iteration: the loop's own instructions (pointer bumps, count, branch) come half as often,
        // which measured +3 % at 1024³ and 2048³ on 2 threads (an interleaved A/B run, medians of 12) and no change on
        // the mid-sized shapes; prefetching the C tile at the start was also tried and gained nothing on top
        for (int pairs = kc >> 1; pairs != 0; pairs--)
        {
            Step(a, row, r2, r3, r4, r5, b, w, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13, ref c20, ref c21, ref c22, ref c23,
                ref c30, ref c31, ref c32, ref c33, ref c40, ref c41, ref c42, ref c43, ref c50, ref c51, ref c52, ref c53);
            Step(a + step, row, r2, r3, r4, r5, b + 4 * w, w, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13, ref c20, ref c21, ref c22, ref c23,
                ref c30, ref c31, ref c32, ref c33, ref c40, ref c41, ref c42, ref c43, ref c50, ref c51, ref c52, ref c53);
            a += 2 * step; b += 8 * w;
        }
        if ((kc & 1) != 0)
            Step(a, row, r2, r3, r4, r5, b, w, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13, ref c20, ref c21, ref c22, ref c23,
                ref c30, ref c31, ref c32, ref c33, ref c40, ref c41, ref c42, ref c43, ref c50, ref c51, ref c52, ref c53);
        var va = Vector512.Create(alpha); var vb = Vector512.Create(beta);
        bool read = !Vector512.EqualsAll(vb, Vector512<T>.Zero); // no call here: it would spill the accumulators
        Store4(c, w, c00, c01, c02, c03, va, vb, read); c += ldc;
        Store4(c, w, c10, c11, c12, c13, va, vb, read); c += ldc;
        Store4(c, w, c20, c21, c22, c23, va, vb, read); c += ldc;
        Store4(c, w, c30, c31, c32, c33, va, vb, read); c += ldc;
        Store4(c, w, c40, c41, c42, c43, va, vb, read); c += ldc;
        Store4(c, w, c50, c51, c52, c53, va, vb, read);
    }

    /// <summary>One k step of the 6×4-vector kernel: 4 loads of B, 6 broadcasts of A (rows 0, r1, …, r5 apart), 24
    /// fused multiply-adds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<T>(T* a, nint r1, nint r2, nint r3, nint r4, nint r5, T* b, int w,
        ref Vector512<T> c00, ref Vector512<T> c01, ref Vector512<T> c02, ref Vector512<T> c03,
        ref Vector512<T> c10, ref Vector512<T> c11, ref Vector512<T> c12, ref Vector512<T> c13,
        ref Vector512<T> c20, ref Vector512<T> c21, ref Vector512<T> c22, ref Vector512<T> c23,
        ref Vector512<T> c30, ref Vector512<T> c31, ref Vector512<T> c32, ref Vector512<T> c33,
        ref Vector512<T> c40, ref Vector512<T> c41, ref Vector512<T> c42, ref Vector512<T> c43,
        ref Vector512<T> c50, ref Vector512<T> c51, ref Vector512<T> c52, ref Vector512<T> c53) where T : unmanaged
    {
        var b0 = Vector512.Load(b); var b1 = Vector512.Load(b + w);
        var b2 = Vector512.Load(b + 2 * w); var b3 = Vector512.Load(b + 3 * w);
        var x = Vector512.Create(a[0]);
        c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01); c02 = Fma(x, b2, c02); c03 = Fma(x, b3, c03);
        x = Vector512.Create(a[r1]);
        c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11); c12 = Fma(x, b2, c12); c13 = Fma(x, b3, c13);
        x = Vector512.Create(a[r2]);
        c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21); c22 = Fma(x, b2, c22); c23 = Fma(x, b3, c23);
        x = Vector512.Create(a[r3]);
        c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31); c32 = Fma(x, b2, c32); c33 = Fma(x, b3, c33);
        x = Vector512.Create(a[r4]);
        c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41); c42 = Fma(x, b2, c42); c43 = Fma(x, b3, c43);
        x = Vector512.Create(a[r5]);
        c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51); c52 = Fma(x, b2, c52); c53 = Fma(x, b3, c53);
    }

    /// <summary>6×2 vectors of 256 bits: 6×16 for float32, 6×8 for float64 (12 accumulators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Avx2<T>(int kc, T* a, T* b, T* c, nint ldc, T alpha, T beta) where T : unmanaged
    {
        int w = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        do
        {
            var b0 = Vector256.Load(b); var b1 = Vector256.Load(b + w);
            var x = Vector256.Create(a[0]); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
            a += 6; b += 2 * w;
        } while (--kc != 0);
        var va = Vector256.Create(alpha); var vb = Vector256.Create(beta);
        bool read = !Vector256.EqualsAll(vb, Vector256<T>.Zero);
        Store2(c, w, c00, c01, va, vb, read); c += ldc;
        Store2(c, w, c10, c11, va, vb, read); c += ldc;
        Store2(c, w, c20, c21, va, vb, read); c += ldc;
        Store2(c, w, c30, c31, va, vb, read); c += ldc;
        Store2(c, w, c40, c41, va, vb, read); c += ldc;
        Store2(c, w, c50, c51, va, vb, read);
    }

    /// <summary>4×2 Vector&lt;T&gt; (any CPU): separate multiply and add, so no FMA hardware is assumed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Portable<T>(int kc, T* a, T* b, T* c, nint ldc, T alpha, T beta) where T : unmanaged
    {
        int w = Vector<T>.Count;
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector<T> c20 = default, c21 = default, c30 = default, c31 = default;
        do
        {
            var b0 = Unsafe.ReadUnaligned<Vector<T>>(b); var b1 = Unsafe.ReadUnaligned<Vector<T>>(b + w);
            var x = new Vector<T>(a[0]); c00 += x * b0; c01 += x * b1;
            x = new Vector<T>(a[1]); c10 += x * b0; c11 += x * b1;
            x = new Vector<T>(a[2]); c20 += x * b0; c21 += x * b1;
            x = new Vector<T>(a[3]); c30 += x * b0; c31 += x * b1;
            a += 4; b += 2 * w;
        } while (--kc != 0);
        var va = new Vector<T>(alpha); var vb = new Vector<T>(beta);
        bool read = !Vector.EqualsAll(vb, Vector<T>.Zero);
        StorePortable(c, c00, va, vb, read); StorePortable(c + w, c01, va, vb, read); c += ldc;
        StorePortable(c, c10, va, vb, read); StorePortable(c + w, c11, va, vb, read); c += ldc;
        StorePortable(c, c20, va, vb, read); StorePortable(c + w, c21, va, vb, read); c += ldc;
        StorePortable(c, c30, va, vb, read); StorePortable(c + w, c31, va, vb, read);
    }

    // C = alpha·acc + beta·C as one fused step (the scalar edge path in Gemm uses the same formula).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4<T>(T* c, int w, Vector512<T> x0, Vector512<T> x1, Vector512<T> x2, Vector512<T> x3,
        Vector512<T> alpha, Vector512<T> beta, bool read) where T : unmanaged
    {
        if (read)
        {
            Fma(alpha, x0, beta * Vector512.Load(c)).Store(c);
            Fma(alpha, x1, beta * Vector512.Load(c + w)).Store(c + w);
            Fma(alpha, x2, beta * Vector512.Load(c + 2 * w)).Store(c + 2 * w);
            Fma(alpha, x3, beta * Vector512.Load(c + 3 * w)).Store(c + 3 * w);
        }
        else
        {
            (alpha * x0).Store(c); (alpha * x1).Store(c + w); (alpha * x2).Store(c + 2 * w); (alpha * x3).Store(c + 3 * w);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2<T>(T* c, int w, Vector256<T> x0, Vector256<T> x1, Vector256<T> alpha, Vector256<T> beta, bool read)
        where T : unmanaged
    {
        if (read)
        {
            Fma(alpha, x0, beta * Vector256.Load(c)).Store(c);
            Fma(alpha, x1, beta * Vector256.Load(c + w)).Store(c + w);
        }
        else
        {
            (alpha * x0).Store(c); (alpha * x1).Store(c + w);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePortable<T>(T* c, Vector<T> x, Vector<T> alpha, Vector<T> beta, bool read) where T : unmanaged
    {
        var r = read ? alpha * x + beta * Unsafe.ReadUnaligned<Vector<T>>(c) : alpha * x;
        Unsafe.WriteUnaligned(c, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma<T>(Vector512<T> x, Vector512<T> y, Vector512<T> z)
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>();
        return Vector512.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma<T>(Vector256<T> x, Vector256<T> y, Vector256<T> z)
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>();
        return Vector256.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>();
    }
}
