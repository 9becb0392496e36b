using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;

namespace Tidu.Kernels;

/// <summary>
/// The shape arithmetic of one 2-D convolution: input [N, C, H, W], weight [OC, C/groups, kH, kW], output
/// [N, OC, OH, OW] with OH = ⌊(H + 2·padH − dilH·(kH − 1) − 1) / strideH⌋ + 1 (torch.nn.Conv2d's formula).
/// </summary>
internal readonly record struct Conv2dGeometry(
    int Batch, int InChannels, int Height, int Width,
    int OutChannels, int KernelH, int KernelW,
    int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW,
    int Groups, int OutH, int OutW)
{
    /// <summary>Input channels each group sees.</summary>
    internal int InPerGroup => InChannels / Groups;

    /// <summary>Output channels each group produces.</summary>
    internal int OutPerGroup => OutChannels / Groups;

    /// <summary>Rows of a group's column matrix: one per (channel, kernel row, kernel column).</summary>
    internal int ColRows => InPerGroup * KernelH * KernelW;

    /// <summary>Columns of the column matrix: one per output position.</summary>
    internal int ColCols => OutH * OutW;

    /// <summary>A 1×1 kernel with stride 1 and no padding: the column matrix is the input itself.</summary>
    internal bool IsPointwise => KernelH == 1 && KernelW == 1 && StrideH == 1 && StrideW == 1 && PadH == 0 && PadW == 0;

    /// <summary>The geometry as integers (for a backward node's <c>Ints</c>).</summary>
    internal int[] ToInts() =>
        [Batch, InChannels, Height, Width, OutChannels, KernelH, KernelW, StrideH, StrideW, PadH, PadW, DilationH, DilationW, Groups, OutH, OutW];

    /// <summary>The inverse of <see cref="ToInts"/>.</summary>
    internal static Conv2dGeometry FromInts(ReadOnlySpan<int> v) =>
        new(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]);
}

/// <summary>
/// im2col and its adjoint col2im: rearranging the receptive fields of an image so that a convolution becomes one
/// matrix product. Row (c·kH + i)·kW + j of the column matrix holds, for every output position (oh, ow), the input
/// pixel that kernel tap (i, j) of channel c sees there (zero in the padding).
/// </summary>
internal static class Im2Col
{
    /// <summary>
    /// The range [lo, hi) of output positions whose tap at offset <paramref name="tap"/> (already times the dilation)
    /// falls inside an input of <paramref name="size"/>: 0 ≤ o·stride − pad + tap &lt; size.
    /// </summary>
    private static (int Lo, int Hi) ValidRange(int size, int outSize, int stride, int pad, int tap)
    {
        int shift = pad - tap; // o·stride ≥ shift and o·stride ≤ size − 1 + shift
        int lo = shift <= 0 ? 0 : (shift + stride - 1) / stride;
        int top = size - 1 + shift;
        int hi = top < 0 ? 0 : top / stride + 1;
        return (Math.Min(lo, outSize), Math.Clamp(hi, Math.Min(lo, outSize), outSize));
    }

    /// <summary>
    /// Writes the column matrix [channels·kH·kW, OH·OW] of <paramref name="image"/> ([channels, H, W], contiguous)
    /// into <paramref name="columns"/>, row r starting at r·<paramref name="ld"/> (ld ≥ OH·OW: the columns of several
    /// images can sit side by side, each image's block starting at its own offset).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Unfold<T>(ReadOnlySpan<T> image, int channels, in Conv2dGeometry g, Span<T> columns, int ld)
        where T : unmanaged, INumber<T>
    {
        int h = g.Height, w = g.Width, oh = g.OutH, ow = g.OutW, plane = h * w, count = oh * ow;
        for (int c = 0; c < channels; c++)
        {
            var src = image.Slice(c * plane, plane);
            for (int ki = 0; ki < g.KernelH; ki++)
            {
                var (yLo, yHi) = ValidRange(h, oh, g.StrideH, g.PadH, ki * g.DilationH);
                for (int kj = 0; kj < g.KernelW; kj++)
                {
                    var (xLo, xHi) = ValidRange(w, ow, g.StrideW, g.PadW, kj * g.DilationW);
                    var dst = columns.Slice(((c * g.KernelH + ki) * g.KernelW + kj) * ld, count);
                    if (yLo > 0) dst[..(yLo * ow)].Clear();
                    if (yHi < oh) dst[(yHi * ow)..].Clear();
                    int xOffset = kj * g.DilationW - g.PadW;
                    for (int y = yLo; y < yHi; y++)
                    {
                        var row = dst.Slice(y * ow, ow);
                        var line = src.Slice((y * g.StrideH - g.PadH + ki * g.DilationH) * w, w);
                        if (xLo > 0) row[..xLo].Clear();
                        if (xHi < ow) row[xHi..].Clear();
                        if (g.StrideW == 1)
                        {
                            if (xHi > xLo) line.Slice(xLo + xOffset, xHi - xLo).CopyTo(row[xLo..xHi]);
                        }
                        else
                        {
                            for (int x = xLo; x < xHi; x++) row[x] = line[x * g.StrideW + xOffset];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Unfold"/>: adds every entry of <paramref name="columns"/> into the image pixel it
    /// was read from, so pixels shared by overlapping windows accumulate. <paramref name="image"/> is not cleared;
    /// row r of the columns starts at r·<paramref name="ld"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void FoldAdd<T>(ReadOnlySpan<T> columns, int channels, in Conv2dGeometry g, Span<T> image, int ld)
        where T : unmanaged, INumber<T>
    {
        int h = g.Height, w = g.Width, oh = g.OutH, ow = g.OutW, plane = h * w, count = oh * ow;
        for (int c = 0; c < channels; c++)
        {
            var dst = image.Slice(c * plane, plane);
            for (int ki = 0; ki < g.KernelH; ki++)
            {
                var (yLo, yHi) = ValidRange(h, oh, g.StrideH, g.PadH, ki * g.DilationH);
                for (int kj = 0; kj < g.KernelW; kj++)
                {
                    var (xLo, xHi) = ValidRange(w, ow, g.StrideW, g.PadW, kj * g.DilationW);
                    if (xHi <= xLo) continue;
                    var src = columns.Slice(((c * g.KernelH + ki) * g.KernelW + kj) * ld, count);
                    int xOffset = kj * g.DilationW - g.PadW;
                    for (int y = yLo; y < yHi; y++)
                    {
                        var row = src.Slice(y * ow, ow);
                        var line = dst.Slice((y * g.StrideH - g.PadH + ki * g.DilationH) * w, w);
                        if (g.StrideW == 1)
                        {
                            var target = line.Slice(xLo + xOffset, xHi - xLo);
                            TensorPrimitives.Add(target, row[xLo..xHi], target);
                        }
                        else
                        {
                            for (int x = xLo; x < xHi; x++) line[x * g.StrideW + xOffset] += row[x];
                        }
                    }
                }
            }
        }
    }
}
