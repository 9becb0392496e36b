using System.Globalization;

namespace Tidu.Diagnostics;

/// <summary>What went wrong in training (the training doctor's diagnoses).</summary>
public enum FindingKind
{
    /// <summary>Gradients shrink towards the first layers until those layers stop learning.</summary>
    VanishingGradient,
    /// <summary>Gradients grow towards the first layers (or overall) until updates overshoot.</summary>
    ExplodingGradient,
    /// <summary>A NaN or infinity appeared in the loss, an activation, a gradient or a weight.</summary>
    NonFiniteValue,
    /// <summary>ReLU units that output zero for (almost) every input, so they receive no gradient.</summary>
    DeadRelu,
    /// <summary>Sigmoid/tanh inputs far in the flat tails, where the derivative is almost zero.</summary>
    SaturatedActivation,
    /// <summary>The loss goes up and down instead of falling.</summary>
    OscillatingLoss,
    /// <summary>The loss grows steadily.</summary>
    DivergingLoss,
    /// <summary>The loss falls too slowly or has stopped improving.</summary>
    SlowConvergence,
    /// <summary>Gradients of an earlier step were carried into this one (no ZeroGrad between steps).</summary>
    GradientNotZeroed,
    /// <summary>BatchNorm statistics estimated from too few values per channel.</summary>
    SmallBatchNorm,
    /// <summary>Input features far from zero mean and unit scale.</summary>
    UnnormalizedInput,
    /// <summary>Updates are too large relative to the weights.</summary>
    LearningRateTooHigh,
    /// <summary>Updates are too small relative to the weights to make progress.</summary>
    LearningRateTooLow,
    /// <summary>Weight norms keep growing during training.</summary>
    WeightGrowth,
    /// <summary>The regularisation term outweighs the data loss.</summary>
    RegularizationDominates,
    /// <summary>A parameter meant to learn never receives a gradient (frozen by mistake or cut off from the loss).</summary>
    NoGradient,
}

/// <summary>How serious a finding is.</summary>
public enum Severity
{
    /// <summary>Worth knowing; training may still be fine.</summary>
    Info,
    /// <summary>Training is likely hurt.</summary>
    Warning,
    /// <summary>Training is broken (non-finite values, divergence, parameters that never learn).</summary>
    Error,
}

/// <summary>One diagnosis: what, where, when, the numbers behind it, and what to do.</summary>
/// <param name="Kind">What went wrong.</param>
/// <param name="Severity">How serious it is.</param>
/// <param name="Step">The optimizer step at which it was last detected: the doctor raises a finding again on every step its
/// condition holds (see <see cref="Finding.FirstStep"/> for when it began).</param>
/// <param name="Parameter">The dotted parameter or module name it concerns, where one applies.</param>
/// <param name="Evidence">The measured numbers that triggered it, by name (e.g. "ratio", "threshold").</param>
/// <param name="Message">A one-sentence explanation.</param>
/// <param name="Suggestions">Concrete remedies, most useful first.</param>
public sealed record Finding(
    FindingKind Kind,
    Severity Severity,
    int Step,
    string? Parameter,
    IReadOnlyDictionary<string, double> Evidence,
    string Message,
    IReadOnlyList<string> Suggestions)
{
    /// <summary>
    /// The root-cause finding this one is most likely a consequence of (e.g. DivergingLoss under LearningRateTooHigh,
    /// LearningRateTooLow under VanishingGradient), or null for a root finding. Fix the cause first.
    /// </summary>
    public FindingKind? CausedBy { get; init; }

    /// <summary>The parameter of the cause finding, where it names one.</summary>
    public string? CausedByParameter { get; init; }

    /// <summary>
    /// The optimizer step at which it was first detected: <c>Evidence["firstStep"]</c> when it was raised again later,
    /// else <see cref="Step"/>. A report saying "at step 149" of an unnormalised input seen from step 0 hid when the
    /// problem began.
    /// </summary>
    public int FirstStep => Evidence.TryGetValue("firstStep", out double first) ? (int)first : Step;

    /// <summary>"step 5", or "steps 0–149" when it was first detected at 0 and is still there at 149.</summary>
    public string StepRange => FirstStep == Step
        ? string.Create(CultureInfo.InvariantCulture, $"step {Step}")
        : string.Create(CultureInfo.InvariantCulture, $"steps {FirstStep}–{Step}");

    /// <summary>Kind, step, parameter, message and cause on one line.</summary>
    public override string ToString() =>
        $"[{Severity}] {Kind} at {StepRange}{(Parameter is null ? "" : $" in {Parameter}")}: {Message}"
        + (CausedBy is { } c ? $" (consequence of {c}{(CausedByParameter is null ? "" : $" in {CausedByParameter}")})" : "");
}
