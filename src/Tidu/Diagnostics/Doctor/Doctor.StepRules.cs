using Tidu.Optim;

namespace Tidu.Diagnostics;

public sealed partial class Doctor
{
    // ---- after the update: updates, weights, activations, loss ---------------------------------------------

    private void AfterStep()
    {
        bool sampled = monitor.IsSampling;
        int step = monitor.Step;
        TrackLr(step);
        monitor.CompleteStep();
        double loss = monitor.LastLoss;
        // a corrupt batch's NaN loss says nothing about the training's trend (the input rule has reported it)
        bool corruptBatch = badInputStep == step;
        if ((!double.IsNaN(loss) || losses.Count > 0) && !corruptBatch) losses.Add(loss);
        if (sampled)
        {
            UpdateRules(step);
            ActivationRules();
            ExplodingActivationRule();
            RegularizationRule(loss);
        }
        if (!corruptBatch) LossRules();
        MaybeSaveGoodState(loss);
        userRegularization = null;
        // the monitor has advanced: this samples the next step, before its forward pass
        if (confirming) monitor.SampleCurrentStep();
        confirming = false;
        unsampledInput = null;
        inputsThisStep = 0;
    }

    private bool confirming;

    /// <summary>
    /// A sampled condition that holds but has not yet lasted <paramref name="patience"/> samples gets the next step
    /// sampled too (with <see cref="DoctorOptions.SampleEvery"/> above 1), so that it is confirmed on consecutive steps
    /// rather than k steps apart: at SampleEvery 16 the patience of 5 samples made a dying ReLU or a too-low lr wait
    /// 80 steps. Once reported (or gone) the condition stops asking, so a lasting fault does not keep every step
    /// sampled. With SampleEvery 1 every step is sampled anyway and nothing changes.
    /// </summary>
    private void Suspect(bool holds, int run, int patience)
    {
        if (holds && run < patience) confirming = true;
    }

    private void UpdateRules(int step)
    {
        double weightSq = 0, updateSq = 0;
        string? worst = null;
        double worstRatio = 0;
        foreach (var s in paramStates)
        {
            if (!s.Parameter.RequiresGrad || !double.IsFinite(s.WeightNorm)) continue;
            if (!double.IsFinite(s.WeightNorm) || !s.Parameter.DType.IsFloatingPoint()) continue;
            weightSq += s.WeightNorm * s.WeightNorm;
            if (double.IsFinite(s.UpdateNorm)) updateSq += s.UpdateNorm * s.UpdateNorm;
            if (s.UpdateRatio > worstRatio) { worstRatio = s.UpdateRatio; worst = s.Name; }
            if (!double.IsFinite(s.WeightNorm) || (s.HasGrad && !s.Grad.AllFinite)) continue;
        }
        foreach (var s in paramStates)
        {
            if (s.Parameter.DType.IsFloatingPoint() && !double.IsFinite(s.WeightNorm))
                Raise(FindingKind.NonFiniteValue, Severity.Error, s.Name, Ev(("weightNorm", s.WeightNorm)),
                    $"The weights of {s.Name} became NaN or infinite.", [LowerLrText(), "clip the gradient norm at 1.0"]);
        }
        double weightNorm = Math.Sqrt(weightSq), ratio = Math.Sqrt(updateSq) / weightNorm;
        // the norm before any update (the monitor keeps the initial values): after the first update it can already be
        // several times larger (Adam at lr 0.3 moves every weight by 0.3 in its first step)
        if (double.IsNaN(initialWeightNorm)) initialWeightNorm = InitialWeightNorm();

        // Exploding at initialisation: the very first update already moves the weights by more than their own norm.
        if (losses.Count <= 1 && ratio > Options.ExplodingFirstUpdateRatio)
            ReportExplosion("firstUpdateRatio", ratio, Options.ExplodingFirstUpdateRatio,
                $"The first update changed the weights by {F(ratio)} of their norm: the initial gradients are huge.");

        OvershootRule(step, ratio);

        // DeepDiagnosis (Wardat et al., ICSE 2022) after Karpathy: ‖Δw‖/‖w‖ should be near 1e-3; alarm beyond ×/÷ 100.
        if (double.IsFinite(ratio) && step >= Options.WarmupSteps)
        {
            double high = Options.UpdateRatioTarget * Options.UpdateRatioFactor, low = Options.UpdateRatioTarget / Options.UpdateRatioLowFactor;
            // an update made mostly of weight decay (lr·wd ≥ half of it) is the regulariser's doing, not the lr's
            double decayShare = 0;
            foreach (var g in optimizer.ParamGroups)
                if (g.HasOption("lr") && g.HasOption("weight_decay")) decayShare = Math.Max(decayShare, g.Lr * g.WeightDecay);
            // near w = 0 any step is large beside w: weights that shrank below a fraction of their initial norm make the
            // ratio say "small weights", not "large steps" (underfit-linear-xor-1-r7: a linear model on XOR whose best
            // weights are 0, at 0.3 of its initial norm, ratio 0.12, reported as LearningRateTooHigh with its plateau
            // as the consequence, and the lr repair changed nothing)
            bool weightsCollapsed = weightNorm < Options.UpdateRatioMinWeightFraction * initialWeightNorm;
            lrHighRun = ratio > high && decayShare < 0.5 * ratio && !weightsCollapsed ? lrHighRun + 1 : 0;
            lrLowRun = ratio < low && LrSteady(step) ? lrLowRun + 1 : 0;
            Suspect(lrHighRun > 0, lrHighRun, Options.Patience);
            if (lrHighRun >= Options.Patience)
            {
                Raise(FindingKind.LearningRateTooHigh, Severity.Warning, null, Ev(("updateRatio", ratio), ("threshold", high), ("lr", Lr), ("worstParameterRatio", worstRatio)),
                    $"Each step changes the weights by {F(ratio)} of their norm (healthy: about {F(Options.UpdateRatioTarget)}); the largest relative update is in {worst}.",
                    [LowerLrText(), "use a learning-rate warm-up or a scheduler"]);
                RepairLr(FindingKind.LearningRateTooHigh, $"update ratio {F(ratio)}");
            }
            // a converged run takes tiny steps by design: once the loss is a hundredth of its start, small updates mean
            // "done", not "too slow" (seen on the seed's y = w·x at lr 1e-5, whose loss reaches 1e-9)
            bool converged = losses.Count >= 5 && losses[0] > 0 && Mean(losses.Count - 5, 5) < 0.01 * losses[0];
            Suspect(lrLowRun > 0 && ratio > 0 && !converged, lrLowRun, Options.Patience);
            if (lrLowRun >= Options.Patience && ratio > 0 && !converged)
                Raise(FindingKind.LearningRateTooLow, Severity.Warning, null, Ev(("updateRatio", ratio), ("threshold", low), ("lr", Lr)),
                    $"Each step changes the weights by only {F(ratio)} of their norm (healthy: about {F(Options.UpdateRatioTarget)}).",
                    [$"raise the learning rate from {F(Lr)} to {F(Lr * 10)}", "use Adam, which adapts the step size per parameter"]);
        }

        // The blog: "W and B usually grow during training; some problems only appear when they are large."
        if (double.IsFinite(weightNorm) && initialWeightNorm > 0)
        {
            growthRun = weightNorm > lastWeightNorm ? growthRun + 1 : 0;
            Suspect(growthRun > 0 && weightNorm > Options.WeightGrowthFactor * initialWeightNorm && !unboundedLoss, growthRun, Options.Patience);
            // the unbounded-loss finding already explains the growth, and says more than this one would
            if (weightNorm > Options.WeightGrowthFactor * initialWeightNorm && growthRun >= Options.Patience && !unboundedLoss)
                Raise(FindingKind.WeightGrowth, Severity.Warning, null, Ev(("weightNorm", weightNorm), ("initialWeightNorm", initialWeightNorm), ("factor", weightNorm / initialWeightNorm)),
                    $"The weight norm grew from {F(initialWeightNorm)} to {F(weightNorm)} and is still rising.",
                    ["add weight decay (e.g. 1e-4)", LowerLrText(), "clip the gradient norm at 1.0"]);
            lastWeightNorm = weightNorm;
        }
    }

    private double peakLr = double.NegativeInfinity, lastLr = double.NaN;
    private int lrChangedAt;

    /// <summary>
    /// The lr has been the same for <see cref="DoctorOptions.Patience"/> steps and is the highest so far: small updates
    /// then say the lr is too low. While a scheduler warms it up or decays it (cosine annealing ends near 0; a linear
    /// warm-up starts near 0), or after the doctor's own repair lowered it, small updates are by design.
    /// </summary>
    private bool LrSteady(int step) => lastLr >= peakLr && step - lrChangedAt >= Options.Patience;

    /// <summary>Notes the lr of this step (every step, sampled or not, so that a change between samples is seen).</summary>
    private void TrackLr(int step)
    {
        double lr = Lr;
        if (lr != lastLr) { lastLr = lr; lrChangedAt = step; }
        peakLr = Math.Max(peakLr, lr);
    }

    /// <summary>The L2 norm of the trainable floating-point parameters' values when monitoring started.</summary>
    private double InitialWeightNorm()
    {
        double sq = 0;
        foreach (var s in paramStates)
        {
            if (!s.Parameter.RequiresGrad || !s.Parameter.DType.IsFloatingPoint()) continue;
            double n = TensorStats.Norm(s.Initial);
            if (double.IsFinite(n)) sq += n * n;
        }
        return Math.Sqrt(sq);
    }

    /// <summary>
    /// The learning rate overshoots from the first steps on: an update far larger than healthy, after which the loss
    /// is many times its start. The ratio rule below waits out <see cref="DoctorOptions.WarmupSteps"/>, since from a
    /// small initialisation a healthy fit's first updates are large too; by then a too-high lr has done its damage
    /// (Adam at lr 0.3: weights × 5, most ReLUs dead, and the ratio has fallen to 0.07 because the updates of dead units
    /// vanish). The loss jump is what tells an overshoot from a large but useful first step (the "loss goes up at once"
    /// end of the learning-rate range test, Smith, WACV 2017). Not claimed where a gradient explosion, raw inputs,
    /// accumulated gradients or corrupt data explain the jump.
    /// </summary>
    private void OvershootRule(int step, double ratio)
    {
        double previous = lastUpdateRatio;
        lastUpdateRatio = ratio;
        if (step >= Options.WarmupSteps || losses.Count < 2 || badInputStep >= 0) { overshootRun = 0; return; }
        double high = Options.UpdateRatioTarget * Options.UpdateRatioFactor, start = losses[0], loss = losses[^1];
        bool overshoot = previous > high && double.IsFinite(loss) && start > 0 && loss > Options.OvershootLossFactor * start;
        overshootRun = overshoot ? overshootRun + 1 : 0;
        Suspect(overshoot, overshootRun, Options.OvershootPatience);
        // one jump far beyond that is enough: the loss of lr-too-high-adam-0-r2 went ×97 at step 3 and then swung
        // between ×2 and ×6, never twice in a row above ×10
        bool spike = overshoot && loss > Options.OvershootSpikeFactor * start;
        if (overshootRun < Options.OvershootPatience && !spike) return;
        if (Has(FindingKind.ExplodingGradient) || Has(FindingKind.UnnormalizedInput) || Has(FindingKind.GradientNotZeroed)) return;
        if (Has(FindingKind.LearningRateTooHigh)) return;
        Raise(FindingKind.LearningRateTooHigh, Severity.Warning, null,
            Ev(("updateRatio", previous), ("threshold", high), ("loss", loss), ("startLoss", start), ("lossFactor", loss / start), ("lr", Lr)),
            $"The first updates changed the weights by {F(previous)} of their norm (healthy: about {F(Options.UpdateRatioTarget)}) and the loss rose from {F(start)} to {F(loss)}: the learning rate overshoots.",
            [LowerLrText(), "use a learning-rate warm-up", "find the lr with a range test: the largest lr at which the loss still falls in the first steps, divided by 3–10"]);
        if (!Options.Repair) return;
        // while the rollback point is still the initial state, start again from it at a tenth of the lr: halving the lr
        // from weights the overshoot has already blown up (× 5, ReLUs dead) does not bring them back
        if (goodStateStep == 0) RollBack(FindingKind.LearningRateTooHigh, $"the loss rose × {F(loss / start)} after updates of {F(previous)} of the weights");
        else RepairLr(FindingKind.LearningRateTooHigh, $"update ratio {F(previous)}, loss × {F(loss / start)}");
    }

    private void ActivationRules()
    {
        foreach (var a in monitor.ActivationModules)
        {
            if (a.LastStep != monitor.Step - 1) continue; // not seen in this step
            if (a.Kind == "ReLU")
            {
                // DeepDiagnosis dead node: ≥ 70 % of ReLU outputs ≤ 0 — and, since a healthy ReLU layer with dropout
                // can be that sparse (the reference Fashion-MNIST MLP sits at 71–72 %), also at least half of its
                // units zero for the whole batch: dead, not sparse (the "dying ReLU" of Lu et al., 2019, is a unit
                // that outputs zero for every input)
                bool dead = a.NonPositiveFraction >= Options.DeadReluFraction && a.DeadUnitFraction >= Options.DeadUnitFraction;
                int run = activationRuns[a.Name] = dead ? activationRuns.GetValueOrDefault(a.Name) + 1 : 0;
                Suspect(dead, run, Options.Patience);
                if (run >= Options.Patience)
                {
                    // Units that died while the network keeps learning (its loss already below half its start) are worth
                    // knowing, not a fault: the reference Fashion-MNIST CNN of `tidu train` (seed 2) ends at 92.7 % test
                    // accuracy with half of its 128 fully connected units dead from step 145 on. Info then; a Warning
                    // where the loss has not come down (dying-relu-bias: stuck at chance).
                    double recent = losses.Count >= 5 ? Median(losses, 5) : double.NaN;
                    double start = losses.Count >= 5 ? TrendStart() : double.NaN;
                    bool learning = start > 0 && recent < Options.PlateauLossFraction * start;
                    Raise(FindingKind.DeadRelu, learning ? Severity.Info : Severity.Warning, a.Name,
                        Ev(("nonPositiveFraction", a.NonPositiveFraction), ("deadUnitFraction", a.DeadUnitFraction), ("threshold", Options.DeadReluFraction), ("recentLossOverStart", recent / start)),
                        $"{100 * a.NonPositiveFraction:F0}% of the outputs of {a.Name} are zero and {100 * a.DeadUnitFraction:F0}% of its units are zero for the whole batch: they are dead and pass no gradient." +
                        (learning ? $" The loss still came down to {F(recent / start)} of its start, so the rest of the network is learning." : ""),
                        ["Kaiming init for the ReLU layers and zero (or small positive) biases", "use LeakyReLU or GELU", LowerLrText()],
                        current: true);
                }
            }
            else
            {
                // DeepDiagnosis saturation: > 50 % of Sigmoid/Tanh pre-activations beyond ±5, here on average over the
                // last Patience samples. Requiring it on each of them missed layers that sit at the threshold: with 4
                // mini-batches in turn, saturated-tanh-1-r4's first layer reads 0.51, 0.47, 0.54, 0.52, … (mean 0.51),
                // and one batch below 0.5 reset the count every 4 steps for the whole run.
                if (!saturationWindows.TryGetValue(a.Name, out var window)) saturationWindows[a.Name] = window = new Queue<double>();
                window.Enqueue(a.SaturatedFraction);
                if (window.Count > Options.Patience) window.Dequeue();
                double mean = 0;
                foreach (double v in window) mean += v; // Queue's struct enumerator: no allocation per sampled step
                mean /= window.Count;
                bool reported = window.Count == Options.Patience && mean > Options.SaturatedFraction;
                Suspect(a.SaturatedFraction > Options.SaturatedFraction, reported ? Options.Patience : 0, Options.Patience);
                if (window.Count == Options.Patience && mean > Options.SaturatedFraction)
                {
                    saturated = true;
                    Raise(FindingKind.SaturatedActivation, Severity.Warning, a.Name, Ev(("saturatedFraction", mean), ("lastSaturatedFraction", a.SaturatedFraction), ("threshold", Options.SaturatedFraction)),
                        $"{100 * mean:F0}% of the inputs of {a.Name} ({a.Kind}) are beyond ±{F(monitor.Options.SaturationBound)}, where its derivative is almost zero.",
                        ["normalise the inputs", "Xavier init for the Sigmoid/Tanh layers (smaller initial weights)", "add BatchNorm or LayerNorm before the activation", "use ReLU/GELU in the hidden layers"]);
                }
            }
        }
    }

    private void RegularizationRule(double loss)
    {
        // The blog: "watch the regularisation term's effect on the cost". Penalty ½·wd·‖w‖² of the optimizer's weight decay
        // (or what the user reported) against the data loss.
        double penalty = 0;
        double wdMax = 0;
        foreach (var group in optimizer.ParamGroups)
        {
            if (!group.HasOption("weight_decay") || group.WeightDecay == 0) continue;
            wdMax = Math.Max(wdMax, group.WeightDecay);
            double sq = 0;
            foreach (var p in group.Parameters)
            {
                if (!p.RequiresGrad) continue;
                double n = TensorStats.Norm(p);
                sq += n * n;
            }
            penalty += 0.5 * group.WeightDecay * sq;
        }
        if (userRegularization is { } r) penalty = r;
        // only while the data loss is not being fitted: a converged model's tiny loss is naturally below a small penalty
        if (penalty <= 0 || !double.IsFinite(loss) || loss <= 0 || losses.Count == 0 || loss < Options.PlateauLossFraction * losses[0]) { regRun = 0; return; }
        double ratio = penalty / loss;
        regRun = ratio > Options.RegularizationRatio ? regRun + 1 : 0;
        Suspect(regRun > 0, regRun, Options.Patience);
        if (regRun >= Options.Patience)
            Raise(FindingKind.RegularizationDominates, Severity.Warning, null, Ev(("penalty", penalty), ("dataLoss", loss), ("ratio", ratio), ("weightDecay", wdMax)),
                $"The regularisation term ({F(penalty)}) outweighs the data loss ({F(loss)}): the optimizer mostly shrinks the weights.",
                wdMax > 0 ? [$"lower the weight decay from {F(wdMax)} to {F(wdMax * 0.01)}", "use decoupled weight decay (AdamW)"] : ["lower the regularisation coefficient"]);
    }
}
