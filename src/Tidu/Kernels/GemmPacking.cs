using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tidu.Kernels;

/// <summary>
/// Packing for <see cref="Gemm"/>: copies a block of op(A) into MR-row micro-panels (for each k, MR consecutive
/// values) and a block of op(B) into NR-column micro-panels (for each k, NR consecutive values), zero-padding the
/// last panel so the micro-kernel always computes full tiles. Transposed and strided operands are read here, so the
/// micro-kernel sees one layout.
/// Two of the four cases turn rows into columns: A stored row-major (every Linear backward's dX = dY·W and every
/// plain product) and B stored transposed (every Linear forward's X·Wᵀ). Element by element they write with a
/// stride of MR or NR values, which made packing cost as much as the arithmetic on mid-sized products; with AVX
/// they go through 8×8 (float) or 4×4 (double) register transposes instead, and transposed B on the AVX-512 path
/// through 16×16 (float) or 8×8 (double) Vector512 transposes (GemmPackingTranspose.cs).
/// </summary>
internal static unsafe partial class Packing
{
    /// <summary>Extra elements a PackA destination needs past its panels: the vector path stores whole vectors.</summary>
    internal const int PackASlack = 16;

    /// <summary>Register transposes are used on AVX machines unless the portable micro-kernel was chosen (tests).</summary>
    private static bool Vectorized => Avx.IsSupported && GemmConfig.Path != GemmPath.Portable;

    /// <summary>op(A)[i0.., p0..] (mc×kc) → dst; the micro-panel of rows ir.. starts at dst + ir·kc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackA<T>(bool trans, T* a, int lda, int i0, int p0, int mc, int kc, int mr, T* dst) where T : unmanaged
    {
        bool vectorized = Vectorized && mr == 6;
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            T* panel = dst + (nint)ir * kc;
            if (!trans)
            {
                // A(i, p) = a[i·lda + p]: each row is contiguous in p
                T* src = a + (nint)(i0 + ir) * lda + p0;
                int p = 0;
                if (vectorized && rows == 6)
                {
                    if (typeof(T) == typeof(float)) p = RowsToPanel6((float*)src, lda, kc, (float*)panel);
                    else if (typeof(T) == typeof(double)) p = RowsToPanel6((double*)src, lda, kc, (double*)panel);
                }
                for (int r = 0; r < rows; r++)
                {
                    T* s = src + (nint)r * lda;
                    T* d = panel + r;
                    for (int q = p; q < kc; q++) d[(nint)q * mr] = s[q];
                }
                for (int r = rows; r < mr; r++)
                    for (int q = 0; q < kc; q++) panel[(nint)q * mr + r] = default;
            }
            else
            {
                // A(i, p) = a[p·lda + i]: contiguous in i
                if (rows == 6 && mr == 6 && Vectorized && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
                {
                    // every Linear's dW = gᵀ·x packs this way: six contiguous values per k, copied as 4 + 2
                    T* src = a + (nint)p0 * lda + i0 + ir;
                    if (typeof(T) == typeof(float))
                        for (int p = 0; p < kc; p++, src += lda)
                        {
                            T* d = panel + (nint)p * 6;
                            Vector128.Store(Vector128.Load((float*)src), (float*)d);
                            *(ulong*)(d + 4) = *(ulong*)(src + 4);
                        }
                    else
                        for (int p = 0; p < kc; p++, src += lda)
                        {
                            T* d = panel + (nint)p * 6;
                            Vector256.Store(Vector256.Load((double*)src), (double*)d);
                            Vector128.Store(Vector128.Load((double*)src + 4), (double*)d + 4);
                        }
                    continue;
                }
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

    /// <summary>
    /// <see cref="PackB{T}(bool, T*, int, int, int, int, int, int, T*)"/> over spans, for callers without pointers
    /// (tests); checks that the block lies in b and the panels fit in dst.
    /// </summary>
    internal static void PackB<T>(bool trans, ReadOnlySpan<T> b, int ldb, int p0, int j0, int kc, int nc, int nr, Span<T> dst)
        where T : unmanaged
    {
        int rows = trans ? j0 + nc : p0 + kc, width = trans ? p0 + kc : j0 + nc; // stored rows and width used
        if (kc < 1 || nc < 1 || nr < 1 || p0 < 0 || j0 < 0 || ldb < width || (long)(rows - 1) * ldb + width > b.Length)
            throw new ArgumentException($"PackB: block {kc}×{nc} at ({p0}, {j0}) does not fit in b ({b.Length} elements, ld {ldb}).");
        if ((long)((nc + nr - 1) / nr) * nr * kc > dst.Length)
            throw new ArgumentException($"PackB: {nc} columns in panels of {nr} for k = {kc} do not fit in {dst.Length} elements.");
        fixed (T* pb = b, pd = dst) PackB(trans, pb, ldb, p0, j0, kc, nc, nr, pd);
    }

    /// <summary>op(B)[p0.., j0..] (kc×nc) → dst, panel jr starts at jr·kc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackB<T>(bool trans, T* b, int ldb, int p0, int j0, int kc, int nc, int nr, T* dst) where T : unmanaged
    {
        bool vectorized = Vectorized;
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
                T* src = b + (nint)(j0 + jr) * ldb + p0;
                int j = 0;
                if (vectorized)
                {
                    if (typeof(T) == typeof(float))
                    {
                        if (Wide) j = RowsToColumnsWide((float*)src, ldb, cols, kc, (float*)panel, nr);
                        j += RowsToColumns8((float*)src + (nint)j * ldb, ldb, cols - j, kc, (float*)panel + j, nr);
                    }
                    else if (typeof(T) == typeof(double))
                    {
                        if (Wide) j = RowsToColumnsWide((double*)src, ldb, cols, kc, (double*)panel, nr);
                        j += RowsToColumns4((double*)src + (nint)j * ldb, ldb, cols - j, kc, (double*)panel + j, nr);
                    }
                }
                for (; j < cols; j++)
                {
                    T* s = src + (nint)j * ldb;
                    T* d = panel + j;
                    for (int p = 0; p < kc; p++) d[(nint)p * nr] = s[p];
                }
                if (cols < nr)
                    for (int p = 0; p < kc; p++)
                        for (int jj = cols; jj < nr; jj++) panel[(nint)p * nr + jj] = default;
            }
        }
    }

    /// <summary>
    /// Columns j ∈ [0, 8⌊cols/8⌋) of a transposed-B panel, 8 stored rows at a time: each 8×8 block of the rows is
    /// transposed in registers and written as 8 contiguous runs of the panel. Returns how many columns it did.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int RowsToColumns8(float* src, int ld, int cols, int kc, float* panel, int nr)
    {
        int j = 0;
        for (; j + 8 <= cols; j += 8)
        {
            float* s = src + (nint)j * ld;
            float* d = panel + j;
            int p = 0;
            for (; p + 8 <= kc; p += 8)
            {
                Transpose8(
                    Vector256.Load(s + p), Vector256.Load(s + ld + p), Vector256.Load(s + 2 * (nint)ld + p), Vector256.Load(s + 3 * (nint)ld + p),
                    Vector256.Load(s + 4 * (nint)ld + p), Vector256.Load(s + 5 * (nint)ld + p), Vector256.Load(s + 6 * (nint)ld + p), Vector256.Load(s + 7 * (nint)ld + p),
                    d + (nint)p * nr, nr);
            }
            for (; p < kc; p++)
                for (int i = 0; i < 8; i++) d[(nint)p * nr + i] = s[(nint)i * ld + p];
        }
        return j;
    }

    /// <summary>The float64 form of <see cref="RowsToColumns8"/> with 4×4 blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int RowsToColumns4(double* src, int ld, int cols, int kc, double* panel, int nr)
    {
        int j = 0;
        for (; j + 4 <= cols; j += 4)
        {
            double* s = src + (nint)j * ld;
            double* d = panel + j;
            int p = 0;
            for (; p + 4 <= kc; p += 4)
            {
                Transpose4(Vector256.Load(s + p), Vector256.Load(s + ld + p), Vector256.Load(s + 2 * (nint)ld + p), Vector256.Load(s + 3 * (nint)ld + p),
                    out var o0, out var o1, out var o2, out var o3);
                double* row = d + (nint)p * nr;
                o0.Store(row); o1.Store(row + nr); o2.Store(row + 2 * nr); o3.Store(row + 3 * nr);
            }
            for (; p < kc; p++)
                for (int i = 0; i < 4; i++) d[(nint)p * nr + i] = s[(nint)i * ld + p];
        }
        return j;
    }

    /// <summary>
    /// p ∈ [0, 8⌊kc/8⌋) of a full 6-row A panel (panel[p·6 + r] = row r at p): each 8-wide slice of the six rows is
    /// transposed with two zero rows, and the 8-lane results are stored at a stride of 6, each store's two extra
    /// lanes overwritten by the next (the last spills into the following panel or the buffer's slack, see
    /// <see cref="PackASlack"/>). Returns how far it got.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int RowsToPanel6(float* src, int ld, int kc, float* panel)
    {
        int p = 0;
        var z = Vector256<float>.Zero;
        for (; p + 8 <= kc; p += 8)
        {
            Transpose8(Vector256.Load(src + p), Vector256.Load(src + ld + p), Vector256.Load(src + 2 * (nint)ld + p),
                Vector256.Load(src + 3 * (nint)ld + p), Vector256.Load(src + 4 * (nint)ld + p), Vector256.Load(src + 5 * (nint)ld + p),
                z, z, panel + (nint)p * 6, 6);
        }
        return p;
    }

    /// <summary>The float64 form of <see cref="RowsToPanel6(float*, int, int, float*)"/>: rows 0–3 and 4–5 as two 4×4 transposes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int RowsToPanel6(double* src, int ld, int kc, double* panel)
    {
        int p = 0;
        var z = Vector256<double>.Zero;
        for (; p + 4 <= kc; p += 4)
        {
            Transpose4(Vector256.Load(src + p), Vector256.Load(src + ld + p), Vector256.Load(src + 2 * (nint)ld + p), Vector256.Load(src + 3 * (nint)ld + p),
                out var a0, out var a1, out var a2, out var a3);
            Transpose4(Vector256.Load(src + 4 * (nint)ld + p), Vector256.Load(src + 5 * (nint)ld + p), z, z,
                out var b0, out var b1, out var b2, out var b3);
            double* d = panel + (nint)p * 6;
            a0.Store(d); b0.Store(d + 4);
            a1.Store(d + 6); b1.Store(d + 10);
            a2.Store(d + 12); b2.Store(d + 16);
            a3.Store(d + 18); b3.Store(d + 22);
        }
        return p;
    }

    /// <summary>Transposes the 8×8 block r0..r7 and stores column q at d + q·stride (8 lanes each, in order of q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* d, nint stride)
    {
        // interleave pairs of rows, then pairs of pairs, then swap 128-bit halves (the classic 24-shuffle transpose)
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(u0, u4, 0x20).Store(d);
        Avx.Permute2x128(u1, u5, 0x20).Store(d + stride);
        Avx.Permute2x128(u2, u6, 0x20).Store(d + 2 * stride);
        Avx.Permute2x128(u3, u7, 0x20).Store(d + 3 * stride);
        Avx.Permute2x128(u0, u4, 0x31).Store(d + 4 * stride);
        Avx.Permute2x128(u1, u5, 0x31).Store(d + 5 * stride);
        Avx.Permute2x128(u2, u6, 0x31).Store(d + 6 * stride);
        Avx.Permute2x128(u3, u7, 0x31).Store(d + 7 * stride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4(Vector256<double> r0, Vector256<double> r1, Vector256<double> r2, Vector256<double> r3,
        out Vector256<double> o0, out Vector256<double> o1, out Vector256<double> o2, out Vector256<double> o3)
    {
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);  // (r0[0] r1[0] r0[2] r1[2]), (r0[1] r1[1] r0[3] r1[3])
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        o0 = Avx.Permute2x128(t0, t2, 0x20); o1 = Avx.Permute2x128(t1, t3, 0x20);
        o2 = Avx.Permute2x128(t0, t2, 0x31); o3 = Avx.Permute2x128(t1, t3, 0x31);
    }
}
