using Tidu.NN;
using Tidu.Optim;

namespace Tidu.Diagnostics;

public sealed partial class Doctor
{
    private GradientMonitor.ParamState[] paramStates = [];
    private Tensor?[] lastGrads = [];
    private int[] lastVersions = [];
    private int[] noGradSteps = [];
    private int[] zeroGradSteps = [];
    private int[] deadGradSteps = [];
    private int firstWeight = -1, lastWeight = -1;
    private bool hasRelu;
    private int oscillationRun, vanishingRun, explodingRun, lrHighRun, lrLowRun, regRun, growthRun, overshootRun, unboundedRun;
    private int lastNegativeLoss = -1, lossesScanned; // the latest loss below 0, by index into losses
    private bool unboundedLoss; // the WeightGrowth finding is the unbounded-loss one
    private readonly Dictionary<string, int> activationRuns = [];
    private readonly Dictionary<string, Queue<double>> saturationWindows = []; // the last Patience saturated fractions per module
    private bool saturated; // a SaturatedActivation finding was raised
    private readonly List<double> gradNorms = [];
    private double initialWeightNorm = double.NaN, lastWeightNorm = double.NaN, lastUpdateRatio = double.NaN;
    private double? clipNorm;
    private int lossBaselineStep;
    private int lastLrRepairStep = int.MinValue / 2;

    private void InitRules()
    {
        paramStates = [.. monitor.Parameters];
        int n = paramStates.Length;
        lastGrads = new Tensor?[n];
        lastVersions = new int[n];
        noGradSteps = new int[n];
        zeroGradSteps = new int[n];
        deadGradSteps = new int[n];
        // the first and last weight matrices (Linear/Conv weights, rank ≥ 2) stand for the first and last layers
        for (int i = 0; i < n; i++)
        {
            if (paramStates[i].Parameter.Rank < 2) continue;
            if (firstWeight < 0) firstWeight = i;
            lastWeight = i;
        }
        Module? first = null;
        string? lastWeightName = null;
        foreach (var (name, m) in model.NamedModules())
        {
            if (m is ReLU)
            {
                hasRelu = true;
                reluChain.Add((name.Length == 0 ? "(root)" : name, lastWeightName));
            }
            // the weight of the last parameterised leaf before a ReLU feeds it (registration order is call order in a Sequential)
            if (!m.NamedChildren().Any() && m.NamedParameters().FirstOrDefault(x => x.Name == "weight") is { Parameter.Rank: >= 2 })
                lastWeightName = name.Length == 0 ? "weight" : name + ".weight";
            if (m is BatchNormBase) hooks.Add(m.RegisterForwardPreHook((mod, input) => Timed(() => CheckBatchNorm(name, mod, input))));
            if (first is null && m.NamedChildren().Any() is false && m.NamedParameters().Any()) first = m;
        }
        reluStates = monitor.ActivationModules.Where(a => a.Kind == "ReLU").ToDictionary(a => a.Name);
        if (first is not null)
        {
            string firstName = model.NamedModules().First(x => ReferenceEquals(x.Module, first)).Name;
            hooks.Add(first.RegisterForwardPreHook((mod, input) => Timed(() => CheckInput(firstName.Length == 0 ? "(root)" : firstName, mod, input))));
        }
    }

    // ---- before the update: gradients ---------------------------------------------------------------------

    private void BeforeStep()
    {
        monitor.CaptureGradients();
        bool sampled = monitor.IsSampling;
        int step = monitor.Step;
        bool anyGrad = false, anyTrainable = false, nonFinite = false;
        double totalSq = 0;
        for (int i = 0; i < paramStates.Length; i++)
        {
            var s = paramStates[i];
            if (s.Parameter.Grad is not null) anyGrad = true;
            if (s.Parameter.RequiresGrad) anyTrainable = true;
            if (sampled && s.HasGrad)
            {
                if (!s.Grad.AllFinite) nonFinite = true;
                else totalSq += s.Grad.Norm * s.Grad.Norm;
            }
        }

        for (int i = 0; i < paramStates.Length; i++)
        {
            var s = paramStates[i];
            var p = s.Parameter;
            var g = p.Grad;

            if (sampled && s.HasGrad && !s.Grad.AllFinite)
                Raise(FindingKind.NonFiniteValue, Severity.Error, s.Name, Ev(("gradNorm", s.Grad.Norm)),
                    $"The gradient of {s.Name} holds NaN or infinite values.",
                    [LowerLrText(), "clip the gradient norm at 1.0", "look for log(0), division by zero or exp overflow in the forward pass"]);

            // GradientNotZeroed: the same Grad object as at the previous Step, changed only by the backward passes of
            // this step (each backward adds in place: one version per pass; ZeroGrad either drops the object or bumps its
            // version once more). Accumulating several backward passes before one Step is not affected: the check spans Steps.
            if (g is not null && backwardsSinceStep > 0 && ReferenceEquals(g, lastGrads[i]) && g.Version - lastVersions[i] <= backwardsSinceStep)
                Raise(FindingKind.GradientNotZeroed, Severity.Error, s.Name, Ev(("backwardsSinceStep", backwardsSinceStep), ("versionDelta", g.Version - lastVersions[i])),
                    $"The gradient of {s.Name} still holds the previous step's gradient: it was not cleared between optimizer steps, so gradients pile up.",
                    ["call optimizer.ZeroGrad() before each backward (or right after each Step())", "to accumulate micro-batches deliberately, call Step() and ZeroGrad() once per accumulated batch"]);

            // NoGradient (the blog: freezing layers is a tool, freezing one by mistake a bug).
            if (!p.RequiresGrad)
            {
                if (anyTrainable && !Has(FindingKind.NoGradient, s.Name))
                    Raise(FindingKind.NoGradient, Severity.Info, s.Name, Ev(("requiresGrad", 0)),
                        $"{s.Name} is frozen (RequiresGrad = false) while the other parameters learn.",
                        [$"if it should learn, set RequiresGrad = true on {s.Name} (or call Unfreeze() on its module)"]);
                continue;
            }
            if (anyGrad && g is null) noGradSteps[i]++;
            else noGradSteps[i] = 0;
            if (noGradSteps[i] >= Options.NoGradientSteps)
                Raise(FindingKind.NoGradient, Severity.Error, s.Name, Ev(("stepsWithoutGradient", noGradSteps[i])),
                    $"{s.Name} requires grad but has received no gradient for {noGradSteps[i]} steps: it is not connected to the loss.",
                    ["look for Detach(), Data, Item() or a NoGrad block between this parameter and the loss", "check that its module is actually called in Forward"]);

            if (!sampled || !s.HasGrad || !s.Grad.AllFinite) continue;
            bool allZero = s.Grad.ZeroFraction >= 1;
            zeroGradSteps[i] = allZero ? zeroGradSteps[i] + 1 : 0;
            Suspect(allZero && !hasRelu, zeroGradSteps[i], Options.NoGradientSteps);
            if (!hasRelu && zeroGradSteps[i] >= Options.NoGradientSteps)
                Raise(FindingKind.NoGradient, Severity.Warning, s.Name, Ev(("stepsWithZeroGradient", zeroGradSteps[i])),
                    $"The gradient of {s.Name} has been exactly zero for {zeroGradSteps[i]} steps.",
                    ["check that the parameter influences the loss", "look for a hard threshold (step function, argmax, rounding) in the forward pass"]);

            // AUTOTRAINER (Zhang et al., ICSE 2021): dying ReLU when ≥ 70 % of a layer's gradients are exactly zero.
            if (hasRelu && p.Rank >= 2)
            {
                deadGradSteps[i] = s.Grad.ZeroFraction >= Options.DeadGradientFraction ? deadGradSteps[i] + 1 : 0;
                Suspect(s.Grad.ZeroFraction >= Options.DeadGradientFraction, deadGradSteps[i], Options.Patience);
                if (deadGradSteps[i] >= Options.Patience)
                    Raise(FindingKind.DeadRelu, Severity.Warning, s.Name, Ev(("zeroGradientFraction", s.Grad.ZeroFraction), ("threshold", Options.DeadGradientFraction)),
                        $"{100 * s.Grad.ZeroFraction:F0}% of the gradient of {s.Name} is exactly zero: the ReLU units it feeds are dead.",
                        ["Kaiming init for the ReLU layers and zero (or small positive) biases", "use LeakyReLU or GELU", LowerLrText()]);
            }
        }

        if (sampled) GradientFlowRules(Math.Sqrt(totalSq), nonFinite);

        if (Options.Repair && nonFinite && badInputStep == monitor.Step)
        {
            // the batch itself is corrupt: skip its update and go on with the same lr, as a GradScaler skips a step
            // with overflowed gradients; rolling back and lowering the lr would punish the next, clean batches
            foreach (var s in paramStates) s.Parameter.Grad = null;
            Raise(FindingKind.NonFiniteValue, Severity.Info, "repair:skip", Ev(("step", monitor.Step)),
                "Repair: skipped the update of a batch with NaN or infinite inputs.", []);
        }
        else if (Repairing && nonFinite)
        {
            // Repair: skip the update (as a GradScaler does), return to the last good weights and make the steps smaller.
            foreach (var s in paramStates) s.Parameter.Grad = null;
            RollBack(FindingKind.NonFiniteValue, "non-finite gradients (this update was skipped)");
        }
        else if (Options.Repair && clipNorm is { } c)
        {
            GradientClipping.ClipGradNorm(paramStates.Select(s => s.Parameter), c);
        }

        for (int i = 0; i < paramStates.Length; i++)
        {
            var g = paramStates[i].Parameter.Grad;
            lastGrads[i] = g;
            lastVersions[i] = g?.Version ?? 0;
        }
        backwardsSinceStep = 0;
    }

    private void GradientFlowRules(double totalNorm, bool nonFinite)
    {
        if (firstWeight >= 0 && lastWeight > firstWeight)
        {
            var first = paramStates[firstWeight];
            var last = paramStates[lastWeight];
            if (first.HasGrad && last.HasGrad)
            {
                double gf = first.Grad.Norm, gl = last.Grad.Norm;
                double ratio = gf / gl;
                // AUTOTRAINER (ICSE 2021): vanishing if ‖g_first‖/‖g_last‖ < 1e-3 and ‖g_first‖ < 1e-4.
                vanishingRun = ratio < Options.VanishingRatio && gf < Options.VanishingFirstNorm ? vanishingRun + 1 : 0;
                Suspect(vanishingRun > 0, vanishingRun, Options.Patience);
                if (vanishingRun >= Options.Patience)
                    Raise(FindingKind.VanishingGradient, Severity.Warning, first.Name, Ev(("firstGradNorm", gf), ("lastGradNorm", gl), ("ratio", ratio), ("threshold", Options.VanishingRatio)),
                        // "0 times" read as a formatting slip on the 30-layer sigmoid demo, whose first-layer gradient
                        // underflows to exactly zero in float32
                        gf == 0
                            ? $"The gradient of the first layer ({first.Name}) is exactly zero (it underflowed) while that of the last ({last.Name}) has norm {F(gl)}: the early layers do not learn at all."
                            : $"The gradient of the first layer ({first.Name}) is {F(ratio)} times that of the last ({last.Name}): the early layers barely learn.",
                        ["use ReLU/GELU instead of Sigmoid/Tanh in the hidden layers", "add residual connections", "add BatchNorm or LayerNorm between the layers", "Xavier/Kaiming init for the layers"]);
                // AUTOTRAINER: exploding if the ratio is above 70 or non-finite.
                explodingRun = ratio > Options.ExplodingRatio ? explodingRun + 1 : 0;
                Suspect(explodingRun > 0, explodingRun, Options.Patience);
                if (explodingRun >= Options.Patience)
                    Raise(FindingKind.ExplodingGradient, Severity.Warning, first.Name, Ev(("firstGradNorm", gf), ("lastGradNorm", gl), ("ratio", ratio), ("threshold", Options.ExplodingRatio)),
                        $"The gradient of the first layer ({first.Name}) is {F(ratio)} times that of the last ({last.Name}): gradients grow towards the input.",
                        ["clip the gradient norm at 1.0", "normalise the inputs", "Xavier/Kaiming init (smaller initial weights)", LowerLrText()]);
            }
        }

        if (double.IsFinite(totalNorm) && !nonFinite)
        {
            // a sudden spike far above the recent history (the blog: exploding gradients from chained products)
            if (gradNorms.Count >= Options.Patience)
            {
                double median = Median(gradNorms, Math.Min(gradNorms.Count, Options.LossWindow));
                if (median > 0 && totalNorm > Options.ExplodingSpikeFactor * median)
                    ReportExplosion("gradient norm", totalNorm, median, $"The gradient norm jumped to {F(totalNorm)}, {F(totalNorm / median)} times its recent median {F(median)}.");
            }
            gradNorms.Add(totalNorm);
        }
        // non-finite gradients from a corrupt batch, or from weights that are already NaN, are not an explosion
        else if (nonFinite && badInputStep != monitor.Step && !paramStates.Any(p => p.Parameter.DType.IsFloatingPoint() && double.IsNaN(p.WeightNorm)))
        {
            ReportExplosion("gradient norm", double.PositiveInfinity, gradNorms.Count > 0 ? Median(gradNorms, Math.Min(gradNorms.Count, Options.LossWindow)) : double.NaN,
                "The gradients became non-finite.");
        }
    }

    private void ReportExplosion(string what, double value, double reference, string message)
    {
        var suggestions = new List<string> { $"clip the gradient norm at {F(ClipTarget())}", "Xavier/Kaiming init (smaller initial weights)", "normalise the inputs", LowerLrText() };
        Raise(FindingKind.ExplodingGradient, Severity.Error, null, Ev((what, value), ("reference", reference)), message, suggestions);
        // a finite spike under BatchNorm over too few values is that layer's noisy statistics (dividing by a 2-sample
        // variance), not a chain that amplifies: clipping at the median norm would only throttle every noisy step
        if (smallBatchNorm && double.IsFinite(value)) return;
        if (Repairing && clipNorm is null)
        {
            clipNorm = ClipTarget();
            Raise(FindingKind.ExplodingGradient, Severity.Info, "repair:clip", Ev(("maxNorm", clipNorm.Value)),
                $"Repair: gradient clipping turned on at norm {F(clipNorm.Value)} (the median of the recent gradient norms).", []);
        }
    }

    private double ClipTarget()
    {
        var finite = gradNorms.Where(double.IsFinite).ToList();
        if (finite.Count == 0) return 1.0;
        double m = Median(finite, Math.Min(finite.Count, Options.LossWindow));
        return m > 0 ? m : 1.0;
    }

    private static double Median(List<double> values, int lastCount)
    {
        var tail = values.GetRange(values.Count - lastCount, lastCount);
        tail.Sort();
        return tail.Count % 2 == 1 ? tail[tail.Count / 2] : 0.5 * (tail[tail.Count / 2 - 1] + tail[tail.Count / 2]);
    }

    // ---- forward pre-hooks ----------------------------------------------------------------------------------

    private void CheckBatchNorm(string name, Module m, Tensor input)
    {
        if (!m.Training || input.Rank < 2) return;
        int channels = input.Size(1);
        int perChannel = channels == 0 ? 0 : input.NumberOfElements / channels;
        if (perChannel < Options.MinBatchNormValues)
        {
            smallBatchNorm = true;
            Raise(FindingKind.SmallBatchNorm, Severity.Warning, name, Ev(("valuesPerChannel", perChannel), ("batchSize", input.Size(0)), ("threshold", Options.MinBatchNormValues)),
                $"{name} estimates its batch statistics from {perChannel} values per channel; they are too noisy (the blog: BatchNorm needs a large enough mini-batch).",
                [$"use a batch of at least {Options.MinBatchNormValues} samples", "replace BatchNorm with LayerNorm or GroupNorm", "accumulate gradients over micro-batches instead of shrinking the batch"]);
        }
    }

    private int badInputStep = -1; // the step whose input batch held NaN or ∞

    // the input of a step that is not sampled, kept (not read) until the step ends in case its loss turns out non-finite
    private (string Name, Module Module, Tensor Input)? unsampledInput;

    private void CheckInput(string name, Module m, Tensor input)
    {
        if (!m.Training || !input.DType.IsFloatingPoint() || input.Rank < 1 || input.NumberOfElements == 0) return;
        if (!ReferenceEquals(unsampledInput?.Input, input)) TrackBatch(input); // not again when a NaN loss re-checks it
        if (!monitor.IsSampling)
        {
            unsampledInput = (name, m, input);
            return;
        }
        // Per feature (column of [N, F], channel of [N, C, ...]) RMS = √(mean² + std²). Only clearly unscaled data is
        // flagged: raw 0–255 pixels, prices, years. Images in [0, 1] or standardised features are far below the limit,
        // which avoids UMLAUT's false alarm on [0, 1] images that are not exactly mean 0 / std 1.
        var c = input.IsContiguous ? input : input.Detach().Contiguous();
        int n = c.Size(0), features = c.Rank >= 2 ? c.Size(1) : 1;
        int inner = c.Rank >= 2 ? c.NumberOfElements / (n * features) : 1;
        double worst = 0, worstMean = 0, worstStd = 0, sumRmsSq = 0;
        int worstFeature = 0, nonFinite = 0, firstBad = -1;
        for (int f = 0; f < features; f++)
        {
            double sum = 0, sumSq = 0;
            int count = 0;
            for (int b = 0; b < n; b++)
            {
                int start = (b * features + f) * inner;
                for (int k = 0; k < inner; k++)
                {
                    double v = c.GetAsDouble(c.offset + start + k);
                    if (!double.IsFinite(v))
                    {
                        if (nonFinite++ == 0) firstBad = b;
                        continue;
                    }
                    sum += v;
                    sumSq += v * v;
                    count++;
                }
            }
            double mean = sum / count, rms = Math.Sqrt(sumSq / count);
            sumRmsSq += sumSq / count;
            if (rms > worst)
            {
                worst = rms;
                worstMean = mean;
                worstStd = Math.Sqrt(Math.Max(0, sumSq / count - mean * mean));
                worstFeature = f;
            }
        }
        if (nonFinite > 0)
        {
            // corrupt data (a missing value read as NaN, a division by zero in preprocessing): every loss, gradient and
            // weight downstream turns NaN, which the other rules would blame on the lr or on exploding gradients
            badInputStep = monitor.Step;
            Raise(FindingKind.NonFiniteValue, Severity.Error, name, Ev(("nonFiniteValues", nonFinite), ("firstSample", firstBad)),
                $"The input batch of {name} holds {nonFinite} NaN or infinite value(s) (the first in sample {firstBad}): the data, not the training, is broken.",
                ["check the dataset and its preprocessing for missing values, log(0) and division by zero", "drop or impute the corrupt samples", "assert that every batch is finite before training on it"]);
            return;
        }
        // the whole input's RMS is the start of the signal-growth chain across depth (ExplodingActivationRule)
        inputRms = Math.Sqrt(sumRmsSq / features);
        inputRmsStep = monitor.Step;
        if (worst > Options.InputScaleLimit)
            Raise(FindingKind.UnnormalizedInput, Severity.Warning, name, Ev(("feature", worstFeature), ("mean", worstMean), ("std", worstStd), ("rms", worst), ("threshold", Options.InputScaleLimit)),
                $"The input of {name} is far from unit scale: feature {worstFeature} has mean {F(worstMean)} and std {F(worstStd)}.",
                ["normalise the inputs (subtract the mean and divide by the std of the training set)", "scale raw pixels from 0–255 to [0, 1] and standardise them", "add BatchNorm after the first layer"]);
    }
}
