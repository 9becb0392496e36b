using Tidu.Diagnostics;

namespace Tidu.Tests.Diagnostics.Report;

/// <summary>Report data shaped like a real run: an 8-layer MLP over 200 steps whose first layers stop learning.</summary>
internal static class ReportSamples
{
    public const string VanishingMessage =
        "The gradient of layers.0.weight is 10⁻⁵ of the last layer's: the first layers have stopped learning.";

    public const string LearningRateMessage =
        "Updates of layers.7.weight are 8 % of the weights per step, far above the usual 10⁻³.";

    public static Finding Vanishing(string parameter = "layers.0.weight") => new(
        FindingKind.VanishingGradient, Severity.Error, 120, parameter,
        new Dictionary<string, double> { ["grad norm (first layer)"] = 3.2e-7, ["grad norm (last layer)"] = 0.041, ["ratio"] = 7.8e-6, ["threshold"] = 1e-3 },
        VanishingMessage,
        ["Use ReLU or GELU instead of sigmoid/tanh in the hidden layers.",
         "Initialise with Init.KaimingNormal (He) for ReLU layers.",
         "Add residual connections or normalisation (LayerNorm/BatchNorm) between layers."]);

    public static Finding LearningRate() => new(
        FindingKind.LearningRateTooHigh, Severity.Warning, 35, "layers.7.weight",
        new Dictionary<string, double> { ["update ratio"] = 0.081, ["threshold"] = 0.01, ["lr"] = 0.5 },
        LearningRateMessage,
        ["Lower the learning rate about tenfold (lr = 0.05).", "Add a warm-up with LinearLR for the first 100 steps."]);

    /// <summary>8 layers × 200 steps of gradient norms, weight norms, update ratios and activation health.</summary>
    public static ReportData Realistic(IReadOnlyList<Finding>? findings = null)
    {
        const int layers = 8, steps = 200;
        var rng = new System.Random(7);
        int[] stepIndex = Enumerable.Range(1, steps).ToArray();
        double Noise(double scale) => 1 + scale * (rng.NextDouble() * 2 - 1);

        var loss = new double[steps];
        for (int t = 0; t < steps; t++)
            loss[t] = 0.35 + 1.95 * Math.Exp(-t / 30.0) + 0.08 * Math.Sin(t * 0.9) * Math.Exp(-t / 80.0) + 0.03 * rng.NextDouble();

        var grad = new List<Series>();
        var weight = new List<Series>();
        var ratio = new List<Series>();
        var health = new List<Series>();
        for (int l = 0; l < layers; l++)
        {
            var g = new double[steps];
            var w = new double[steps];
            var r = new double[steps];
            for (int t = 0; t < steps; t++)
            {
                // Each layer further from the output gets a smaller gradient, and the gap widens as training goes on.
                double depth = layers - 1 - l;
                g[t] = 0.05 * Math.Pow(10, -depth * (0.25 + 0.45 * t / steps)) * Noise(0.25);
                w[t] = (2.0 + 0.15 * l) * (1 + 0.4 * (1 - Math.Exp(-t / 60.0)) * (l + 1) / layers) * Noise(0.01);
                r[t] = (l == layers - 1 ? 0.08 : 0.5 * g[t]) * Noise(0.2);
            }
            // The first layer's gradient underflows to exactly zero near the end: a gap on the log scale.
            if (l == 0) for (int t = 185; t < steps; t++) { g[t] = 0; r[t] = 0; }
            string name = $"layers.{l}.weight";
            grad.Add(new Series(name, stepIndex, g));
            weight.Add(new Series(name, stepIndex, w));
            ratio.Add(new Series(name, stepIndex, r));
        }
        for (int l = 0; l < 3; l++)
        {
            var dead = new double[steps];
            var saturated = new double[steps];
            for (int t = 0; t < steps; t++)
            {
                dead[t] = Math.Min(1, (0.05 + 0.1 * l) + 0.25 * (1 - Math.Exp(-t / 50.0)) * (l + 1) / 3 + 0.01 * rng.NextDouble());
                saturated[t] = 0.02 + 0.03 * l * t / steps + 0.005 * rng.NextDouble();
            }
            health.Add(new Series($"layers.{l * 2 + 1} dead ReLU", stepIndex, dead));
            health.Add(new Series($"layers.{l * 2} saturated", stepIndex, saturated));
        }

        return new ReportData
        {
            Title = "MLP 784→256×7→10 on MNIST",
            Loss = new Series("train loss", stepIndex, loss),
            Groups =
            [
                SeriesGroup.GradientNorms(grad),
                SeriesGroup.WeightNorms(weight),
                SeriesGroup.UpdateRatios(ratio),
                SeriesGroup.ActivationHealth(health),
            ],
            Findings = findings ?? [Vanishing(), LearningRate()],
            Summary =
            [
                new("model", "Sequential(8 × Linear + Sigmoid)"),
                new("optimizer", "SGD(momentum=0.9)"),
                new("lr", "0.5"),
                new("batch size", "64"),
                new("steps", "200"),
            ],
        };
    }
}
