using Tidu.Diagnostics;

namespace Tidu.Tests.Diagnostics.Report;

/// <summary>The doctor's report of a real faulty run: written, self-contained, showing the findings.</summary>
[Collection(Tidu.Tests.Diagnostics.DoctorScenarioCollection.Name)]
public sealed class DoctorReportTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("tidu-doctor-report-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static Doctor VanishingRun() =>
        Tidu.DoctorBench.Scenarios.All().Single(s => s.Name == "vanishing-deep-sigmoid-0").Run(80);

    [Fact]
    public void ReportOfAVanishingGradientRunShowsTheFindingAndEveryLayer()
    {
        using var doctor = VanishingRun();
        Assert.Contains(doctor.Findings, f => f.Kind == FindingKind.VanishingGradient);
        string path = Path.Combine(dir, "report.html");
        doctor.WriteReport(path);
        string html = File.ReadAllText(path);
        Assert.Contains("VanishingGradient", html);
        Assert.Contains("Gradient norm per layer", html);
        var first = doctor.History.Layers.First().Layer;
        Assert.Contains(first, html);
        Assert.DoesNotContain("https://", html);
    }

    [ChromiumFact]
    public void ReportRendersInHeadlessChromiumWithTheFindings()
    {
        using var doctor = VanishingRun();
        string path = Path.Combine(dir, "report.html");
        doctor.WriteReport(path);
        string dom = Chromium.Run(dir, "--dump-dom", "file://" + path);
        var vanishing = doctor.Findings.First(f => f.Kind == FindingKind.VanishingGradient);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(vanishing.Message).Split(' ')[0], dom);
        Assert.Contains("VanishingGradient", dom);
    }
}
