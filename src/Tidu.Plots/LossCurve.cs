using ScottPlot;

namespace Tidu.Plots;

/// <summary>
/// Draws a training loss curve (one point per iteration) to a PNG file, like <c>plt.plot(losses)</c> in the
/// PyTorch examples Tidu follows.
/// </summary>
public static class LossCurve
{
    /// <summary>
    /// False when charts will have no text because no font was found (Linux without fonts; on Debian install
    /// <c>fonts-dejavu-core</c>, or point the <c>TIDU_PLOT_FONT</c> environment variable at a .ttf file).
    /// </summary>
    public static bool CanRenderText => PlotFonts.TextAvailable;

    /// <summary>
    /// Writes a PNG line chart of <paramref name="losses"/> against the iteration number (0, 1, 2, …), with a title,
    /// axis labels and a marker on every point. Creates the file's folder when it does not exist.
    /// </summary>
    /// <param name="path">The PNG file to write (overwritten when it exists).</param>
    /// <param name="losses">The loss of each iteration, in order; must not be empty.</param>
    /// <param name="title">The chart title.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="xLabel">Label of the horizontal axis.</param>
    /// <param name="yLabel">Label of the vertical axis.</param>
    public static void Save(string path, IReadOnlyList<double> losses, string title,
        int width = 800, int height = 500, string xLabel = "iteration", string yLabel = "loss")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(losses);
        ArgumentNullException.ThrowIfNull(title);
        if (losses.Count == 0)
            throw new ArgumentException("LossCurve.Save: there are no losses to plot.", nameof(losses));
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);

        string? font = PlotFonts.Resolve();

        var plot = new Plot();
        if (font is not null) plot.Font.Set(font);

        double[] xs = new double[losses.Count];
        double[] ys = new double[losses.Count];
        for (int i = 0; i < xs.Length; i++)
        {
            xs[i] = i;
            ys[i] = losses[i];
        }

        var line = plot.Add.Scatter(xs, ys);
        line.LineWidth = 2;
        line.MarkerSize = 8;
        line.MarkerShape = MarkerShape.FilledCircle;

        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        // Iterations are whole numbers: ticks at fractions would suggest half steps that never happened.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };

        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        plot.SavePng(path, width, height);
    }
}
