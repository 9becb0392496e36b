using System.Numerics;
using Tidu.Kernels;

namespace Tidu;

// 2-D max, average and adaptive average pooling (torch.nn.functional.max_pool2d / avg_pool2d /
// adaptive_avg_pool2d) over [N, C, H, W] or unbatched [C, H, W] inputs: every [H, W] plane is pooled on its own.
public sealed partial class Tensor
{
    /// <summary>
    /// The maximum over each kernelSize window (torch.nn.functional.max_pool2d). Padding acts as −∞; the gradient
    /// goes to the position of the maximum (the first one in row-major order on ties).
    /// </summary>
    /// <param name="kernelSize">Window height and width.</param>
    /// <param name="stride">Step between windows; the kernel size when null.</param>
    /// <param name="padding">Implicit −∞ padding on each side; at most half the kernel size.</param>
    /// <param name="dilation">Spacing between window elements.</param>
    /// <param name="ceilMode">Round the output size up, so a last partial window is kept.</param>
    public Tensor MaxPool2d((int Height, int Width) kernelSize, (int Height, int Width)? stride = null,
        (int Height, int Width)? padding = null, (int Height, int Width)? dilation = null, bool ceilMode = false) =>
        MaxPool2dCore(kernelSize, stride, padding, dilation, ceilMode, withIndices: false).Output;

    /// <summary>Max pooling with a square window; see <see cref="MaxPool2d(ValueTuple{int, int}, ValueTuple{int, int}?, ValueTuple{int, int}?, ValueTuple{int, int}?, bool)"/>.</summary>
    public Tensor MaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        MaxPool2d((kernelSize, kernelSize), stride is { } s ? (s, s) : null, (padding, padding), (dilation, dilation), ceilMode);

    /// <summary>
    /// Max pooling that also returns, per output element, the Int64 flat index y·W + x of the maximum within its
    /// [H, W] input plane (torch.nn.functional.max_pool2d with return_indices=True).
    /// </summary>
    public (Tensor Output, Tensor Indices) MaxPool2dWithIndices(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        MaxPool2dWithIndices((kernelSize, kernelSize), stride is { } s ? (s, s) : null, (padding, padding), (dilation, dilation), ceilMode);

    /// <summary>
    /// Max pooling that also returns, per output element, the Int64 flat index y·W + x of the maximum within its
    /// [H, W] input plane (torch.nn.functional.max_pool2d with return_indices=True).
    /// </summary>
    public (Tensor Output, Tensor Indices) MaxPool2dWithIndices((int Height, int Width) kernelSize, (int Height, int Width)? stride = null,
        (int Height, int Width)? padding = null, (int Height, int Width)? dilation = null, bool ceilMode = false)
    {
        var (output, indices) = MaxPool2dCore(kernelSize, stride, padding, dilation, ceilMode, withIndices: true);
        return (output, indices!);
    }

    /// <summary>
    /// Max pooling, with the Int64 index tensor only when asked for: the backward recomputes each window's argmax
    /// from the saved input instead, so plain max pooling allocates nothing but its output.
    /// </summary>
    private (Tensor Output, Tensor? Indices) MaxPool2dCore((int Height, int Width) kernelSize, (int Height, int Width)? stride,
        (int Height, int Width)? padding, (int Height, int Width)? dilation, bool ceilMode, bool withIndices)
    {
        var g = PoolGeometry("MaxPool2d", kernelSize, stride ?? kernelSize, padding ?? (0, 0), dilation ?? (1, 1), ceilMode);
        var input = Detach().Contiguous();
        var outShape = PooledShape(g.OutH, g.OutW);
        var result = Empty(DType, outShape);
        var indices = withIndices ? Empty(DType.Int64, outShape) : null;
        var idx = indices is null ? default : indices.ContiguousSpan<long>();
        if (DType == DType.Float32) Pooling.MaxForward(input.ContiguousSpan<float>(), result.ContiguousSpan<float>(), idx, g);
        else Pooling.MaxForward(input.ContiguousSpan<double>(), result.ContiguousSpan<double>(), idx, g);

        var output = Autograd.Record(result, "MaxPool2d", this, static (n, grad) =>
        {
            var geometry = Pool2dGeometry.FromInts(n.Ints);
            var x = n.Saved(0);
            var gOut = (grad.DType == x.DType ? grad : grad.To(x.DType)).Contiguous();
            var gx = Empty(x.DType, x.shape);
            if (x.DType == DType.Float32) Pooling.MaxBackward(x.ContiguousSpan<float>(), gOut.ContiguousSpan<float>(), gx.ContiguousSpan<float>(), geometry);
            else Pooling.MaxBackward(x.ContiguousSpan<double>(), gOut.ContiguousSpan<double>(), gx.ContiguousSpan<double>(), geometry);
            return [gx];
        }, saved: [input], ints: g.ToInts());
        return (output, indices);
    }

    /// <summary>
    /// The mean over each kernelSize window (torch.nn.functional.avg_pool2d). Windows cover the zero padding but,
    /// in ceil mode, never extend past it; the divisor is <paramref name="divisorOverride"/> when given, else the
    /// window's size including padding (<paramref name="countIncludePad"/>) or only its input elements.
    /// </summary>
    /// <param name="kernelSize">Window height and width.</param>
    /// <param name="stride">Step between windows; the kernel size when null.</param>
    /// <param name="padding">Implicit zero padding on each side; at most half the kernel size.</param>
    /// <param name="ceilMode">Round the output size up, so a last partial window is kept.</param>
    /// <param name="countIncludePad">Count padding elements in the divisor.</param>
    /// <param name="divisorOverride">A fixed positive divisor instead of the window size.</param>
    public Tensor AvgPool2d((int Height, int Width) kernelSize, (int Height, int Width)? stride = null, (int Height, int Width)? padding = null,
        bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
    {
        if (divisorOverride is <= 0)
            throw new ArgumentOutOfRangeException(nameof(divisorOverride), $"AvgPool2d: the divisor override must be positive, got {divisorOverride}.");
        var g = PoolGeometry("AvgPool2d", kernelSize, stride ?? kernelSize, padding ?? (0, 0), (1, 1), ceilMode);
        int divisor = divisorOverride ?? 0;
        var input = Detach().Contiguous();
        var result = Empty(DType, PooledShape(g.OutH, g.OutW));
        if (DType == DType.Float32) Pooling.AvgForward(input.ContiguousSpan<float>(), result.ContiguousSpan<float>(), g, countIncludePad, divisor);
        else Pooling.AvgForward(input.ContiguousSpan<double>(), result.ContiguousSpan<double>(), g, countIncludePad, divisor);

        return Autograd.Record(result, "AvgPool2d", this, static (n, grad) =>
        {
            var geometry = Pool2dGeometry.FromInts(n.Ints);
            int divisor = n.Ints[^1];
            var input = n.Inputs[0]!;
            var gOut = (grad.DType == input.DType ? grad : grad.To(input.DType)).Contiguous();
            var gx = Empty(input.DType, input.shape);
            if (input.DType == DType.Float32) Pooling.AvgBackward(gOut.ContiguousSpan<float>(), gx.ContiguousSpan<float>(), geometry, n.Flag, divisor);
            else Pooling.AvgBackward(gOut.ContiguousSpan<double>(), gx.ContiguousSpan<double>(), geometry, n.Flag, divisor);
            return [gx];
        }, ints: [.. g.ToInts(), divisor], flag: countIncludePad);
    }

    /// <summary>Average pooling with a square window; see <see cref="AvgPool2d(ValueTuple{int, int}, ValueTuple{int, int}?, ValueTuple{int, int}?, bool, bool, int?)"/>.</summary>
    public Tensor AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null) =>
        AvgPool2d((kernelSize, kernelSize), stride is { } s ? (s, s) : null, (padding, padding), ceilMode, countIncludePad, divisorOverride);

    /// <summary>
    /// Average pooling to a fixed output size (torch.nn.functional.adaptive_avg_pool2d): output (i, j) averages input
    /// rows ⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉ − 1 and the columns given by the same formula.
    /// </summary>
    /// <param name="outputSize">The output (height, width).</param>
    public Tensor AdaptiveAvgPool2d((int Height, int Width) outputSize)
    {
        var (oh, ow) = outputSize;
        CheckPoolInput("AdaptiveAvgPool2d");
        if (oh <= 0 || ow <= 0)
            throw new ArgumentOutOfRangeException(nameof(outputSize), $"AdaptiveAvgPool2d: the output size must be positive, got ({oh}, {ow}).");
        int h = shape[^2], w = shape[^1], planes = NumberOfElements / (h * w);
        var input = Detach().Contiguous();
        var result = Empty(DType, PooledShape(oh, ow));
        if (DType == DType.Float32) Pooling.AdaptiveAvgForward(input.ContiguousSpan<float>(), result.ContiguousSpan<float>(), planes, h, w, oh, ow);
        else Pooling.AdaptiveAvgForward(input.ContiguousSpan<double>(), result.ContiguousSpan<double>(), planes, h, w, oh, ow);

        return Autograd.Record(result, "AdaptiveAvgPool2d", this, static (n, grad) =>
        {
            var v = n.Ints;
            var input = n.Inputs[0]!;
            var gOut = (grad.DType == input.DType ? grad : grad.To(input.DType)).Contiguous();
            var gx = Empty(input.DType, input.shape);
            if (input.DType == DType.Float32) Pooling.AdaptiveAvgBackward(gOut.ContiguousSpan<float>(), gx.ContiguousSpan<float>(), v[0], v[1], v[2], v[3], v[4]);
            else Pooling.AdaptiveAvgBackward(gOut.ContiguousSpan<double>(), gx.ContiguousSpan<double>(), v[0], v[1], v[2], v[3], v[4]);
            return [gx];
        }, ints: [planes, h, w, oh, ow]);
    }

    /// <summary>Adaptive average pooling to a square output; see <see cref="AdaptiveAvgPool2d(ValueTuple{int, int})"/>.</summary>
    public Tensor AdaptiveAvgPool2d(int outputSize) => AdaptiveAvgPool2d((outputSize, outputSize));

    /// <summary>This tensor's shape with the last two dims replaced.</summary>
    private int[] PooledShape(int outH, int outW) => [.. shape[..^2], outH, outW];

    private void CheckPoolInput(string op)
    {
        if ((Rank != 3 && Rank != 4) || shape[^1] == 0 || shape[^2] == 0 || shape[^3] == 0)
            throw new ArgumentException($"{op}: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input with non-zero C, H and W, got shape {ShapeUtil.Format(shape)}.");
        if (!DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a Float32 or Float64 input, got {DType}.");
    }

    /// <summary>Validates the pooling arguments as PyTorch's pool2d_shape_check does and computes the windows.</summary>
    private Pool2dGeometry PoolGeometry(string op, (int H, int W) kernel, (int H, int W) stride, (int H, int W) pad, (int H, int W) dilation, bool ceilMode)
    {
        CheckPoolInput(op);
        if (kernel.H <= 0 || kernel.W <= 0) throw new ArgumentOutOfRangeException(nameof(kernel), $"{op}: kernel size must be positive, got ({kernel.H}, {kernel.W}).");
        if (stride.H <= 0 || stride.W <= 0) throw new ArgumentOutOfRangeException(nameof(stride), $"{op}: stride must be positive, got ({stride.H}, {stride.W}).");
        if (dilation.H <= 0 || dilation.W <= 0) throw new ArgumentOutOfRangeException(nameof(dilation), $"{op}: dilation must be positive, got ({dilation.H}, {dilation.W}).");
        if (pad.H < 0 || pad.W < 0 || pad.H > kernel.H / 2 || pad.W > kernel.W / 2)
            throw new ArgumentOutOfRangeException(nameof(pad),
                $"{op}: padding must be non-negative and at most half the kernel size, got padding ({pad.H}, {pad.W}) for kernel ({kernel.H}, {kernel.W}).");
        int h = shape[^2], w = shape[^1];
        int oh = Pool2dGeometry.OutputSize(h, kernel.H, stride.H, pad.H, dilation.H, ceilMode);
        int ow = Pool2dGeometry.OutputSize(w, kernel.W, stride.W, pad.W, dilation.W, ceilMode);
        if (oh < 1 || ow < 1)
            throw new ArgumentException($"{op}: input of shape {ShapeUtil.Format(shape)} is too small for kernel ({kernel.H}, {kernel.W}), padding ({pad.H}, {pad.W}) and dilation ({dilation.H}, {dilation.W}): the output would be {oh} x {ow}.");
        return new Pool2dGeometry(NumberOfElements / (h * w), h, w, kernel.H, kernel.W, stride.H, stride.W, pad.H, pad.W, dilation.H, dilation.W, oh, ow);
    }
}
