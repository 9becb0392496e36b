namespace Tidu.Diagnostics;

public sealed partial class ReportData
{
    /// <summary>
    /// The report of a monitored run: the loss curve, per-layer gradient norms, weight norms and update ratios,
    /// activation health per activation module, and the findings.
    /// </summary>
    public static ReportData FromHistory(TrainingHistory history, IReadOnlyList<Finding> findings, string title,
        IReadOnlyList<KeyValuePair<string, string>>? summary = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(findings);
        var losses = history.Losses;
        var loss = losses.Count == 0 ? null : new Series("loss", [.. losses.Select(l => l.Step)], [.. losses.Select(l => l.Loss)]);

        var layers = history.Layers.GroupBy(l => l.Layer).ToList();
        List<Series> PerLayer(Func<LayerRecord, double> value) =>
            [.. layers.Select(g => new Series(g.Key, [.. g.Select(r => r.Step)], [.. g.Select(value)]))];

        var activations = history.Activations.GroupBy(a => (a.Module, a.Kind)).ToList();
        var health = new List<Series>();
        foreach (var g in activations)
        {
            string name = g.Key.Module.Length == 0 ? g.Key.Kind : $"{g.Key.Module} ({g.Key.Kind})";
            // ReLU: the share of dead outputs; sigmoid/tanh: the share of saturated inputs
            health.Add(g.Key.Kind == "ReLU"
                ? new Series(name + " ≤ 0", [.. g.Select(r => r.Step)], [.. g.Select(r => r.NonPositiveFraction)])
                : new Series(name + " saturated", [.. g.Select(r => r.Step)], [.. g.Select(r => r.SaturatedFraction)]));
        }

        var groups = new List<SeriesGroup>
        {
            SeriesGroup.GradientNorms(PerLayer(r => r.GradNorm)),
            SeriesGroup.WeightNorms(PerLayer(r => r.WeightNorm)),
            SeriesGroup.UpdateRatios(PerLayer(r => r.UpdateRatio)),
        };
        if (health.Count > 0) groups.Add(SeriesGroup.ActivationHealth(health));
        return new ReportData { Title = title, Loss = loss, Groups = groups, Findings = findings, Summary = summary ?? [] };
    }
}
