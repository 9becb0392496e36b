namespace Tidu.NN;

/// <summary>
/// Stateless versions of the layers and losses (PyTorch's torch.nn.functional): the modules hold parameters
/// and call these.
/// </summary>
public static partial class Functional
{
    /// <summary>y = x·Wᵀ + b over the last dimension of x (torch.nn.functional.linear).</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2)
            throw new ArgumentException($"Linear: the weight must be 2-D [out, in], got shape {ShapeUtil.Format(weight.Shape)}.");
        if (input.Rank == 0 || input.Size(-1) != weight.Size(1))
            throw new ArgumentException($"Linear: input of shape {ShapeUtil.Format(input.Shape)} does not match weight of shape {ShapeUtil.Format(weight.Shape)} (expected last dim {weight.Size(1)}).");
        var output = input.MatMul(weight.T());
        return bias is null ? output : output + bias;
    }

    /// <summary>
    /// Inverted dropout: in training zeroes each element with probability p and scales the rest by 1/(1−p);
    /// the identity otherwise (torch.nn.functional.dropout).
    /// </summary>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: probability must be in [0, 1], got {p}.");
        if (!training || p == 0) return input;
        if (p == 1) return input * 0.0;
        Tensor mask;
        using (Tensor.NoGrad())
            mask = Tensor.Rand(input.Shape, input.DType, generator).Ge(p).To(input.DType) * (1.0 / (1 - p));
        return input * mask;
    }
}
