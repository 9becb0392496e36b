namespace Tidu.NN;

/// <summary>Returns its input (torch.nn.Identity).</summary>
public sealed class Identity : Module
{
    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => input;
}

/// <summary>max(x, 0) (torch.nn.ReLU).</summary>
public sealed class ReLU : Module
{
    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => input.Relu();
}

/// <summary>Leaky ReLU with a negative slope, default 0.01 (torch.nn.LeakyReLU).</summary>
public sealed class LeakyReLU(double negativeSlope = 0.01) : Module
{
    /// <summary>The slope for negative inputs.</summary>
    public double NegativeSlope { get; } = negativeSlope;

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => input.LeakyRelu(NegativeSlope);
}

/// <summary>ELU with α, default 1 (torch.nn.ELU).</summary>
public sealed class ELU(double alpha = 1.0) : Module
{
    /// <summary>The saturation value for negative inputs.</summary>
    public double Alpha { get; } = alpha;

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => input.Elu(Alpha);
}

/// <summary>SELU (torch.nn.SELU); pair it with LeCun-normal weights.</summary>
public sealed class SELU : Module
{
    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => input.Selu();
}

/// <summary>GELU, exact or tanh-approximated (torch.nn.GELU).</summary>
public sealed class GELU(GeluApproximation approximate = GeluApproximation.None) : Module
{
    /// <summary>Which form is computed.</summary>
    public GeluApproximation Approximate { get; } = approximate;

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => input.Gelu(Approximate);
}

/// <summary>The logistic function (torch.nn.Sigmoid).</summary>
public sealed class Sigmoid : Module
{
    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => input.Sigmoid();
}

/// <summary>tanh (torch.nn.Tanh).</summary>
public sealed class Tanh : Module
{
    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => input.Tanh();
}

/// <summary>Softmax along a dimension (torch.nn.Softmax).</summary>
public sealed class Softmax(int dim) : Module
{
    /// <summary>The dimension that sums to 1.</summary>
    public int Dim { get; } = dim;

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => input.Softmax(Dim);
}

/// <summary>Log-softmax along a dimension (torch.nn.LogSoftmax).</summary>
public sealed class LogSoftmax(int dim) : Module
{
    /// <summary>The dimension normalised over.</summary>
    public int Dim { get; } = dim;

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => input.LogSoftmax(Dim);
}
