namespace Tidu.NN;

/// <summary>Which fan the Kaiming initialisers preserve the variance of.</summary>
public enum FanMode
{
    /// <summary>Inputs per output unit: preserves the variance of activations in the forward pass.</summary>
    FanIn,
    /// <summary>Outputs per input unit: preserves the variance of gradients in the backward pass.</summary>
    FanOut,
}

/// <summary>Non-linearities whose recommended gain <see cref="Init.CalculateGain"/> knows (torch.nn.init.calculate_gain).</summary>
public enum Nonlinearity
{
    /// <summary>Identity and linear layers (gain 1).</summary>
    Linear,
    /// <summary>Convolutions without a non-linearity (gain 1).</summary>
    Conv,
    /// <summary>Sigmoid (gain 1).</summary>
    Sigmoid,
    /// <summary>tanh (gain 5/3).</summary>
    Tanh,
    /// <summary>ReLU (gain √2).</summary>
    Relu,
    /// <summary>Leaky ReLU with a negative slope (gain √(2/(1+slope²))).</summary>
    LeakyRelu,
    /// <summary>SELU (gain 3/4).</summary>
    Selu,
}

/// <summary>
/// Weight initialisation in place (torch.nn.init), all under no-grad. Random draws use the default generator
/// (<see cref="Tensor.ManualSeed"/>) unless one is passed.
/// </summary>
public static class Init
{
    /// <summary>The recommended gain for a non-linearity; <paramref name="param"/> is the leaky-ReLU slope (default 0.01).</summary>
    public static double CalculateGain(Nonlinearity nonlinearity, double? param = null) => nonlinearity switch
    {
        Nonlinearity.Linear or Nonlinearity.Conv or Nonlinearity.Sigmoid => 1,
        Nonlinearity.Tanh => 5.0 / 3,
        Nonlinearity.Relu => Math.Sqrt(2),
        Nonlinearity.LeakyRelu => Math.Sqrt(2 / (1 + Math.Pow(param ?? 0.01, 2))),
        Nonlinearity.Selu => 3.0 / 4,
        _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity)),
    };

    /// <summary>(fan in, fan out) of a weight: dim 1 and dim 0 times the receptive field (the product of the remaining dims).</summary>
    public static (int FanIn, int FanOut) CalculateFanInAndFanOut(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var shape = tensor.Shape;
        if (shape.Length < 2)
            throw new ArgumentException($"Init: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape {ShapeUtil.Format(shape)}).");
        int receptive = 1;
        for (int i = 2; i < shape.Length; i++) receptive *= shape[i];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    private static Tensor Fill(Tensor tensor, Tensor values)
    {
        using (Tensor.NoGrad()) tensor.CopyInPlace(values);
        return tensor;
    }

    /// <summary>Uniform in [a, b).</summary>
    public static Tensor Uniform(Tensor tensor, double a = 0, double b = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (Tensor.NoGrad())
            return Fill(tensor, Tensor.Rand(tensor.Shape, DType.Float64, generator) * (b - a) + a);
    }

    /// <summary>Normal with the given mean and standard deviation.</summary>
    public static Tensor Normal(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (Tensor.NoGrad())
            return Fill(tensor, Tensor.Randn(tensor.Shape, DType.Float64, generator) * std + mean);
    }

    /// <summary>Every element set to <paramref name="value"/>.</summary>
    public static Tensor Constant(Tensor tensor, double value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (Tensor.NoGrad()) tensor.FillInPlace(value);
        return tensor;
    }

    /// <summary>Zeros.</summary>
    public static Tensor Zeros(Tensor tensor) => Constant(tensor, 0);

    /// <summary>Ones.</summary>
    public static Tensor Ones(Tensor tensor) => Constant(tensor, 1);

    /// <summary>Glorot/Xavier uniform: U(−a, a) with a = gain·√(6/(fan_in+fan_out)).</summary>
    public static Tensor XavierUniform(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        double a = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        return Uniform(tensor, -a, a, generator);
    }

    /// <summary>Glorot/Xavier normal: N(0, gain²·2/(fan_in+fan_out)).</summary>
    public static Tensor XavierNormal(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        return Normal(tensor, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)), generator);
    }

    private static double KaimingStd(Tensor tensor, double a, FanMode mode, Nonlinearity nonlinearity)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        int fan = mode == FanMode.FanIn ? fanIn : fanOut;
        if (fan == 0) throw new ArgumentException($"Init: cannot initialise a tensor of shape {ShapeUtil.Format(tensor.Shape)} with a zero fan.");
        return CalculateGain(nonlinearity, a) / Math.Sqrt(fan);
    }

    /// <summary>
    /// He/Kaiming uniform: U(−b, b) with b = gain·√(3/fan) (torch.nn.init.kaiming_uniform_; defaults a = 0,
    /// fan in, leaky ReLU — which with a = 0 is ReLU's gain √2).
    /// </summary>
    public static Tensor KaimingUniform(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null)
    {
        double bound = Math.Sqrt(3) * KaimingStd(tensor, a, mode, nonlinearity);
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>He/Kaiming normal: N(0, (gain/√fan)²).</summary>
    public static Tensor KaimingNormal(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null) =>
        Normal(tensor, 0, KaimingStd(tensor, a, mode, nonlinearity), generator);

    /// <summary>LeCun uniform: U(−b, b) with b = √(3/fan_in) (Kaiming with gain 1; the init SELU networks expect).</summary>
    public static Tensor LeCunUniform(Tensor tensor, Generator? generator = null) =>
        KaimingUniform(tensor, 0, FanMode.FanIn, Nonlinearity.Linear, generator);

    /// <summary>LeCun normal: N(0, 1/fan_in).</summary>
    public static Tensor LeCunNormal(Tensor tensor, Generator? generator = null) =>
        KaimingNormal(tensor, 0, FanMode.FanIn, Nonlinearity.Linear, generator);
}
