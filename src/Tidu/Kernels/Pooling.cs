using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;

namespace Tidu.Kernels;

/// <summary>
/// The windows of a 2-D pooling over <see cref="Planes"/> independent [H, W] planes (N·C of an [N, C, H, W] input),
/// each plane contiguous and the planes back to back.
/// </summary>
internal readonly record struct Pool2dGeometry(
    int Planes, int Height, int Width,
    int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW,
    int OutH, int OutW)
{
    /// <summary>The geometry as integers (for a backward node's <c>Ints</c>).</summary>
    internal int[] ToInts() => [Planes, Height, Width, KernelH, KernelW, StrideH, StrideW, PadH, PadW, DilationH, DilationW, OutH, OutW];

    /// <summary>The inverse of <see cref="ToInts"/>.</summary>
    internal static Pool2dGeometry FromInts(ReadOnlySpan<int> v) =>
        new(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]);

    /// <summary>
    /// Output length of one dimension (PyTorch's pooling_output_shape): ⌊(in + 2·pad − dil·(k − 1) − 1 + (ceil ? stride − 1 : 0)) / stride⌋ + 1,
    /// minus one when ceil mode would start the last window in the right padding.
    /// </summary>
    internal static int OutputSize(int input, int kernel, int stride, int pad, int dilation, bool ceilMode)
    {
        int numerator = input + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
        int size = (int)Math.Floor(numerator / (double)stride) + 1;
        if (ceilMode && (size - 1) * stride >= input + pad) size--;
        return size;
    }
}

/// <summary>Max, average and adaptive average pooling over planes, with their backward passes.</summary>
internal static partial class Pooling
{
    /// <summary>
    /// The window of output (oy, ox) clipped to the input, and the divisor PyTorch's avg_pool2d uses: the override,
    /// else the window size clipped to the padded input (count_include_pad) or to the input itself.
    /// </summary>
    private static (int Y0, int Y1, int X0, int X1, int Divisor) AvgWindow(in Pool2dGeometry g, int oy, int ox, bool countIncludePad, int divisorOverride)
    {
        int y0 = oy * g.StrideH - g.PadH, x0 = ox * g.StrideW - g.PadW;
        int y1 = Math.Min(y0 + g.KernelH, g.Height + g.PadH), x1 = Math.Min(x0 + g.KernelW, g.Width + g.PadW);
        int padded = (y1 - y0) * (x1 - x0);
        y0 = Math.Max(y0, 0); x0 = Math.Max(x0, 0);
        y1 = Math.Min(y1, g.Height); x1 = Math.Min(x1, g.Width);
        int divisor = divisorOverride > 0 ? divisorOverride : countIncludePad ? padded : (y1 - y0) * (x1 - x0);
        return (y0, y1, x0, x1, divisor);
    }

    /// <summary>The mean of each window (see <see cref="AvgWindow"/> for the divisor); <paramref name="divisorOverride"/> ≤ 0 means none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AvgForward<T>(ReadOnlySpan<T> input, Span<T> output, in Pool2dGeometry g, bool countIncludePad, int divisorOverride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int plane = g.Height * g.Width, outPlane = g.OutH * g.OutW;
        for (int p = 0; p < g.Planes; p++)
        {
            var src = input.Slice(p * plane, plane);
            var dst = output.Slice(p * outPlane, outPlane);
            for (int oy = 0; oy < g.OutH; oy++)
            {
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    var (y0, y1, x0, x1, divisor) = AvgWindow(g, oy, ox, countIncludePad, divisorOverride);
                    T sum = T.Zero;
                    if (x1 > x0)
                        for (int y = y0; y < y1; y++) sum += TensorPrimitives.Sum(src.Slice(y * g.Width + x0, x1 - x0));
                    // an empty window (possible only in ceil mode) gives 0, as in PyTorch
                    dst[oy * g.OutW + ox] = y1 > y0 && x1 > x0 ? sum / T.CreateChecked(divisor) : T.Zero;
                }
            }
        }
    }

    /// <summary>Spreads each output gradient, divided by the window's divisor, over its window; <paramref name="gradInput"/> is overwritten.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AvgBackward<T>(ReadOnlySpan<T> gradOutput, Span<T> gradInput, in Pool2dGeometry g, bool countIncludePad, int divisorOverride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int plane = g.Height * g.Width, outPlane = g.OutH * g.OutW;
        gradInput[..(g.Planes * plane)].Clear();
        for (int p = 0; p < g.Planes; p++)
        {
            var dst = gradInput.Slice(p * plane, plane);
            var gOut = gradOutput.Slice(p * outPlane, outPlane);
            for (int oy = 0; oy < g.OutH; oy++)
            {
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    var (y0, y1, x0, x1, divisor) = AvgWindow(g, oy, ox, countIncludePad, divisorOverride);
                    if (y1 <= y0 || x1 <= x0) continue;
                    T share = gOut[oy * g.OutW + ox] / T.CreateChecked(divisor);
                    for (int y = y0; y < y1; y++)
                    {
                        var line = dst.Slice(y * g.Width + x0, x1 - x0);
                        TensorPrimitives.Add(line, share, line);
                    }
                }
            }
        }
    }

    /// <summary>Adaptive pooling's window along one dimension (PyTorch's start_index/end_index): [⌊i·in/out⌋, ⌈(i+1)·in/out⌉).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (int Start, int End) AdaptiveRange(int i, int input, int output) =>
        ((int)((long)i * input / output), (int)(((long)(i + 1) * input + output - 1) / output));

    /// <summary>
    /// Adaptive average pooling of <paramref name="planes"/> planes [h, w] to [outH, outW].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AdaptiveAvgForward<T>(ReadOnlySpan<T> input, Span<T> output, int planes, int h, int w, int outH, int outW)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int p = 0; p < planes; p++)
        {
            var src = input.Slice(p * h * w, h * w);
            var dst = output.Slice(p * outH * outW, outH * outW);
            for (int oy = 0; oy < outH; oy++)
            {
                var (y0, y1) = AdaptiveRange(oy, h, outH);
                for (int ox = 0; ox < outW; ox++)
                {
                    var (x0, x1) = AdaptiveRange(ox, w, outW);
                    T sum = T.Zero;
                    for (int y = y0; y < y1; y++) sum += TensorPrimitives.Sum(src.Slice(y * w + x0, x1 - x0));
                    dst[oy * outW + ox] = sum / T.CreateChecked((y1 - y0) * (x1 - x0));
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="AdaptiveAvgForward"/>; <paramref name="gradInput"/> is overwritten.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AdaptiveAvgBackward<T>(ReadOnlySpan<T> gradOutput, Span<T> gradInput, int planes, int h, int w, int outH, int outW)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        gradInput[..(planes * h * w)].Clear();
        for (int p = 0; p < planes; p++)
        {
            var dst = gradInput.Slice(p * h * w, h * w);
            var gOut = gradOutput.Slice(p * outH * outW, outH * outW);
            for (int oy = 0; oy < outH; oy++)
            {
                var (y0, y1) = AdaptiveRange(oy, h, outH);
                for (int ox = 0; ox < outW; ox++)
                {
                    var (x0, x1) = AdaptiveRange(ox, w, outW);
                    T share = gOut[oy * outW + ox] / T.CreateChecked((y1 - y0) * (x1 - x0));
                    for (int y = y0; y < y1; y++)
                    {
                        var line = dst.Slice(y * w + x0, x1 - x0);
                        TensorPrimitives.Add(line, share, line);
                    }
                }
            }
        }
    }
}
