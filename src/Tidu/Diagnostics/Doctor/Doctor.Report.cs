using System.Globalization;

namespace Tidu.Diagnostics;

public sealed partial class Doctor
{
    /// <summary>
    /// Writes the self-contained HTML report (findings with their evidence, the loss curve, per-layer gradient
    /// norms on a log scale, weight norms, update ratios and activation health) to <paramref name="path"/>.
    /// </summary>
    public void WriteReport(string path, string title = "Tidu training report")
    {
        var summary = new List<KeyValuePair<string, string>>
        {
            new("model", model.GetType().Name),
            new("optimizer", optimizer.GetType().Name),
            new("steps", Step.ToString(CultureInfo.InvariantCulture)),
            new("lr", string.Join(", ", optimizer.ParamGroups.Select(g => g.Lr.ToString("G4", CultureInfo.InvariantCulture)))),
        };
        HtmlReport.Write(path, ReportData.FromHistory(History, Findings, title, summary));
    }
}
