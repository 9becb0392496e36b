using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tidu.Kernels;

/// <summary>
/// The AVX-512 register transposes of transposed-B packing (every Linear forward's X·Wᵀ): 16×16 float or 8×8
/// double blocks, each reading one 64-byte run of 16 (8) stored rows and writing 16 (8) whole 64-byte runs of the
/// panel. On the MLP's 784×256 Wᵀ (k slices of 196) they take 1.2–1.5× less time than the 8×8 AVX blocks, as
/// little as a plain copy of the same rows: packing is then bound by moving the data, not by shuffles.
/// </summary>
internal static unsafe partial class Packing
{
    /// <summary>
    /// Vector512 transposes run on the AVX-512 path only: forcing the AVX2 path (tests) then runs the 8×8 blocks that
    /// CPUs without AVX-512 use.
    /// </summary>
    private static bool Wide => Avx512F.IsSupported && GemmConfig.Path == GemmPath.Avx512;

    /// <summary>
    /// Columns j ∈ [0, 16⌊cols/16⌋) of a transposed-B panel, 16 stored rows at a time; a k rest below 16 goes
    /// through the same transpose with masked loads. Returns how many columns it did.
    /// </summary>
    /// <remarks>
    /// The k blocks are the outer loop so that the column groups of one panel row are written back to back: the
    /// packing buffer need not start on a 64-byte line, and then every store covers parts of two lines, which with the
    /// groups outer were completed only after a whole pass over k (1.5× slower than the loops in this order).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int RowsToColumnsWide(float* src, int ld, int cols, int kc, float* panel, int nr)
    {
        int done = cols & ~15;
        int p = 0;
        for (; p + 16 <= kc; p += 16)
            for (int j = 0; j < done; j += 16) TransposeWide(src + (nint)j * ld + p, ld, panel + (nint)p * nr + j, nr);
        if (p < kc)
            for (int j = 0; j < done; j += 16) TransposeWideRest(src + (nint)j * ld + p, ld, kc - p, panel + (nint)p * nr + j, nr);
        return done;
    }

    /// <summary>The float64 form of <see cref="RowsToColumnsWide(float*, int, int, int, float*, int)"/> with 8×8 blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int RowsToColumnsWide(double* src, int ld, int cols, int kc, double* panel, int nr)
    {
        int done = cols & ~7;
        int p = 0;
        for (; p + 8 <= kc; p += 8)
            for (int j = 0; j < done; j += 8) TransposeWide(src + (nint)j * ld + p, ld, panel + (nint)p * nr + j, nr);
        if (p < kc)
            for (int j = 0; j < done; j += 8) TransposeWideRest(src + (nint)j * ld + p, ld, kc - p, panel + (nint)p * nr + j, nr);
        return done;
    }

    /// <summary>
    /// The last count &lt; 16 steps of k for 16 stored rows: the masked loads never touch memory past a row's end, and
    /// the block goes through scratch so only count panel rows are written.
    /// </summary>
    private static void TransposeWideRest(float* s, nint ld, int count, float* d, nint stride)
    {
        var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
        var z = Vector512<float>.Zero;
        float* block = stackalloc float[16 * 16];
        TransposeWide(
            Avx512F.MaskLoad(s, mask, z), Avx512F.MaskLoad(s + ld, mask, z), Avx512F.MaskLoad(s + 2 * ld, mask, z), Avx512F.MaskLoad(s + 3 * ld, mask, z),
            Avx512F.MaskLoad(s + 4 * ld, mask, z), Avx512F.MaskLoad(s + 5 * ld, mask, z), Avx512F.MaskLoad(s + 6 * ld, mask, z), Avx512F.MaskLoad(s + 7 * ld, mask, z),
            Avx512F.MaskLoad(s + 8 * ld, mask, z), Avx512F.MaskLoad(s + 9 * ld, mask, z), Avx512F.MaskLoad(s + 10 * ld, mask, z), Avx512F.MaskLoad(s + 11 * ld, mask, z),
            Avx512F.MaskLoad(s + 12 * ld, mask, z), Avx512F.MaskLoad(s + 13 * ld, mask, z), Avx512F.MaskLoad(s + 14 * ld, mask, z), Avx512F.MaskLoad(s + 15 * ld, mask, z),
            block, 16);
        for (int q = 0; q < count; q++) Vector512.Load(block + q * 16).Store(d + q * stride);
    }

    /// <summary>Transposes the 16×16 block at s (row stride ld) and stores its column q at d + q·stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeWide(float* s, nint ld, float* d, nint stride) => TransposeWide(
        Vector512.Load(s), Vector512.Load(s + ld), Vector512.Load(s + 2 * ld), Vector512.Load(s + 3 * ld),
        Vector512.Load(s + 4 * ld), Vector512.Load(s + 5 * ld), Vector512.Load(s + 6 * ld), Vector512.Load(s + 7 * ld),
        Vector512.Load(s + 8 * ld), Vector512.Load(s + 9 * ld), Vector512.Load(s + 10 * ld), Vector512.Load(s + 11 * ld),
        Vector512.Load(s + 12 * ld), Vector512.Load(s + 13 * ld), Vector512.Load(s + 14 * ld), Vector512.Load(s + 15 * ld),
        d, stride);

    /// <summary>Transposes the 16×16 block r0..r15 and stores column q at d + q·stride (16 lanes each).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeWide(
        Vector512<float> r0, Vector512<float> r1, Vector512<float> r2, Vector512<float> r3,
        Vector512<float> r4, Vector512<float> r5, Vector512<float> r6, Vector512<float> r7,
        Vector512<float> r8, Vector512<float> r9, Vector512<float> r10, Vector512<float> r11,
        Vector512<float> r12, Vector512<float> r13, Vector512<float> r14, Vector512<float> r15, float* d, nint stride)
    {
        // within each 128-bit lane L (columns 4L..4L+3) as in the 8×8 transpose: after the unpacks and shuffles,
        // uC+4g holds column 4L+C of rows 4g..4g+3 in lane L
        var t0 = Avx512F.UnpackLow(r0, r1); var t1 = Avx512F.UnpackHigh(r0, r1);
        var t2 = Avx512F.UnpackLow(r2, r3); var t3 = Avx512F.UnpackHigh(r2, r3);
        var t4 = Avx512F.UnpackLow(r4, r5); var t5 = Avx512F.UnpackHigh(r4, r5);
        var t6 = Avx512F.UnpackLow(r6, r7); var t7 = Avx512F.UnpackHigh(r6, r7);
        var t8 = Avx512F.UnpackLow(r8, r9); var t9 = Avx512F.UnpackHigh(r8, r9);
        var t10 = Avx512F.UnpackLow(r10, r11); var t11 = Avx512F.UnpackHigh(r10, r11);
        var t12 = Avx512F.UnpackLow(r12, r13); var t13 = Avx512F.UnpackHigh(r12, r13);
        var t14 = Avx512F.UnpackLow(r14, r15); var t15 = Avx512F.UnpackHigh(r14, r15);
        var u0 = Avx512F.Shuffle(t0, t2, 0x44); var u1 = Avx512F.Shuffle(t0, t2, 0xEE);
        var u2 = Avx512F.Shuffle(t1, t3, 0x44); var u3 = Avx512F.Shuffle(t1, t3, 0xEE);
        var u4 = Avx512F.Shuffle(t4, t6, 0x44); var u5 = Avx512F.Shuffle(t4, t6, 0xEE);
        var u6 = Avx512F.Shuffle(t5, t7, 0x44); var u7 = Avx512F.Shuffle(t5, t7, 0xEE);
        var u8 = Avx512F.Shuffle(t8, t10, 0x44); var u9 = Avx512F.Shuffle(t8, t10, 0xEE);
        var u10 = Avx512F.Shuffle(t9, t11, 0x44); var u11 = Avx512F.Shuffle(t9, t11, 0xEE);
        var u12 = Avx512F.Shuffle(t12, t14, 0x44); var u13 = Avx512F.Shuffle(t12, t14, 0xEE);
        var u14 = Avx512F.Shuffle(t13, t15, 0x44); var u15 = Avx512F.Shuffle(t13, t15, 0xEE);
        // then gather lane L of u0+C, u4+C, u8+C, u12+C into column 4L+C with two rounds of 128-bit lane shuffles
        LanesToColumns(u0, u4, u8, u12, d, stride);
        LanesToColumns(u1, u5, u9, u13, d + stride, stride);
        LanesToColumns(u2, u6, u10, u14, d + 2 * stride, stride);
        LanesToColumns(u3, u7, u11, u15, d + 3 * stride, stride);
    }

    /// <summary>
    /// Stores [a.lane L, b.lane L, c.lane L, e.lane L] at d + 4L·stride for L = 0..3: lanes 0 and 2 of each input
    /// are picked first (0x88), lanes 1 and 3 (0xDD) second.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LanesToColumns(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> e, float* d, nint stride)
    {
        var ab02 = Avx512F.Shuffle4x128(a, b, 0x88); var ab13 = Avx512F.Shuffle4x128(a, b, 0xDD);
        var ce02 = Avx512F.Shuffle4x128(c, e, 0x88); var ce13 = Avx512F.Shuffle4x128(c, e, 0xDD);
        Avx512F.Shuffle4x128(ab02, ce02, 0x88).Store(d);
        Avx512F.Shuffle4x128(ab13, ce13, 0x88).Store(d + 4 * stride);
        Avx512F.Shuffle4x128(ab02, ce02, 0xDD).Store(d + 8 * stride);
        Avx512F.Shuffle4x128(ab13, ce13, 0xDD).Store(d + 12 * stride);
    }

    /// <summary>The float64 form of <see cref="TransposeWideRest(float*, nint, int, float*, nint)"/>: the last count &lt; 8 steps of k for 8 stored rows.</summary>
    private static void TransposeWideRest(double* s, nint ld, int count, double* d, nint stride)
    {
        var mask = Vector512.LessThan(Vector512<long>.Indices, Vector512.Create((long)count)).AsDouble();
        var z = Vector512<double>.Zero;
        double* block = stackalloc double[8 * 8];
        TransposeWide(
            Avx512F.MaskLoad(s, mask, z), Avx512F.MaskLoad(s + ld, mask, z), Avx512F.MaskLoad(s + 2 * ld, mask, z), Avx512F.MaskLoad(s + 3 * ld, mask, z),
            Avx512F.MaskLoad(s + 4 * ld, mask, z), Avx512F.MaskLoad(s + 5 * ld, mask, z), Avx512F.MaskLoad(s + 6 * ld, mask, z), Avx512F.MaskLoad(s + 7 * ld, mask, z),
            block, 8);
        for (int q = 0; q < count; q++) Vector512.Load(block + q * 8).Store(d + q * stride);
    }

    /// <summary>Transposes the 8×8 block at s (row stride ld) and stores its column q at d + q·stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeWide(double* s, nint ld, double* d, nint stride) => TransposeWide(
        Vector512.Load(s), Vector512.Load(s + ld), Vector512.Load(s + 2 * ld), Vector512.Load(s + 3 * ld),
        Vector512.Load(s + 4 * ld), Vector512.Load(s + 5 * ld), Vector512.Load(s + 6 * ld), Vector512.Load(s + 7 * ld),
        d, stride);

    /// <summary>Transposes the 8×8 block r0..r7 and stores column q at d + q·stride (8 lanes each).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeWide(
        Vector512<double> r0, Vector512<double> r1, Vector512<double> r2, Vector512<double> r3,
        Vector512<double> r4, Vector512<double> r5, Vector512<double> r6, Vector512<double> r7, double* d, nint stride)
    {
        // 128-bit lane L holds columns 2L and 2L+1; after the unpacks tC+2g holds column 2L+C of rows 2g, 2g+1 in lane L
        var t0 = Avx512F.UnpackLow(r0, r1); var t1 = Avx512F.UnpackHigh(r0, r1);
        var t2 = Avx512F.UnpackLow(r2, r3); var t3 = Avx512F.UnpackHigh(r2, r3);
        var t4 = Avx512F.UnpackLow(r4, r5); var t5 = Avx512F.UnpackHigh(r4, r5);
        var t6 = Avx512F.UnpackLow(r6, r7); var t7 = Avx512F.UnpackHigh(r6, r7);
        LanesToColumns(t0, t2, t4, t6, d, stride);
        LanesToColumns(t1, t3, t5, t7, d + stride, stride);
    }

    /// <summary>The float64 form of <see cref="LanesToColumns(Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, float*, nint)"/>: stores [a.L, b.L, c.L, e.L] at d + 2L·stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LanesToColumns(Vector512<double> a, Vector512<double> b, Vector512<double> c, Vector512<double> e, double* d, nint stride)
    {
        var ab02 = Avx512F.Shuffle4x128(a, b, 0x88); var ab13 = Avx512F.Shuffle4x128(a, b, 0xDD);
        var ce02 = Avx512F.Shuffle4x128(c, e, 0x88); var ce13 = Avx512F.Shuffle4x128(c, e, 0xDD);
        Avx512F.Shuffle4x128(ab02, ce02, 0x88).Store(d);
        Avx512F.Shuffle4x128(ab13, ce13, 0x88).Store(d + 2 * stride);
        Avx512F.Shuffle4x128(ab02, ce02, 0xDD).Store(d + 4 * stride);
        Avx512F.Shuffle4x128(ab13, ce13, 0xDD).Store(d + 6 * stride);
    }
}
