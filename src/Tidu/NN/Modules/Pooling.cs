namespace Tidu.NN;

/// <summary>
/// 2-D max pooling (torch.nn.MaxPool2d) over [N, C, H, W] or [C, H, W] inputs: the maximum of each window, with
/// −∞ padding; the gradient flows to the position of each maximum.
/// </summary>
public sealed class MaxPool2d : Module
{
    /// <summary>Max pooling with a square window; the stride defaults to the kernel size.</summary>
    public MaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
        : this((kernelSize, kernelSize), stride is { } s ? (s, s) : null, (padding, padding), (dilation, dilation), ceilMode)
    {
    }

    /// <summary>Max pooling with a (height, width) window; the stride defaults to the kernel size.</summary>
    public MaxPool2d((int Height, int Width) kernelSize, (int Height, int Width)? stride = null, (int Height, int Width)? padding = null,
        (int Height, int Width)? dilation = null, bool ceilMode = false)
    {
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        Padding = padding ?? (0, 0);
        Dilation = dilation ?? (1, 1);
        CeilMode = ceilMode;
        Pool2dArguments.Check("MaxPool2d", KernelSize, Stride, Padding, Dilation);
    }

    /// <summary>Window (height, width).</summary>
    public (int Height, int Width) KernelSize { get; }

    /// <summary>Step between windows (height, width).</summary>
    public (int Height, int Width) Stride { get; }

    /// <summary>−∞ padding (height, width) on each side.</summary>
    public (int Height, int Width) Padding { get; }

    /// <summary>Spacing between window elements (height, width).</summary>
    public (int Height, int Width) Dilation { get; }

    /// <summary>Whether the output size is rounded up.</summary>
    public bool CeilMode { get; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => Functional.MaxPool2d(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <inheritdoc/>
    public override string ToString() =>
        $"MaxPool2d(kernel_size={KernelSize}, stride={Stride}, padding={Padding}, dilation={Dilation}, ceil_mode={CeilMode})";
}

/// <summary>
/// 2-D average pooling (torch.nn.AvgPool2d) over [N, C, H, W] or [C, H, W] inputs, with zero padding counted in the
/// divisor unless countIncludePad is false.
/// </summary>
public sealed class AvgPool2d : Module
{
    /// <summary>Average pooling with a square window; the stride defaults to the kernel size.</summary>
    public AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
        : this((kernelSize, kernelSize), stride is { } s ? (s, s) : null, (padding, padding), ceilMode, countIncludePad, divisorOverride)
    {
    }

    /// <summary>Average pooling with a (height, width) window; the stride defaults to the kernel size.</summary>
    public AvgPool2d((int Height, int Width) kernelSize, (int Height, int Width)? stride = null, (int Height, int Width)? padding = null,
        bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
    {
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        Padding = padding ?? (0, 0);
        CeilMode = ceilMode;
        CountIncludePad = countIncludePad;
        DivisorOverride = divisorOverride;
        Pool2dArguments.Check("AvgPool2d", KernelSize, Stride, Padding, (1, 1));
        if (divisorOverride is <= 0)
            throw new ArgumentOutOfRangeException(nameof(divisorOverride), $"AvgPool2d: the divisor override must be positive, got {divisorOverride}.");
    }

    /// <summary>Window (height, width).</summary>
    public (int Height, int Width) KernelSize { get; }

    /// <summary>Step between windows (height, width).</summary>
    public (int Height, int Width) Stride { get; }

    /// <summary>Zero padding (height, width) on each side.</summary>
    public (int Height, int Width) Padding { get; }

    /// <summary>Whether the output size is rounded up.</summary>
    public bool CeilMode { get; }

    /// <summary>Whether padding elements count in the divisor.</summary>
    public bool CountIncludePad { get; }

    /// <summary>A fixed divisor replacing the window size, or null.</summary>
    public int? DivisorOverride { get; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) =>
        Functional.AvgPool2d(input, KernelSize, Stride, Padding, CeilMode, CountIncludePad, DivisorOverride);

    /// <inheritdoc/>
    public override string ToString() => $"AvgPool2d(kernel_size={KernelSize}, stride={Stride}, padding={Padding})";
}

/// <summary>
/// Adaptive 2-D average pooling (torch.nn.AdaptiveAvgPool2d): averages [N, C, H, W] or [C, H, W] inputs of any
/// size down to a fixed (height, width), e.g. (1, 1) for global average pooling before a classifier.
/// </summary>
public sealed class AdaptiveAvgPool2d : Module
{
    /// <summary>Pools to a square output of side <paramref name="outputSize"/>.</summary>
    public AdaptiveAvgPool2d(int outputSize) : this((outputSize, outputSize))
    {
    }

    /// <summary>Pools to an output of (height, width).</summary>
    public AdaptiveAvgPool2d((int Height, int Width) outputSize)
    {
        if (outputSize.Height <= 0 || outputSize.Width <= 0)
            throw new ArgumentOutOfRangeException(nameof(outputSize), $"AdaptiveAvgPool2d: the output size must be positive, got {outputSize}.");
        OutputSize = outputSize;
    }

    /// <summary>The output (height, width).</summary>
    public (int Height, int Width) OutputSize { get; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => Functional.AdaptiveAvgPool2d(input, OutputSize);

    /// <inheritdoc/>
    public override string ToString() => $"AdaptiveAvgPool2d(output_size={OutputSize})";
}

/// <summary>Constructor-time checks shared by the pooling modules (the same rules the ops apply per call).</summary>
internal static class Pool2dArguments
{
    internal static void Check(string op, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation)
    {
        if (kernel.H <= 0 || kernel.W <= 0) throw new ArgumentOutOfRangeException(nameof(kernel), $"{op}: kernel size must be positive, got {kernel}.");
        if (stride.H <= 0 || stride.W <= 0) throw new ArgumentOutOfRangeException(nameof(stride), $"{op}: stride must be positive, got {stride}.");
        if (dilation.H <= 0 || dilation.W <= 0) throw new ArgumentOutOfRangeException(nameof(dilation), $"{op}: dilation must be positive, got {dilation}.");
        if (padding.H < 0 || padding.W < 0 || padding.H > kernel.H / 2 || padding.W > kernel.W / 2)
            throw new ArgumentOutOfRangeException(nameof(padding), $"{op}: padding must be non-negative and at most half the kernel size, got padding {padding} for kernel {kernel}.");
    }
}
