using System.Globalization;
using System.Text.RegularExpressions;
using Tidu.Diagnostics;

namespace Tidu.Tests.Diagnostics.Report;

public class HtmlReportTests
{
    private static int Count(string text, string what) => Regex.Matches(text, Regex.Escape(what)).Count;

    [Fact]
    public void RenderIsOneHtmlDocumentWithFindingsBeforeTheCharts()
    {
        string html = HtmlReport.Render(ReportSamples.Realistic());

        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.EndsWith("</html>\n", html);
        foreach (var tag in new[] { "html", "head", "body", "main", "style", "title" })
            Assert.Equal(Count(html, "<" + tag + ">") + Count(html, "<" + tag + " "), Count(html, "</" + tag + ">"));
        Assert.Equal(Count(html, "<svg "), Count(html, "</svg>"));
        Assert.Equal(Count(html, "<article "), Count(html, "</article>"));

        int findings = html.IndexOf("id=\"findings\"", StringComparison.Ordinal);
        int loss = html.IndexOf("id=\"chart-loss\"", StringComparison.Ordinal);
        int grads = html.IndexOf("Gradient norm per layer <span class=\"scale\">log scale</span></figcaption>", StringComparison.Ordinal);
        Assert.True(findings > 0 && findings < loss && loss < grads, $"order: findings {findings}, loss {loss}, gradients {grads}");
        Assert.Contains("Update ratio ‖Δw‖/‖w‖", html);
        Assert.Contains("Activation health", html);
    }

    [Fact]
    public void RenderShowsEveryFindingsKindMessageEvidenceAndSuggestionsMostSeriousFirst()
    {
        string html = HtmlReport.Render(ReportSamples.Realistic());

        // The Error (vanishing gradient, step 120) comes before the Warning (learning rate, step 35).
        int vanishing = html.IndexOf("VanishingGradient", StringComparison.Ordinal);
        int lr = html.IndexOf("LearningRateTooHigh", StringComparison.Ordinal);
        Assert.True(vanishing > 0 && lr > vanishing);
        Assert.Contains("Vanishing gradient</h3>", html);
        Assert.Contains("Learning rate too high</h3>", html);
        Assert.Contains("<article class=\"finding error\" id=\"finding-1\">", html);
        Assert.Contains("<article class=\"finding warning\" id=\"finding-2\">", html);
        // The message's apostrophe is encoded like every other text.
        Assert.Contains(ReportSamples.VanishingMessage.Replace("'", "&#39;", StringComparison.Ordinal), html);
        Assert.Contains(ReportSamples.LearningRateMessage, html);
        foreach (var f in new[] { ReportSamples.Vanishing(), ReportSamples.LearningRate() })
            foreach (var s in f.Suggestions)
                Assert.Contains("<li>" + s + "</li>", html);
        Assert.Contains("<tr><th>ratio</th><td>7.8e-6</td></tr>", html);
        Assert.Contains("<tr><th>threshold</th><td>0.001</td></tr>", html);
        Assert.Contains("at step <strong>120</strong> in <code>layers.0.weight</code>", html);
        Assert.Contains("2 findings: 1 error, 1 warning", html);
        Assert.DoesNotContain("training looks healthy", html);
        // Each chart marks both finding steps.
        Assert.Equal(2 * 5, Count(html, "<g class=\"marker "));
    }

    [Fact]
    public void AFindingSeenOverManyStepsIsShownWhereItBegan()
    {
        // the doctor raises a finding again on every step its condition holds; Step is the last, firstStep the first
        var persisted = ReportSamples.LearningRate() with
        {
            Step = 149,
            Evidence = new Dictionary<string, double> { ["update ratio"] = 0.081, ["firstStep"] = 12 },
        };
        Assert.Equal(12, persisted.FirstStep);
        Assert.Equal("steps 12–149", persisted.StepRange);
        Assert.StartsWith("[Warning] LearningRateTooHigh at steps 12–149 in layers.7.weight: ", persisted.ToString(), StringComparison.Ordinal);
        Assert.Equal("step 35", ReportSamples.LearningRate().StepRange);

        string html = HtmlReport.Render(ReportSamples.Realistic([persisted]));
        Assert.Contains("at step <strong>12</strong> (still seen at step 149) in <code>layers.7.weight</code>", html);
        Assert.Contains("#1 Learning rate too high at steps 12–149", html);
        Assert.DoesNotContain("at step <strong>149</strong>", html);
    }

    [Fact]
    public void NoFindingsShowsTheHealthyState()
    {
        string html = HtmlReport.Render(ReportSamples.Realistic(findings: []));

        Assert.Contains("No findings — training looks healthy.", html);
        Assert.Contains("Healthy: no findings", html);
        Assert.DoesNotContain("<article", html);
        Assert.DoesNotContain("<g class=\"marker", html);
    }

    [Fact]
    public void AllTextIsHtmlEncodedSoAParameterNameCannotInjectMarkup()
    {
        const string evil = "layers.0.<script>alert(\"x\")</script>&'";
        var finding = ReportSamples.Vanishing(evil) with
        {
            Message = "bad <b>message</b>",
            Suggestions = ["try <img src=x onerror=alert(1)>"],
            Evidence = new Dictionary<string, double> { ["<th>"] = 1.5 },
        };
        var data = new ReportData
        {
            Title = "</title><script>x()</script>",
            Loss = new Series("<loss>", [1, 2], [1.0, 0.5]),
            Groups = [SeriesGroup.GradientNorms([new Series(evil, [1, 2], [0.1, 0.2])])],
            Findings = [finding],
            Summary = [new("<k>", "<v>")],
        };

        string html = HtmlReport.Render(data);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("<b>", html);
        Assert.DoesNotContain("<th><th>", html);
        Assert.DoesNotContain("<loss>", html);
        Assert.Contains("layers.0.&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;", html);
        Assert.Contains("<title>&lt;/title&gt;&lt;script&gt;x()&lt;/script&gt;</title>", html);
        Assert.Contains("try &lt;img src=x onerror=alert(1)&gt;", html);
        Assert.Contains("<dt>&lt;k&gt;</dt><dd>&lt;v&gt;</dd>", html);
        // The legend flags the series the finding names, matched on the raw (unescaped) name.
        Assert.Contains("<li class=\"flagged\">", html);
    }

    [Fact]
    public void EverySeriesGetsItsOwnPathAndColour()
    {
        var data = ReportSamples.Realistic();
        string html = HtmlReport.Render(data);

        // One loss line plus one per series in every group.
        int series = 1 + data.Groups.Sum(g => g.Series.Count);
        Assert.Equal(series, Count(html, "<path class=\"line\""));
        foreach (var group in data.Groups)
            foreach (var s in group.Series)
                Assert.Contains("<title>" + s.Name + "</title>", html);
        var gradients = data.Groups[0];
        for (int i = 0; i < gradients.Series.Count; i++)
            Assert.Contains("data-series=\"" + i + "\"", html);
        // The eight layers have eight different colours.
        string gradChart = html[html.IndexOf("id=\"chart-0\"", StringComparison.Ordinal)..html.IndexOf("id=\"chart-1\"", StringComparison.Ordinal)];
        var colours = Regex.Matches(gradChart, "--c:(#[0-9a-f]{6})").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(8, colours.Count);
        Assert.Equal(8, colours.Distinct().Count());
    }

    [Fact]
    public void TwentyFiveSeriesStayDistinguishableByColourAndDash()
    {
        var many = Enumerable.Range(0, 25).Select(i => new Series($"l{i}", [0, 1], [i + 1.0, i + 2.0])).ToList();
        string html = HtmlReport.Render(new ReportData { Title = "t", Groups = [SeriesGroup.WeightNorms(many)] });

        Assert.Equal(25, Count(html, "<path class=\"line\""));
        var styles = Regex.Matches(html, "<g style=\"--c:(#[0-9a-f]{6})\"><title>l\\d+</title><path class=\"line\" data-series=\"\\d+\"( stroke-dasharray=\"[^\"]+\")?")
            .Select(m => m.Groups[1].Value + m.Groups[2].Value).ToList();
        Assert.Equal(25, styles.Count);
        Assert.Equal(25, styles.Distinct().Count());
    }

    [Fact]
    public void ThePageLoadsNothingFromTheNetwork()
    {
        string html = HtmlReport.Render(ReportSamples.Realistic());

        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("@import", html);
        Assert.DoesNotContain("src=", html);
        Assert.DoesNotContain("url(", html.Replace("clip-path=\"url(#chart-", "", StringComparison.Ordinal));
    }

    [Fact]
    public void LogScaleBreaksTheLineAtZeroNaNAndInfinityAndSaysSo()
    {
        double[] values = [1e-3, 1e-2, 0, 0, 1e-1, double.NaN, 1, double.PositiveInfinity, 10, -5, 100];
        int[] steps = Enumerable.Range(0, values.Length).ToArray();
        var data = new ReportData { Title = "t", Groups = [SeriesGroup.GradientNorms([new Series("fc.weight", steps, values)])] };

        string html = HtmlReport.Render(data);

        Assert.Contains("log scale", html);
        string d = Regex.Match(html, "<path class=\"line\" data-series=\"0\" d=\"([^\"]+)\"").Groups[1].Value;
        Assert.DoesNotContain("NaN", d);
        Assert.DoesNotContain("Infinity", d);
        Assert.DoesNotContain("∞", d);
        // Five drawable runs: [1e-3, 1e-2], [1e-1], [1], [10], [100]; the single points are dots, the pair a segment.
        Assert.Equal(1, Count(d, "M"));
        Assert.Equal(4, Count(html, "<circle class=\"dot\""));
        // One marker at the start of each of the four gaps.
        Assert.Equal(4, Count(html, "<path class=\"gap\""));
        Assert.Contains("fc.weight: not drawn — 1 × NaN, 1 × +∞, 2 × zero (no log), 1 × negative (no log); first at step 2.", html);
        // Axis from 10⁻³ to 10² in decades.
        foreach (var label in new[] { "10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹", "10²" })
            Assert.Contains(">" + label + "</text>", html);
    }

    [Fact]
    public void ASeriesWithNothingDrawableStillRendersWithANote()
    {
        var data = new ReportData
        {
            Title = "t",
            Loss = new Series("loss", [0, 1, 2], [double.NaN, double.NaN, double.NaN]),
            Groups = [SeriesGroup.GradientNorms([new Series("dead", [0, 1, 2], [0.0, 0.0, 0.0])]), SeriesGroup.WeightNorms([])],
        };

        string html = HtmlReport.Render(data);

        Assert.Contains("No finite values to draw.", html);
        Assert.Contains("No positive finite values to draw on a log scale.", html);
        Assert.Contains("loss: not drawn — 3 × NaN; first at step 0.", html);
        Assert.Contains("dead: not drawn — 3 × zero (no log); first at step 0.", html);
        Assert.Contains("<p class=\"empty\">No data.</p>", html);
        Assert.DoesNotContain("NaN\"", html);
    }

    [Fact]
    public void LinearAxisHonoursAFixedRangeAndLabelsTicks()
    {
        var data = new ReportData
        {
            Title = "t",
            Groups = [SeriesGroup.ActivationHealth([new Series("fc1 dead ReLU", [0, 10], [0.25, 0.5])])],
        };

        string html = HtmlReport.Render(data);

        foreach (var label in new[] { "0", "0.2", "0.4", "0.6", "0.8", "1.0" })
            Assert.Contains("\">" + label + "</text>", html);
        Assert.DoesNotContain("\">1.2</text>", html);
        Assert.Contains(">10</text>", html);   // last x tick
    }

    [Fact]
    public void LongRunsAreThinnedToAFewPointsPerPixelButKeepSpikes()
    {
        int n = 100_000;
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = 1 + 0.001 * (i % 7);
        values[54_321] = 50;   // one spike must survive the thinning
        var data = new ReportData { Title = "t", Loss = new Series("loss", Enumerable.Range(0, n).ToArray(), values) };

        string html = HtmlReport.Render(data);

        string d = Regex.Match(html, "<path class=\"line\" data-series=\"0\" d=\"([^\"]+)\"").Groups[1].Value;
        int points = Count(d, "L") + Count(d, "M");
        Assert.InRange(points, 500, 12_000);   // at most four points per half-pixel column, not 100 000
        Assert.Contains(">50</text>", html);   // the y axis reaches the spike
        Assert.Contains(" 16", d);             // ... and so does the line (plot top is y = 16)
    }

    [Fact]
    public void ASeriesWithMoreStepsThanValuesIsRejectedByName()
    {
        var data = new ReportData { Title = "t", Groups = [SeriesGroup.WeightNorms([new Series("fc.weight", [0, 1, 2], [1.0, 2.0])])] };

        var e = Assert.Throws<ArgumentException>(() => HtmlReport.Render(data));
        Assert.Contains("'fc.weight' in 'Weight norm' has 3 steps but 2 values", e.Message);
    }

    [Fact]
    public void RenderIsDeterministicAndCultureIndependent()
    {
        var data = ReportSamples.Realistic();
        string first = HtmlReport.Render(data);

        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            Assert.Equal(first, HtmlReport.Render(data));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
        Assert.Equal(first, HtmlReport.Render(ReportSamples.Realistic()));
    }

    [Fact]
    public void WriteReplacesTheFileAtomicallyAndLeavesNoTemporaryFiles()
    {
        string dir = Path.Combine(Path.GetTempPath(), "tidu-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(dir, "sub", "report.html");
            HtmlReport.Write(path, new ReportData { Title = "first" });
            Assert.Contains("<h1>first</h1>", File.ReadAllText(path));

            var data = ReportSamples.Realistic();
            HtmlReport.Write(path, data);

            Assert.Equal(HtmlReport.Render(data), File.ReadAllText(path));
            Assert.Equal(["report.html"], Directory.GetFiles(Path.Combine(dir, "sub")).Select(Path.GetFileName));
            byte[] bytes = File.ReadAllBytes(path);
            Assert.Equal((byte)'<', bytes[0]);   // no byte-order mark
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Renders a report with two findings, opens it in headless Chromium, and checks the browser's DOM and a
    /// screenshot. Set TIDU_REPORT_ARTIFACTS to a folder to keep report.html and report.png.
    /// </summary>
    [ChromiumFact]
    public void ChromiumRendersTheReportWithItsFindings()
    {
        string dir = Path.Combine(Path.GetTempPath(), "tidu-report-e2e-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string html = Path.Combine(dir, "report.html");
            string png = Path.Combine(dir, "report.png");
            HtmlReport.Write(html, ReportSamples.Realistic());
            string url = new Uri(html).AbsoluteUri;

            string dom = Chromium.Run(dir, "--dump-dom", url);
            Assert.Contains("Vanishing gradient", dom);
            Assert.Contains("Learning rate too high", dom);
            Assert.Contains(ReportSamples.VanishingMessage, dom);
            Assert.Contains(ReportSamples.LearningRateMessage, dom);
            Assert.Contains("Use ReLU or GELU instead of sigmoid/tanh in the hidden layers.", dom);
            Assert.Contains("<path class=\"line\"", dom);   // the SVG survived the HTML parser

            Chromium.Run(dir, "--screenshot=" + png, "--window-size=1400,2400", url);
            Assert.True(File.Exists(png), "no screenshot written");
            Assert.InRange(new FileInfo(png).Length, 50_000, 20_000_000);
            var image = PngImage.Read(png);
            Assert.Equal(1400, image.Width);
            Assert.Equal(2400, image.Height);
            // Not blank: the error card's red border (#c62828) is drawn in the top third, and the page is mostly light.
            bool red = false;
            int light = 0, samples = 0;
            for (int y = 0; y < image.Height; y += 4)
                for (int x = 0; x < image.Width; x += 4)
                {
                    var (r, g, b) = image[x, y];
                    if (y < image.Height / 3 && Math.Abs(r - 0xc6) < 12 && Math.Abs(g - 0x28) < 12 && Math.Abs(b - 0x28) < 12) red = true;
                    if (r + g + b > 600) light++;
                    samples++;
                }
            Assert.True(red, "no error-red pixels in the top third of the screenshot");
            Assert.InRange((double)light / samples, 0.5, 0.99);

            if (Environment.GetEnvironmentVariable("TIDU_REPORT_ARTIFACTS") is { Length: > 0 } keep)
            {
                Directory.CreateDirectory(keep);
                File.Copy(html, Path.Combine(keep, "report.html"), overwrite: true);
                File.Copy(png, Path.Combine(keep, "report.png"), overwrite: true);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
