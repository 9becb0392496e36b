using System.Diagnostics;
using Tidu;
using Tidu.Diagnostics;
using Tidu.NN;
using Tidu.Optim;

namespace Tidu.DoctorBench;

/// <summary>The benchmark's figures: precision/recall, false alarms, delay, localisation, repair success, overhead.</summary>
public static class Metrics
{
    private static bool Allowed(Scenario sc, FindingKind k) => sc.Expected.Contains(k) || sc.Acceptable.Contains(k);

    /// <summary>
    /// A finding the scenario does not allow, unless (root-cause view) the doctor attributed it to a cause finding that
    /// the scenario allows: then it is an attributed consequence, shown under its cause, not a false alarm.
    /// </summary>
    private static bool FalseAlarm(Scenario sc, Finding f, bool rootCauseView) =>
        !Allowed(sc, f.Kind) && !(rootCauseView && f.CausedBy is { } c && Allowed(sc, c));

    /// <summary>Whether the run's fault showed in its losses (<see cref="Scenario.Shows"/>); true for healthy runs.</summary>
    private static bool Shown(Run r) => r.Scenario.Shows?.Invoke(r.Losses) ?? true;

    public static void PrintSplit(string split, List<Run> allRuns, Dictionary<string, Run> repaired, int steps)
    {
        // a setting that did not harm this seed (Scenario.Shows) is neither a fault to find nor a healthy run: its
        // findings are listed, and it stays in the repair count (a repair must not harm it either)
        var unshown = allRuns.Where(r => !Shown(r)).ToList();
        var runs = allRuns.Where(Shown).ToList();
        Console.WriteLine($"## {split}: {runs.Count(r => !r.Scenario.Healthy)} faulty, {runs.Count(r => r.Scenario.Healthy)} healthy runs" +
            (unshown.Count > 0 ? $", {unshown.Count} whose fault did not show" : "") + "\n");
        Console.WriteLine("| kind | expected runs | detected | recall | runs reported | false alarms (raw) | precision (raw) | false alarms (root cause) | precision (root cause) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var kind in Enum.GetValues<FindingKind>())
        {
            int expected = runs.Count(r => r.Scenario.Expected.Contains(kind));
            int detected = runs.Count(r => r.Scenario.Expected.Contains(kind) && r.Findings.Any(f => f.Kind == kind));
            int reported = runs.Count(r => r.Findings.Any(f => f.Kind == kind));
            int raw = runs.Count(r => r.Findings.Any(f => f.Kind == kind && FalseAlarm(r.Scenario, f, false)));
            int root = runs.Count(r => r.Findings.Any(f => f.Kind == kind && FalseAlarm(r.Scenario, f, true)));
            string recall = expected == 0 ? "–" : $"{(double)detected / expected:P0}";
            string Precision(int fa) => reported == 0 ? "–" : $"{(double)(reported - fa) / reported:P0}";
            Console.WriteLine($"| {kind} | {expected} | {detected} | {recall} | {reported} | {raw} | {Precision(raw)} | {root} | {Precision(root)} |");
        }
        var healthy = runs.Where(r => r.Scenario.Healthy).ToList();
        int warn = healthy.Sum(r => r.Findings.Count(f => f.Severity >= Severity.Warning));
        int info = healthy.Sum(r => r.Findings.Count(f => f.Severity == Severity.Info));
        var faulty = runs.Where(r => !r.Scenario.Healthy).ToList();
        int missed = faulty.Count(r => !r.Scenario.Expected.All(k => r.Findings.Any(f => f.Kind == k)));
        Console.WriteLine($"\nhealthy runs: {healthy.Count}; findings on them: {warn} Warning/Error, {info} Info " +
            $"({(double)(warn + info) / healthy.Count:F2} per healthy run); faulty runs with an expected kind missed: {missed} of {faulty.Count}");
        if (unshown.Count > 0)
            Console.WriteLine($"faults that did not show in the losses (not counted above): " + string.Join(", ", unshown.Select(r =>
                $"{r.Scenario.Name} [{string.Join(" ", r.Findings.Where(f => f.Severity >= Severity.Warning).Select(f => f.Kind).Distinct())}]")));

        // delay: the first step of the first finding of each expected kind, as a fraction of the run
        var delays = new List<(string Name, double Fraction)>();
        foreach (var r in faulty)
            foreach (var k in r.Scenario.Expected)
            {
                var hits = r.Findings.Where(f => f.Kind == k).Select(f => f.FirstStep).ToList();
                if (hits.Count > 0) delays.Add((r.Scenario.Name, hits.Min() / (double)steps));
            }
        if (delays.Count > 0)
        {
            var sorted = delays.Select(d => d.Fraction).Order().ToList();
            var late = delays.Where(d => d.Fraction > 0.1).Select(d => $"{d.Name} {d.Fraction:P0}");
            Console.WriteLine($"detection delay (first step / {steps} steps): median {sorted[sorted.Count / 2]:P1}, max {sorted[^1]:P1}; " +
                $"within the first 10 %: {delays.Count(d => d.Fraction <= 0.1)} of {delays.Count}{(late.Any() ? " (late: " + string.Join(", ", late) + ")" : "")}");
        }

        // localisation: the first expected finding that names a parameter names the right one
        var located = faulty.Where(r => r.Scenario.Where.Length > 0).Select(r =>
        {
            var first = r.Findings.Where(f => r.Scenario.Expected.Contains(f.Kind) && f.Parameter is not null && !f.Parameter.StartsWith("repair:", StringComparison.Ordinal))
                .OrderBy(f => f.FirstStep).FirstOrDefault();
            bool right = first?.Parameter is { } p && r.Scenario.Where.Any(w => w.EndsWith('.') ? p.StartsWith(w, StringComparison.Ordinal) : p == w);
            return (r.Scenario.Name, Right: right, Named: first?.Parameter ?? "(none)");
        }).ToList();
        var wrong = located.Where(l => !l.Right).Select(l => $"{l.Name} named {l.Named}");
        Console.WriteLine($"localisation: right parameter in {located.Count(l => l.Right)} of {located.Count} runs ({(double)located.Count(l => l.Right) / Math.Max(1, located.Count):P0})" +
            (wrong.Any() ? " (wrong: " + string.Join(", ", wrong) + ")" : ""));

        // repair: runs where a repair was applied. Success = the repaired run (a) ends finite and trained, i.e. below a
        // tenth of its step-0 loss (before any update could blow up), and (b) is not worse than leaving it alone: the
        // unrepaired run ended non-finite, or the repaired one ends at or below it, or both ended converged (below a
        // hundredth of the step-0 loss, where their difference is noise). The previous criterion (below the step-0 loss
        // and below the unrepaired run's or a tenth of step 0) counted a NaN → 44.7 cross-entropy as a repair and a
        // run that the repair left worse than no repair at all.
        var attempts = new List<(string Name, bool Ok, double Before, double After)>();
        foreach (var r in allRuns.Where(r => !r.Scenario.Healthy))
        {
            var rep = repaired[r.Scenario.Name];
            if (!rep.Findings.Any(f => f.Parameter is { } p && p.StartsWith("repair:", StringComparison.Ordinal))) continue;
            double before = FinalLoss(r.Losses), after = FinalLoss(rep.Losses), initial = rep.Losses.FirstOrDefault(double.IsFinite, double.NaN);
            bool trained = double.IsFinite(after) && after < 0.1 * initial;
            bool notWorse = !double.IsFinite(before) || after <= before || (after < 0.01 * initial && before < 0.01 * initial);
            attempts.Add((r.Scenario.Name, trained && notWorse, before, after));
        }
        Console.WriteLine($"repair: {attempts.Count(a => a.Ok)} of {attempts.Count} repaired runs improved ({(double)attempts.Count(a => a.Ok) / Math.Max(1, attempts.Count):P0}): " +
            string.Join(", ", attempts.Select(a => $"{a.Name} {a.Before:G3}→{a.After:G3}{(a.Ok ? "" : " ✗")}")) + "\n");
    }

    private static double FinalLoss(IReadOnlyList<double> losses)
    {
        var tail = losses.Skip(Math.Max(0, losses.Count - 11)).Take(10).ToList(); // the last record may be an empty step
        // a corrupt batch (nan-in-data) has a NaN loss however well the model trains: judge the clean batches, as
        // long as they are the majority; a run whose losses are mostly non-finite has failed
        var finite = tail.Where(double.IsFinite).ToList();
        return finite.Count * 2 <= tail.Count ? double.NaN : finite.Average();
    }

    /// <summary>
    /// Wall time of 100 Adam steps on a 4-layer, 256-wide MLP (batch 256) without the doctor and with it sampling every
    /// k = 1, 4, 16 steps. The configurations are interleaved and each keeps its best of 4 rounds, since this machine
    /// is shared and its load changes from minute to minute.
    /// </summary>
    public static void PrintOverhead()
    {
        const int steps = 320; // 20 sampled steps at k = 16
        var data = Scenarios.Moons(1024, 5);
        var selfShare = new Dictionary<int, double>(); // the doctor's own time / the rest of the loop's time
        var sampled = new Dictionary<int, int>(); // steps the doctor sampled (dense start and confirmations included)
        // after the dense start (DoctorOptions.DenseSteps, sampled whatever k is): what every later step of a long run costs
        int denseSteps = new DoctorOptions().DenseSteps;
        var steadyShare = new Dictionary<int, double>();
        var steadyTime = new Dictionary<int, double>(); // key 0: without the doctor
        double Time(int? k)
        {
            // the previous run's tensors are collected now, not charged to this run
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var model = Scenarios.Mlp(2, 2, 256, 4, () => new ReLU(), 5);
            var opt = new Adam(model.Parameters(), lr: 1e-3);
            using var doctor = k is { } every ? new Doctor(model, opt, new DoctorOptions { SampleEvery = every }) : null;
            var clock = Stopwatch.StartNew();
            double atDenseEnd = 0, doctorAtDenseEnd = 0;
            for (int step = 0; step < steps; step++)
            {
                if (step == denseSteps)
                {
                    atDenseEnd = clock.Elapsed.TotalMilliseconds;
                    doctorAtDenseEnd = doctor?.Elapsed.TotalMilliseconds ?? 0;
                }
                // in a TensorScope, as `tidu train` and the kernel benchmarks run their steps: without it every step's
                // tensors go to the garbage collector, whose pauses (a third of the step here) made the doctor's share
                // look smaller than it is and the wall-time column swing by tens of percent
                using var scope = TensorScope.Begin();
                int start = step * 256 % 1024;
                opt.ZeroGrad();
                var loss = Functional.CrossEntropy(model.Forward(data.X.Narrow(0, start, 256)), data.Y.Narrow(0, start, 256));
                loss.Backward();
                doctor?.Observe(loss);
                opt.Step();
            }
            double total = clock.Elapsed.TotalMilliseconds;
            steadyTime[k ?? 0] = Math.Min(steadyTime.GetValueOrDefault(k ?? 0, double.PositiveInfinity), total - atDenseEnd);
            if (doctor is not null)
            {
                double own = doctor.Elapsed.TotalMilliseconds - doctorAtDenseEnd;
                steadyShare[k!.Value] = Math.Min(steadyShare.GetValueOrDefault(k.Value, double.PositiveInfinity), own / (total - atDenseEnd - own));
            }
            if (doctor is not null) sampled[k!.Value] = doctor.History.Losses.Count(l => doctor.History.Layers.Any(r => r.Step == l.Step));
            if (doctor is not null) selfShare[k!.Value] = Math.Min(selfShare.GetValueOrDefault(k.Value, double.PositiveInfinity),
                doctor.Elapsed.TotalMilliseconds / (total - doctor.Elapsed.TotalMilliseconds));
            return total;
        }
        int?[] configs = [null, 1, 4, 16];
        var best = configs.Select(_ => double.PositiveInfinity).ToArray();
        foreach (var k in configs) Time(k); // warm-up (JIT)
        for (int round = 0; round < 4; round++)
            for (int c = 0; c < configs.Length; c++) best[c] = Math.Min(best[c], Time(configs[c]));
        Console.WriteLine($"overhead ({steps} Adam steps, MLP 2-256×4-2, batch 256, best of 4 interleaved): without doctor {best[0]:F0} ms; " +
            string.Join("; ", Enumerable.Range(1, 3).Select(c => $"k={configs[c]}: {best[c]:F0} ms ({(best[c] - best[0]) / best[0]:+0.0%;-0.0%})")));
        Console.WriteLine("overhead measured inside the run (the doctor's own time / the rest of the loop, best of 4; robust to machine load): " +
            string.Join("; ", new[] { 1, 4, 16 }.Select(k => $"k={k}: {selfShare[k]:+0.0%}")));
        Console.WriteLine($"after the first {denseSteps} steps (the steady state of a long run; best of 4): without doctor {steadyTime[0]:F0} ms; " +
            string.Join("; ", new[] { 1, 4, 16 }.Select(k => $"k={k}: {steadyTime[k]:F0} ms ({(steadyTime[k] - steadyTime[0]) / steadyTime[0]:+0.0%;-0.0%}), inside {steadyShare[k]:+0.0%}")));
        Console.WriteLine($"steps sampled of {steps} (the first {new DoctorOptions().DenseSteps} always, then every k, and the steps after a sampled condition that is not yet confirmed): " +
            string.Join("; ", new[] { 1, 4, 16 }.Select(k => $"k={k}: {sampled[k]}")));
    }
}
