using Tidu.Optim;

namespace Tidu.Diagnostics;

public sealed partial class Doctor
{
    // ---- after the update: updates, weights, activations, loss ---------------------------------------------

    private void AfterStep()
    {
        bool sampled = monitor.IsSampling;
        int step = monitor.Step;
        monitor.CompleteStep();
        double loss = monitor.LastLoss;
        if (!double.IsNaN(loss) || losses.Count > 0) losses.Add(loss);
        if (sampled)
        {
            UpdateRules(step);
            ActivationRules();
            ExplodingActivationRule();
            RegularizationRule(loss);
        }
        LossRules();
        MaybeSaveGoodState(loss);
        userRegularization = null;
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
        if (step == 0 || double.IsNaN(initialWeightNorm)) initialWeightNorm = weightNorm;

        // Exploding at initialisation: the very first update already moves the weights by more than their own norm.
        if (losses.Count <= 1 && ratio > Options.ExplodingFirstUpdateRatio)
            ReportExplosion("firstUpdateRatio", ratio, Options.ExplodingFirstUpdateRatio,
                $"The first update changed the weights by {F(ratio)} of their norm: the initial gradients are huge.");

        // DeepDiagnosis (Wardat et al., ICSE 2022) after Karpathy: ‖Δw‖/‖w‖ should be near 1e-3; alarm beyond ×/÷ 100.
        if (double.IsFinite(ratio) && step >= Options.WarmupSteps)
        {
            double high = Options.UpdateRatioTarget * Options.UpdateRatioFactor, low = Options.UpdateRatioTarget / Options.UpdateRatioFactor;
            // an update made mostly of weight decay (lr·wd ≥ half of it) is the regulariser's doing, not the lr's
            double decayShare = 0;
            foreach (var g in optimizer.ParamGroups)
                if (g.HasOption("lr") && g.HasOption("weight_decay")) decayShare = Math.Max(decayShare, g.Lr * g.WeightDecay);
            lrHighRun = ratio > high && decayShare < 0.5 * ratio ? lrHighRun + 1 : 0;
            lrLowRun = ratio < low ? lrLowRun + 1 : 0;
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
            if (lrLowRun >= Options.Patience && ratio > 0 && !converged)
                Raise(FindingKind.LearningRateTooLow, Severity.Warning, null, Ev(("updateRatio", ratio), ("threshold", low), ("lr", Lr)),
                    $"Each step changes the weights by only {F(ratio)} of their norm (healthy: about {F(Options.UpdateRatioTarget)}).",
                    [$"raise the learning rate from {F(Lr)} to {F(Lr * 10)}", "use Adam, which adapts the step size per parameter"]);
        }

        // The blog: "W and B usually grow during training; some problems only appear when they are large."
        if (double.IsFinite(weightNorm) && initialWeightNorm > 0)
        {
            growthRun = weightNorm > lastWeightNorm ? growthRun + 1 : 0;
            if (weightNorm > Options.WeightGrowthFactor * initialWeightNorm && growthRun >= Options.Patience)
                Raise(FindingKind.WeightGrowth, Severity.Warning, null, Ev(("weightNorm", weightNorm), ("initialWeightNorm", initialWeightNorm), ("factor", weightNorm / initialWeightNorm)),
                    $"The weight norm grew from {F(initialWeightNorm)} to {F(weightNorm)} and is still rising.",
                    ["add weight decay (e.g. 1e-4)", LowerLrText(), "clip the gradient norm at 1.0"]);
            lastWeightNorm = weightNorm;
        }
    }

    private void ActivationRules()
    {
        foreach (var a in monitor.ActivationModules)
        {
            if (a.LastStep != monitor.Step - 1) continue; // not seen in this step
            if (a.Kind == "ReLU")
            {
                // DeepDiagnosis dead node: ≥ 70 % of ReLU outputs ≤ 0.
                int run = activationRuns[a.Name] = a.NonPositiveFraction >= Options.DeadReluFraction ? activationRuns.GetValueOrDefault(a.Name) + 1 : 0;
                if (run >= Options.Patience)
                    Raise(FindingKind.DeadRelu, Severity.Warning, a.Name, Ev(("nonPositiveFraction", a.NonPositiveFraction), ("threshold", Options.DeadReluFraction)),
                        $"{100 * a.NonPositiveFraction:F0}% of the outputs of {a.Name} are zero: most of its units are dead and pass no gradient.",
                        ["Kaiming init for the ReLU layers and zero (or small positive) biases", "use LeakyReLU or GELU", LowerLrText()]);
            }
            else
            {
                // DeepDiagnosis saturation: > 50 % of Sigmoid/Tanh pre-activations beyond ±5.
                int run = activationRuns[a.Name] = a.SaturatedFraction > Options.SaturatedFraction ? activationRuns.GetValueOrDefault(a.Name) + 1 : 0;
                if (run >= Options.Patience)
                    Raise(FindingKind.SaturatedActivation, Severity.Warning, a.Name, Ev(("saturatedFraction", a.SaturatedFraction), ("threshold", Options.SaturatedFraction)),
                        $"{100 * a.SaturatedFraction:F0}% of the inputs of {a.Name} ({a.Kind}) are beyond ±{F(monitor.Options.SaturationBound)}, where its derivative is almost zero.",
                        ["normalise the inputs", "Xavier init for the Sigmoid/Tanh layers (smaller initial weights)", "add BatchNorm or LayerNorm before the activation", "use ReLU/GELU in the hidden layers"]);
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
        if (regRun >= Options.Patience)
            Raise(FindingKind.RegularizationDominates, Severity.Warning, null, Ev(("penalty", penalty), ("dataLoss", loss), ("ratio", ratio), ("weightDecay", wdMax)),
                $"The regularisation term ({F(penalty)}) outweighs the data loss ({F(loss)}): the optimizer mostly shrinks the weights.",
                wdMax > 0 ? [$"lower the weight decay from {F(wdMax)} to {F(wdMax * 0.01)}", "use decoupled weight decay (AdamW)"] : ["lower the regularisation coefficient"]);
    }

    private void LossRules()
    {
        int n = losses.Count;
        if (n == 0) return;
        double last = losses[^1];
        if (!double.IsFinite(last))
        {
            Raise(FindingKind.DivergingLoss, Severity.Error, null, Ev(("loss", last)), "The loss became NaN or infinite.", [LowerLrText(), "clip the gradient norm at 1.0"]);
            RepairLr(FindingKind.DivergingLoss, "non-finite loss");
            return;
        }
        int start = lossBaselineStep;
        int seen = n - start;
        if (seen < Math.Max(Options.WarmupSteps, 10)) return;
        double initial = Mean(start, 5), recent = Mean(n - 5, 5);

        // Diverging: the recent loss is well above where training started.
        if (recent > Options.DivergenceFactor * initial)
        {
            Raise(FindingKind.DivergingLoss, Severity.Error, null, Ev(("recentLoss", recent), ("initialLoss", initial), ("factor", recent / initial)),
                $"The loss rose from {F(initial)} to {F(recent)}.", [LowerLrText(), "clip the gradient norm at 1.0", "check the sign of the loss and of the update"]);
            RepairLr(FindingKind.DivergingLoss, $"loss {F(initial)} → {F(recent)}");
            return;
        }

        int w = Options.LossWindow;
        if (seen >= w)
        {
            // Oscillating: large step-to-step swings with little net progress over the window (the blog: shrink the lr when the loss swings).
            double sumAbs = 0, sum = 0;
            int signChanges = 0;
            for (int i = n - w; i < n; i++)
            {
                sum += losses[i];
                if (i > n - w) sumAbs += Math.Abs(losses[i] - losses[i - 1]);
                if (i > n - w + 1 && Math.Sign(losses[i] - losses[i - 1]) * Math.Sign(losses[i - 1] - losses[i - 2]) < 0) signChanges++;
            }
            double meanLoss = sum / w, amplitude = sumAbs / (w - 1) / meanLoss;
            // Net progress on the smoothed trend: the 5-step moving average at the start of the window minus the one at
            // its end. Mini-batch noise makes large step-to-step swings too (a different batch every step), but under
            // it the smoothed loss still falls; an lr too high swings without any downward progress. Tuned on the
            // tuning half: the healthy runs' smoothed progress stays ≥ 0.08 of the mean loss wherever their swings are
            // large, lr-oscillating-0's is −0.2 (the previous rule, raw progress < 0.25 × amplitude, was too lenient
            // for SGD with momentum, whose noise alternates in sign).
            double progress = (Mean(n - w, 5) - Mean(n - 5, 5)) / meanLoss;
            double changeFraction = signChanges / (double)(w - 2);
            // only while the loss is still high: near convergence, mini-batch noise is large relative to the small loss
            bool swinging = amplitude > Options.OscillationAmplitude && progress <= Options.OscillationProgress && changeFraction >= 0.5
                && meanLoss > Options.OscillationMinLossFraction * Mean(start, 5);
            // "without settling": like every per-step rule it must persist for Patience steps, so a one-off bump (SGD
            // momentum overshooting once, then recovering) is not an oscillation; lr-oscillating-0 (tuning half) holds 6 steps
            oscillationRun = swinging ? oscillationRun + 1 : 0;
            if (oscillationRun >= Options.Patience)
            {
                Raise(FindingKind.OscillatingLoss, Severity.Warning, null, Ev(("amplitude", amplitude), ("progress", progress), ("signChangeFraction", changeFraction), ("threshold", Options.OscillationAmplitude)),
                    $"The loss swings by {100 * amplitude:F0}% from step to step without settling.",
                    [LowerLrText(), "use a larger batch", "use a learning-rate schedule (e.g. ReduceLROnPlateau)"]);
                RepairLr(FindingKind.OscillatingLoss, $"loss swings {100 * amplitude:F0}%");
            }
        }

        // Plateau (ReduceLROnPlateau defaults: patience 10, relative threshold 1e-4, mode min) while the loss is still high.
        // judged on the 5-step moving average so that mini-batch noise does not make new "bests"
        double best = double.PositiveInfinity;
        int bestAt = start;
        for (int i = start + 4; i < n; i++)
        {
            double smooth = Mean(i - 4, 5);
            if (smooth < best * (1 - Options.PlateauThreshold)) { best = smooth; bestAt = i; }
        }
        int stale = n - 1 - bestAt;
        double initialLoss = Mean(start, 5);
        if (stale >= Options.PlateauPatience && Mean(n - 5, 5) > Options.PlateauLossFraction * initialLoss)
            Raise(FindingKind.SlowConvergence, Severity.Warning, null, Ev(("stepsWithoutImprovement", stale), ("bestLoss", best), ("initialLoss", initialLoss)),
                $"The loss has not improved for {stale} steps and is still {F(Mean(n - 5, 5) / initialLoss)} of its initial value.",
                ["reduce the learning rate on plateaus (ReduceLROnPlateau)", "check the gradient flow (vanishing gradients, dead or saturated units)", "try a larger model or better features"]);
        else if (seen >= Options.SlowSteps && (initialLoss - Mean(n - 5, 5)) < Options.SlowProgressFraction * initialLoss && stale < Options.PlateauPatience)
            Raise(FindingKind.SlowConvergence, Severity.Warning, null, Ev(("initialLoss", initialLoss), ("recentLoss", Mean(n - 5, 5)), ("steps", seen)),
                $"After {seen} steps the loss has fallen only from {F(initialLoss)} to {F(Mean(n - 5, 5))}.",
                [$"raise the learning rate from {F(Lr)} to {F(Lr * 10)}", "use Adam", "normalise the inputs"]);
    }

    private double Mean(int from, int count)
    {
        from = Math.Max(0, from);
        count = Math.Min(count, losses.Count - from);
        double s = 0;
        for (int i = from; i < from + count; i++) s += losses[i];
        return s / count;
    }

    /// <summary>Repair: multiply every group's lr by <see cref="DoctorOptions.RepairLrFactor"/> and restart the loss-trend rules.</summary>
    private void RepairLr(FindingKind cause, string why)
    {
        if (!Options.Repair || monitor.Step - lastLrRepairStep < Options.LossWindow) return;
        double before = Lr;
        foreach (var g in optimizer.ParamGroups)
        {
            if (g.HasOption("lr")) g.Lr = Math.Max(Options.MinLr, g.Lr * Options.RepairLrFactor);
        }
        lastLrRepairStep = monitor.Step;
        lossBaselineStep = losses.Count;
        lrHighRun = 0;
        Raise(cause, Severity.Info, "repair:lr", Ev(("lrBefore", before), ("lrAfter", Lr)),
            $"Repair: lowered the learning rate from {F(before)} to {F(Lr)} ({why}).", []);
    }
}
