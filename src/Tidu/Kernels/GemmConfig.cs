using System.Runtime.Intrinsics.X86;

namespace Tidu.Kernels;

/// <summary>Which GEMM micro-kernel family runs (chosen once at start-up; tests force each one).</summary>
internal enum GemmPath { Portable, Avx2, Avx512 }

/// <summary>
/// The per-CPU part of the GEMM (BLIS's "config"): micro-tile MR×NR and cache blocking MC/KC/NC for each element
/// type. Sized for Zen 5 (48 KiB L1D, 1 MiB L2 per core, 32 MiB L3): the micro-kernel walks the MC×KC block of A
/// (packed, or read in place) in L2 against one KC×NR micro-panel of B; the KC×NC block of packed B lives in L3.
/// Float32 on AVX-512 uses a deep KC of 1024: once A was read in place, loading and storing every C tile once per
/// 256-deep slice cost more than a B micro-panel that no longer fits L1 (1024³ +6 %, 2048³ +5–9 %, the 784-256-10
/// MLP step +7 %, in-process A/B). MC then shrinks so that MC×KC stays within <see cref="GemmTiling{T}.ABlockBytes"/>.
/// </summary>
internal static unsafe class GemmConfig
{
    /// <summary>Below this many multiply-adds (m·n·k) a product stays on the calling thread.</summary>
    internal static long ParallelThreshold = 1L << 21;

    /// <summary>The same for matrix-vector products (m = 1 or n = 1), which are bound by memory, not arithmetic.</summary>
    internal static long VectorParallelThreshold = 1L << 17;

    internal static GemmPath Path { get; private set; }

    /// <summary>Whether a row-major A is read in place by the micro-kernel instead of packed (tests and A/B runs flip it).</summary>
    internal static bool ReadRowsInPlace = true;

    static GemmConfig() => Select(Best);

    internal static GemmPath Best =>
        Avx512F.IsSupported ? GemmPath.Avx512 : Avx2.IsSupported && Fma.IsSupported ? GemmPath.Avx2 : GemmPath.Portable;

    /// <summary>Switches micro-kernels (and their blocking) for both element types; the path must be supported.</summary>
    internal static void Select(GemmPath path)
    {
        if (path == GemmPath.Avx512 && !Avx512F.IsSupported || path == GemmPath.Avx2 && !(Avx2.IsSupported && Fma.IsSupported))
            throw new PlatformNotSupportedException($"GEMM path {path} is not supported on this CPU.");
        Path = path;
        switch (path)
        {
            case GemmPath.Avx512:
                GemmTiling<float>.Set(6, 64, mc: 144, kc: 1024, nc: 4096, &GemmMicroKernels.Avx512<float>, &GemmMicroKernels.Avx512RowsA<float>);
                GemmTiling<double>.Set(6, 32, mc: 96, kc: 256, nc: 2048, &GemmMicroKernels.Avx512<double>, &GemmMicroKernels.Avx512RowsA<double>);
                break;
            case GemmPath.Avx2:
                GemmTiling<float>.Set(6, 16, mc: 144, kc: 256, nc: 4096, &GemmMicroKernels.Avx2<float>);
                GemmTiling<double>.Set(6, 8, mc: 96, kc: 256, nc: 2048, &GemmMicroKernels.Avx2<double>);
                break;
            default:
                GemmTiling<float>.Set(4, 2 * System.Numerics.Vector<float>.Count, mc: 128, kc: 256, nc: 4096, &GemmMicroKernels.Portable<float>);
                GemmTiling<double>.Set(4, 2 * System.Numerics.Vector<double>.Count, mc: 96, kc: 256, nc: 2048, &GemmMicroKernels.Portable<double>);
                break;
        }
    }
}

/// <summary>
/// One micro-kernel with its tile MR×NR and blocking MC/KC/NC. Micro-kernel contract: C[0..MR, 0..NR] (row stride
/// ldc) = alpha·(Ā·B̄) + beta·C, where Ā is an MR-row micro-panel (kc ≥ 1 steps of MR values) and B̄ an NR-column
/// micro-panel (kc steps of NR values); beta = 0 never reads C. Immutable, so a product reads one consistent set.
/// </summary>
internal sealed unsafe class GemmTiling<T> where T : unmanaged
{
    private static GemmTiling<T>? current;

    /// <summary>The tiling in use (GemmConfig's start-up selection runs on first use).</summary>
    internal static GemmTiling<T> Current => current ?? Initial();

    private static GemmTiling<T> Initial()
    {
        _ = GemmConfig.Path;
        return current!;
    }

    internal readonly int MR, NR, MC, KC, NC;

    /// <summary>
    /// The most bytes an MC×KC block of A may take: MC shrinks for a deep slice. 256 KiB, a quarter of Zen 5's L2:
    /// for 2048³ with KC = 1024, MC 48–60 ran at 354–385 GFLOP/s and MC 144 at 347–371 (in-process A/B); at KC = 256
    /// the cap leaves MC at 144, where 256³ was 5–15 % faster than with MC 48–96.
    /// </summary>
    internal const long ABlockBytes = 256 * 1024;
    internal readonly delegate*<int, T*, T*, T*, nint, T, T, void> Kernel;

    /// <summary>The same kernel reading A from MR rows of a row-major matrix (leading dimension as 3rd argument), or null.</summary>
    internal readonly delegate*<int, T*, nint, T*, T*, nint, T, T, void> RowsAKernel;

    private GemmTiling(int mr, int nr, int mc, int kc, int nc, delegate*<int, T*, T*, T*, nint, T, T, void> kernel,
        delegate*<int, T*, nint, T*, T*, nint, T, T, void> rowsAKernel)
    {
        MR = mr; NR = nr; MC = mc / mr * mr; KC = kc; NC = nc / nr * nr; Kernel = kernel; RowsAKernel = rowsAKernel;
    }

    internal static void Set(int mr, int nr, int mc, int kc, int nc, delegate*<int, T*, T*, T*, nint, T, T, void> kernel,
        delegate*<int, T*, nint, T*, T*, nint, T, T, void> rowsAKernel = null)
        => current = new GemmTiling<T>(mr, nr, mc, kc, nc, kernel, rowsAKernel);
}
