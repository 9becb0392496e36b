using Tidu;
using Tidu.Data;
using Tidu.Diagnostics;
using Tidu.NN;
using Tidu.Optim;

namespace Tidu.DoctorBench;

/// <summary>One training run with a known fault (or none) for tuning and evaluating the Doctor's rules.</summary>
/// <param name="Name">Short name.</param>
/// <param name="Split">"tune" or "held-out".</param>
/// <param name="Expected">Kinds the doctor must report (empty for a healthy run).</param>
/// <param name="Acceptable">Kinds that are true consequences of the fault and therefore not false alarms.</param>
/// <param name="Run">Trains for the given number of steps and returns the doctor.</param>
public sealed record Scenario(string Name, string Split, FindingKind[] Expected, FindingKind[] Acceptable, Func<int, Doctor> Run)
{
    public bool Healthy => Expected.Length == 0;

    /// <summary>Parameter or module names (exact, or a prefix ending in ".") an expected finding should name, where one is right.</summary>
    public string[] Where { get; init; } = [];

    /// <summary>
    /// Whether the fault showed in this run's (unrepaired) losses, for faults that are a setting rather than a defect
    /// the doctor can measure directly. An lr that makes one seed's loss swing trains another seed smoothly to 5e-6
    /// (lr-oscillating-0-r3 to -r6): there is nothing to find then, and counting it as a miss mixes labelling errors
    /// into the recall. Null: the fault always counts (a frozen layer, a NaN in the data, an init × 10).
    /// </summary>
    public Func<IReadOnlyList<double>, bool>? Shows { get; init; }
}

public static partial class Scenarios
{
    private static readonly FindingKind[] None = [];

    /// <summary>
    /// Every scenario. With <paramref name="seeds"/> &gt; 1 each pair (both halves) is repeated with other seeds
    /// (replica r: seeds + 1000·r, names ending in "-r<i>r</i>"), so that recall, false alarms and delay are not
    /// judged on one run per fault; the tuning-only family is not repeated.
    /// </summary>
    public static IReadOnlyList<Scenario> All(int seeds = 1)
    {
        var list = new List<Scenario>();
        for (int r = 0; r < seeds; r++)
        {
            var pairs = Pairs(1000 * r);
            list.AddRange(r == 0 ? pairs : pairs.Select(sc => sc with { Name = $"{sc.Name}-r{r}" }));
        }
        list.AddRange(OscillationFamily());
        return list;
    }

    private static List<Scenario> Pairs(int seedOffset)
    {
        var list = new List<Scenario>();
        for (int variant = 0; variant < 2; variant++)
        {
            int v = variant; // each closure needs its own copy
            string split = v == 0 ? "tune" : "held-out";
            int seed = 11 + 100 * v + seedOffset;
            int s = seed;
            // ---- healthy runs (7 configurations × 2 seeds) ----
            list.Add(new($"healthy-moons-relu-adam-{v}", split, None, None, n => Classify(Moons(256, s), Mlp(2, 2, 32, 2, () => new ReLU(), s), m => new Adam(m.Parameters(), lr: 1e-2), n)));
            list.Add(new($"healthy-moons-tanh-sgdm-{v}", split, None, None, n => Classify(Moons(256, s + 1), Mlp(2, 2, 32, 2, () => new Tanh(), s + 1), m => new SGD(m.Parameters(), lr: 0.1, momentum: 0.9), n)));
            list.Add(new($"healthy-spirals-relu-adam-{v}", split, None, None, n => Classify(Spirals(300, s + 2), Mlp(2, 3, 64, 3, () => new ReLU(), s + 2), m => new Adam(m.Parameters(), lr: 5e-3), n)));
            list.Add(new($"healthy-linreg-sgd-{v}", split, None, None, n => Regress(LinReg(256, 5, s + 3, scale: 1), Mlp(5, 1, 0, 0, () => new ReLU(), s + 3), m => new SGD(m.Parameters(), lr: 0.05), n)));
            list.Add(new($"healthy-moons-bn-{v}", split, None, None, n => Classify(Moons(256, s + 4), MlpBn(2, 2, 32, s + 4), m => new Adam(m.Parameters(), lr: 1e-2), n, batch: 64)));
            list.Add(new($"healthy-moons-wd-{v}", split, None, None, n => Classify(Moons(256, s + 5), Mlp(2, 2, 32, 2, () => new ReLU(), s + 5), m => new SGD(m.Parameters(), lr: 0.05, momentum: 0.9, weightDecay: 5e-4), n)));
            list.Add(new($"healthy-regmlp-adam-{v}", split, None, None, n => Regress(LinReg(256, 8, s + 6, scale: 1, nonlinear: true), Mlp(8, 1, 32, 2, () => new ReLU(), s + 6), m => new Adam(m.Parameters(), lr: 3e-3), n)));
            // full batch (one batch of all 256 samples on every step), added in round (k) for the full-batch spike rule
            // (DoctorOptions.FullBatchSpikeAboveStart): momentum SGD and Adam at sound learning rates
            list.Add(new($"healthy-fullbatch-sgdm-{v}", split, None, None, n => Classify(Moons(256, s + 30), Mlp(2, 2, 32, 2, () => new ReLU(), s + 30), m => new SGD(m.Parameters(), lr: 0.1, momentum: 0.9), n, batch: 256)));
            list.Add(new($"healthy-fullbatch-adam-{v}", split, None, None, n => Classify(Spirals(300, s + 31), Mlp(2, 3, 64, 3, () => new ReLU(), s + 31), m => new Adam(m.Parameters(), lr: 1e-2), n, batch: 300)));

            // ---- faulty runs (13 faults × 2 variants) ----
            list.Add(new($"lr-too-high-{v}", split, [FindingKind.DivergingLoss],
                [FindingKind.NonFiniteValue, FindingKind.ExplodingGradient, FindingKind.LearningRateTooHigh, FindingKind.WeightGrowth, FindingKind.OscillatingLoss],
                n => Regress(LinReg(256, 5, s + 7, scale: 1), Mlp(5, 1, 16, 1, () => new ReLU(), s + 7), m => new SGD(m.Parameters(), lr: v == 0 ? 1.5 : 3.0), n)));
            list.Add(new($"lr-oscillating-{v}", split, [FindingKind.OscillatingLoss],
                [FindingKind.LearningRateTooHigh, FindingKind.SlowConvergence],
                n => Classify(Moons(256, s + 8), Mlp(2, 2, 32, 2, () => new ReLU(), s + 8), m => new SGD(m.Parameters(), lr: v == 0 ? 1.0 : 0.7, momentum: 0.9), n, batch: 256)) { Shows = Swings });
            list.Add(new($"lr-too-low-{v}", split, [FindingKind.LearningRateTooLow],
                [FindingKind.SlowConvergence],
                n => Classify(Moons(256, s + 9), Mlp(2, 2, 32, 2, () => new ReLU(), s + 9), m => new SGD(m.Parameters(), lr: v == 0 ? 1e-5 : 3e-6), n)));
            list.Add(new($"vanishing-deep-sigmoid-{v}", split, [FindingKind.VanishingGradient],
                [FindingKind.SlowConvergence, FindingKind.LearningRateTooLow, FindingKind.SaturatedActivation],
                n => Classify(Moons(256, s + 10), Mlp(2, 2, 16, v == 0 ? 10 : 12, () => new Sigmoid(), s + 10), m => new SGD(m.Parameters(), lr: 0.1), n)) { Where = ["0.weight"] });
            list.Add(new($"exploding-init-x10-{v}", split, [FindingKind.ExplodingGradient],
                [FindingKind.DivergingLoss, FindingKind.NonFiniteValue, FindingKind.LearningRateTooHigh, FindingKind.WeightGrowth, FindingKind.OscillatingLoss, FindingKind.DeadRelu, FindingKind.SlowConvergence],
                n => Classify(Moons(256, s + 11), Scale(Mlp(2, 2, 64, v == 0 ? 4 : 5, () => new ReLU(), s + 11), 10), m => new SGD(m.Parameters(), lr: 0.01), n)) { Where = ["0.weight"] });
            list.Add(new($"dying-relu-bias-{v}", split, [FindingKind.DeadRelu],
                [FindingKind.SlowConvergence, FindingKind.LearningRateTooLow, FindingKind.NoGradient],
                n => Classify(Moons(256, s + 12), Bias(Mlp(2, 2, 32, 3, () => new ReLU(), s + 12), v == 0 ? -10 : -5), m => new Adam(m.Parameters(), lr: 1e-3), n)));
            list.Add(new($"no-zero-grad-{v}", split, [FindingKind.GradientNotZeroed],
                [FindingKind.DivergingLoss, FindingKind.OscillatingLoss, FindingKind.LearningRateTooHigh, FindingKind.ExplodingGradient, FindingKind.WeightGrowth, FindingKind.NonFiniteValue, FindingKind.SlowConvergence,
                 FindingKind.DeadRelu], // accumulated gradients make ever larger steps, which kill ReLU units
                n => Classify(Moons(256, s + 13), Mlp(2, 2, 32, 2, () => new ReLU(), s + 13), m => new SGD(m.Parameters(), lr: 0.05), n, zeroGrad: false)));
            list.Add(new($"frozen-layer-{v}", split, [FindingKind.NoGradient],
                [FindingKind.SlowConvergence],
                n => Classify(Moons(256, s + 14), Freeze(Mlp(2, 2, 32, 2, () => new ReLU(), s + 14), v == 0 ? "0" : "2"), m => new Adam(m.Parameters(), lr: 1e-2), n)) { Where = [v == 0 ? "0." : "2."] });
            list.Add(new($"detached-branch-{v}", split, [FindingKind.NoGradient],
                [FindingKind.SlowConvergence],
                n => Classify(Moons(256, s + 15), new TwoBranch(s + 15), m => new Adam(m.Parameters(), lr: 1e-2), n)) { Where = ["side."] });
            list.Add(new($"unnormalised-0-255-{v}", split, [FindingKind.UnnormalizedInput],
                [FindingKind.OscillatingLoss, FindingKind.DivergingLoss, FindingKind.SlowConvergence, FindingKind.LearningRateTooHigh, FindingKind.DeadRelu, FindingKind.ExplodingGradient, FindingKind.SaturatedActivation, FindingKind.WeightGrowth, FindingKind.NonFiniteValue],
                n => Classify(Pixels(Moons(256, s + 16)), Mlp(2, 2, 32, 2, () => new ReLU(), s + 16), m => new Adam(m.Parameters(), lr: 1e-3), n)) { Where = ["0"] });
            list.Add(new($"batchnorm-batch-2-{v}", split, [FindingKind.SmallBatchNorm],
                // with 2 samples BatchNorm's output is ±1 whatever the input, so almost no gradient reaches the layers before it
                [FindingKind.OscillatingLoss, FindingKind.SlowConvergence, FindingKind.VanishingGradient],
                n => Classify(Moons(256, s + 17), MlpBn(2, 2, 32, s + 17), m => new Adam(m.Parameters(), lr: 1e-2), n, batch: 2)) { Where = ["1", "4"] });
            list.Add(new($"huge-weight-decay-{v}", split, [FindingKind.RegularizationDominates],
                [FindingKind.SlowConvergence, FindingKind.LearningRateTooLow, FindingKind.DeadRelu, FindingKind.VanishingGradient],
                n => Classify(Moons(256, s + 18), Mlp(2, 2, 32, 2, () => new ReLU(), s + 18), m => new SGD(m.Parameters(), lr: 0.05, weightDecay: v == 0 ? 1.0 : 3.0), n)));
            list.Add(new($"saturated-tanh-{v}", split, [FindingKind.SaturatedActivation],
                [FindingKind.SlowConvergence, FindingKind.VanishingGradient, FindingKind.OscillatingLoss, FindingKind.LearningRateTooLow, FindingKind.UnnormalizedInput],
                n => Classify(Moons(256, s + 19), Scale(Mlp(2, 2, 32, 2, () => new Tanh(), s + 19), v == 0 ? 20 : 15), m => new SGD(m.Parameters(), lr: 0.01), n)) { Where = ["1", "3"] });
            list.AddRange(RootCauseFamily(v, split, s));
            list.AddRange(LossFamily(v, split, s));
        }
        return list;
    }

    /// <summary>
    /// Tuning-only runs (seeds 41+, disjoint from both halves) of the phenomenon behind lr-oscillating: a learning rate
    /// too high for the loss surface makes the loss swing up and down by large factors for many steps, but it keeps
    /// coming back down and training goes on; plus two runs that genuinely diverge, to tune the boundary between the
    /// oscillation and divergence rules on. The oscillating runs must produce OscillatingLoss and must not produce
    /// DivergingLoss (the loss does not grow); the diverging ones must produce DivergingLoss.
    /// </summary>
    private static IEnumerable<Scenario> OscillationFamily()
    {
        const string tune = "tune";
        FindingKind[] oscillating = [FindingKind.OscillatingLoss];
        // a too-high lr also shows as large updates, runaway weights, ReLUs killed by the overshoots and a stalled loss
        FindingKind[] oscillatingConsequences = [FindingKind.LearningRateTooHigh, FindingKind.SlowConvergence, FindingKind.WeightGrowth, FindingKind.DeadRelu];
        FindingKind[] diverging = [FindingKind.DivergingLoss];
        FindingKind[] divergingConsequences = [.. oscillatingConsequences, FindingKind.OscillatingLoss, FindingKind.NonFiniteValue, FindingKind.ExplodingGradient];

        // full-batch SGD with momentum 0.9 at lr 0.8 (3 hidden layers): the loss spikes ×10–×30 three times in 10 steps,
        // coming back down in between ...
        yield return new("osc-moons-sgdm-0", tune, oscillating, oscillatingConsequences,
            n => Classify(Moons(256, 47), Mlp(2, 2, 32, 3, () => new ReLU(), 47), m => new SGD(m.Parameters(), lr: 0.8, momentum: 0.9), n, batch: 256));
        // ... and, on other data, a spike ×20 followed by ~10 steps of swings between 0.3 and 1.1
        yield return new("osc-moons-deep-sgdm-0", tune, oscillating, oscillatingConsequences,
            n => Classify(Moons(256, 48), Mlp(2, 2, 32, 3, () => new ReLU(), 47), m => new SGD(m.Parameters(), lr: 0.8, momentum: 0.9), n, batch: 256));
        // Adam at lr 0.3 (30× its usual 1e-2): the loss jumps ×20, then swings between 0.2 and 1.8 for ~25 steps
        yield return new("osc-moons-adam-0", tune, oscillating, oscillatingConsequences,
            n => Classify(Moons(256, 45), Mlp(2, 2, 32, 2, () => new ReLU(), 45), m => new Adam(m.Parameters(), lr: 0.3), n, batch: 256));
        // lr far too high (mini-batch SGD on regression, seeds 81+), more severe than lr-too-high-0 (lr 1.5): the loss
        // reaches NaN within a few steps, to tune the rollback repair on
        FindingKind[] blowUpConsequences = [FindingKind.NonFiniteValue, FindingKind.ExplodingGradient, FindingKind.LearningRateTooHigh, FindingKind.WeightGrowth, FindingKind.OscillatingLoss];
        yield return new("lr-too-high-lr3-0", tune, diverging, blowUpConsequences,
            n => Regress(LinReg(256, 5, 81, scale: 1), Mlp(5, 1, 16, 1, () => new ReLU(), 81), m => new SGD(m.Parameters(), lr: 3.0), n));
        yield return new("lr-too-high-lr5-0", tune, diverging, blowUpConsequences,
            n => Regress(LinReg(256, 5, 82, scale: 1), Mlp(5, 1, 16, 1, () => new ReLU(), 82), m => new SGD(m.Parameters(), lr: 5.0), n));
        yield return new("lr-too-high-deep-0", tune, diverging, [.. blowUpConsequences, FindingKind.DeadRelu],
            n => Regress(LinReg(256, 8, 83, scale: 1, nonlinear: true), Mlp(8, 1, 32, 2, () => new ReLU(), 83), m => new SGD(m.Parameters(), lr: 2.0), n));

        // weights ×10 in deeper ReLU nets (seeds 91+) than exploding-init-x10-0: the loss reaches NaN, so the rescale
        // repair meets the rollback one
        FindingKind[] explodingConsequences = [FindingKind.DivergingLoss, FindingKind.NonFiniteValue, FindingKind.LearningRateTooHigh, FindingKind.WeightGrowth, FindingKind.OscillatingLoss, FindingKind.DeadRelu, FindingKind.SlowConvergence];
        foreach (var (seed, depth) in new[] { (91, 5), (92, 6) })
            yield return new($"exploding-init-x10-d{depth}-0", tune, [FindingKind.ExplodingGradient], explodingConsequences,
                n => Classify(Moons(256, seed), Scale(Mlp(2, 2, 64, depth, () => new ReLU(), seed), 10), m => new SGD(m.Parameters(), lr: 0.01), n)) { Where = ["0.weight"] };

        // healthy mini-batch runs with other seeds (71+), to measure the false-alarm margin of the oscillation rule on
        // mini-batch noise: Adam on spirals (whose batches swing the most) and SGD with momentum on moons
        foreach (int seed in Enumerable.Range(71, 3).Concat(Enumerable.Range(161, 20)))
            yield return new($"healthy-spirals-relu-adam-s{seed}-0", tune, [], [],
                n => Classify(Spirals(300, seed), Mlp(2, 3, 64, 3, () => new ReLU(), seed), m => new Adam(m.Parameters(), lr: 5e-3), n));
        yield return new("healthy-moons-tanh-sgdm-s74-0", tune, [], [],
            n => Classify(Moons(256, 74), Mlp(2, 2, 32, 2, () => new Tanh(), 74), m => new SGD(m.Parameters(), lr: 0.1, momentum: 0.9), n));
        // genuinely diverging: the same momentum SGD spikes a few times, then blows up to NaN (seed 53) ...
        yield return new("div-moons-sgdm-0", tune, diverging, divergingConsequences,
            n => Classify(Moons(256, 53), Mlp(2, 2, 32, 3, () => new ReLU(), 53), m => new SGD(m.Parameters(), lr: 0.8, momentum: 0.9), n, batch: 256));
        // ... and full-batch least squares just past the stability edge (lr = 2.05 / L): the top Hessian mode grows
        // ×1.05 per step, so the loss grows smoothly and steadily, without swings and without reaching NaN in 150 steps
        yield return new("div-linreg-edge-0", tune, diverging, divergingConsequences,
            n => Regress(LinReg(256, 5, 54, scale: 1, correlated: true), Mlp(5, 1, 0, 0, () => new ReLU(), 54), m => new SGD(m.Parameters(), lr: 0.01), n, edgeFactor: 2.05));
    }

    // ---- training loops ------------------------------------------------------------------------------------

    /// <summary>
    /// Options for runs that pass none (the benchmark sets <see cref="DoctorOptions.Repair"/> here for its repair pass).
    /// Per thread, because the test suite runs scenarios from several test classes in parallel.
    /// </summary>
    public static DoctorOptions? DefaultOptions { get => defaultOptions; set => defaultOptions = value; }

    [ThreadStatic]
    private static DoctorOptions? defaultOptions;

    public static Doctor Classify((Tensor X, Tensor Y) data, Module model, Func<Module, Optimizer> makeOptimizer, int steps,
        int batch = 64, bool zeroGrad = true, DoctorOptions? options = null)
    {
        int n = data.X.Size(0);
        return Train(model, makeOptimizer(model), steps, options, step =>
        {
            int start = step * batch % n;
            var x = data.X.Narrow(0, start, Math.Min(batch, n - start));
            var y = data.Y.Narrow(0, start, Math.Min(batch, n - start));
            return Functional.CrossEntropy(model.Forward(x), y);
        }, zeroGrad);
    }

    public static Doctor Regress((Tensor X, Tensor Y) data, Module model, Func<Module, Optimizer> makeOptimizer, int steps,
        double edgeFactor = 0, DoctorOptions? options = null)
    {
        var optimizer = makeOptimizer(model);
        if (edgeFactor > 0)
        {
            // full batch at edgeFactor / L, L the largest eigenvalue of the loss Hessian 2·XᵀX/N (+ bias) of a linear
            // model: the top mode flips sign every step and is multiplied by |1 − edgeFactor|, so past 2 it grows.
            double l = LargestHessianEigenvalue(data.X);
            optimizer.ParamGroups[0].Lr = edgeFactor / l;
        }
        int n = data.X.Size(0), batch = edgeFactor > 0 ? n : 64;
        return Train(model, optimizer, steps, options, step =>
        {
            int start = step * batch % n;
            var x = data.X.Narrow(0, start, Math.Min(batch, n - start));
            var y = data.Y.Narrow(0, start, Math.Min(batch, n - start));
            return Functional.MseLoss(model.Forward(x), y);
        });
    }

    /// <summary>
    /// The training loop every scenario shares, watched by a doctor: per step ZeroGrad (unless the scenario leaves it
    /// out), the loss of that step's batch, Backward, Observe, Step.
    /// </summary>
    public static Doctor Train(Module model, Optimizer optimizer, int steps, DoctorOptions? options, Func<int, Tensor> lossAt, bool zeroGrad = true)
    {
        var doctor = new Doctor(model, optimizer, options ?? DefaultOptions);
        for (int step = 0; step < steps; step++)
        {
            if (zeroGrad) optimizer.ZeroGrad();
            var loss = lossAt(step);
            loss.Backward();
            doctor.Observe(loss);
            optimizer.Step();
        }
        return doctor;
    }

    private static double LargestHessianEigenvalue(Tensor x)
    {
        // power iteration on H = 2/N · [X 1]ᵀ[X 1]
        var a = x.ToArray<float>();
        int n = x.Size(0), d = x.Size(1) + 1;
        var h = new double[d, d];
        for (int r = 0; r < n; r++)
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                    h[i, j] += 2.0 / n * (i < d - 1 ? a[r * (d - 1) + i] : 1) * (j < d - 1 ? a[r * (d - 1) + j] : 1);
        var v = Enumerable.Repeat(1.0, d).ToArray();
        double lambda = 0;
        for (int it = 0; it < 200; it++)
        {
            var w = new double[d];
            for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) w[i] += h[i, j] * v[j];
            lambda = Math.Sqrt(w.Sum(z => z * z));
            for (int i = 0; i < d; i++) v[i] = w[i] / lambda;
        }
        return lambda;
    }

    // ---- models ------------------------------------------------------------------------------------------------

    /// <summary>An MLP with <paramref name="hiddenLayers"/> hidden layers (0: a single Linear).</summary>
    public static Sequential Mlp(int inputs, int outputs, int width, int hiddenLayers, Func<Module> activation, int seed)
    {
        Tensor.ManualSeed(seed);
        var seq = new Sequential();
        int prev = inputs;
        for (int i = 0; i < hiddenLayers; i++)
        {
            seq.Add(new Linear(prev, width));
            seq.Add(activation());
            prev = width;
        }
        seq.Add(new Linear(prev, outputs));
        return seq;
    }

    public static Sequential MlpBn(int inputs, int outputs, int width, int seed)
    {
        Tensor.ManualSeed(seed);
        return new Sequential(new Linear(inputs, width), new BatchNorm1d(width), new ReLU(), new Linear(width, width), new BatchNorm1d(width), new ReLU(), new Linear(width, outputs));
    }

    /// <summary>
    /// The benchmark's own label for an lr that is too high, independent of the doctor's rules: the loss once rose to
    /// more than twice the step before while above half its first value, or went non-finite, or the run did not
    /// converge (the mean of its last 10 losses above 1 % of the first). A run that falls smoothly to near 0 shows no
    /// fault.
    /// </summary>
    public static bool Swings(IReadOnlyList<double> losses)
    {
        if (losses.Count < 11 || losses.Any(l => !double.IsFinite(l))) return true;
        for (int i = 1; i < losses.Count; i++)
            if (losses[i] > 2 * losses[i - 1] && losses[i] > 0.5 * losses[0]) return true;
        return losses.Skip(losses.Count - 11).Take(10).Average() > 0.01 * losses[0];
    }

    public static T Scale<T>(T model, double factor) where T : Module
    {
        foreach (var (name, p) in model.NamedParameters())
            if (name.EndsWith("weight", StringComparison.Ordinal)) p.Data = p.Data * factor;
        return model;
    }

    public static T Bias<T>(T model, double value) where T : Module
    {
        var biases = model.NamedParameters().Where(p => p.Name.EndsWith("bias", StringComparison.Ordinal)).ToList();
        foreach (var (_, p) in biases.Take(biases.Count - 1)) Init.Constant(p, value);
        return model;
    }

    public static T Freeze<T>(T model, string layer) where T : Module
    {
        foreach (var (name, p) in model.NamedParameters())
            if (name.StartsWith(layer + ".", StringComparison.Ordinal)) p.RequiresGrad = false;
        return model;
    }

    /// <summary>Two branches summed; the second one's output is detached by mistake, so its parameters never learn.</summary>
    public sealed class TwoBranch : Module
    {
        private readonly Sequential main, side;

        public TwoBranch(int seed)
        {
            Tensor.ManualSeed(seed);
            main = RegisterModule("main", new Sequential(new Linear(2, 32), new ReLU(), new Linear(32, 2)));
            side = RegisterModule("side", new Sequential(new Linear(2, 16), new ReLU(), new Linear(16, 2)));
        }

        protected override Tensor ForwardCore(Tensor input) => main.Forward(input) + side.Forward(input).Detach();
    }

    // ---- data --------------------------------------------------------------------------------------------------

    public static (Tensor X, Tensor Y) Moons(int n, int seed) => SyntheticData.TwoMoons(n, seed);

    public static (Tensor X, Tensor Y) Spirals(int n, int seed)
    {
        var g = new Generator(seed);
        var x = new float[n * 2];
        var y = new long[n];
        for (int i = 0; i < n; i++)
        {
            int c = i % 3;
            double r = (i / 3) / (double)(n / 3);
            double t = c * 4 + 4 * r + 0.2 * g.NextNormal();
            x[2 * i] = (float)(r * Math.Sin(t) * 2);
            x[2 * i + 1] = (float)(r * Math.Cos(t) * 2);
            y[i] = c;
        }
        return (Tensor.From(x, n, 2), Tensor.From(y, n));
    }

    public static (Tensor X, Tensor Y) LinReg(int n, int d, int seed, double scale, bool correlated = false, bool nonlinear = false)
    {
        var g = new Generator(seed);
        var w = Enumerable.Range(0, d).Select(_ => g.NextNormal()).ToArray();
        var x = new float[n * d];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            double common = g.NextNormal(), t = 0;
            for (int j = 0; j < d; j++)
            {
                double v = correlated ? 0.9 * common + 0.45 * g.NextNormal() : g.NextNormal();
                x[i * d + j] = (float)(v * scale);
                t += w[j] * v;
            }
            if (nonlinear) t = Math.Sin(t) + 0.5 * t;
            y[i] = (float)(t + 0.1 * g.NextNormal());
        }
        return (Tensor.From(x, n, d), Tensor.From(y, n, 1));
    }

    /// <summary>The same points stored as raw 0–255 "pixel" values.</summary>
    public static (Tensor X, Tensor Y) Pixels((Tensor X, Tensor Y) data)
    {
        var a = data.X.ToArray<float>();
        for (int i = 0; i < a.Length; i++) a[i] = Math.Clamp(MathF.Round(128 + 50 * a[i]), 0, 255);
        return (Tensor.From(a, data.X.Shape), data.Y);
    }
}
