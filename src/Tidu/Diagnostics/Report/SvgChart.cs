using System.Globalization;
using System.Text;

namespace Tidu.Diagnostics;

/// <summary>A vertical line on a chart at the step of a finding, numbered like the finding's card.</summary>
internal readonly record struct StepMarker(int Step, int Number, string CssClass, string Tooltip);

/// <summary>
/// Line charts as inline SVG, written by hand so the report needs no script, no font and no network: axes with
/// nice ticks, linear or log y, one colour per series, gaps (with a marker and a note) where a value cannot be drawn.
/// </summary>
internal static class SvgChart
{
    private const double Height = 300;
    private const double PlotLeft = 70, PlotTop = 16, PlotBottom = Height - 44;

    /// <summary>matplotlib's tab10, then tab20's light halves; past 20 series the colours repeat with dashes.</summary>
    private static readonly string[] Palette =
    [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
        "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
    ];

    private static readonly string[] Dashes = ["", "6 3", "2 2", "8 3 2 3"];

    internal static string Colour(int index) => Palette[index % Palette.Length];

    private static string Dash(int index) => Dashes[index / Palette.Length % Dashes.Length];

    /// <summary>Writes the chart as a &lt;figure&gt;: heading, SVG, legend and notes on values that were not drawn.</summary>
    /// <param name="sb">Where the HTML goes.</param>
    /// <param name="id">A document-unique id for the chart (used for its clip path).</param>
    /// <param name="group">The series and axis settings.</param>
    /// <param name="markers">Finding steps to mark with a vertical line.</param>
    /// <param name="flagged">Series names that a finding concerns: the CSS class of the most serious one and the finding numbers.</param>
    /// <param name="width">The SVG's width in user units (the height is fixed): wider for a full-width chart.</param>
    public static void Write(StringBuilder sb, string id, SeriesGroup group, IReadOnlyList<StepMarker> markers,
        IReadOnlyDictionary<string, (string CssClass, string Text)> flagged, double width = 640)
    {
        double Width = width, PlotRight = width - 16;
        bool log = group.LogScale;
        foreach (var s in group.Series)
            if (s.Steps.Count != s.Values.Count)
                throw new ArgumentException(
                    $"HtmlReport: series '{s.Name}' in '{group.Title}' has {s.Steps.Count} steps but {s.Values.Count} values.", nameof(group));
        sb.Append("<figure class=\"chart\" id=\"").Append(id).Append("\">\n<figcaption>").Append(Html.Encode(group.Title));
        if (log) sb.Append(" <span class=\"scale\">log scale</span>");
        sb.Append("</figcaption>\n");

        // ---- ranges ----
        int xMin = int.MaxValue, xMax = int.MinValue;
        double yMin = double.PositiveInfinity, yMax = double.NegativeInfinity;
        foreach (var s in group.Series)
        {
            int n = s.Values.Count;
            for (int i = 0; i < n; i++)
            {
                xMin = Math.Min(xMin, s.Steps[i]);
                xMax = Math.Max(xMax, s.Steps[i]);
                double v = s.Values[i];
                if (!Drawable(v, log)) continue;
                yMin = Math.Min(yMin, v);
                yMax = Math.Max(yMax, v);
            }
        }
        if (xMin > xMax)
        {
            sb.Append("<p class=\"empty\">No data.</p>\n</figure>\n");
            return;
        }

        bool anyDrawable = yMin <= yMax;
        if (log)
        {
            if (group.YMin is > 0) yMin = group.YMin.Value;
            if (group.YMax is > 0) yMax = group.YMax.Value;
            if (!anyDrawable && !(yMin <= yMax)) (yMin, yMax) = (0.1, 10);
        }
        else
        {
            if (group.YMin is { } lo && double.IsFinite(lo)) yMin = lo;
            if (group.YMax is { } hi && double.IsFinite(hi)) yMax = hi;
            if (!anyDrawable && !(yMin <= yMax)) (yMin, yMax) = (0, 1);
        }
        if (yMin > yMax) (yMin, yMax) = (yMax, yMin);

        Axis yAxis = log ? LogAxis.Fit(yMin, yMax) : LinearAxis.Fit(yMin, yMax, group.YMin.HasValue, group.YMax.HasValue);
        double xLo = xMin, xHi = xMax == xMin ? xMin + 1 : xMax;
        var xTicks = LinearAxis.NiceIntegerTicks(xMin, xMax);

        double X(double step) => PlotLeft + (step - xLo) / (xHi - xLo) * (PlotRight - PlotLeft);
        double Y(double v) => PlotBottom - yAxis.Fraction(v) * (PlotBottom - PlotTop);

        sb.Append("<svg class=\"plot\" viewBox=\"0 0 ").Append(F(Width)).Append(' ').Append(F(Height))
          .Append("\" role=\"img\" aria-label=\"").Append(Html.Encode(group.Title)).Append("\">\n");
        sb.Append("<defs><clipPath id=\"").Append(id).Append("-clip\"><rect x=\"").Append(F(PlotLeft)).Append("\" y=\"")
          .Append(F(PlotTop - 1)).Append("\" width=\"").Append(F(PlotRight - PlotLeft)).Append("\" height=\"")
          .Append(F(PlotBottom - PlotTop + 2)).Append("\"/></clipPath></defs>\n");

        // ---- grid and axes ----
        sb.Append("<g class=\"grid\">");
        foreach (double t in yAxis.MinorTicks)
            sb.Append("<line class=\"minor\" x1=\"").Append(F(PlotLeft)).Append("\" x2=\"").Append(F(PlotRight))
              .Append("\" y1=\"").Append(F(Y(t))).Append("\" y2=\"").Append(F(Y(t))).Append("\"/>");
        foreach (var (t, _) in yAxis.Ticks)
            sb.Append("<line x1=\"").Append(F(PlotLeft)).Append("\" x2=\"").Append(F(PlotRight))
              .Append("\" y1=\"").Append(F(Y(t))).Append("\" y2=\"").Append(F(Y(t))).Append("\"/>");
        foreach (int t in xTicks)
            sb.Append("<line x1=\"").Append(F(X(t))).Append("\" x2=\"").Append(F(X(t)))
              .Append("\" y1=\"").Append(F(PlotTop)).Append("\" y2=\"").Append(F(PlotBottom)).Append("\"/>");
        sb.Append("</g>\n<g class=\"axis\">");
        sb.Append("<line x1=\"").Append(F(PlotLeft)).Append("\" x2=\"").Append(F(PlotLeft)).Append("\" y1=\"").Append(F(PlotTop))
          .Append("\" y2=\"").Append(F(PlotBottom)).Append("\"/>");
        sb.Append("<line x1=\"").Append(F(PlotLeft)).Append("\" x2=\"").Append(F(PlotRight)).Append("\" y1=\"").Append(F(PlotBottom))
          .Append("\" y2=\"").Append(F(PlotBottom)).Append("\"/>");
        foreach (var (t, label) in yAxis.Ticks)
        {
            double y = Y(t);
            sb.Append("<line x1=\"").Append(F(PlotLeft - 4)).Append("\" x2=\"").Append(F(PlotLeft)).Append("\" y1=\"").Append(F(y))
              .Append("\" y2=\"").Append(F(y)).Append("\"/>");
            sb.Append("<text class=\"ytick\" x=\"").Append(F(PlotLeft - 7)).Append("\" y=\"").Append(F(y + 4)).Append("\">")
              .Append(Html.Encode(label)).Append("</text>");
        }
        foreach (int t in xTicks)
        {
            double x = X(t);
            sb.Append("<line x1=\"").Append(F(x)).Append("\" x2=\"").Append(F(x)).Append("\" y1=\"").Append(F(PlotBottom))
              .Append("\" y2=\"").Append(F(PlotBottom + 4)).Append("\"/>");
            sb.Append("<text class=\"xtick\" x=\"").Append(F(x)).Append("\" y=\"").Append(F(PlotBottom + 19)).Append("\">")
              .Append(t.ToString(CultureInfo.InvariantCulture)).Append("</text>");
        }
        sb.Append("<text class=\"xlabel\" x=\"").Append(F((PlotLeft + PlotRight) / 2)).Append("\" y=\"").Append(F(Height - 6))
          .Append("\">step</text>");
        if (group.YLabel is { } yLabel)
            sb.Append("<text class=\"ylabel\" transform=\"translate(16 ").Append(F((PlotTop + PlotBottom) / 2))
              .Append(") rotate(-90)\">").Append(Html.Encode(yLabel)).Append("</text>");
        sb.Append("</g>\n");

        // ---- finding markers ----
        foreach (var m in markers)
        {
            if (m.Step < xMin || m.Step > xMax) continue;
            double x = X(m.Step);
            sb.Append("<g class=\"marker ").Append(m.CssClass).Append("\"><title>").Append(Html.Encode(m.Tooltip)).Append("</title>")
              .Append("<line x1=\"").Append(F(x)).Append("\" x2=\"").Append(F(x)).Append("\" y1=\"").Append(F(PlotTop))
              .Append("\" y2=\"").Append(F(PlotBottom)).Append("\"/>")
              .Append("<circle cx=\"").Append(F(x)).Append("\" cy=\"").Append(F(PlotTop)).Append("\" r=\"7\"/>")
              .Append("<text x=\"").Append(F(x)).Append("\" y=\"").Append(F(PlotTop + 3.5)).Append("\">")
              .Append(m.Number.ToString(CultureInfo.InvariantCulture)).Append("</text></g>");
        }

        // ---- series ----
        var notes = new List<string>();
        sb.Append("<g class=\"series\" clip-path=\"url(#").Append(id).Append("-clip)\">\n");
        for (int si = 0; si < group.Series.Count; si++)
        {
            var s = group.Series[si];
            string colour = Colour(si), dash = Dash(si);
            int n = s.Values.Count;
            var path = new StringBuilder();
            var gaps = new StringBuilder();
            var counts = new GapCounts();
            var column = new ColumnReducer(path);
            bool prevDrawn = false;
            for (int i = 0; i < n; i++)
            {
                double v = s.Values[i];
                double x = X(s.Steps[i]);
                if (Drawable(v, log))
                {
                    column.Add(x, Y(v), startNew: !prevDrawn);
                    prevDrawn = true;
                    continue;
                }
                counts.Add(v, s.Steps[i]);
                if (prevDrawn || i == 0)
                {
                    // Mark where each gap begins: a cross at the top for NaN/∞, a triangle at the bottom for ≤ 0 on log.
                    if (double.IsFinite(v))
                        gaps.Append("<path class=\"gap\" d=\"M").Append(F(x - 4)).Append(' ').Append(F(PlotBottom - 7)).Append("h8l-4 7z\"/>");
                    else
                        gaps.Append("<path class=\"gap\" d=\"M").Append(F(x - 4)).Append(' ').Append(F(PlotTop + 1)).Append("l8 8m0 -8l-8 8\"/>");
                }
                column.Flush();
                prevDrawn = false;
            }
            column.Flush();
            sb.Append("<g style=\"--c:").Append(colour).Append("\"><title>").Append(Html.Encode(s.Name)).Append("</title>");
            if (path.Length > 0)
            {
                sb.Append("<path class=\"line\" data-series=\"").Append(si.ToString(CultureInfo.InvariantCulture)).Append('"');
                if (dash.Length > 0) sb.Append(" stroke-dasharray=\"").Append(dash).Append('"');
                sb.Append(" d=\"").Append(path).Append("\"/>");
            }
            sb.Append(column.Dots).Append(gaps).Append("</g>\n");
            if (counts.Any) notes.Add(counts.Describe(s.Name, log));
        }
        sb.Append("</g>\n</svg>\n");

        // ---- legend and notes ----
        sb.Append("<ul class=\"legend\">");
        for (int si = 0; si < group.Series.Count; si++)
        {
            var s = group.Series[si];
            string dash = Dash(si);
            sb.Append("<li");
            bool isFlagged = flagged.TryGetValue(s.Name, out var which);
            if (isFlagged) sb.Append(" class=\"flagged\"");
            sb.Append("><svg class=\"swatch\" viewBox=\"0 0 22 8\"><line x1=\"1\" y1=\"4\" x2=\"21\" y2=\"4\" stroke=\"")
              .Append(Colour(si)).Append('"');
            if (dash.Length > 0) sb.Append(" stroke-dasharray=\"").Append(dash).Append('"');
            sb.Append("/></svg>").Append(Html.Encode(s.Name));
            if (isFlagged) sb.Append(" <span class=\"ref ").Append(which.CssClass).Append("\">").Append(Html.Encode(which.Text)).Append("</span>");
            sb.Append("</li>");
        }
        sb.Append("</ul>\n");
        if (!anyDrawable) notes.Insert(0, log ? "No positive finite values to draw on a log scale." : "No finite values to draw.");
        if (notes.Count > 0)
        {
            sb.Append("<ul class=\"notes\">");
            foreach (var note in notes) sb.Append("<li>").Append(Html.Encode(note)).Append("</li>");
            sb.Append("</ul>\n");
        }
        sb.Append("</figure>\n");
    }

    private static bool Drawable(double v, bool log) => double.IsFinite(v) && (!log || v > 0);

    internal static string F(double v) => Math.Round(v, 1).ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>
    /// Appends points to a path but keeps at most first/min/max/last per half-pixel column, so a run of
    /// 100 000 steps stays a small file and still shows every spike.
    /// </summary>
    private sealed class ColumnReducer(StringBuilder path)
    {
        private readonly List<(double X, double Y)> _bucket = [];
        private readonly StringBuilder _segment = new();
        private int _column = int.MinValue;
        private int _segmentPoints;
        private (double X, double Y) _last;

        /// <summary>Single points with no neighbour to join, drawn as dots (a one-point path draws nothing).</summary>
        public StringBuilder Dots { get; } = new();

        public void Add(double x, double y, bool startNew)
        {
            if (startNew) Flush();
            int column = (int)Math.Floor(x * 2);
            if (column != _column) FlushBucket();
            _column = column;
            _bucket.Add((x, y));
        }

        /// <summary>Ends the current run of points (at a gap or the end of the series).</summary>
        public void Flush()
        {
            FlushBucket();
            if (_segmentPoints == 1)
                Dots.Append("<circle class=\"dot\" cx=\"").Append(F(_last.X)).Append("\" cy=\"").Append(F(_last.Y)).Append("\" r=\"2.2\"/>");
            else if (_segmentPoints > 1)
                path.Append(path.Length > 0 ? " " : "").Append(_segment);
            _segment.Clear();
            _segmentPoints = 0;
            _column = int.MinValue;
        }

        private void FlushBucket()
        {
            if (_bucket.Count == 0) return;
            int iMin = 0, iMax = 0;
            for (int i = 1; i < _bucket.Count; i++)
            {
                if (_bucket[i].Y < _bucket[iMin].Y) iMin = i;
                if (_bucket[i].Y > _bucket[iMax].Y) iMax = i;
            }
            int[] keep = [0, Math.Min(iMin, iMax), Math.Max(iMin, iMax), _bucket.Count - 1];
            int previous = -1;
            foreach (int k in keep)
            {
                if (k == previous) continue;
                previous = k;
                var (x, y) = _bucket[k];
                _segment.Append(_segmentPoints == 0 ? "M" : "L").Append(F(x)).Append(' ').Append(F(y));
                _segmentPoints++;
                _last = (x, y);
            }
            _bucket.Clear();
        }
    }

    /// <summary>Counts of the values a series could not draw, by reason, for the note under the chart.</summary>
    private sealed class GapCounts
    {
        private int _nan, _posInf, _negInf, _zero, _negative;
        private int _first = int.MaxValue;

        public bool Any => _nan + _posInf + _negInf + _zero + _negative > 0;

        public void Add(double v, int step)
        {
            _first = Math.Min(_first, step);
            if (double.IsNaN(v)) _nan++;
            else if (double.IsPositiveInfinity(v)) _posInf++;
            else if (double.IsNegativeInfinity(v)) _negInf++;
            else if (v == 0) _zero++;
            else _negative++;
        }

        public string Describe(string name, bool log)
        {
            var parts = new List<string>();
            if (_nan > 0) parts.Add(Count(_nan, "NaN"));
            if (_posInf > 0) parts.Add(Count(_posInf, "+∞"));
            if (_negInf > 0) parts.Add(Count(_negInf, "−∞"));
            if (_zero > 0) parts.Add(Count(_zero, log ? "zero (no log)" : "zero"));
            if (_negative > 0) parts.Add(Count(_negative, log ? "negative (no log)" : "negative"));
            return string.Create(CultureInfo.InvariantCulture,
                $"{name}: not drawn — {string.Join(", ", parts)}; first at step {_first}.");
        }

        private static string Count(int n, string what) => n.ToString(CultureInfo.InvariantCulture) + " × " + what;
    }
}

/// <summary>A y axis: where a value sits between the bottom (0) and the top (1), and the labelled ticks.</summary>
internal abstract class Axis
{
    public abstract double Fraction(double v);

    public List<(double Value, string Label)> Ticks { get; } = [];

    public List<double> MinorTicks { get; } = [];
}

/// <summary>A linear axis with 1-2-5 ticks.</summary>
internal sealed class LinearAxis(double lo, double hi) : Axis
{
    public override double Fraction(double v) => (v - lo) / (hi - lo);

    public static LinearAxis Fit(double min, double max, bool fixedMin, bool fixedMax)
    {
        if (min == max)
        {
            double pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            if (!fixedMin) min -= pad;
            if (!fixedMax) max += pad;
            if (min == max) max = min + 1;
        }
        double step = NiceStep((max - min) / 5);
        double lo = fixedMin ? min : Math.Floor(min / step) * step;
        double hi = fixedMax ? max : Math.Ceiling(max / step) * step;
        var axis = new LinearAxis(lo, hi);
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        string format = "F" + decimals.ToString(CultureInfo.InvariantCulture);
        for (double t = Math.Ceiling(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
        {
            double rounded = Math.Round(t / step) * step;
            axis.Ticks.Add((rounded, Label(rounded, step, format)));
        }
        return axis;
    }

    private static string Label(double v, double step, string format)
    {
        if (Math.Abs(v) < step * 1e-6) return "0";
        double a = Math.Abs(v);
        if (a >= 1e5 || a < 1e-3) return v.ToString("0.##e0", CultureInfo.InvariantCulture).Replace("-", "−");
        return v.ToString(format, CultureInfo.InvariantCulture).Replace("-", "−");
    }

    /// <summary>The 1, 2 or 5 × 10ⁿ nearest above <paramref name="rough"/>.</summary>
    public static double NiceStep(double rough)
    {
        if (!(rough > 0) || !double.IsFinite(rough)) return 1;
        double p = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double m = rough / p;
        return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
    }

    /// <summary>About six whole-number ticks covering [min, max].</summary>
    public static List<int> NiceIntegerTicks(int min, int max)
    {
        double step = Math.Max(1, NiceStep((max - min) / 6.0));
        var ticks = new List<int>();
        for (double t = Math.Ceiling(min / step) * step; t <= max; t += step) ticks.Add((int)t);
        if (ticks.Count == 0) ticks.Add(min);
        return ticks;
    }
}

/// <summary>A base-10 log axis from one power of ten to another, labelled 10ⁿ.</summary>
internal sealed class LogAxis(int loExp, int hiExp) : Axis
{
    public override double Fraction(double v) => (Math.Log10(v) - loExp) / (hiExp - loExp);

    public static LogAxis Fit(double min, double max)
    {
        int lo = (int)Math.Floor(Math.Log10(min) + 1e-9);
        int hi = (int)Math.Ceiling(Math.Log10(max) - 1e-9);
        if (hi <= lo) hi = lo + 1;
        var axis = new LogAxis(lo, hi);
        int every = Math.Max(1, (int)Math.Ceiling((hi - lo) / 8.0));
        for (int e = lo; e <= hi; e++)
        {
            if ((e - lo) % every == 0) axis.Ticks.Add((Math.Pow(10, e), Power(e)));
            if (every == 1 && hi - lo <= 6 && e < hi)
                for (int k = 2; k <= 9; k++) axis.MinorTicks.Add(k * Math.Pow(10, e));
        }
        return axis;
    }

    private static string Power(int e)
    {
        const string digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        var sb = new StringBuilder("10");
        if (e < 0) sb.Append('⁻');
        foreach (char c in Math.Abs(e).ToString(CultureInfo.InvariantCulture)) sb.Append(digits[c - '0']);
        return sb.ToString();
    }
}
