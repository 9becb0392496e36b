using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Tidu.Kernels;

internal static unsafe partial class GemmMicroKernels
{
    /// <summary>
    /// The 6×4-vector AVX-512 kernel reading A in place from six rows of a row-major matrix (A(r, p) = a[r·lda + p])
    /// instead of from a packed micro-panel: BLIS's "sup" idea for operands that are cheap to stream. Each k step
    /// broadcasts the same six values and does the same fused multiply-adds in the same order as <see cref="Avx512{T}"/>
    /// on the packed panel, so the two give identical results.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Avx512RowsA<T>(int kc, T* a, nint lda, T* b, T* c, nint ldc, T alpha, T beta) where T : unmanaged
    {
        int w = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<T> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<T> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<T> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector512<T> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector512<T> c50 = default, c51 = default, c52 = default, c53 = default;
        nint l2 = 2 * lda, l3 = 3 * lda, l4 = 4 * lda, l5 = 5 * lda;
        // two k steps per iteration, as in Avx512 (the loop's own instructions come half as often)
        for (int pairs = kc >> 1; pairs != 0; pairs--)
        {
            Step(a, lda, l2, l3, l4, l5, b, w, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13, ref c20, ref c21, ref c22, ref c23,
                ref c30, ref c31, ref c32, ref c33, ref c40, ref c41, ref c42, ref c43, ref c50, ref c51, ref c52, ref c53);
            Step(a + 1, lda, l2, l3, l4, l5, b + 4 * w, w, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13, ref c20, ref c21, ref c22, ref c23,
                ref c30, ref c31, ref c32, ref c33, ref c40, ref c41, ref c42, ref c43, ref c50, ref c51, ref c52, ref c53);
            a += 2; b += 8 * w;
        }
        if ((kc & 1) != 0)
            Step(a, lda, l2, l3, l4, l5, b, w, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13, ref c20, ref c21, ref c22, ref c23,
                ref c30, ref c31, ref c32, ref c33, ref c40, ref c41, ref c42, ref c43, ref c50, ref c51, ref c52, ref c53);
        var va = Vector512.Create(alpha); var vb = Vector512.Create(beta);
        bool read = !Vector512.EqualsAll(vb, Vector512<T>.Zero);
        Store4(c, w, c00, c01, c02, c03, va, vb, read); c += ldc;
        Store4(c, w, c10, c11, c12, c13, va, vb, read); c += ldc;
        Store4(c, w, c20, c21, c22, c23, va, vb, read); c += ldc;
        Store4(c, w, c30, c31, c32, c33, va, vb, read); c += ldc;
        Store4(c, w, c40, c41, c42, c43, va, vb, read); c += ldc;
        Store4(c, w, c50, c51, c52, c53, va, vb, read);
    }

    /// <summary>One k step of <see cref="Avx512RowsA{T}"/>: A(r, p) for the six rows at a + r·lda.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<T>(T* a, nint lda, nint l2, nint l3, nint l4, nint l5, T* b, int w,
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
        x = Vector512.Create(a[lda]);
        c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11); c12 = Fma(x, b2, c12); c13 = Fma(x, b3, c13);
        x = Vector512.Create(a[l2]);
        c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21); c22 = Fma(x, b2, c22); c23 = Fma(x, b3, c23);
        x = Vector512.Create(a[l3]);
        c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31); c32 = Fma(x, b2, c32); c33 = Fma(x, b3, c33);
        x = Vector512.Create(a[l4]);
        c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41); c42 = Fma(x, b2, c42); c43 = Fma(x, b3, c43);
        x = Vector512.Create(a[l5]);
        c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51); c52 = Fma(x, b2, c52); c53 = Fma(x, b3, c53);
    }
}
