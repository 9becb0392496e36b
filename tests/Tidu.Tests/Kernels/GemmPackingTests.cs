using System.Numerics;
using System.Runtime.Intrinsics.X86;
using Tidu.Kernels;

namespace Tidu.Tests.Kernels;

/// <summary>
/// Transposed-B packing (each stored row of B is a column of op(B)) against an element-by-element reference, on
/// every GEMM path this CPU has (AVX-512, AVX2, portable), which pack with different register transposes. Packing is
/// a copy, so the paths must agree bit for bit.
/// </summary>
[Collection("Gemm")]
public sealed class GemmPackingTests
{
    private static readonly int[] Columns = [1, 5, 15, 16, 17, 31, 63, 64];
    private static readonly int[] Depths = [1, 7, 15, 16, 17, 196, 256];

    [Fact]
    public void Float32TransposedBMatchesTheReferenceOnEveryPath() => AllPathsAgree<float>(nrs: [16, 64]);

    [Fact]
    public void Float64TransposedBMatchesTheReferenceOnEveryPath() => AllPathsAgree<double>(nrs: [8, 32]);

    /// <summary>
    /// Packs every (cols, kc) case with panel widths <paramref name="nrs"/> (the NR of the AVX2 and AVX-512 paths)
    /// on each path, checks each against the reference and against the first path's bits.
    /// </summary>
    private static void AllPathsAgree<T>(int[] nrs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var paths = new List<GemmPath> { GemmPath.Portable };
        if (Avx2.IsSupported && Fma.IsSupported) paths.Add(GemmPath.Avx2);
        if (Avx512F.IsSupported) paths.Add(GemmPath.Avx512);
        var rng = new System.Random(11);
        foreach (int nr in nrs)
            foreach (int cols in Columns)
                foreach (int kc in Depths)
                {
                    // a block inside a bigger B: offsets in both directions and a leading dimension past the block
                    int p0 = rng.Next(0, 5), j0 = rng.Next(0, 3), ld = p0 + kc + rng.Next(1, 20);
                    var b = Random<T>(rng, (j0 + cols) * ld);
                    var expected = Reference(b, ld, p0, j0, kc, cols, nr);
                    T[]? first = null;
                    foreach (var path in paths)
                    {
                        var packed = Pack(path, b, ld, p0, j0, kc, cols, nr);
                        string what = $"{typeof(T).Name} {path} nr={nr} cols={cols} kc={kc} ld={ld} p0={p0} j0={j0}";
                        AssertSame(expected, packed, what);
                        if (first is null) first = packed;
                        else AssertSame(first, packed, what + " vs " + paths[0]);
                    }
                }
    }

    /// <summary>Packs on the given path; the destination starts as NaN and has a NaN tail that must stay untouched.</summary>
    private static T[] Pack<T>(GemmPath path, T[] b, int ld, int p0, int j0, int kc, int nc, int nr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int panels = (nc + nr - 1) / nr;
        var dst = new T[panels * nr * kc + 32];
        Array.Fill(dst, T.NaN);
        var before = GemmConfig.Path;
        GemmConfig.Select(path);
        try
        {
            Packing.PackB<T>(true, b, ld, p0, j0, kc, nc, nr, dst);
        }
        finally { GemmConfig.Select(before); }
        for (int i = panels * nr * kc; i < dst.Length; i++)
            Assert.True(T.IsNaN(dst[i]), $"{path} nr={nr} cols={nc} kc={kc}: wrote past the panels at {i}");
        return dst[..(panels * nr * kc)];
    }

    /// <summary>Panel jr at jr·kc holds op(B)(p, jr + j) = b[(j0 + jr + j)·ld + p0 + p] at p·nr + j, zeros past nc.</summary>
    private static T[] Reference<T>(T[] b, int ld, int p0, int j0, int kc, int nc, int nr) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int panels = (nc + nr - 1) / nr;
        var dst = new T[panels * nr * kc];
        for (int jr = 0; jr < panels * nr; jr += nr)
            for (int p = 0; p < kc; p++)
                for (int j = 0; j < nr; j++)
                    dst[jr * kc + p * nr + j] = jr + j < nc ? b[(j0 + jr + j) * ld + p0 + p] : T.Zero;
        return dst;
    }

    private static void AssertSame<T>(T[] expected, T[] actual, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!expected[i].Equals(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]}, expected {expected[i]}");
    }

    private static T[] Random<T>(System.Random rng, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = new T[length];
        for (int i = 0; i < length; i++) x[i] = T.CreateChecked(rng.NextDouble() * 2 - 1);
        return x;
    }
}
