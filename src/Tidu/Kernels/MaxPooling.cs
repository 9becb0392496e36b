using System.Numerics;
using System.Runtime.CompilerServices;
using Tidu.Threading;

namespace Tidu.Kernels;

// Max pooling. The backward does not read stored indices: it recomputes each window's argmax from the saved input
// with the same comparisons as the forward, so the forward writes no Int64 index tensor (as large as half the
// input) and the gradient still goes exactly where the forward took the maximum. Planes are split between the
// persistent workers; every plane is computed alone, so results do not depend on the thread count.
internal static unsafe partial class Pooling
{
    /// <summary>Planes per parallel task: enough work (about 16 K input elements) to amortise a hand-off.</summary>
    private static int PlanesPerTask(in Pool2dGeometry g) => Math.Max(1, (1 << 14) / Math.Max(1, g.Height * g.Width));

    /// <summary>A 2×2 window with stride 2 and neither padding nor dilation, the common case with its own loop.</summary>
    private static bool IsPlain2x2(in Pool2dGeometry g) =>
        g.KernelH == 2 && g.KernelW == 2 && g.StrideH == 2 && g.StrideW == 2 && g.PadH == 0 && g.PadW == 0
        && g.DilationH == 1 && g.DilationW == 1 && 2 * g.OutH <= g.Height && 2 * g.OutW <= g.Width;

    /// <summary>
    /// The maximum of each window (padding acts as −∞; a NaN wins and the last NaN gives the index, as in PyTorch's
    /// CPU kernel; ties keep the first position in row-major window order) and, when <paramref name="indices"/> is
    /// not empty, its flat index y·W + x within the plane.
    /// </summary>
    internal static void MaxForward<T>(ReadOnlySpan<T> input, Span<T> output, Span<long> indices, in Pool2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* px = input, py = output)
        fixed (long* pi = indices)
        {
            var job = new MaxJob<T> { G = g, Input = px, Output = py, Indices = indices.IsEmpty ? null : pi, PerTask = PlanesPerTask(g) };
            WorkerPool.Run((g.Planes + job.PerTask - 1) / job.PerTask, job, static (s, t) => ((MaxJob<T>)s).Forward(t));
        }
    }

    /// <summary>
    /// Gives each output gradient to the input position its window took the maximum from (recomputed from
    /// <paramref name="input"/>); positions that are no window's maximum get 0. <paramref name="gradInput"/> is overwritten.
    /// </summary>
    internal static void MaxBackward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> gradInput, in Pool2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* px = input, pg = gradOutput, pgx = gradInput)
        {
            var job = new MaxJob<T> { G = g, Input = px, GradOutput = pg, GradInput = pgx, PerTask = PlanesPerTask(g) };
            WorkerPool.Run((g.Planes + job.PerTask - 1) / job.PerTask, job, static (s, t) => ((MaxJob<T>)s).Backward(t));
        }
    }

    /// <summary>The argmax rule of both passes: v replaces the running maximum when larger, or when it is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Beats<T>(T v, T max) where T : IFloatingPointIeee754<T> => v > max || T.IsNaN(v);

    /// <summary>The flat in-plane index of the maximum of window (oy, ox), by the rule of <see cref="Beats"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int WindowArgMax<T>(T* src, in Pool2dGeometry g, int oy, int ox, out T max) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int y0 = oy * g.StrideH - g.PadH;
        int y1 = Math.Min(y0 + (g.KernelH - 1) * g.DilationH + 1, g.Height);
        while (y0 < 0) y0 += g.DilationH;
        int x0 = ox * g.StrideW - g.PadW;
        int x1 = Math.Min(x0 + (g.KernelW - 1) * g.DilationW + 1, g.Width);
        while (x0 < 0) x0 += g.DilationW;
        int best = y0 * g.Width + x0;
        max = T.NegativeInfinity;
        for (int y = y0; y < y1; y += g.DilationH)
        {
            for (int x = x0; x < x1; x += g.DilationW)
            {
                T v = src[y * g.Width + x];
                if (Beats(v, max))
                {
                    max = v;
                    best = y * g.Width + x;
                }
            }
        }
        return best;
    }

    /// <summary>The offset (0 … 3, row-major) of the maximum of a 2×2 window whose rows start at a and b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ArgMax2x2<T>(T* a, T* b, out T max) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // the first element always takes the running maximum (−∞ loses to everything but −∞, which gives the
        // same value and index)
        int best = 0;
        max = a[0];
        if (Beats(a[1], max)) { max = a[1]; best = 1; }
        if (Beats(b[0], max)) { max = b[0]; best = 2; }
        if (Beats(b[1], max)) { max = b[1]; best = 3; }
        return best;
    }

    private sealed class MaxJob<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        internal Pool2dGeometry G;
        internal int PerTask;
        internal T* Input, Output, GradOutput, GradInput;
        internal long* Indices;

        internal void Forward(int t)
        {
            var g = G;
            int plane = g.Height * g.Width, outPlane = g.OutH * g.OutW;
            bool plain = IsPlain2x2(g);
            for (int p = t * PerTask, end = Math.Min(g.Planes, p + PerTask); p < end; p++)
            {
                T* src = Input + (nint)p * plane, dst = Output + (nint)p * outPlane;
                long* idx = Indices is null ? null : Indices + (nint)p * outPlane;
                if (plain)
                {
                    for (int oy = 0; oy < g.OutH; oy++)
                    {
                        T* a = src + 2 * oy * g.Width;
                        ForwardRow2x2(a, a + g.Width, dst + oy * g.OutW, idx is null ? null : idx + oy * g.OutW, g.OutW, 2 * oy * g.Width, g.Width);
                    }
                    continue;
                }
                for (int oy = 0; oy < g.OutH; oy++)
                {
                    for (int ox = 0; ox < g.OutW; ox++)
                    {
                        int best = WindowArgMax(src, g, oy, ox, out T max);
                        dst[oy * g.OutW + ox] = max;
                        if (idx is not null) idx[oy * g.OutW + ox] = best;
                    }
                }
            }
        }

        internal void Backward(int t)
        {
            var g = G;
            int plane = g.Height * g.Width, outPlane = g.OutH * g.OutW;
            bool plain = IsPlain2x2(g);
            for (int p = t * PerTask, end = Math.Min(g.Planes, p + PerTask); p < end; p++)
            {
                T* src = Input + (nint)p * plane, gOut = GradOutput + (nint)p * outPlane, dst = GradInput + (nint)p * plane;
                if (plain)
                {
                    // every window owns its 2×2 block, so each block is written whole (gradient or 0); only the
                    // rows and columns no window covers (odd sizes) need clearing
                    if (2 * g.OutW < g.Width || 2 * g.OutH < g.Height) new Span<T>(dst, plane).Clear();
                    for (int oy = 0; oy < g.OutH; oy++)
                    {
                        T* a = src + 2 * oy * g.Width, da = dst + 2 * oy * g.Width;
                        BackwardRow2x2(a, a + g.Width, gOut + oy * g.OutW, da, da + g.Width, g.OutW);
                    }
                }
                else
                {
                    new Span<T>(dst, plane).Clear();
                    for (int oy = 0; oy < g.OutH; oy++)
                        for (int ox = 0; ox < g.OutW; ox++)
                            dst[WindowArgMax(src, g, oy, ox, out _)] += gOut[oy * g.OutW + ox];
                }
            }
        }
    }
}
