namespace Tidu.NN;

/// <summary>Binary cross-entropy of probabilities (torch.nn.BCELoss); see <see cref="Functional.BinaryCrossEntropy"/>.</summary>
/// <param name="weight">Optional rescaling weight, broadcastable to the input's shape.</param>
/// <param name="reduction">Mean (default), Sum or None.</param>
public sealed class BCELoss(Tensor? weight = null, Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <summary>The rescaling weight, or null.</summary>
    public Tensor? Weight { get; } = weight;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.BinaryCrossEntropy(input, target, Weight, Reduction);
}

/// <summary>
/// Numerically stable binary cross-entropy of logits (torch.nn.BCEWithLogitsLoss); see
/// <see cref="Functional.BinaryCrossEntropyWithLogits"/>.
/// </summary>
/// <param name="weight">Optional rescaling weight, broadcastable to the input's shape.</param>
/// <param name="reduction">Mean (default), Sum or None.</param>
/// <param name="posWeight">Optional weight of positive examples, broadcastable to the input's shape (typically [C]).</param>
public sealed class BCEWithLogitsLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean, Tensor? posWeight = null) : Loss(reduction)
{
    /// <summary>The rescaling weight, or null.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>The weight of positive examples, or null.</summary>
    public Tensor? PosWeight { get; } = posWeight;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) =>
        Functional.BinaryCrossEntropyWithLogits(input, target, Weight, PosWeight, Reduction);
}
