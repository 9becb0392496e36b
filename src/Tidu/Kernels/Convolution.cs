using System.Numerics;
using System.Numerics.Tensors;

namespace Tidu.Kernels;

/// <summary>
/// 2-D convolution as im2col + GEMM, per sample and group (the approach of Caffe and PyTorch's CPU
/// slow_conv2d). All operands are contiguous row-major: input [N, C, H, W], weight [OC, C/groups, kH, kW],
/// output [N, OC, OH, OW]. Callers pass the scratch buffers, so nothing is allocated here.
/// </summary>
internal static class Convolution
{
    /// <summary>Length of the column-matrix scratch buffer every pass needs (0 for a pointwise convolution).</summary>
    internal static int ColumnsLength(in Conv2dGeometry g) => g.IsPointwise ? 0 : g.ColRows * g.ColCols;

    /// <summary>output[n, group] = W[group] · im2col(input[n, group]) (+ bias).</summary>
    internal static void Forward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> output,
        in Conv2dGeometry g, Span<T> columns)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.ColRows, l = g.ColCols, ocg = g.OutPerGroup, icg = g.InPerGroup, imageLength = icg * g.Height * g.Width;
        for (int n = 0; n < g.Batch; n++)
        {
            for (int gr = 0; gr < g.Groups; gr++)
            {
                var image = input.Slice((n * g.InChannels + gr * icg) * g.Height * g.Width, imageLength);
                ReadOnlySpan<T> cols = image;
                if (!g.IsPointwise)
                {
                    Im2Col.Unfold(image, icg, g, columns);
                    cols = columns[..(k * l)];
                }
                var result = output.Slice((n * g.OutChannels + gr * ocg) * l, ocg * l);
                Gemm.Multiply(ocg, l, k, weight.Slice(gr * ocg * k, ocg * k), cols, result);
                if (bias.IsEmpty) continue;
                for (int o = 0; o < ocg; o++)
                {
                    var row = result.Slice(o * l, l);
                    TensorPrimitives.Add(row, bias[gr * ocg + o], row);
                }
            }
        }
    }

    /// <summary>
    /// grad input[n, group] = col2im(W[group]ᵀ · grad output[n, group]). <paramref name="gradColumns"/> (k·l) is
    /// scratch; <paramref name="weightT"/> is no longer needed (the GEMM reads W transposed in place);
    /// <paramref name="gradInput"/> is overwritten.
    /// </summary>
    internal static void BackwardInput<T>(ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> weight, Span<T> gradInput,
        in Conv2dGeometry g, Span<T> weightT, Span<T> gradColumns)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.ColRows, l = g.ColCols, ocg = g.OutPerGroup, icg = g.InPerGroup, imageLength = icg * g.Height * g.Width;
        if (!g.IsPointwise) gradInput[..(g.Batch * g.InChannels * g.Height * g.Width)].Clear();
        for (int n = 0; n < g.Batch; n++)
        {
            for (int gr = 0; gr < g.Groups; gr++)
            {
                var gOut = gradOutput.Slice((n * g.OutChannels + gr * ocg) * l, ocg * l);
                var image = gradInput.Slice((n * g.InChannels + gr * icg) * g.Height * g.Width, imageLength);
                var w = weight.Slice(gr * ocg * k, ocg * k); // [ocg, k], read as its transpose
                int ldw = Math.Max(1, k), ldl = Math.Max(1, l);
                if (g.IsPointwise)
                {
                    // each pixel receives exactly one column entry
                    Gemm.Multiply(true, false, k, l, ocg, T.One, w, ldw, gOut, ldl, T.Zero, image, ldl);
                    continue;
                }
                var cols = gradColumns[..(k * l)];
                Gemm.Multiply(true, false, k, l, ocg, T.One, w, ldw, gOut, ldl, T.Zero, cols, ldl);
                Im2Col.FoldAdd(cols, icg, g, image);
            }
        }
    }

    /// <summary>
    /// grad W[group] = Σₙ grad output[n, group] · im2col(input[n, group])ᵀ, accumulated in place by the GEMM
    /// (beta = 1), which reads the columns transposed. Scratch: <paramref name="columns"/> (k·l); <paramref name="columnsT"/>
    /// and <paramref name="partial"/> are no longer needed; <paramref name="gradWeight"/> is overwritten.
    /// </summary>
    internal static void BackwardWeight<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> gradWeight,
        in Conv2dGeometry g, Span<T> columns, Span<T> columnsT, Span<T> partial)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.ColRows, l = g.ColCols, ocg = g.OutPerGroup, icg = g.InPerGroup, imageLength = icg * g.Height * g.Width;
        gradWeight[..(g.OutChannels * k)].Clear();
        for (int n = 0; n < g.Batch; n++)
        {
            for (int gr = 0; gr < g.Groups; gr++)
            {
                var image = input.Slice((n * g.InChannels + gr * icg) * g.Height * g.Width, imageLength);
                ReadOnlySpan<T> cols = image;
                if (!g.IsPointwise)
                {
                    Im2Col.Unfold(image, icg, g, columns);
                    cols = columns[..(k * l)];
                }
                var gOut = gradOutput.Slice((n * g.OutChannels + gr * ocg) * l, ocg * l);
                var dw = gradWeight.Slice(gr * ocg * k, ocg * k);
                Gemm.Multiply(false, true, ocg, k, l, T.One, gOut, Math.Max(1, l), cols, Math.Max(1, l), T.One, dw, Math.Max(1, k));
            }
        }
    }

    /// <summary>grad bias[o] = Σ over batch and positions of grad output[n, o]; <paramref name="gradBias"/> is overwritten.</summary>
    internal static void BackwardBias<T>(ReadOnlySpan<T> gradOutput, Span<T> gradBias, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = g.ColCols;
        gradBias[..g.OutChannels].Clear();
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                gradBias[o] += TensorPrimitives.Sum(gradOutput.Slice((n * g.OutChannels + o) * l, l));
    }
}
