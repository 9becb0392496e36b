using Tidu.Diagnostics;
using Tidu.NN;
using Tidu.Optim;

namespace Tidu.Cli.DoctorDemos;

/// <summary>Trains one variant with the doctor attached, the way issue 5 asks a training loop to use it.</summary>
internal static class DemoTrainer
{
    internal static VariantResult Run(DemoVariant variant, long seed, int steps, string reportPath, string reportTitle)
    {
        var s = variant.Build(seed);
        var parameters = s.Model.Parameters().ToList();
        // the first and last weight matrices stand for the first and last layers, as in the doctor's own rule
        var weights = parameters.Where(p => p.Rank >= 2).ToList();
        using var doctor = new Doctor(s.Model, s.Optimizer);
        int n = s.X.Size(0), batch = Math.Min(s.BatchSize, n);
        double finalLoss = double.NaN, ratio = double.NaN, maxNorm = 0;
        int done = 0;
        for (int step = 0; step < steps; step++)
        {
            int start = step * batch % n;
            int count = Math.Min(batch, n - start);
            var x = s.X.Narrow(0, start, count);
            var y = s.Y.Narrow(0, start, count);
            s.Optimizer.ZeroGrad();
            var output = s.Model.Forward(x);
            var loss = s.Classification ? Functional.CrossEntropy(output, y) : Functional.MseLoss(output, y);
            loss.Backward();
            doctor.Observe(loss);
            finalLoss = loss.Item();
            done = step + 1;
            if (step == 0 && weights.Count >= 2) ratio = GradNorm(weights[0]) / GradNorm(weights[^1]);
            double total = Math.Sqrt(parameters.Sum(w => Square(GradNorm(w))));
            if (double.IsNaN(total) || total > maxNorm) maxNorm = total;
            // NaN stays NaN from here on: stop rather than train on garbage (the doctor has already seen it)
            if (!double.IsFinite(finalLoss)) break;
            if (s.ClipNorm is { } c) GradientClipping.ClipGradNorm(s.Model.Parameters(), c);
            s.Optimizer.Step();
        }
        string? dir = Path.GetDirectoryName(reportPath);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        doctor.WriteReport(reportPath, reportTitle);
        return new VariantResult(variant, done, finalLoss, ratio, maxNorm, doctor.FindingsByCause, reportPath);
    }

    private static double Square(double v) => v * v;

    private static double GradNorm(Tensor weight)
    {
        if (weight.Grad is not { } g) return 0;
        double sum = 0;
        foreach (float v in g.ToArray<float>()) sum += (double)v * v;
        return Math.Sqrt(sum);
    }
}
