using System.Globalization;
using System.Text;

namespace Tidu.Diagnostics;

/// <summary>
/// A training report as one self-contained HTML file: the findings first (what went wrong, where, the numbers
/// and what to try), then the loss curve and the per-layer charts as inline SVG. The file loads nothing from
/// the network (no script, no web font, no CDN), so it opens offline and can be attached to an issue or CI run.
/// </summary>
/// <example>
/// <code>
/// HtmlReport.Write("out/report.html", new ReportData
/// {
///     Title = "MLP — training report",
///     Loss = new Series("loss", steps, losses),
///     Groups = [SeriesGroup.GradientNorms(gradNorms), SeriesGroup.UpdateRatios(ratios)],
///     Findings = findings,
///     Summary = [new("optimizer", "SGD"), new("lr", "0.1")],
/// });
/// </code>
/// </example>
public static class HtmlReport
{
    /// <summary>Renders the report and writes it to <paramref name="path"/> atomically (a temporary file, then a move).</summary>
    /// <param name="path">The .html file to write; its folder is created if missing, an existing file is replaced.</param>
    /// <param name="data">What to report.</param>
    public static void Write(string path, ReportData data)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string html = Render(data);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(directory);
        // Same folder, so the move is a rename on one file system: a reader sees the old report or the new one.
        string temp = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            File.WriteAllText(temp, html, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>The report as an HTML document. The same data always gives the same text, in any culture.</summary>
    /// <param name="data">What to report.</param>
    public static string Render(ReportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var sb = new StringBuilder(64 * 1024);
        string title = Html.Encode(data.Title);

        // Root causes most serious first (equal severities by step), each followed by the findings it explains.
        var findings = FindingOrder.ByCause(data.Findings).ToList();
        var worst = findings.Count == 0 ? Severity.Info : findings.Max(f => f.Severity);

        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
          .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
          .Append("<title>").Append(title).Append("</title>\n<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n<main>\n");

        // ---- header ----
        sb.Append("<header class=\"top\">\n<div class=\"eyebrow\">Tidu training report</div>\n<h1>").Append(title).Append("</h1>\n");
        sb.Append("<div class=\"status ").Append(findings.Count == 0 ? "ok" : SeverityClass(worst)).Append("\">")
          .Append(Html.Encode(StatusLine(findings))).Append("</div>\n");
        if (data.Summary.Count > 0)
        {
            sb.Append("<dl class=\"summary\">");
            foreach (var (key, value) in data.Summary)
                sb.Append("<div><dt>").Append(Html.Encode(key)).Append("</dt><dd>").Append(Html.Encode(value)).Append("</dd></div>");
            sb.Append("</dl>\n");
        }
        sb.Append("</header>\n");

        // ---- findings ----
        sb.Append("<section class=\"findings\" id=\"findings\">\n<h2>Findings</h2>\n");
        if (findings.Count == 0)
            sb.Append("<div class=\"healthy\"><span class=\"check\">✓</span><div><strong>No findings — training looks healthy.</strong>")
              .Append("<p>The doctor checked this run and found nothing to fix.</p></div></div>\n");
        for (int i = 0; i < findings.Count; i++)
        {
            int cause = CauseNumber(findings, i);
            WriteFinding(sb, findings[i], i + 1, cause, cause > 0 ? Title(findings[cause - 1]) : null);
        }
        sb.Append("</section>\n");

        // ---- charts ----
        var markers = new List<StepMarker>();
        var flagged = new Dictionary<string, (string CssClass, string Text)>(StringComparer.Ordinal);
        for (int i = 0; i < findings.Count; i++)
        {
            var f = findings[i];
            // the marker stands where the problem began; its tooltip says how long it lasted
            markers.Add(new StepMarker(f.FirstStep, i + 1, SeverityClass(f.Severity),
                string.Create(CultureInfo.InvariantCulture, $"#{i + 1} {Title(f)} at {f.StepRange}")));
            if (f.Parameter is { } p)
                // Root causes come first, so the first finding naming a parameter sets its colour.
                flagged[p] = flagged.TryGetValue(p, out var refs)
                    ? (refs.CssClass, refs.Text + " #" + (i + 1).ToString(CultureInfo.InvariantCulture))
                    : (SeverityClass(f.Severity), "⚠ #" + (i + 1).ToString(CultureInfo.InvariantCulture));
        }

        if (data.Loss is { } loss)
        {
            sb.Append("<section class=\"loss\">\n<h2>Loss</h2>\n");
            SvgChart.Write(sb, "chart-loss", new SeriesGroup("Training loss", [loss], data.LossLogScale, "loss"), markers, flagged,
                width: 1240);
            sb.Append("</section>\n");
        }
        if (data.Groups.Count > 0)
        {
            sb.Append("<section class=\"charts\">\n<h2>Per-layer statistics</h2>\n<div class=\"grid\">\n");
            for (int i = 0; i < data.Groups.Count; i++)
                SvgChart.Write(sb, "chart-" + i.ToString(CultureInfo.InvariantCulture), data.Groups[i], markers, flagged);
            sb.Append("</div>\n</section>\n");
        }

        sb.Append("<footer>Numbered circles on the charts mark the step of each finding. ")
          .Append("On log scales, zero and negative values cannot be drawn: the line breaks and a ▼ marks where; ")
          .Append("a ✕ at the top marks NaN or ∞.</footer>\n</main>\n</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>The 1-based number of the finding that <paramref name="findings"/>[i] is a consequence of, or 0.</summary>
    private static int CauseNumber(List<Finding> findings, int i)
    {
        var f = findings[i];
        if (f.CausedBy is not { } kind) return 0;
        int exact = findings.FindIndex(c => c.CausedBy is null && c.Kind == kind && c.Parameter == f.CausedByParameter);
        int any = findings.FindIndex(c => c.CausedBy is null && c.Kind == kind);
        return (exact >= 0 ? exact : any) + 1;
    }

    private static void WriteFinding(StringBuilder sb, Finding f, int number, int causeNumber, string? causeTitle)
    {
        string n = number.ToString(CultureInfo.InvariantCulture);
        sb.Append("<article class=\"finding ").Append(SeverityClass(f.Severity)).Append(f.CausedBy is null ? "" : " consequence")
          .Append("\" id=\"finding-").Append(n).Append("\">\n")
          .Append("<div class=\"head\"><span class=\"num\">").Append(n).Append("</span>")
          .Append("<span class=\"badge\">").Append(f.Severity.ToString()).Append("</span>")
          .Append("<h3>").Append(Html.Encode(Title(f))).Append("</h3>")
          .Append("<span class=\"kind\">").Append(f.Kind.ToString()).Append("</span></div>\n")
          .Append("<div class=\"where\">at step <strong>").Append(f.FirstStep.ToString(CultureInfo.InvariantCulture)).Append("</strong>");
        if (f.Step != f.FirstStep) sb.Append(" (still seen at step ").Append(f.Step.ToString(CultureInfo.InvariantCulture)).Append(')');
        if (f.Parameter is not null) sb.Append(" in <code>").Append(Html.Encode(f.Parameter)).Append("</code>");
        if (f.CausedBy is { } cause)
        {
            // a consequence links to its root cause so the reader fixes that first
            sb.Append(" · <span class=\"caused-by\">consequence of ");
            if (causeNumber > 0) sb.Append("<a href=\"#finding-").Append(causeNumber.ToString(CultureInfo.InvariantCulture)).Append("\">#")
                .Append(causeNumber.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Html.Encode(causeTitle ?? KindName(cause))).Append("</a>");
            else sb.Append(Html.Encode(KindName(cause)));
            if (f.CausedByParameter is not null) sb.Append(" in <code>").Append(Html.Encode(f.CausedByParameter)).Append("</code>");
            sb.Append("</span>");
        }
        sb.Append("</div>\n<p class=\"message\">").Append(Html.Encode(f.Message)).Append("</p>\n<div class=\"body\">\n");
        if (f.Evidence.Count > 0)
        {
            sb.Append("<table class=\"evidence\"><caption>Evidence</caption><tbody>");
            foreach (var (name, value) in f.Evidence)
                sb.Append("<tr><th>").Append(Html.Encode(name)).Append("</th><td>").Append(Html.Encode(Number(value))).Append("</td></tr>");
            sb.Append("</tbody></table>\n");
        }
        if (f.Suggestions.Count > 0)
        {
            sb.Append("<div class=\"suggestions\"><div class=\"caption\">What to try</div><ol>");
            foreach (var s in f.Suggestions) sb.Append("<li>").Append(Html.Encode(s)).Append("</li>");
            sb.Append("</ol></div>\n");
        }
        sb.Append("</div>\n</article>\n");
    }

    private static string StatusLine(List<Finding> findings)
    {
        if (findings.Count == 0) return "Healthy: no findings";
        var parts = new List<string>();
        foreach (var severity in new[] { Severity.Error, Severity.Warning, Severity.Info })
        {
            int count = findings.Count(f => f.Severity == severity);
            if (count == 0) continue;
            string word = severity switch { Severity.Error => "error", Severity.Warning => "warning", _ => "note" };
            parts.Add(count.ToString(CultureInfo.InvariantCulture) + " " + word + (count == 1 ? "" : "s"));
        }
        return (findings.Count == 1 ? "1 finding: " : findings.Count.ToString(CultureInfo.InvariantCulture) + " findings: ")
            + string.Join(", ", parts);
    }

    private static string SeverityClass(Severity s) => s switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "info",
    };

    /// <summary>
    /// A finding's title: its kind as words, except the unbounded-loss form of WeightGrowth, whose cause is the loss
    /// rather than the weights.
    /// </summary>
    internal static string Title(Finding f) => CauseGraph.IsUnboundedLoss(f) ? "Loss without a lower bound" : KindName(f.Kind);

    /// <summary>A finding kind as words ("Vanishing gradient").</summary>
    internal static string KindName(FindingKind kind) => kind switch
    {
        FindingKind.VanishingGradient => "Vanishing gradient",
        FindingKind.ExplodingGradient => "Exploding gradient",
        FindingKind.NonFiniteValue => "NaN or infinity",
        FindingKind.DeadRelu => "Dead ReLU units",
        FindingKind.SaturatedActivation => "Saturated activations",
        FindingKind.OscillatingLoss => "Oscillating loss",
        FindingKind.DivergingLoss => "Diverging loss",
        FindingKind.SlowConvergence => "Slow convergence",
        FindingKind.GradientNotZeroed => "Gradients not zeroed",
        FindingKind.SmallBatchNorm => "BatchNorm batch too small",
        FindingKind.UnnormalizedInput => "Unnormalized input",
        FindingKind.LearningRateTooHigh => "Learning rate too high",
        FindingKind.LearningRateTooLow => "Learning rate too low",
        FindingKind.WeightGrowth => "Weights keep growing",
        FindingKind.RegularizationDominates => "Regularization dominates",
        FindingKind.NoGradient => "Parameter gets no gradient",
        _ => kind.ToString(),
    };

    /// <summary>An evidence value: four significant digits, scientific when very large or small.</summary>
    internal static string Number(double v)
    {
        if (double.IsNaN(v)) return "NaN";
        if (double.IsPositiveInfinity(v)) return "+∞";
        if (double.IsNegativeInfinity(v)) return "−∞";
        if (v == Math.Floor(v) && Math.Abs(v) < 1e9) return v.ToString("0", CultureInfo.InvariantCulture);
        double a = Math.Abs(v);
        return a != 0 && (a < 1e-3 || a >= 1e6)
            ? v.ToString("0.###e+0", CultureInfo.InvariantCulture)
            : v.ToString("G4", CultureInfo.InvariantCulture);
    }

    private const string Css = """
        :root { --fg:#1d2330; --muted:#5b6475; --line:#e3e7ee; --bg:#f5f7fa; --card:#fff;
          --error:#c62828; --error-bg:#fdecea; --warning:#b45f06; --warning-bg:#fff3e0; --info:#1565c0; --info-bg:#e8f1fb;
          --ok:#2e7d32; --ok-bg:#e8f5e9; }
        * { box-sizing: border-box; }
        body { margin:0; background:var(--bg); color:var(--fg); font:15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
        main { max-width:1320px; margin:0 auto; padding:28px 32px 40px; }
        h1 { font-size:28px; margin:2px 0 10px; line-height:1.2; overflow-wrap:anywhere; }
        h2 { font-size:19px; margin:30px 0 12px; padding-bottom:6px; border-bottom:1px solid var(--line); }
        code { font:13px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; background:#eef1f6; padding:1px 5px; border-radius:4px; overflow-wrap:anywhere; }
        .eyebrow { text-transform:uppercase; letter-spacing:.08em; font-size:12px; color:var(--muted); font-weight:600; }
        .status { display:inline-block; font-weight:600; padding:4px 12px; border-radius:999px; font-size:14px; }
        .status.ok { background:var(--ok-bg); color:var(--ok); }
        .status.error { background:var(--error-bg); color:var(--error); }
        .status.warning { background:var(--warning-bg); color:var(--warning); }
        .status.info { background:var(--info-bg); color:var(--info); }
        .summary { display:flex; flex-wrap:wrap; gap:8px 10px; margin:16px 0 0; }
        .summary div { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:5px 12px; }
        .summary dt { display:inline; color:var(--muted); font-size:13px; }
        .summary dt::after { content:":"; }
        .summary dd { display:inline; margin:0 0 0 6px; font-weight:600; overflow-wrap:anywhere; }
        .healthy { display:flex; gap:14px; align-items:center; background:var(--ok-bg); border:1px solid #b9dfbb; border-radius:10px; padding:16px 20px; color:#1b5e20; }
        .healthy .check { font-size:28px; line-height:1; }
        .healthy p { margin:2px 0 0; color:#33691e; }
        .finding { background:var(--card); border:1px solid var(--line); border-left:6px solid var(--c); border-radius:10px; padding:16px 20px; margin:0 0 14px; box-shadow:0 1px 2px rgba(20,30,50,.05); }
        .finding.error { --c:var(--error); --cb:var(--error-bg); }
        .finding.warning { --c:var(--warning); --cb:var(--warning-bg); }
        .finding.info { --c:var(--info); --cb:var(--info-bg); }
        .finding.consequence { margin-left:36px; opacity:.92; }
        .finding .caused-by a { color:var(--c); }
        .finding .head { display:flex; align-items:center; gap:10px; flex-wrap:wrap; }
        .finding .num { display:inline-flex; align-items:center; justify-content:center; width:24px; height:24px; border-radius:50%; background:var(--c); color:#fff; font-weight:700; font-size:13px; }
        .finding .badge { background:var(--cb); color:var(--c); font-weight:700; font-size:12px; text-transform:uppercase; letter-spacing:.05em; padding:2px 8px; border-radius:4px; }
        .finding h3 { margin:0; font-size:18px; }
        .finding .kind { color:var(--muted); font:12px ui-monospace, "DejaVu Sans Mono", monospace; }
        .finding .where { color:var(--muted); margin:6px 0 0; }
        .finding .where strong { color:var(--fg); }
        .finding .message { margin:8px 0 12px; font-size:16px; overflow-wrap:anywhere; }
        .finding .body { display:flex; flex-wrap:wrap; gap:14px 36px; align-items:flex-start; }
        .evidence { border-collapse:collapse; font-size:14px; min-width:240px; }
        .evidence caption, .suggestions .caption { text-align:left; font-size:12px; font-weight:700; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); padding-bottom:4px; }
        .evidence th { text-align:left; font-weight:500; color:var(--muted); padding:3px 18px 3px 0; border-top:1px solid var(--line); overflow-wrap:anywhere; }
        .evidence td { text-align:right; font:13px ui-monospace, "DejaVu Sans Mono", monospace; padding:3px 0; border-top:1px solid var(--line); }
        .suggestions { flex:1 1 380px; }
        .suggestions ol { margin:0; padding-left:22px; }
        .suggestions li { margin:2px 0; overflow-wrap:anywhere; }
        .grid { display:grid; grid-template-columns:repeat(auto-fit, minmax(560px, 1fr)); gap:18px; }
        .chart { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 16px 10px; margin:0; }
        .chart figcaption { font-weight:600; font-size:15px; margin-bottom:4px; }
        .chart .scale { font-weight:500; font-size:12px; color:var(--muted); background:#eef1f6; padding:1px 6px; border-radius:4px; margin-left:6px; }
        .plot { width:100%; height:auto; display:block; font-family:system-ui, "DejaVu Sans", sans-serif; }
        .plot .grid line { stroke:#e8ebf0; stroke-width:1; }
        .plot .grid line.minor { stroke:#f3f5f8; }
        .plot .axis line { stroke:#8a93a3; stroke-width:1; }
        .plot text { font-size:12.5px; fill:#5b6475; }
        .plot .ytick { text-anchor:end; }
        .plot .xtick, .plot .xlabel, .plot .ylabel { text-anchor:middle; }
        .plot .xlabel, .plot .ylabel { font-size:13px; fill:#3a4252; }
        .plot .line { fill:none; stroke:var(--c); stroke-width:1.8; stroke-linejoin:round; stroke-linecap:round; }
        .plot .dot { fill:var(--c); }
        .plot .gap { fill:var(--c); stroke:var(--c); stroke-width:2; }
        .plot .marker line { stroke:var(--m); stroke-width:1.2; stroke-dasharray:4 3; opacity:.75; }
        .plot .marker circle { fill:var(--m); }
        .plot .marker text { fill:#fff; font-size:10px; font-weight:700; text-anchor:middle; }
        .plot .marker.error { --m:var(--error); }
        .plot .marker.warning { --m:var(--warning); }
        .plot .marker.info { --m:var(--info); }
        .legend { list-style:none; display:flex; flex-wrap:wrap; gap:2px 16px; margin:6px 0 0; padding:0; font-size:13px; }
        .legend li { display:flex; align-items:center; gap:6px; overflow-wrap:anywhere; }
        .legend .swatch { width:22px; height:8px; flex:none; stroke-width:3; }
        .legend li.flagged { font-weight:700; }
        .legend .ref { font-weight:700; font-size:12px; }
        .legend .ref.error { color:var(--error); }
        .legend .ref.warning { color:var(--warning); }
        .legend .ref.info { color:var(--info); }
        .notes { margin:6px 0 0; padding-left:18px; font-size:12.5px; color:var(--warning); }
        .empty { color:var(--muted); }
        footer { margin-top:28px; color:var(--muted); font-size:13px; }

        """;
}
