using System.Diagnostics;
using Tidu.Diagnostics;
using Tidu.DoctorBench;

// Runs every scenario, prints each run's findings, then precision/recall per kind on each split and the
// false alarms on healthy runs. Usage: dotnet run -c Release --project bench/doctor [steps] [--verbose]
int steps = args.Length > 0 && int.TryParse(args[0], out int s) ? s : 150;
bool verbose = args.Contains("--verbose");
var results = new List<(Scenario Scenario, IReadOnlyList<Finding> Findings)>();
var clock = Stopwatch.StartNew();
foreach (var sc in Scenarios.All())
{
    var doctor = sc.Run(steps);
    var findings = doctor.Findings.ToList();
    results.Add((sc, findings));
    var kinds = findings.Select(f => $"{f.Kind}{(f.Severity == Severity.Info ? "(i)" : "")}").Distinct();
    bool ok = sc.Expected.All(k => findings.Any(f => f.Kind == k));
    Console.WriteLine($"{sc.Split,-8} {sc.Name,-30} {(ok ? "ok  " : "MISS")} {string.Join(", ", kinds)}");
    if (verbose) foreach (var f in findings) Console.WriteLine($"         {f}  {string.Join(" ", f.Evidence.Select(e => $"{e.Key}={e.Value:G3}"))}");
}
Console.WriteLine($"\n{results.Count} runs × {steps} steps in {clock.Elapsed.TotalSeconds:F1} s\n");

foreach (var split in new[] { "tune", "held-out" })
{
    var runs = results.Where(r => r.Scenario.Split == split).ToList();
    Console.WriteLine($"## {split}: {runs.Count(r => !r.Scenario.Healthy)} faulty, {runs.Count(r => r.Scenario.Healthy)} healthy runs\n");
    Console.WriteLine("| kind | expected runs | detected | recall | runs reported | false alarms | precision |");
    Console.WriteLine("|---|---|---|---|---|---|---|");
    foreach (var kind in Enum.GetValues<FindingKind>())
    {
        int expected = runs.Count(r => r.Scenario.Expected.Contains(kind));
        int detected = runs.Count(r => r.Scenario.Expected.Contains(kind) && r.Findings.Any(f => f.Kind == kind));
        int reported = runs.Count(r => r.Findings.Any(f => f.Kind == kind));
        int falseAlarms = runs.Count(r => r.Findings.Any(f => f.Kind == kind) && !r.Scenario.Expected.Contains(kind) && !r.Scenario.Acceptable.Contains(kind));
        string recall = expected == 0 ? "–" : $"{(double)detected / expected:P0}";
        string precision = reported == 0 ? "–" : $"{(double)(reported - falseAlarms) / reported:P0}";
        Console.WriteLine($"| {kind} | {expected} | {detected} | {recall} | {reported} | {falseAlarms} | {precision} |");
    }
    var healthy = runs.Where(r => r.Scenario.Healthy).ToList();
    int warn = healthy.Sum(r => r.Findings.Count(f => f.Severity >= Severity.Warning));
    int info = healthy.Sum(r => r.Findings.Count(f => f.Severity == Severity.Info));
    int faultyMissed = runs.Count(r => !r.Scenario.Healthy && !r.Scenario.Expected.All(k => r.Findings.Any(f => f.Kind == k)));
    Console.WriteLine($"\nhealthy runs: {healthy.Count}, Warning/Error findings on them: {warn}, Info: {info}; faulty runs with the expected kind missed: {faultyMissed}\n");
}
