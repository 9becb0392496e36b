using ScottPlot;

namespace Tidu.Plots;

/// <summary>One named line of a <see cref="TrainingCurves"/> chart: a value per epoch (NaN for a gap).</summary>
/// <param name="Name">The legend label, e.g. "train" or "test".</param>
/// <param name="Values">The value of epoch 1, 2, …</param>
public sealed record CurveSeries(string Name, IReadOnlyList<double> Values);

/// <summary>
/// Per-epoch training curves (loss, accuracy) as PNG: several lines against the epoch number, with a legend,
/// like the charts Keras' <c>history</c> is usually plotted into.
/// </summary>
public static class TrainingCurves
{
    /// <summary>
    /// Writes a PNG line chart of <paramref name="series"/> against the epoch (1, 2, …). Creates the folder when
    /// it does not exist; without a font the chart has no text (see <see cref="LossCurve.CanRenderText"/>).
    /// </summary>
    /// <param name="path">The PNG file (overwritten).</param>
    /// <param name="title">The chart title.</param>
    /// <param name="yLabel">Label of the vertical axis, e.g. "loss" or "accuracy (%)".</param>
    /// <param name="series">The lines; at least one, each with at least one value.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <exception cref="ArgumentException">No series, or an empty one.</exception>
    public static void Save(string path, string title, string yLabel, IReadOnlyList<CurveSeries> series, int width = 800, int height = 500)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(yLabel);
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0 || series.Any(s => s.Values.Count == 0))
            throw new ArgumentException("TrainingCurves.Save: every chart needs at least one series with at least one value.", nameof(series));
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);

        var plot = new Plot();
        if (PlotFonts.Resolve() is { } font) plot.Font.Set(font);
        foreach (var s in series)
        {
            double[] xs = Enumerable.Range(1, s.Values.Count).Select(i => (double)i).ToArray();
            var line = plot.Add.Scatter(xs, s.Values.ToArray());
            line.LegendText = s.Name;
            line.LineWidth = 2;
            line.MarkerSize = 7;
            line.MarkerShape = MarkerShape.FilledCircle;
        }
        plot.ShowLegend();
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };

        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        plot.SavePng(path, width, height);
    }
}
