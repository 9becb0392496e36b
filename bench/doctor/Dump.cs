using System.Globalization;
using Tidu.Diagnostics;

namespace Tidu.DoctorBench;

/// <summary>Prints one scenario's per-step history (loss, per-parameter gradient norms, activation std) for tuning rules on the tuning half.</summary>
public static class Dump
{
    public static void Run(string name, int steps, int every)
    {
        // a replica's name ends in -r<i>: build enough replicas to include it
        int at = name.LastIndexOf("-r", StringComparison.Ordinal);
        int replicas = at >= 0 && int.TryParse(name[(at + 2)..], out int r) ? r + 1 : 1;
        var sc = Scenarios.All(replicas).Single(s => s.Name == name);
        var doctor = sc.Run(steps);
        var h = doctor.History;
        var inv = CultureInfo.InvariantCulture;
        foreach (var f in doctor.Findings) Console.WriteLine(f);
        foreach (var l in h.Losses)
        {
            if (l.Step % every != 0) continue;
            var grads = h.Parameters.Where(p => p.Step == l.Step).Select(p => $"{p.Name}={p.GradNorm.ToString("G3", inv)}");
            var acts = h.Activations.Where(a => a.Step == l.Step).Select(a => $"{a.Module}:sd={a.OutputStd.ToString("G3", inv)},np={a.NonPositiveFraction.ToString("G2", inv)},sat={a.SaturatedFraction.ToString("G2", inv)}");
            Console.WriteLine($"{l.Step,4} loss={l.Loss.ToString("G4", inv)} lr={l.LearningRate.ToString("G3", inv)} | {string.Join(" ", grads)} | {string.Join(" ", acts)}");
        }
    }
}

/// <summary>The oscillation rule's inputs at every step of the tuning half's runs (for tuning only).</summary>
public static class OscillationDump
{
    /// <summary>Prints, per tuning run (optionally only those whose name starts with <paramref name="prefix"/>), the
    /// windows where the swings are large: end step, amplitude a, smoothed progress s, sign-change fraction c and the
    /// window's mean loss over the start loss m (the quantities of Doctor.OscillationRule).</summary>
    public static void Run(int steps, string prefix = "", int from = 0)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var sc in Scenarios.All().Where(s => s.Split == "tune" && s.Name.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var l = sc.Run(steps).History.Losses.Select(r => r.Loss).ToList();
            const int w = 20;
            double init = Math.Min(l[0], l.Take(5).Average());
            var hits = new List<string>();
            for (int n = Math.Max(w, from); n <= l.Count; n++)
            {
                var win = l.GetRange(n - w, w);
                if (win.Any(x => !double.IsFinite(x))) break;
                double mean = win.Average();
                double amp = Enumerable.Range(1, w - 1).Average(i => Math.Abs(win[i] - win[i - 1])) / mean;
                int sc2 = 0;
                for (int i = 2; i < w; i++) if (Math.Sign(win[i] - win[i - 1]) * Math.Sign(win[i - 1] - win[i - 2]) < 0) sc2++;
                double change = sc2 / (double)(w - 2);
                double smooth = (win.Take(5).Average() - win.Skip(w - 5).Average()) / mean;
                if (amp > 0.2 && change >= 0.3 && mean > 0.3 * init)
                    hits.Add($"{n}:a={amp.ToString("F2", inv)},s={smooth.ToString("F2", inv)},c={change.ToString("F2", inv)},m={(mean / init).ToString("F2", inv)}");
            }
            Console.WriteLine($"{sc.Name,-28} {string.Join(" ", hits.Take(prefix.Length > 0 ? 40 : 12))}");
        }
    }
}

/// <summary>The total update ratio ‖Δw‖/‖w‖ per step of the tuning half's runs (for tuning only).</summary>
public static class UpdateDump
{
    public static void Run(int steps)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var sc in Scenarios.All().Where(s => s.Split == "tune"))
        {
            var h = sc.Run(steps).History;
            var ratios = h.Parameters.GroupBy(p => p.Step).OrderBy(g => g.Key).Select(g =>
            {
                double w = 0, u = 0;
                foreach (var p in g) { w += p.WeightNorm * p.WeightNorm; u += Math.Pow(p.UpdateRatio * p.WeightNorm, 2); }
                return (Step: g.Key, Ratio: Math.Sqrt(u / w));
            }).ToList();
            var late = ratios.Where(r => r.Step >= 10 && double.IsFinite(r.Ratio)).ToList();
            Console.WriteLine($"{sc.Name,-28} max(step>=10)={(late.Count == 0 ? double.NaN : late.Max(r => r.Ratio)).ToString("G3", inv)} median={(late.Count == 0 ? double.NaN : late.OrderBy(r => r.Ratio).ElementAt(late.Count / 2).Ratio).ToString("G3", inv)} 15-30: {string.Join(" ", ratios.Where(r => r.Step is >= 15 and <= 30).Select(r => r.Ratio.ToString("G2", inv)))}");
        }
    }
}

/// <summary>The losses of the tuning runs whose name starts with a prefix, one run per line (for tuning only).</summary>
public static class LossDump
{
    public static void Run(string prefix, int steps)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var sc in Scenarios.All().Where(s => s.Split == "tune" && s.Name.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var d = sc.Run(steps);
            Console.WriteLine($"{sc.Name}: {string.Join(", ", d.Findings.Select(f => $"{f.Kind}@{f.FirstStep}"))}");
            Console.WriteLine("  " + string.Join(" ", d.History.Losses.Select(l => l.Loss.ToString("G3", inv))));
        }
    }
}
