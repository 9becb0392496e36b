using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Tidu.Cli.DoctorDemos;
using Tidu.Diagnostics;

namespace Tidu.Cli.Commands;

/// <summary>
/// <c>tidu doctor [DEMO|all] [--steps N] [--seed S] [--out DIR] [--plain]</c>: trains a faulty set-up from the seed
/// post's gradient section beside its repaired versions with the training doctor attached, prints a comparison
/// table and the findings, and writes one HTML report per variant. Without a demo it lists them.
/// </summary>
internal static class DoctorCommand
{
    internal const string DefaultOutDir = "out/doctor";

    // findings printed per variant; the report has them all
    private const int FindingLines = 6;

    private static readonly string[] Valued = ["--steps", "--seed", "--out"];
    private static readonly string[] Flags = ["--plain"];

    internal static int Run(string[] args, CliIO io)
    {
        var o = OptionReader.Read("doctor", args, Valued, Flags);
        if (o.Help && o.Error is null)
        {
            TiduCli.WriteUsage(io.OutConsole);
            return TiduCli.Success;
        }
        int? steps = o.Int("--steps", 1, 100_000);
        long seed = o.Long("--seed") ?? 0;
        string outDir = o.String("--out") ?? DefaultOutDir;
        if (o.Positionals.Count > 1) o.Fail($"one demo at a time, got '{string.Join(" ", o.Positionals)}'");
        IReadOnlyList<Demo> demos = [];
        if (o.Error is null && o.Positionals.Count == 1)
        {
            string name = o.Positionals[0];
            if (name == "all") demos = DoctorDemoCatalog.All;
            else if (DoctorDemoCatalog.Find(name) is { } d) demos = [d];
            else o.Fail($"unknown demo '{name}' (one of {string.Join(", ", DoctorDemoCatalog.All.Select(x => x.Name))}, all)");
        }
        if (o.Error is not null) return o.Report(io);
        if (o.Positionals.Count == 0)
        {
            ListDemos(io);
            return TiduCli.Success;
        }

        bool fancy = !o.Flag("--plain") && ReferenceEquals(io.Out, Console.Out) && !Console.IsOutputRedirected;
        foreach (var demo in demos)
        {
            int n = steps ?? demo.DefaultSteps;
            io.Out.WriteLine($"tidu doctor {demo.Name}: {demo.Title} ({n} steps per variant, seed {seed})");
            var results = new List<VariantResult>();
            var watch = Stopwatch.StartNew();
            foreach (var variant in demo.Variants)
            {
                string report = Path.Combine(outDir, demo.Name, variant.Name + ".html");
                try
                {
                    results.Add(DemoTrainer.Run(variant, seed, n, report, $"tidu doctor {demo.Name}: {variant.Name}"));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    io.ErrorConsole.MarkupLineInterpolated($"[red]error:[/] doctor: could not write {report}: {e.Message}");
                    return TiduCli.Failure;
                }
            }
            WriteTable(io, demo, results, n, fancy);
            WriteFindings(io, results);
            io.Out.WriteLine($"{demo.Name}: {results.Count} variants in {watch.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s");
            io.Out.WriteLine();
        }
        return TiduCli.Success;
    }

    private static void ListDemos(CliIO io)
    {
        io.Out.WriteLine("tidu doctor <demo>: a faulty training set-up from the seed's gradient section beside its repairs, with the doctor's findings and reports");
        foreach (var d in DoctorDemoCatalog.All)
            io.Out.WriteLine($"  {d.Name,-10} {d.Title}; variants: {string.Join(", ", d.Variants.Select(v => v.Name))}");
        io.Out.WriteLine($"  {"all",-10} every demo in turn");
        io.Out.WriteLine("options: --steps N, --seed S, --out DIR (default out/doctor, reports in DIR/<demo>/), --plain");
    }


    internal static string Verdict(Demo demo, VariantResult r, bool faulty)
    {
        var seen = demo.Expected.Where(k => r.Findings.Any(f => f.Kind == k)).ToList();
        if (faulty)
        {
            if (seen.Count == 0) return "NOT diagnosed";
            // the first expected kind should also name the right layer (e.g. the first one for vanishing gradients)
            string where = "";
            if (demo.ExpectedParameter is { } expected && r.Findings.FirstOrDefault(f => f.Kind == demo.Expected[0]) is { } first)
                where = first.Parameter == expected ? $" in {expected}" : $" in {first.Parameter ?? "-"}, expected {expected}";
            return "diagnosed: " + string.Join(", ", seen.Select(k => k == demo.Expected[0] ? k + where : k.ToString()));
        }
        if (seen.Count > 0) return "not repaired: still " + string.Join(", ", seen);
        string absent = "no " + string.Join("/", demo.Expected);
        return r.Findings.Count == 0 ? "repaired, clean" : absent + ", other findings";
    }

    private static void WriteTable(CliIO io, Demo demo, List<VariantResult> results, int steps, bool fancy)
    {
        // on a terminal each finding kind gets its own line in the cell, so a narrow window wraps between kinds
        string gap = fancy ? "\n" : " ", separator = fancy ? "\n" : ", ";
        string[] header = ["variant", "final loss", "|g first|/|g last|", "max |g|", "verdict", "findings (root cause first)"];
        var rows = results.Select((r, i) => new[]
        {
            r.Variant.Name,
            Num(r.FinalLoss) + (r.Steps < steps ? $"{gap}(stopped at step {r.Steps - 1})" : ""),
            double.IsNaN(r.GradientRatio) ? "-" : Num(r.GradientRatio),
            Num(r.MaxGradientNorm),
            Verdict(demo, r, faulty: i == 0),
            Kinds(r.Findings, separator),
        }).ToList();
        if (fancy)
        {
            var table = new Table().Border(TableBorder.Rounded);
            for (int c = 0; c < header.Length; c++)
                table.AddColumn(new TableColumn(Markup.Escape(header[c])) { NoWrap = c < 4 });
            foreach (var row in rows) table.AddRow([.. row.Select(Markup.Escape)]);
            AnsiConsole.Console.Write(table);
            return;
        }
        // plain: aligned columns, never wrapped, so logs and scripts see one line per variant
        var widths = header.Select((h, c) => Math.Max(h.Length, rows.Max(r => r[c].Length))).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((t, c) => c == cells.Length - 1 ? t : t.PadRight(widths[c]))).TrimEnd();
        io.Out.WriteLine(Line(header));
        io.Out.WriteLine(Line([.. widths.Select(w => new string('-', w))]));
        foreach (var row in rows) io.Out.WriteLine(Line(row));
    }

    /// <summary>Each kind once, in root-cause-first order, with the parameter of its first finding; consequences marked.</summary>
    internal static string Kinds(IReadOnlyList<Finding> findings, string separator)
    {
        if (findings.Count == 0) return "none";
        var parts = new List<string>();
        var seen = new HashSet<FindingKind>();
        foreach (var f in findings)
        {
            if (!seen.Add(f.Kind)) continue;
            parts.Add((f.CausedBy is null ? "" : "↳") + f.Kind + (f.Parameter is null ? "" : $" in {f.Parameter}"));
        }
        return string.Join(separator, parts);
    }

    private static void WriteFindings(CliIO io, List<VariantResult> results)
    {
        foreach (var r in results)
        {
            io.Out.WriteLine($"{r.Variant.Name}: {r.Variant.Change}");
            var lines = FindingOrder.Format(r.Findings).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (string line in lines.Take(FindingLines)) io.Out.WriteLine("  " + line);
            if (lines.Length > FindingLines) io.Out.WriteLine($"  … {lines.Length - FindingLines} more in the report");
            if (lines.Length == 0) io.Out.WriteLine("  no findings");
            io.Out.WriteLine($"  report: {r.ReportPath}");
        }
    }

    private static string Num(double v) =>
        double.IsNaN(v) ? "NaN" : double.IsInfinity(v) ? (v > 0 ? "inf" : "-inf") : v.ToString("G3", CultureInfo.InvariantCulture);
}
