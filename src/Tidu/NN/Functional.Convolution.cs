namespace Tidu.NN;

// Convolution and pooling as free functions (torch.nn.functional.conv2d, max_pool2d, avg_pool2d,
// adaptive_avg_pool2d); thin wrappers over the Tensor methods, which hold the documentation of the semantics.
public static partial class Functional
{
    /// <summary>
    /// 2-D convolution of an [N, C, H, W] or [C, H, W] input with weight [OC, C/groups, kH, kW]
    /// (torch.nn.functional.conv2d); null stride/dilation mean (1, 1), null padding (0, 0).
    /// </summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, (int Height, int Width)? stride = null,
        (int Height, int Width)? padding = null, (int Height, int Width)? dilation = null, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Conv2d(weight, bias, stride, padding, dilation, groups);
    }

    /// <summary>2-D convolution with equal stride, padding and dilation along height and width.</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, int stride, int padding = 0, int dilation = 1, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Conv2d(weight, bias, stride, padding, dilation, groups);
    }

    /// <summary>2-D max pooling (torch.nn.functional.max_pool2d); the stride defaults to the kernel size.</summary>
    public static Tensor MaxPool2d(Tensor input, (int Height, int Width) kernelSize, (int Height, int Width)? stride = null,
        (int Height, int Width)? padding = null, (int Height, int Width)? dilation = null, bool ceilMode = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.MaxPool2d(kernelSize, stride, padding, dilation, ceilMode);
    }

    /// <summary>2-D max pooling with a square window; the stride defaults to the kernel size.</summary>
    public static Tensor MaxPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.MaxPool2d(kernelSize, stride, padding, dilation, ceilMode);
    }

    /// <summary>2-D max pooling that also returns the flat within-plane index of every maximum (return_indices=True).</summary>
    public static (Tensor Output, Tensor Indices) MaxPool2dWithIndices(Tensor input, int kernelSize, int? stride = null, int padding = 0,
        int dilation = 1, bool ceilMode = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.MaxPool2dWithIndices(kernelSize, stride, padding, dilation, ceilMode);
    }

    /// <summary>2-D average pooling (torch.nn.functional.avg_pool2d); the stride defaults to the kernel size.</summary>
    public static Tensor AvgPool2d(Tensor input, (int Height, int Width) kernelSize, (int Height, int Width)? stride = null,
        (int Height, int Width)? padding = null, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.AvgPool2d(kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    /// <summary>2-D average pooling with a square window; the stride defaults to the kernel size.</summary>
    public static Tensor AvgPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false,
        bool countIncludePad = true, int? divisorOverride = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.AvgPool2d(kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    /// <summary>Adaptive 2-D average pooling to (height, width) (torch.nn.functional.adaptive_avg_pool2d).</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor input, (int Height, int Width) outputSize)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.AdaptiveAvgPool2d(outputSize);
    }

    /// <summary>Adaptive 2-D average pooling to a square output.</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor input, int outputSize)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.AdaptiveAvgPool2d(outputSize);
    }
}
