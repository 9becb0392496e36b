using System.Globalization;
using Tidu.Diagnostics;

namespace Tidu.DoctorBench;

/// <summary>Prints one scenario's per-step history (loss, per-parameter gradient norms, activation std) for tuning rules on the tuning half.</summary>
public static class Dump
{
    public static void Run(string name, int steps, int every)
    {
        var sc = Scenarios.All().Single(s => s.Name == name);
        var doctor = sc.Run(steps);
        var h = doctor.History;
        var inv = CultureInfo.InvariantCulture;
        foreach (var f in doctor.Findings) Console.WriteLine(f);
        foreach (var l in h.Losses)
        {
            if (l.Step % every != 0) continue;
            var grads = h.Parameters.Where(p => p.Step == l.Step).Select(p => $"{p.Name}={p.GradNorm.ToString("G3", inv)}");
            var acts = h.Activations.Where(a => a.Step == l.Step).Select(a => $"{a.Module}:sd={a.OutputStd.ToString("G3", inv)},np={a.NonPositiveFraction.ToString("G2", inv)}");
            Console.WriteLine($"{l.Step,4} loss={l.Loss.ToString("G4", inv)} lr={l.LearningRate.ToString("G3", inv)} | {string.Join(" ", grads)} | {string.Join(" ", acts)}");
        }
    }
}

/// <summary>The oscillation rule's inputs at every step of the tuning half's runs (for tuning only).</summary>
public static class OscillationDump
{
    public static void Run(int steps)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var sc in Scenarios.All().Where(s => s.Split == "tune"))
        {
            var l = sc.Run(steps).History.Losses.Select(r => r.Loss).Where(double.IsFinite).ToList();
            const int w = 20;
            double init = l.Take(5).Average();
            var hits = new List<string>();
            for (int n = w; n <= l.Count; n++)
            {
                var win = l.GetRange(n - w, w);
                double mean = win.Average();
                double amp = Enumerable.Range(1, w - 1).Average(i => Math.Abs(win[i] - win[i - 1])) / mean;
                int sc2 = 0;
                for (int i = 2; i < w; i++) if (Math.Sign(win[i] - win[i - 1]) * Math.Sign(win[i - 1] - win[i - 2]) < 0) sc2++;
                double change = sc2 / (double)(w - 2);
                double progress = (win.Take(w / 2).Average() - win.Skip(w / 2).Average()) / mean;
                double smooth = (win.Take(5).Average() - win.Skip(w - 5).Average()) / mean;
                if (amp > 0.2 && change >= 0.4 && mean > 0.5 * init)
                    hits.Add($"{n}:a={amp.ToString("F2", inv)},p={progress.ToString("F2", inv)},s={smooth.ToString("F2", inv)},c={change.ToString("F2", inv)}");
            }
            Console.WriteLine($"{sc.Name,-28} {string.Join(" ", hits.Take(12))}");
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
