namespace Tidu.NN;

/// <summary>
/// A loss function object (PyTorch's <c>torch.nn.modules.loss._Loss</c>): holds the options chosen at
/// construction and applies the matching <see cref="Functional"/> loss in <see cref="Forward"/>.
/// </summary>
public abstract class Loss
{
    /// <summary>Sets the reduction shared by every loss.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not a defined value.</exception>
    protected Loss(Reduction reduction)
    {
        if (reduction is not (Reduction.Mean or Reduction.Sum or Reduction.None))
            throw new ArgumentOutOfRangeException(nameof(reduction), $"{GetType().Name}: unknown reduction {reduction}; use Mean, Sum or None.");
        Reduction = reduction;
    }

    /// <summary>How the per-element losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <summary>The loss of <paramref name="input"/> (the prediction) against <paramref name="target"/>.</summary>
    public abstract Tensor Forward(Tensor input, Tensor target);
}
