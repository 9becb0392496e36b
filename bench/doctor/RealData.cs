using System.Globalization;
using Tidu.Data;
using Tidu.Diagnostics;
using Tidu.NN;
using Tidu.Optim;
using Tidu.Training;

namespace Tidu.DoctorBench;

/// <summary>
/// The doctor on real data, as <c>tidu train</c> runs it (SampleEvery 16): the Fashion-MNIST MLP of
/// <see cref="FashionMnistModels.Mlp"/> (or a scenario MLP, for the structural faults) on the first 12,800 training
/// images (100 batches of 128), healthy and with one fault at a time. Each case names the root-cause kind it must report (none for the healthy ones). Not tuned on: the
/// rules were set on the synthetic tuning half; these runs only check that they carry over to real data.
/// </summary>
public static class RealData
{
    private sealed record Case(string Name, FindingKind? Expected, string What, Func<Module, Optimizer> Optimizer,
        Func<int, Tensor, Tensor>? Input = null, bool ZeroGrad = true, Action<Module>? Setup = null)
    {
        /// <summary>The model (default: the reference MLP); a Flatten goes in front of the scenario MLPs.</summary>
        public Func<Module>? Model { get; init; }

        public int Batch { get; init; } = 128;

        /// <summary>
        /// Where the expected kind must be a root cause; else it may also be a consequence (a ×10 initialisation's
        /// first updates overshoot, and the explosion is then reported under LearningRateTooHigh, as in the scenarios).
        /// </summary>
        public bool RootRequired { get; init; } = true;
    }

    private static Sequential Flat(Module mlp) => new(new Flatten(), mlp);

    private static readonly Case[] Cases =
    [
        new("healthy-adam", null, "Adam lr 1e-3", m => new Adam(m.Parameters(), lr: 1e-3)),
        new("healthy-sgd", null, "SGD Nesterov 0.9, lr 0.05, weight decay 5e-4 (tidu train's SGD)",
            m => new SGD(m.Parameters(), lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4)),
        new("lr-too-high-sgd", FindingKind.LearningRateTooHigh, "SGD Nesterov at lr 2",
            m => new SGD(m.Parameters(), lr: 2, momentum: 0.9, nesterov: true, weightDecay: 5e-4)),
        new("lr-too-high-adam", FindingKind.LearningRateTooHigh, "Adam at lr 0.05", m => new Adam(m.Parameters(), lr: 0.05)),
        new("lr-too-low", FindingKind.LearningRateTooLow, "SGD Nesterov at lr 1e-5",
            m => new SGD(m.Parameters(), lr: 1e-5, momentum: 0.9, nesterov: true)),
        new("raw-pixels", FindingKind.UnnormalizedInput, "pixels 0–255 instead of standardised, Adam lr 1e-3",
            m => new Adam(m.Parameters(), lr: 1e-3), Input: (_, x) => (x * FashionMnistModels.Std + FashionMnistModels.Mean) * 255),
        new("no-zero-grad", FindingKind.GradientNotZeroed, "ZeroGrad never called, Adam lr 1e-3",
            m => new Adam(m.Parameters(), lr: 1e-3), ZeroGrad: false),
        new("nan-batch", FindingKind.NonFiniteValue, "one NaN pixel in the batch of step 50, Adam lr 1e-3",
            m => new Adam(m.Parameters(), lr: 1e-3), Input: (step, x) => step == 50 ? WithNaN(x) : x),
        new("frozen-by-mistake", FindingKind.NoGradient, "the first layer's weight detached from the loss by RequiresGrad = false, Adam lr 1e-3",
            m => new Adam(m.Parameters(), lr: 1e-3), Setup: m => m.NamedParameters().First().Parameter.RequiresGrad = false),
        // the kinds of the scenario benchmark's structural faults, on the same images
        new("deep-sigmoid", FindingKind.VanishingGradient, "10 hidden Sigmoid layers of 64, SGD lr 0.1",
            m => new SGD(m.Parameters(), lr: 0.1)) { Model = () => Flat(Scenarios.Mlp(784, 10, 64, 10, () => new Sigmoid(), 7)) },
        new("exploding-init", FindingKind.ExplodingGradient, "5 ReLU layers of 128 with weights ×10, SGD lr 0.01",
            m => new SGD(m.Parameters(), lr: 0.01)) { Model = () => Flat(Scenarios.Scale(Scenarios.Mlp(784, 10, 128, 5, () => new ReLU(), 7), 10)), RootRequired = false },
        new("dying-relu", FindingKind.DeadRelu, "3 ReLU layers of 128 with biases −10, Adam lr 1e-3",
            m => new Adam(m.Parameters(), lr: 1e-3)) { Model = () => Flat(Scenarios.Bias(Scenarios.Mlp(784, 10, 128, 3, () => new ReLU(), 7), -10)) },
        new("saturated-tanh", FindingKind.SaturatedActivation, "2 Tanh layers of 128 with weights ×15, SGD lr 0.01",
            m => new SGD(m.Parameters(), lr: 0.01)) { Model = () => Flat(Scenarios.Scale(Scenarios.Mlp(784, 10, 128, 2, () => new Tanh(), 7), 15)) },
        new("huge-weight-decay", FindingKind.RegularizationDominates, "SGD lr 0.05 with weight decay 1",
            m => new SGD(m.Parameters(), lr: 0.05, momentum: 0.9, weightDecay: 1.0)),
        new("batchnorm-batch-2", FindingKind.SmallBatchNorm, "an MLP with BatchNorm1d trained on batches of 2, Adam lr 1e-3",
            m => new Adam(m.Parameters(), lr: 1e-3)) { Model = () => Flat(Scenarios.MlpBn(784, 10, 128, 7)), Batch = 2 },
        // the reference CNN (convolutions and BatchNorm2d): its healthy update ratios are 5e-3 to 5e-2, and at lr 1e-5
        // 2e-5, which DeepDiagnosis's ÷ 100 bound (1e-5) missed
        new("cnn-healthy-sgd", null, "the reference CNN, SGD Nesterov 0.9, lr 0.05",
            m => new SGD(m.Parameters(), lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4)) { Model = () => FashionMnistModels.Cnn() },
        new("cnn-lr-too-low", FindingKind.LearningRateTooLow, "the reference CNN, SGD Nesterov at lr 1e-5",
            m => new SGD(m.Parameters(), lr: 1e-5, momentum: 0.9, nesterov: true, weightDecay: 5e-4)) { Model = () => FashionMnistModels.Cnn() },
    ];

    public static void Run(int steps)
    {
        TensorDataset train;
        try { (train, _) = FashionMnist.Load(); }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            Console.WriteLine($"real data: Fashion-MNIST not found ({e.Message}); install it with apt-get install dataset-fashion-mnist");
            return;
        }
        var subset = new Subset(train, Enumerable.Range(0, 12_800).ToArray());
        var inv = CultureInfo.InvariantCulture;
        int right = 0, faulty = 0, quietHealthy = 0, healthy = 0, infoOnHealthy = 0;
        Console.WriteLine($"Fashion-MNIST, 12,800 images, batch 128 unless said, {steps} steps, SampleEvery 16; the reference MLP 784-256-128-10 unless said\n");
        foreach (var c in Cases)
        {
            var (doctor, final) = Train(c, subset, steps, repair: false);
            // with Repair on, where the doctor applied a fix: the final loss next to the unrepaired one
            string repaired = "";
            if (c.Expected is not null)
            {
                var (fixedDoctor, fixedFinal) = Train(c, subset, steps, repair: true);
                var fixes = fixedDoctor.Findings.Where(f => f.Parameter?.StartsWith("repair:", StringComparison.Ordinal) == true).Select(f => f.Parameter![7..]).Distinct().ToList();
                if (fixes.Count > 0) repaired = $", repaired ({string.Join(", ", fixes)}) {fixedFinal.ToString("G3", inv)}";
            }
            // every root is listed, Info ones marked (i); as in the scenario benchmark, a healthy run is quiet when it has
            // no Warning or Error (an Info is something worth knowing that needs no fix, such as units that died while
            // the rest of the network learns)
            var roots = doctor.FindingsByCause.Where(f => f.CausedBy is null).ToList();
            bool ok = c.Expected is { } k
                ? (c.RootRequired ? roots : doctor.Findings).Any(f => f.Kind == k)
                : doctor.Findings.All(f => f.Severity == Severity.Info);
            infoOnHealthy += c.Expected is null ? doctor.Findings.Count(f => f.Severity == Severity.Info) : 0;
            if (c.Expected is null) { healthy++; if (ok) quietHealthy++; }
            else { faulty++; if (ok) right++; }
            // one line per kind: GradientNotZeroed names every parameter
            string found = roots.Count == 0 ? "no finding" : string.Join(", ", roots.GroupBy(f => f.Kind).Select(g =>
            {
                var f = g.First();
                string where = f.Parameter is null ? "" : $" in {f.Parameter}{(g.Count() > 1 ? $" and {g.Count() - 1} more" : "")}";
                return $"{g.Key}{(f.Severity == Severity.Info ? "(i)" : "")} at step {f.FirstStep}{where}";
            }));
            Console.WriteLine($"{c.Name,-18} {(ok ? "ok  " : "MISS")} {c.What}\n{"",23}root causes: {found}\n{"",23}final loss {final.ToString("G3", inv)}{repaired}");
        }
        Console.WriteLine($"\nreal data: the expected kind in {right} of {faulty} faulty runs (as the root cause, but for exploding-init); no Warning or Error in {quietHealthy} of {healthy} healthy runs, {infoOnHealthy} Info");
    }

    private static (Doctor Doctor, double FinalLoss) Train(Case c, Dataset data, int steps, bool repair)
    {
        Tensor.ManualSeed(3);
        var model = c.Model?.Invoke() ?? FashionMnistModels.Mlp();
        c.Setup?.Invoke(model);
        var optimizer = c.Optimizer(model);
        var loader = new DataLoader(data, c.Batch, shuffle: true, generator: new Generator(4), transform: FashionMnistModels.EvalTransform());
        var doctor = new Doctor(model, optimizer, new DoctorOptions { SampleEvery = 16, Repair = repair });
        var lossFn = new CrossEntropyLoss();
        var last = new List<double>();
        for (int step = 0; step < steps;)
            foreach (var batch in loader)
            {
                if (step >= steps) break;
                using var scope = TensorScope.Begin();
                if (c.ZeroGrad) optimizer.ZeroGrad();
                var x = c.Input is { } f ? f(step, batch.Inputs) : batch.Inputs;
                var loss = lossFn.Forward(model.Forward(x), batch.Targets);
                loss.Backward();
                doctor.Observe(loss);
                optimizer.Step();
                if (step >= steps - 10) last.Add(loss.Item());
                step++;
            }
        // the mean of the last 10 finite losses (a NaN batch's own loss is NaN however well the model trains)
        var finite = last.Where(double.IsFinite).ToList();
        return (doctor, finite.Count > last.Count / 2 ? finite.Average() : double.NaN);
    }

    private static Tensor WithNaN(Tensor x)
    {
        var values = x.ToArray<float>();
        values[values.Length / 2] = float.NaN;
        return Tensor.From(values, x.Shape);
    }
}
