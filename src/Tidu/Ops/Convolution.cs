using System.Numerics;
using Tidu.Kernels;

namespace Tidu;

// 2-D convolution (torch.nn.functional.conv2d) as im2col + GEMM over chunks of samples (Kernels/Convolution.cs).
// The backward computes the input gradient as Wᵀ·grad output folded back with col2im (overlapping windows
// accumulate), the weight gradient as grad output·im2col(input)ᵀ summed over the batch, and the bias gradient as
// the sum of grad output over N, H, W, all in one pass over the chunks.
public sealed partial class Tensor
{
    /// <summary>
    /// 2-D convolution (cross-correlation, as torch.nn.functional.conv2d) of this [N, C, H, W] or unbatched
    /// [C, H, W] tensor with <paramref name="weight"/> [OC, C/groups, kH, kW]; the output is [N, OC, OH, OW] (or
    /// [OC, OH, OW]) with OH = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1.
    /// </summary>
    /// <param name="weight">The filters, [OC, C/groups, kH, kW], of this tensor's dtype (Float32 or Float64).</param>
    /// <param name="bias">Optional per-output-channel bias, [OC].</param>
    /// <param name="stride">Step between windows as (height, width); (1, 1) when null.</param>
    /// <param name="padding">Zeros added on each side as (height, width); (0, 0) when null.</param>
    /// <param name="dilation">Spacing between kernel taps as (height, width); (1, 1) when null.</param>
    /// <param name="groups">Splits input and output channels into this many independent convolutions (C for depthwise).</param>
    public Tensor Conv2d(Tensor weight, Tensor? bias = null, (int Height, int Width)? stride = null,
        (int Height, int Width)? padding = null, (int Height, int Width)? dilation = null, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(weight);
        var (sH, sW) = stride ?? (1, 1);
        var (pH, pW) = padding ?? (0, 0);
        var (dH, dW) = dilation ?? (1, 1);
        if (Rank != 3 && Rank != 4)
            throw new ArgumentException($"Conv2d: expected a 3-D (unbatched [C, H, W]) or 4-D (batched [N, C, H, W]) input, got shape {ShapeUtil.Format(shape)}.");
        if (weight.Rank != 4)
            throw new ArgumentException($"Conv2d: the weight must be 4-D [out channels, in channels / groups, kH, kW], got shape {ShapeUtil.Format(weight.shape)}.");
        if (!DType.IsFloatingPoint() || weight.DType != DType || (bias is not null && bias.DType != DType))
            throw new ArgumentException($"Conv2d: input, weight and bias must share one floating-point dtype, got input {DType}, weight {weight.DType}{(bias is null ? "" : $", bias {bias.DType}")}.");
        if (groups <= 0) throw new ArgumentOutOfRangeException(nameof(groups), $"Conv2d: groups must be positive, got {groups}.");
        if (sH <= 0 || sW <= 0) throw new ArgumentOutOfRangeException(nameof(stride), $"Conv2d: stride must be positive, got ({sH}, {sW}).");
        if (pH < 0 || pW < 0) throw new ArgumentOutOfRangeException(nameof(padding), $"Conv2d: padding must be non-negative, got ({pH}, {pW}).");
        if (dH <= 0 || dW <= 0) throw new ArgumentOutOfRangeException(nameof(dilation), $"Conv2d: dilation must be positive, got ({dH}, {dW}).");

        var x = Rank == 3 ? Unsqueeze(0) : this;
        int n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        int oc = weight.shape[0], kH = weight.shape[2], kW = weight.shape[3];
        if (oc % groups != 0)
            throw new ArgumentException($"Conv2d: the weight of shape {ShapeUtil.Format(weight.shape)} has {oc} output channels, which groups={groups} does not divide.");
        if (c != weight.shape[1] * groups)
            throw new ArgumentException($"Conv2d: given groups={groups}, the weight of shape {ShapeUtil.Format(weight.shape)} expects the input of shape {ShapeUtil.Format(shape)} to have {weight.shape[1] * groups} channels, but it has {c}.");
        if (bias is not null && (bias.Rank != 1 || bias.shape[0] != oc))
            throw new ArgumentException($"Conv2d: the bias must have shape [{oc}] to match the weight of shape {ShapeUtil.Format(weight.shape)}, got {ShapeUtil.Format(bias.shape)}.");
        if (kH == 0 || kW == 0 || c == 0)
            throw new ArgumentException($"Conv2d: the weight of shape {ShapeUtil.Format(weight.shape)} must have non-zero kernel and channel sizes.");
        int effH = dH * (kH - 1) + 1, effW = dW * (kW - 1) + 1;
        if (h + 2 * pH < effH || w + 2 * pW < effW)
            throw new ArgumentException(
                $"Conv2d: the padded input of size ({h + 2 * pH} x {w + 2 * pW}) is smaller than the (dilated) kernel of size ({effH} x {effW}); " +
                $"input shape {ShapeUtil.Format(shape)}, weight shape {ShapeUtil.Format(weight.shape)}, padding ({pH}, {pW}), dilation ({dH}, {dW}).");
        var geometry = new Conv2dGeometry(n, c, h, w, oc, kH, kW, sH, sW, pH, pW, dH, dW, groups,
            (h + 2 * pH - effH) / sH + 1, (w + 2 * pW - effW) / sW + 1);

        var result = Empty(DType, [n, oc, geometry.OutH, geometry.OutW]);
        var xc = x.Detach().Contiguous();
        var wc = weight.Detach().Contiguous();
        var bc = bias?.Detach().Contiguous();
        if (DType == DType.Float32) Conv2dForward<float>(xc, wc, bc, result, geometry);
        else Conv2dForward<double>(xc, wc, bc, result, geometry);

        var recorded = Autograd.Record(result, "Conv2d", bias is null ? [x, weight] : [x, weight, bias],
            static (node, g) => Conv2dBackward(node, g), saved: [x, weight], ints: geometry.ToInts());
        return Rank == 3 ? recorded.Squeeze(0) : recorded;
    }

    /// <summary>
    /// 2-D convolution with the same stride, padding and dilation along height and width; see
    /// <see cref="Conv2d(Tensor, Tensor?, ValueTuple{int, int}?, ValueTuple{int, int}?, ValueTuple{int, int}?, int)"/>.
    /// </summary>
    public Tensor Conv2d(Tensor weight, Tensor? bias, int stride, int padding = 0, int dilation = 1, int groups = 1) =>
        Conv2d(weight, bias, (stride, stride), (padding, padding), (dilation, dilation), groups);

    private static void Conv2dForward<T>(Tensor x, Tensor w, Tensor? b, Tensor result, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Convolution.Forward<T>(x.ContiguousSpan<T>(), w.ContiguousSpan<T>(), b is null ? default : b.ContiguousSpan<T>(),
            result.ContiguousSpan<T>(), g);

    private static Tensor?[] Conv2dBackward(GradFn node, Tensor gradOutput)
    {
        var g = Conv2dGeometry.FromInts(node.Ints);
        var x = node.Saved(0).Detach().Contiguous();
        var w = node.Saved(1).Detach().Contiguous();
        var gOut = (gradOutput.DType == x.DType ? gradOutput : gradOutput.To(x.DType)).Contiguous();
        var gx = node.Inputs[0] is null ? null : EmptyGradient(x.DType, x.shape);
        var gw = node.Inputs[1] is null ? null : EmptyGradient(x.DType, w.shape);
        bool hasBias = node.Inputs.Length > 2;
        var gb = hasBias && node.Inputs[2] is not null ? EmptyGradient(x.DType, [g.OutChannels]) : null;
        if (x.DType == DType.Float32) Conv2dBackward<float>(x, w, gOut, gx, gw, gb, g);
        else Conv2dBackward<double>(x, w, gOut, gx, gw, gb, g);
        return hasBias ? [gx, gw, gb] : [gx, gw];
    }

    private static void Conv2dBackward<T>(Tensor x, Tensor w, Tensor gOut, Tensor? gx, Tensor? gw, Tensor? gb, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Convolution.Backward<T>(x.ContiguousSpan<T>(), w.ContiguousSpan<T>(), gOut.ContiguousSpan<T>(),
            gx is null ? default : gx.ContiguousSpan<T>(), gw is null ? default : gw.ContiguousSpan<T>(),
            gb is null ? default : gb.ContiguousSpan<T>(), g);
}
