namespace Tidu.Diagnostics;

/// <summary>One line on a chart: a value per optimizer step (e.g. one layer's gradient norm).</summary>
/// <param name="Name">The legend label, e.g. a dotted parameter name. Any text; it is HTML-encoded.</param>
/// <param name="Steps">The optimizer step of each value, ascending.</param>
/// <param name="Values">One value per step. NaN and infinities are allowed: they are drawn as gaps with a marker.</param>
public sealed record Series(string Name, IReadOnlyList<int> Steps, IReadOnlyList<double> Values);

/// <summary>A chart of several series that share one y axis, e.g. the gradient norm of every layer.</summary>
/// <param name="Title">The chart's heading.</param>
/// <param name="Series">The lines, one colour each, in legend order.</param>
/// <param name="LogScale">Draw the y axis in powers of ten; zero, negative and non-finite values become gaps.</param>
/// <param name="YLabel">The y axis label, if any.</param>
/// <param name="YMin">A fixed lower end of the y axis (e.g. 0 for fractions); null fits the data.</param>
/// <param name="YMax">A fixed upper end of the y axis (e.g. 1 for fractions); null fits the data.</param>
public sealed record SeriesGroup(
    string Title,
    IReadOnlyList<Series> Series,
    bool LogScale = false,
    string? YLabel = null,
    double? YMin = null,
    double? YMax = null)
{
    /// <summary>"Gradient norm per layer": ‖∇w‖ per parameter, on a log scale.</summary>
    public static SeriesGroup GradientNorms(IReadOnlyList<Series> series) =>
        new("Gradient norm per layer", series, LogScale: true, YLabel: "‖∇w‖");

    /// <summary>"Weight norm": ‖w‖ per parameter.</summary>
    public static SeriesGroup WeightNorms(IReadOnlyList<Series> series) =>
        new("Weight norm", series, YLabel: "‖w‖");

    /// <summary>"Update ratio ‖Δw‖/‖w‖": the relative size of each step per parameter, on a log scale.</summary>
    public static SeriesGroup UpdateRatios(IReadOnlyList<Series> series) =>
        new("Update ratio ‖Δw‖/‖w‖", series, LogScale: true, YLabel: "‖Δw‖/‖w‖");

    /// <summary>
    /// "Activation health": per layer, the fraction of ReLU outputs that are zero (dead) and the fraction of
    /// pre-activations in the flat tails of sigmoid/tanh (saturated), on a fixed 0–1 axis.
    /// </summary>
    public static SeriesGroup ActivationHealth(IReadOnlyList<Series> series) =>
        new("Activation health", series, YLabel: "fraction", YMin: 0, YMax: 1);
}

/// <summary>Everything <see cref="HtmlReport"/> draws: a plain description of one training run.</summary>
public sealed partial class ReportData
{
    /// <summary>The page title, e.g. "MLP on MNIST — training report".</summary>
    public required string Title { get; init; }

    /// <summary>The training loss per step; null when there is none to show.</summary>
    public Series? Loss { get; init; }

    /// <summary>Draw the loss on a log scale (useful when it falls over several orders of magnitude).</summary>
    public bool LossLogScale { get; init; }

    /// <summary>
    /// The charts after the loss curve, in order; see <see cref="SeriesGroup.GradientNorms"/>,
    /// <see cref="SeriesGroup.WeightNorms"/>, <see cref="SeriesGroup.UpdateRatios"/> and
    /// <see cref="SeriesGroup.ActivationHealth"/> for the standard ones.
    /// </summary>
    public IReadOnlyList<SeriesGroup> Groups { get; init; } = [];

    /// <summary>The training doctor's diagnoses; empty means training looks healthy.</summary>
    public IReadOnlyList<Finding> Findings { get; init; } = [];

    /// <summary>Facts about the run shown under the title, in order (e.g. model, optimizer, lr, steps).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Summary { get; init; } = [];
}
