using Tidu.Kernels;

namespace Tidu;

/// <summary>Which form of GELU to compute (torch.nn.functional.gelu's <c>approximate</c>).</summary>
public enum GeluApproximation
{
    /// <summary>The exact x·Φ(x) with the Gaussian CDF.</summary>
    None,
    /// <summary>0.5x(1 + tanh(√(2/π)(x + 0.044715x³))).</summary>
    Tanh,
}

// Activation functions with their derivatives.
public sealed partial class Tensor
{
    /// <summary>max(x, 0) element-wise.</summary>
    public Tensor Relu()
    {
        var a = AsFloatingPoint();
        var result = UnaryKernel<ReluOp>(a);
        // PyTorch's threshold_backward: the gradient passes except where the output is ≤ 0
        return Autograd.Record(result, "Relu", a, static (n, g) => [ReluGradient(n.Saved(0), g)], saved: [result]);
    }

    private static Tensor ReluGradient(Tensor output, Tensor grad)
    {
        var g = (grad.DType == output.DType ? grad : grad.To(output.DType)).Contiguous();
        var gx = Empty(output.DType, output.shape);
        if (output.DType == DType.Float32) ParallelSpans.ReluBackward(output.ContiguousSpan<float>(), g.ContiguousSpan<float>(), gx.ContiguousSpan<float>());
        else ParallelSpans.ReluBackward(output.ContiguousSpan<double>(), g.ContiguousSpan<double>(), gx.ContiguousSpan<double>());
        return gx;
    }

    /// <summary>x for x &gt; 0, negativeSlope·x otherwise (torch.nn.functional.leaky_relu, default slope 0.01).</summary>
    public Tensor LeakyRelu(double negativeSlope = 0.01)
    {
        var a = AsFloatingPoint();
        var result = UnaryKernel<LeakyReluOp>(a, negativeSlope);
        return Autograd.Record(result, "LeakyRelu", a,
            static (n, g) => [g * UnaryKernel<LeakyReluGradOp>(n.Saved(0), n.Scalar)], saved: [a], scalar: negativeSlope);
    }

    /// <summary>Gaussian error linear unit (torch.nn.functional.gelu).</summary>
    public Tensor Gelu(GeluApproximation approximate = GeluApproximation.None)
    {
        var a = AsFloatingPoint();
        double form = approximate == GeluApproximation.Tanh ? 1 : 0;
        var result = UnaryKernel<GeluOp>(a, form);
        return Autograd.Record(result, "Gelu", a,
            static (n, g) => [g * UnaryKernel<GeluGradOp>(n.Saved(0), n.Scalar)], saved: [a], scalar: form);
    }

    /// <summary>log(1 + e^(βx))/β, linear where βx &gt; threshold (torch.nn.functional.softplus; β = 1, threshold = 20).</summary>
    public Tensor Softplus(double beta = 1, double threshold = 20)
    {
        if (beta == 0) throw new ArgumentOutOfRangeException(nameof(beta), "Softplus: beta must be non-zero.");
        var a = AsFloatingPoint();
        var result = UnaryKernel<SoftplusOp>(a, beta, threshold);
        if (!Autograd.Needs(a)) return result;
        Tensor slope;
        using (NoGrad())
        {
            // d/dx = sigmoid(βx) below the threshold, 1 above it
            var bx = a * beta;
            slope = Where(bx.Gt(threshold), OnesLike(a), bx.Sigmoid());
        }
        return Autograd.Record(result, "Softplus", a, static (n, g) => [g * n.Saved(0)], saved: [slope]);
    }

    /// <summary>x for x &gt; 0, α(eˣ − 1) otherwise (torch.nn.functional.elu).</summary>
    public Tensor Elu(double alpha = 1.0)
    {
        var a = AsFloatingPoint();
        // exp only of the non-positive part, so the unused branch cannot overflow into a NaN gradient
        return Where(a.Gt(0.0), a, (a.Clamp(max: 0).Exp() - 1.0) * alpha);
    }

    /// <summary>scale·ELU(x, α) with PyTorch's fixed α and scale (self-normalising networks).</summary>
    public Tensor Selu()
    {
        const double alpha = 1.6732632423543772848170429916717;
        const double scale = 1.0507009873554804934193349852946;
        return Elu(alpha) * scale;
    }
}
