namespace Tidu.NN;

/// <summary>
/// Cross-entropy of logits against class indices or class probabilities (torch.nn.CrossEntropyLoss); see
/// <see cref="Functional.CrossEntropy"/>.
/// </summary>
public sealed class CrossEntropyLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Optional rescaling weight per class, shape [C].</param>
    /// <param name="ignoreIndex">A class-index target value that contributes neither loss nor gradient.</param>
    /// <param name="reduction">Mean (default), Sum or None.</param>
    /// <param name="labelSmoothing">ε in [0, 1]; 0 (default) is no smoothing.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 1].</exception>
    public CrossEntropyLoss(Tensor? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0)
        : base(reduction)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"CrossEntropyLoss: labelSmoothing must be between 0.0 and 1.0, got {labelSmoothing}.");
        Weight = weight;
        IgnoreIndex = ignoreIndex;
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>The rescaling weight per class, or null.</summary>
    public Tensor? Weight { get; }

    /// <summary>The class-index target value that is ignored.</summary>
    public int IgnoreIndex { get; }

    /// <summary>The label-smoothing amount ε.</summary>
    public double LabelSmoothing { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) =>
        Functional.CrossEntropy(input, target, Weight, IgnoreIndex, Reduction, LabelSmoothing);
}

/// <summary>Negative log-likelihood of log-probabilities (torch.nn.NLLLoss); see <see cref="Functional.NllLoss"/>.</summary>
/// <param name="weight">Optional rescaling weight per class, shape [C].</param>
/// <param name="ignoreIndex">A target value that contributes neither loss nor gradient.</param>
/// <param name="reduction">Mean (default), Sum or None.</param>
public sealed class NLLLoss(Tensor? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <summary>The rescaling weight per class, or null.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>The target value that is ignored.</summary>
    public int IgnoreIndex { get; } = ignoreIndex;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.NllLoss(input, target, Weight, IgnoreIndex, Reduction);
}
