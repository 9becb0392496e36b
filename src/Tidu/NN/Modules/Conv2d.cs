namespace Tidu.NN;

/// <summary>
/// 2-D convolution layer (torch.nn.Conv2d): input [N, C_in, H, W] or [C_in, H, W], weight
/// [C_out, C_in/groups, kH, kW], optional bias [C_out]. Weight and bias start as PyTorch's reset_parameters:
/// Kaiming uniform with a = √5 on the weight, i.e. U(−1/√fan_in, 1/√fan_in) with fan_in = C_in/groups·kH·kW,
/// and the same bound for the bias. Only zero padding is supported.
/// </summary>
public sealed class Conv2d : Module
{
    /// <summary>A convolution with a square kernel and equal stride, padding and dilation along height and width.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels of the output (number of filters).</param>
    /// <param name="kernelSize">Kernel height and width.</param>
    /// <param name="stride">Step between windows.</param>
    /// <param name="padding">Zeros added on each side.</param>
    /// <param name="dilation">Spacing between kernel taps.</param>
    /// <param name="groups">Independent channel groups; both channel counts must be divisible by it.</param>
    /// <param name="bias">Whether to learn a per-output-channel bias.</param>
    /// <param name="dtype">Float32 or Float64 parameters.</param>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, DType dtype = DType.Float32)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (dilation, dilation), groups, bias, dtype)
    {
    }

    /// <summary>A convolution with per-dimension (height, width) kernel size, stride, padding and dilation.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels of the output (number of filters).</param>
    /// <param name="kernelSize">Kernel (height, width).</param>
    /// <param name="stride">Step between windows; (1, 1) when null.</param>
    /// <param name="padding">Zeros added on each side; (0, 0) when null.</param>
    /// <param name="dilation">Spacing between kernel taps; (1, 1) when null.</param>
    /// <param name="groups">Independent channel groups; both channel counts must be divisible by it.</param>
    /// <param name="bias">Whether to learn a per-output-channel bias.</param>
    /// <param name="dtype">Float32 or Float64 parameters.</param>
    public Conv2d(int inChannels, int outChannels, (int Height, int Width) kernelSize, (int Height, int Width)? stride = null,
        (int Height, int Width)? padding = null, (int Height, int Width)? dilation = null, int groups = 1, bool bias = true,
        DType dtype = DType.Float32)
    {
        var s = stride ?? (1, 1);
        var p = padding ?? (0, 0);
        var d = dilation ?? (1, 1);
        if (inChannels <= 0 || outChannels <= 0)
            throw new ArgumentOutOfRangeException(nameof(inChannels), $"Conv2d: channel counts must be positive, got in={inChannels}, out={outChannels}.");
        if (groups <= 0)
            throw new ArgumentOutOfRangeException(nameof(groups), $"Conv2d: groups must be positive, got {groups}.");
        if (inChannels % groups != 0)
            throw new ArgumentException($"Conv2d: in channels ({inChannels}) must be divisible by groups ({groups}).", nameof(groups));
        if (outChannels % groups != 0)
            throw new ArgumentException($"Conv2d: out channels ({outChannels}) must be divisible by groups ({groups}).", nameof(groups));
        if (kernelSize.Height <= 0 || kernelSize.Width <= 0)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), $"Conv2d: kernel size must be positive, got ({kernelSize.Height}, {kernelSize.Width}).");
        if (s.Height <= 0 || s.Width <= 0)
            throw new ArgumentOutOfRangeException(nameof(stride), $"Conv2d: stride must be positive, got ({s.Height}, {s.Width}).");
        if (p.Height < 0 || p.Width < 0)
            throw new ArgumentOutOfRangeException(nameof(padding), $"Conv2d: padding must be non-negative, got ({p.Height}, {p.Width}).");
        if (d.Height <= 0 || d.Width <= 0)
            throw new ArgumentOutOfRangeException(nameof(dilation), $"Conv2d: dilation must be positive, got ({d.Height}, {d.Width}).");
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"Conv2d: parameters must be Float32 or Float64, got {dtype}.", nameof(dtype));

        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = s;
        Padding = p;
        Dilation = d;
        Groups = groups;
        Weight = RegisterParameter("weight", Tensor.Zeros([outChannels, inChannels / groups, kernelSize.Height, kernelSize.Width], dtype));
        if (bias) Bias = RegisterParameter("bias", Tensor.Zeros([outChannels], dtype));
        ResetParameters();
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel (height, width).</summary>
    public (int Height, int Width) KernelSize { get; }

    /// <summary>Stride (height, width).</summary>
    public (int Height, int Width) Stride { get; }

    /// <summary>Zero padding (height, width) on each side.</summary>
    public (int Height, int Width) Padding { get; }

    /// <summary>Dilation (height, width).</summary>
    public (int Height, int Width) Dilation { get; }

    /// <summary>Number of channel groups.</summary>
    public int Groups { get; }

    /// <summary>The filters, shape [out channels, in channels / groups, kH, kW].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, shape [out channels]; null when created with bias: false.</summary>
    public Tensor? Bias { get; }

    /// <summary>Re-draws the parameters with PyTorch's default initialisation (see the class remarks).</summary>
    public void ResetParameters()
    {
        Init.KaimingUniform(Weight, a: Math.Sqrt(5));
        if (Bias is not null)
        {
            int fanIn = InChannels / Groups * KernelSize.Height * KernelSize.Width;
            double bound = 1 / Math.Sqrt(fanIn);
            Init.Uniform(Bias, -bound, bound);
        }
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input)
    {
        if ((input.Rank == 3 || input.Rank == 4) && input.Size(-3) != InChannels)
            throw new ArgumentException(
                $"{this}: expected an input with {InChannels} channels (dim −3), got shape {ShapeUtil.Format(input.Shape)} for weight of shape {ShapeUtil.Format(Weight.Shape)}.");
        return Functional.Conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups);
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = $"Conv2d({InChannels}, {OutChannels}, kernel_size={KernelSize}, stride={Stride}";
        if (Padding != (0, 0)) text += $", padding={Padding}";
        if (Dilation != (1, 1)) text += $", dilation={Dilation}";
        if (Groups != 1) text += $", groups={Groups}";
        if (Bias is null) text += ", bias=False";
        return text + ")";
    }
}
