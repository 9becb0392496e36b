using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tidu.Bench;

/// <summary>
/// The machine's float32 fused-multiply-add peak: 16 independent chains of vector FMAs per thread (enough to cover
/// the FMA latency on two pipes), Vector512 where AVX-512 exists, else Vector256 with FMA3, else Vector128 mul+add.
/// The GEMM rows of bench/run.sh are reported as a fraction of the 2-thread figure.
/// </summary>
internal static class FmaPeak
{
    private const long Iterations = 50_000_000;

    /// <summary>GFLOP/s of <paramref name="threads"/> plain threads each running the kernel; best of three runs.</summary>
    internal static double Measure(int threads)
    {
        Kernel(1_000_000); // JIT to the optimised tier before timing
        double best = 0;
        for (int run = 0; run < 3; run++)
        {
            using var start = new Barrier(threads + 1);
            double flopsPerThread = 0;
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
            {
                start.SignalAndWait();
                flopsPerThread = Kernel(Iterations);
            })).ToList();
            workers.ForEach(t => t.Start());
            start.SignalAndWait();
            var sw = Stopwatch.StartNew();
            workers.ForEach(t => t.Join());
            best = Math.Max(best, flopsPerThread * threads / sw.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    /// <summary>Runs the chains for <paramref name="n"/> steps; returns the floating-point operations done.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Kernel(long n)
    {
        if (Avx512F.IsSupported) return Kernel512(n);
        if (Fma.IsSupported) return Kernel256(n);
        return Kernel128(n);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Kernel512(long n)
    {
        var a = Vector512.Create(0.999999f);
        var b = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0,
            c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
        for (long i = 0; i < n; i++)
        {
            c0 = Avx512F.FusedMultiplyAdd(c0, a, b); c1 = Avx512F.FusedMultiplyAdd(c1, a, b);
            c2 = Avx512F.FusedMultiplyAdd(c2, a, b); c3 = Avx512F.FusedMultiplyAdd(c3, a, b);
            c4 = Avx512F.FusedMultiplyAdd(c4, a, b); c5 = Avx512F.FusedMultiplyAdd(c5, a, b);
            c6 = Avx512F.FusedMultiplyAdd(c6, a, b); c7 = Avx512F.FusedMultiplyAdd(c7, a, b);
            c8 = Avx512F.FusedMultiplyAdd(c8, a, b); c9 = Avx512F.FusedMultiplyAdd(c9, a, b);
            c10 = Avx512F.FusedMultiplyAdd(c10, a, b); c11 = Avx512F.FusedMultiplyAdd(c11, a, b);
            c12 = Avx512F.FusedMultiplyAdd(c12, a, b); c13 = Avx512F.FusedMultiplyAdd(c13, a, b);
            c14 = Avx512F.FusedMultiplyAdd(c14, a, b); c15 = Avx512F.FusedMultiplyAdd(c15, a, b);
        }
        var sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15;
        Sink(Vector512.Sum(sum));
        return 2.0 * 16 * Vector512<float>.Count * n;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Kernel256(long n)
    {
        var a = Vector256.Create(0.999999f);
        var b = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0,
            c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
        for (long i = 0; i < n; i++)
        {
            c0 = Fma.MultiplyAdd(c0, a, b); c1 = Fma.MultiplyAdd(c1, a, b);
            c2 = Fma.MultiplyAdd(c2, a, b); c3 = Fma.MultiplyAdd(c3, a, b);
            c4 = Fma.MultiplyAdd(c4, a, b); c5 = Fma.MultiplyAdd(c5, a, b);
            c6 = Fma.MultiplyAdd(c6, a, b); c7 = Fma.MultiplyAdd(c7, a, b);
            c8 = Fma.MultiplyAdd(c8, a, b); c9 = Fma.MultiplyAdd(c9, a, b);
            c10 = Fma.MultiplyAdd(c10, a, b); c11 = Fma.MultiplyAdd(c11, a, b);
            c12 = Fma.MultiplyAdd(c12, a, b); c13 = Fma.MultiplyAdd(c13, a, b);
            c14 = Fma.MultiplyAdd(c14, a, b); c15 = Fma.MultiplyAdd(c15, a, b);
        }
        var sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15;
        Sink(Vector256.Sum(sum));
        return 2.0 * 16 * Vector256<float>.Count * n;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Kernel128(long n)
    {
        var a = Vector128.Create(0.999999f);
        var b = Vector128.Create(1e-7f);
        Vector128<float> c0 = Vector128.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        for (long i = 0; i < n; i++)
        {
            c0 = c0 * a + b; c1 = c1 * a + b; c2 = c2 * a + b; c3 = c3 * a + b;
            c4 = c4 * a + b; c5 = c5 * a + b; c6 = c6 * a + b; c7 = c7 * a + b;
        }
        Sink(Vector128.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7));
        return 2.0 * 8 * Vector128<float>.Count * n;
    }

    private static float sink;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Sink(float v) => sink += v;
}
