using System.Diagnostics;
using Tidu.Diagnostics;
using Tidu.DoctorBench;

// Runs every scenario, prints each run's findings, then per split: precision/recall per kind, false alarms on healthy
// runs, detection delay, localisation and repair success; then the doctor's overhead at SampleEvery = 1, 4, 16.
// Usage: dotnet run -c Release --project bench/doctor [steps] [--verbose] [--no-overhead] [--seeds N] [--every K]
int steps = args.Length > 0 && int.TryParse(args[0], out int s) ? s : 150;
// --every K: the doctor samples gradients, weights and activations every K steps (DoctorOptions.SampleEvery), as
// `tidu train` does with 16; the default, 1, samples every step
int everyAt = Array.IndexOf(args, "--every");
int sampleEvery = everyAt >= 0 ? int.Parse(args[everyAt + 1]) : 1;
Scenarios.DefaultOptions = new DoctorOptions { SampleEvery = sampleEvery };
bool verbose = args.Contains("--verbose");
int seedsAt = Array.IndexOf(args, "--seeds");
int seeds = seedsAt >= 0 ? int.Parse(args[seedsAt + 1]) : 1;
if (args.Contains("--upd")) { UpdateDump.Run(steps); return; }
if (args.Contains("--real")) { RealData.Run(steps); return; }
int oscAt = Array.IndexOf(args, "--osc");
if (oscAt >= 0) { OscillationDump.Run(steps, args.Length > oscAt + 1 ? args[oscAt + 1] : ""); return; }
int lossesAt = Array.IndexOf(args, "--losses");
if (lossesAt >= 0) { LossDump.Run(args[lossesAt + 1], steps); return; }
int dumpAt = Array.IndexOf(args, "--dump");
if (dumpAt >= 0)
{
    if (args.Contains("--repair")) Scenarios.DefaultOptions = new DoctorOptions { Repair = true, SampleEvery = sampleEvery };
    Dump.Run(args[dumpAt + 1], steps, args.Length > dumpAt + 2 && int.TryParse(args[dumpAt + 2], out int every) ? every : 1);
    return;
}

var results = new List<Run>();
var clock = Stopwatch.StartNew();
foreach (var sc in Scenarios.All(seeds))
{
    var doctor = sc.Run(steps);
    var run = new Run(sc, [.. doctor.Findings], [.. doctor.History.Losses.Select(l => l.Loss)]);
    results.Add(run);
    var kinds = run.Findings.Select(f => $"{f.Kind}{(f.Severity == Severity.Info ? "(i)" : "")}{(f.CausedBy is null ? "" : "←" + f.CausedBy)}").Distinct();
    bool ok = sc.Expected.All(k => run.Findings.Any(f => f.Kind == k));
    // "n/a": a setting fault that did not show on this seed (Scenario.Shows), so there was nothing to find
    string mark = sc.Shows?.Invoke(run.Losses) == false ? "n/a " : ok ? "ok  " : "MISS";
    Console.WriteLine($"{sc.Split,-8} {sc.Name,-30} {mark} {string.Join(", ", kinds)}");
    if (verbose) foreach (var f in doctor.FindingsByCause) Console.WriteLine($"         {f}  {string.Join(" ", f.Evidence.Select(e => $"{e.Key}={e.Value:G3}"))}");
}
Console.WriteLine($"\n{results.Count} runs × {steps} steps in {clock.Elapsed.TotalSeconds:F1} s (SampleEvery {sampleEvery})\n");

// the repair pass: every faulty scenario again with Repair = true
Scenarios.DefaultOptions = new DoctorOptions { Repair = true, SampleEvery = sampleEvery };
var repaired = Scenarios.All(seeds).Where(sc => !sc.Healthy).ToDictionary(sc => sc.Name, sc =>
{
    var d = sc.Run(steps);
    return new Run(sc, [.. d.Findings], [.. d.History.Losses.Select(l => l.Loss)]);
});
Scenarios.DefaultOptions = null;

foreach (var split in new[] { "tune", "held-out" })
{
    var runs = results.Where(r => r.Scenario.Split == split).ToList();
    Metrics.PrintSplit(split, runs, repaired, steps);
}
if (!args.Contains("--no-overhead")) Metrics.PrintOverhead();

/// <summary>One scenario's findings and losses.</summary>
public sealed record Run(Scenario Scenario, IReadOnlyList<Finding> Findings, IReadOnlyList<double> Losses);
