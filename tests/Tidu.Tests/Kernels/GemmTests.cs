using System.Numerics;
using System.Runtime.Intrinsics.X86;
using Tidu.Kernels;
using Tidu.Threading;

namespace Tidu.Tests.Kernels;

// Switching micro-kernels and thread counts is process-wide, so these tests run alone.
[CollectionDefinition("Gemm", DisableParallelization = true)]
public sealed class GemmCollection;

[Collection("Gemm")]
public sealed class GemmTests
{
    private static readonly int[] Awkward = [1, 2, 5, 63, 64, 65, 127, 129, 200, 513];

    // micro-kernel paths by name (GemmPath is internal); every path this CPU supports is tested
    public static TheoryData<string> Paths()
    {
        var data = new TheoryData<string> { nameof(GemmPath.Portable) };
        if (Avx2.IsSupported && Fma.IsSupported) data.Add(nameof(GemmPath.Avx2));
        if (Avx512F.IsSupported) data.Add(nameof(GemmPath.Avx512));
        return data;
    }

    /// <summary>Random shapes from the awkward sizes (kept to a few million multiply-adds each), all four transpose
    /// combinations, padded leading dimensions and alpha/beta, against a triple loop in double.</summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void Float32MatchesTheTripleLoopOnAwkwardShapes(string path) => WithPath(path, () => RandomCases<float>(path, 40, 1e-6f));

    [Theory]
    [MemberData(nameof(Paths))]
    public void Float64MatchesTheTripleLoopOnAwkwardShapes(string path) => WithPath(path, () => RandomCases<double>(path, 25, 1e-15));

    [Theory]
    [MemberData(nameof(Paths))]
    public void EdgeCasesK0K1AndVectors(string path) => WithPath(path, () =>
    {
        var rng = new System.Random(7);
        foreach (var (m, n, k) in new[] { (5, 7, 0), (65, 129, 0), (1, 1, 0), (63, 65, 1), (1, 513, 1), (513, 1, 1), (1, 1, 513), (1, 200, 129), (129, 1, 200), (2, 2, 2) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    Check<float>(rng, ta, tb, m, n, k, alpha: 1.5f, beta: 0.5f, pad: 3, 1e-6f);
                    Check<double>(rng, ta, tb, m, n, k, alpha: 1, beta: 0, pad: 0, 1e-15);
                }
    });

    [Theory]
    [MemberData(nameof(Paths))]
    public void ResultsAreBitIdenticalForOneAndTwoThreads(string path) => WithPath(path, () =>
    {
        long threshold = GemmConfig.ParallelThreshold, vectorThreshold = GemmConfig.VectorParallelThreshold;
        int threads = Parallelism.ThreadCount;
        try
        {
            GemmConfig.ParallelThreshold = 0;
            GemmConfig.VectorParallelThreshold = 0;
            var rng = new System.Random(3);
            foreach (var (m, n, k) in new[] { (200, 129, 100), (129, 200, 65), (513, 65, 64), (64, 513, 27), (7, 300, 40), (1, 300, 40), (300, 1, 40), (300, 10, 70), (129, 3, 513) })
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                    {
                        var a = RandomArray<float>(rng, m * k); var b = RandomArray<float>(rng, k * n);
                        var c0 = RandomArray<float>(rng, m * n);
                        int lda = ta ? m : k, ldb = tb ? k : n;
                        var one = (float[])c0.Clone(); var two = (float[])c0.Clone();
                        Parallelism.ThreadCount = 1;
                        Gemm.Multiply(ta, tb, m, n, k, 0.75f, a, lda, b, ldb, 0.25f, one, n);
                        Parallelism.ThreadCount = 2;
                        Gemm.Multiply(ta, tb, m, n, k, 0.75f, a, lda, b, ldb, 0.25f, two, n);
                        Assert.Equal(one, two);
                        // C split by rows instead of by its longer side (a weight gradient for the optimizer)
                        var rows = (float[])c0.Clone();
                        Gemm.Multiply(ta, tb, m, n, k, 0.75f, a, lda, b, ldb, 0.25f, rows, n, splitRows: true);
                        Assert.Equal(one, rows);
                    }
        }
        finally
        {
            GemmConfig.ParallelThreshold = threshold;
            GemmConfig.VectorParallelThreshold = vectorThreshold;
            Parallelism.ThreadCount = threads;
        }
    });

    /// <summary>
    /// A row-major A read in place by the micro-kernel (full MR-row panels; a last partial panel is still packed)
    /// gives the same bits as packing it: awkward shapes, padded leading dimensions, both B layouts, beta 0 and not,
    /// float and double, 1 and 2 threads, and an MC block boundary (m above 144).
    /// </summary>
    [Fact]
    public void ReadingARowsInPlaceGivesTheSameBitsAsPacking()
    {
        if (!Avx512F.IsSupported) return; // only the AVX-512 path has the in-place kernel
        WithPath(nameof(GemmPath.Avx512), () =>
        {
            bool before = GemmConfig.ReadRowsInPlace;
            long threshold = GemmConfig.ParallelThreshold;
            int threads = Parallelism.ThreadCount;
            try
            {
                GemmConfig.ParallelThreshold = 0;
                var rng = new System.Random(29);
                foreach (var (m, n, k) in new[] { (64, 256, 300), (6, 64, 1), (7, 65, 2), (65, 129, 127), (200, 70, 513), (13, 5, 64), (300, 300, 33) })
                    foreach (bool tb in new[] { false, true })
                        foreach (int t in new[] { 1, 2 })
                        {
                            Parallelism.ThreadCount = t;
                            Same<float>(rng, tb, m, n, k, pad: 0, alpha: 1f, beta: 0f);
                            Same<float>(rng, tb, m, n, k, pad: 3, alpha: 0.5f, beta: 1.5f);
                            Same<double>(rng, tb, m, n, k, pad: 1, alpha: 1, beta: 0.25);
                        }
            }
            finally
            {
                GemmConfig.ReadRowsInPlace = before;
                GemmConfig.ParallelThreshold = threshold;
                Parallelism.ThreadCount = threads;
            }
        });

        static void Same<T>(System.Random rng, bool tb, int m, int n, int k, int pad, T alpha, T beta) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int lda = k + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
            var a = RandomArray<T>(rng, (m - 1) * lda + k);
            var b = RandomArray<T>(rng, ((tb ? n : k) - 1) * ldb + (tb ? k : n));
            var c0 = RandomArray<T>(rng, (m - 1) * ldc + n);
            var packed = (T[])c0.Clone(); var inPlace = (T[])c0.Clone();
            GemmConfig.ReadRowsInPlace = false;
            Gemm.Multiply(false, tb, m, n, k, alpha, a, lda, b, ldb, beta, packed, ldc);
            GemmConfig.ReadRowsInPlace = true;
            Gemm.Multiply(false, tb, m, n, k, alpha, a, lda, b, ldb, beta, inPlace, ldc);
            Assert.Equal(packed, inPlace);
        }
    }

    /// <summary>
    /// k beyond one slice (float32 AVX-512 slices k up to 1024 deep, with MC cut to keep an MC×KC block of A within
    /// its L2 budget): several slices accumulate into C, against the triple loop, and 1 and 2 threads agree bitwise.
    /// </summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void DeepProductsSlicedInKMatchTheTripleLoop(string path) => WithPath(path, () =>
    {
        long threshold = GemmConfig.ParallelThreshold;
        int threads = Parallelism.ThreadCount;
        try
        {
            GemmConfig.ParallelThreshold = 0;
            var rng = new System.Random(31);
            foreach (var (m, n, k) in new[] { (67, 130, 2100), (13, 70, 1025) })
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                    {
                        Check<float>(rng, ta, tb, m, n, k, alpha: 1f, beta: 0f, pad: 0, 1e-6f);
                        Check<float>(rng, ta, tb, m, n, k, alpha: 0.5f, beta: 1.5f, pad: 3, 1e-6f);
                        var a = RandomArray<float>(rng, m * k); var b = RandomArray<float>(rng, k * n);
                        var one = new float[m * n]; var two = new float[m * n];
                        Parallelism.ThreadCount = 1;
                        Gemm.Multiply(ta, tb, m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0f, one, n);
                        Parallelism.ThreadCount = 2;
                        Gemm.Multiply(ta, tb, m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0f, two, n);
                        Assert.Equal(one, two);
                    }
            Check<double>(rng, false, true, 40, 70, 600, alpha: 1, beta: 1, pad: 1, 1e-15);
        }
        finally
        {
            GemmConfig.ParallelThreshold = threshold;
            Parallelism.ThreadCount = threads;
        }
    });

    /// <summary>Narrow outputs (n far below the micro-tile width) are computed as Cᵀ = Bᵀ·Aᵀ and written back
    /// transposed: every transpose combination, padded leading dimensions, beta 0 and not.</summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void NarrowOutputsComputedTransposedMatchTheTripleLoop(string path) => WithPath(path, () =>
    {
        var rng = new System.Random(13);
        foreach (var (m, n, k) in new[] { (64, 10, 256), (129, 2, 65), (513, 5, 7), (200, 17, 129), (65, 3, 1) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    Check<float>(rng, ta, tb, m, n, k, alpha: 1f, beta: 0f, pad: 0, 1e-6f);
                    Check<float>(rng, ta, tb, m, n, k, alpha: 0.5f, beta: 1.5f, pad: 5, 1e-6f);
                    Check<double>(rng, ta, tb, m, n, k, alpha: 1, beta: 1, pad: 2, 1e-15);
                }
    });

    [Fact]
    public void MatMulOfTransposedViewsEqualsMatMulOfContiguousCopies()
    {
        var a = Tensor.Rand(70, 33); var b = Tensor.Rand(70, 65);
        var viaView = a.Transpose(0, 1).MatMul(b);                 // Aᵀ·B without a copy
        var viaCopy = a.Transpose(0, 1).Contiguous().MatMul(b);
        Assert.Equal(viaCopy.ToArray<float>(), viaView.ToArray<float>());
        var c = Tensor.Rand(4, 65, 33).To(DType.Float64);
        var batched = a.To(DType.Float64).MatMul(c.Transpose(-1, -2));  // broadcast batch, transposed B
        var reference = a.To(DType.Float64).MatMul(c.Transpose(-1, -2).Contiguous());
        Assert.Equal(reference.ToArray<double>(), batched.ToArray<double>());
    }

    private static void RandomCases<T>(string path, int count, T relTol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new System.Random(path.Length * 31 + typeof(T).Name.Length);
        for (int i = 0; i < count; i++)
        {
            int m, n, k;
            do { m = Pick(rng); n = Pick(rng); k = Pick(rng); } while ((long)m * n * k > 1_200_000);
            bool ta = rng.Next(2) == 1, tb = rng.Next(2) == 1;
            T alpha = rng.Next(3) == 0 ? T.One : T.CreateChecked(rng.NextDouble() * 2 - 1);
            T beta = (i % 3) switch { 0 => T.Zero, 1 => T.One, _ => T.CreateChecked(rng.NextDouble() - 0.5) };
            Check(rng, ta, tb, m, n, k, alpha, beta, pad: rng.Next(2) * rng.Next(1, 9), relTol);
        }
    }

    private static int Pick(System.Random rng) => Awkward[rng.Next(Awkward.Length)];

    /// <summary>One product with leading dimensions padded by <paramref name="pad"/>, checked elementwise against
    /// the double-precision triple loop with an error bound proportional to k and to Σ|a·b|.</summary>
    private static void Check<T>(System.Random rng, bool ta, bool tb, int m, int n, int k, T alpha, T beta, int pad, T relTol)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        var a = RandomArray<T>(rng, Math.Max(0, (ta ? k : m) * lda));
        var b = RandomArray<T>(rng, Math.Max(0, (tb ? n : k) * ldb));
        var c = RandomArray<T>(rng, m * ldc);
        if (beta == T.Zero) Array.Fill(c, T.NaN); // beta = 0 must not read C
        var c0 = (T[])c.Clone();
        Gemm.Multiply(ta, tb, m, n, k, alpha, a, Math.Max(1, lda), b, Math.Max(1, ldb), beta, c, Math.Max(1, ldc));
        double al = double.CreateChecked(alpha), be = double.CreateChecked(beta), eps = double.CreateChecked(relTol);
        double[] ad = ToDouble(a), bd = ToDouble(b);
        int sai = ta ? 1 : lda, sap = ta ? lda : 1, sbp = tb ? 1 : ldb, sbj = tb ? ldb : 1;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < ldc; j++)
            {
                if (j >= n) { Assert.Equal(c0[i * ldc + j], c[i * ldc + j]); continue; } // padding untouched
                double s = 0, mag = 0;
                for (int p = 0; p < k; p++)
                {
                    double xy = ad[i * sai + p * sap] * bd[p * sbp + j * sbj];
                    s += xy; mag += Math.Abs(xy);
                }
                double old = be == 0 ? 0 : double.CreateChecked(c0[i * ldc + j]);
                double expected = al * s + be * old, got = double.CreateChecked(c[i * ldc + j]);
                double bound = eps * (k + 4) * (Math.Abs(al) * mag + Math.Abs(be * old)) + 1e-30;
                if (!(Math.Abs(got - expected) <= bound))
                    Assert.Fail($"{typeof(T).Name} ta={ta} tb={tb} m={m} n={n} k={k} alpha={al} beta={be} at ({i},{j}): {got} vs {expected}");
            }
    }

    private static double[] ToDouble<T>(T[] x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var d = new double[x.Length];
        for (int i = 0; i < x.Length; i++) d[i] = double.CreateChecked(x[i]);
        return d;
    }

    private static T[] RandomArray<T>(System.Random rng, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = new T[length];
        for (int i = 0; i < length; i++) x[i] = T.CreateChecked(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static void WithPath(string path, Action body)
    {
        var before = GemmConfig.Path;
        GemmConfig.Select(Enum.Parse<GemmPath>(path));
        try { body(); }
        finally { GemmConfig.Select(before); }
    }
}
