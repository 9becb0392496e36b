using System.Runtime.CompilerServices;

namespace Tidu.Kernels;

/// <summary>
/// Packing for <see cref="Gemm"/>: copies a block of op(A) into MR-row micro-panels (for each k, MR consecutive
/// values) and a block of op(B) into NR-column micro-panels (for each k, NR consecutive values), zero-padding the
/// last panel so the micro-kernel always computes full tiles. Transposed and strided operands are read here, so the
/// micro-kernel sees one layout.
/// </summary>
internal static unsafe class Packing
{
    /// <summary>op(A)[i0.., p0..] (mc×kc) → dst; the micro-panel of rows ir.. starts at dst + ir·kc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackA<T>(bool trans, T* a, int lda, int i0, int p0, int mc, int kc, int mr, T* dst) where T : unmanaged
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            T* panel = dst + (nint)ir * kc;
            if (!trans)
            {
                // A(i, p) = a[i·lda + p]: each row is contiguous in p
                for (int r = 0; r < rows; r++)
                {
                    T* src = a + (nint)(i0 + ir + r) * lda + p0;
                    T* d = panel + r;
                    for (int p = 0; p < kc; p++) d[(nint)p * mr] = src[p];
                }
                for (int r = rows; r < mr; r++)
                    for (int p = 0; p < kc; p++) panel[(nint)p * mr + r] = default;
            }
            else
            {
                // A(i, p) = a[p·lda + i]: contiguous in i
                for (int p = 0; p < kc; p++)
                {
                    T* src = a + (nint)(p0 + p) * lda + i0 + ir;
                    T* d = panel + (nint)p * mr;
                    int r = 0;
                    for (; r < rows; r++) d[r] = src[r];
                    for (; r < mr; r++) d[r] = default;
                }
            }
        }
    }

    /// <summary>op(B)[p0.., j0..] (kc×nc) → dst, panel jr starts at jr·kc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackB<T>(bool trans, T* b, int ldb, int p0, int j0, int kc, int nc, int nr, T* dst) where T : unmanaged
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* panel = dst + (nint)jr * kc;
            if (!trans)
            {
                // B(p, j) = b[p·ldb + j]: contiguous in j
                uint bytes = (uint)(cols * sizeof(T));
                for (int p = 0; p < kc; p++)
                {
                    T* d = panel + (nint)p * nr;
                    Unsafe.CopyBlockUnaligned(d, b + (nint)(p0 + p) * ldb + j0 + jr, bytes);
                    for (int j = cols; j < nr; j++) d[j] = default;
                }
            }
            else
            {
                // B(p, j) = b[j·ldb + p]: each stored row is a column of op(B)
                for (int j = 0; j < cols; j++)
                {
                    T* src = b + (nint)(j0 + jr + j) * ldb + p0;
                    T* d = panel + j;
                    for (int p = 0; p < kc; p++) d[(nint)p * nr] = src[p];
                }
                for (int j = cols; j < nr; j++)
                    for (int p = 0; p < kc; p++) panel[(nint)p * nr + j] = default;
            }
        }
    }
}
