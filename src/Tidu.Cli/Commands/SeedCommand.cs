using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Tidu.Cli.Seed;
using Tidu.Plots;

namespace Tidu.Cli.Commands;

/// <summary>
/// <c>tidu seed [--json] [--out DIR]</c>: runs the seed post's problems, prints each iteration as the post's
/// PyTorch program does (or JSON) and saves each problem's loss curve as a PNG.
/// </summary>
internal static class SeedCommand
{
    internal const string DefaultOutDir = "out/seed";

    internal static int Run(string[] args, CliIO io)
    {
        bool json = false;
        string outDir = DefaultOutDir;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg == "--json")
                json = true;
            else if (arg == "--out" && i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                outDir = args[++i];
            else if (arg.StartsWith("--out=", StringComparison.Ordinal) && arg.Length > "--out=".Length)
                outDir = arg["--out=".Length..];
            else if (arg is "-h" or "--help")
            {
                TiduCli.WriteUsage(io.OutConsole);
                return TiduCli.Success;
            }
            else
            {
                string problem = arg == "--out" ? "--out needs a folder" : $"unknown argument '{arg}'";
                io.ErrorConsole.MarkupLineInterpolated($"[red]error:[/] seed: {problem}");
                TiduCli.WriteUsage(io.ErrorConsole);
                return TiduCli.UsageError;
            }
        }

        if (!LossCurve.CanRenderText)
            io.ErrorConsole.MarkupLine("[yellow]warning:[/] no font found, the loss curves will have no text (on Debian: apt-get install fonts-dejavu-core)");

        var reports = new List<SeedProblemReport>();
        foreach (var problem in SeedProblems.All())
        {
            var iterations = problem.Run();
            string png = Path.Combine(outDir, problem.Name + ".png");
            try
            {
                LossCurve.Save(png, [.. iterations.Select(it => it.Loss)], problem.Title);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                io.ErrorConsole.MarkupLineInterpolated($"[red]error:[/] seed: could not write {png}: {e.Message}");
                return TiduCli.Failure;
            }

            if (json)
            {
                reports.Add(new SeedProblemReport(problem.Name, [.. iterations.Select(SeedIterationReport.From)]));
                continue;
            }
            foreach (var it in iterations)
            {
                io.Out.WriteLine($"real {Format(it.Real)} pred {Format(it.Pred)} loss {Format(it.Loss)}");
                foreach (var p in it.Parameters)
                    io.Out.WriteLine($"{p.Name}.data {Format(p.Data)} {p.Name}.grad {Format(p.Grad)}");
            }
            io.Out.WriteLine($"{problem.Name}: loss curve written to {png}");
        }

        if (json)
            io.Out.WriteLine(JsonSerializer.Serialize(new SeedReport(reports), SeedJsonContext.Default.SeedReport));
        return TiduCli.Success;
    }

    // Shortest round-trip form in the invariant culture: the same digits Python prints for .item().
    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Format(double[] values) =>
        values.Length == 1 ? Format(values[0]) : "[" + string.Join(", ", values.Select(Format)) + "]";
}
