namespace Tidu.Diagnostics;

public sealed partial class Doctor
{
    // ---- the loss curve: divergence, oscillation, plateau ------------------------------------------------

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
        // the start of the loss trend must be a finite loss: a rollback during a step's update (non-finite gradients)
        // restarts the trend at that step, whose loss was computed with the ruined weights (lr-too-high-lr5-0: ∞, which
        // left every loss rule blind for the rest of the run)
        while (lossBaselineStep < n - 1 && !double.IsFinite(losses[lossBaselineStep])) lossBaselineStep++;
        for (; lossesScanned < n; lossesScanned++)
            if (losses[lossesScanned] < 0) lastNegativeLoss = lossesScanned;
        int start = lossBaselineStep;
        int seen = n - start;
        if (seen < Math.Max(Options.WarmupSteps, 10)) return;
        // The reference for "rose" and "still high": the first loss, or the mean of the first 5 if lower. A spike in
        // the first steps (Adam at lr 0.3 in osc-moons-adam-0 jumps ×20 at step 2) must not inflate it, or the
        // swings that follow look small beside it.
        double initial = TrendStart();
        if (!double.IsFinite(initial)) return;
        // The rules below compare losses by ratios ("× its start", "3× the step before"), which only mean something for
        // a loss bounded below by 0. A negative loss made them report a fall from −0.025 to −0.031 as "rose"
        // (DivergingLoss) and a step from −0.03 to −0.005 as a spike (OscillatingLoss) on unbounded-ranking-loss-0. A
        // loss of exactly 0 (a hinge loss on a batch it fits) does not turn them off.
        if (lastNegativeLoss >= lossBaselineStep)
        {
            UnboundedLossRule(n);
            return;
        }

        // The divergence and oscillation checks are independent: a loss can swing so hard that its recent mean is
        // above twice its start without diverging (lr-oscillating-0, osc-moons-sgdm-0 on the tuning half), and the
        // former "mean of the last 5 > 2 × start" test reported those as DivergingLoss and pre-empted OscillatingLoss.
        DivergenceRule(n, initial);
        OscillationRule(n, seen, initial, StillHighReference(start));
        PlateauRules(n, start, seen);
    }

    /// <summary>
    /// Diverging: the loss rose well above its start and stays there. TheDeepChecker (Ben Braiek &amp; Khomh,
    /// "Testing Feedforward Neural Networks Training Programs", TOSEM 2023) calls a loss diverging only when it grows on
    /// every step of a window, and checks fluctuation separately; likewise a loss that jumps above twice its start
    /// and comes back down within a few steps is oscillating, not diverging. Two persistent forms count: every loss of
    /// the last <see cref="DoctorOptions.DivergencePatience"/> steps above <see cref="DoctorOptions.DivergenceFactor"/>
    /// × the start (it never comes back down), or the 5-step moving average above it and rising on each of those steps
    /// (steady growth, e.g. lr just past 2/L on least squares: div-linreg-edge-0).
    /// </summary>
    private void DivergenceRule(int n, double initial)
    {
        int k = Options.DivergencePatience;
        if (n - lossBaselineStep < k + 5) return;
        double limit = Options.DivergenceFactor * initial, recent = Mean(n - 5, 5);
        bool stayedHigh = true, smoothRising = recent > limit;
        for (int i = n - k; i < n; i++)
        {
            if (losses[i] <= limit) stayedHigh = false;
            // the moving average ending at i rose iff the loss entering it is above the one leaving it
            if (losses[i] <= losses[i - 5]) smoothRising = false;
        }
        if (!stayedHigh && !smoothRising) return;
        Raise(FindingKind.DivergingLoss, Severity.Error, null, Ev(("recentLoss", recent), ("initialLoss", initial), ("factor", recent / initial), ("stayedHigh", stayedHigh ? 1 : 0)),
            $"The loss rose from {F(initial)} to {F(recent)} and has not come back down.", [LowerLrText(), "clip the gradient norm at 1.0", "check the sign of the loss and of the update"]);
        RepairLr(FindingKind.DivergingLoss, $"loss {F(initial)} → {F(recent)}");
    }

    /// <summary>
    /// Oscillating: the loss swings up and down by large factors while it keeps coming back down (no growth: that is
    /// <see cref="DivergenceRule"/>'s). The blog: shrink the lr when the loss swings; TheDeepChecker (Ben Braiek &amp;
    /// Khomh, TOSEM 2023) checks a fluctuating loss curve separately from a diverging one. Two forms, either suffices:
    /// <list type="bullet">
    /// <item>swings: over the last <see cref="DoctorOptions.OscillationWindow"/> steps the mean |Δloss| is above
    /// <see cref="DoctorOptions.OscillationAmplitude"/> of the mean loss, at least half the changes reverse the previous
    /// one's sign and the smoothed loss made no downward progress, on <see cref="DoctorOptions.OscillationPatience"/>
    /// consecutive steps;</item>
    /// <item>a spike train: in that window the loss jumped at least <see cref="DoctorOptions.OscillationSpikes"/> times
    /// to more than <see cref="DoctorOptions.OscillationSpikeFactor"/> × the step before and to more than
    /// <see cref="DoctorOptions.OscillationSpikeAboveStart"/> × its start, and fell
    /// back to below half of each spike (momentum SGD at a too-high lr "catapults" like this: osc-moons-sgdm-0).</item>
    /// </list>
    /// </summary>
    private void OscillationRule(int n, int seen, double initial, double highReference)
    {
        int w = Options.OscillationWindow;
        if (seen < w) return;
        double sumAbs = 0, sum = 0;
        int signChanges = 0, spikes = 0;
        double highestSpike = 0;
        double spikeAboveStart = FullBatch ? Options.FullBatchSpikeAboveStart : Options.OscillationSpikeAboveStart;
        for (int i = n - w; i < n; i++)
        {
            // a NaN/∞ inside the window is a blow-up, the divergence rule's business (and Math.Sign throws on NaN)
            if (!double.IsFinite(losses[i])) { oscillationRun = 0; return; }
            sum += losses[i];
            if (i > n - w) sumAbs += Math.Abs(losses[i] - losses[i - 1]);
            if (i > n - w + 1 && Math.Sign(losses[i] - losses[i - 1]) * Math.Sign(losses[i - 1] - losses[i - 2]) < 0) signChanges++;
            if (i > lossBaselineStep && losses[i] > Options.OscillationSpikeFactor * losses[i - 1] && losses[i] > spikeAboveStart * initial && FallsBack(i, n))
            {
                spikes++;
                highestSpike = Math.Max(highestSpike, losses[i]);
            }
        }
        double meanLoss = sum / w, amplitude = sumAbs / (w - 1) / meanLoss;
        // Net progress on the smoothed trend: the mean of the window's first half minus that of its second half.
        // Mini-batch noise makes large step-to-step swings too (a different batch every step), but under it the
        // smoothed loss still falls; an lr too high swings without any downward progress.
        int half = w / 2;
        double progress = (Mean(n - w, half) - Mean(n - half, half)) / meanLoss;
        double changeFraction = signChanges / (double)(w - 2);
        // only while the loss is still high: near convergence, mini-batch noise is large relative to the small loss.
        // "High" is against the first loss (StillHighReference), not against the lower trend start: with the latter, a
        // fast first fall (0.64 → 0.30 in 4 steps) put the bar at half of 0.45, and 4 unshuffled batches whose losses
        // settle at 0.18–0.38 fired OscillatingLoss on healthy-moons-tanh-sgdm-0-r3 (tuning replicas, 8 seeds).
        bool swinging = amplitude > Options.OscillationAmplitude && (progress <= Options.OscillationProgress || meanLoss > Options.OscillationAboveStart * initial) && changeFraction >= 0.5
            && meanLoss > Options.OscillationMinLossFraction * highReference;
        // "without settling": the swings must persist, so a one-off bump (SGD momentum overshooting once, then
        // recovering) is not an oscillation
        oscillationRun = swinging ? oscillationRun + 1 : 0;
        bool spikeTrain = spikes >= Options.OscillationSpikes;
        if (oscillationRun < Options.OscillationPatience && !spikeTrain) return;
        Raise(FindingKind.OscillatingLoss, Severity.Warning, null, Ev(("amplitude", amplitude), ("progress", progress), ("signChangeFraction", changeFraction), ("spikes", spikes), ("threshold", Options.OscillationAmplitude)),
            spikeTrain
                ? $"The loss jumped {spikes} times in {w} steps to more than {F(Options.OscillationSpikeFactor)}× the step before, falling back each time."
                : $"The loss swings by {100 * amplitude:F0}% from step to step without settling.",
            [LowerLrText(), "use a larger batch", "use a learning-rate schedule (e.g. ReduceLROnPlateau)"]);
        string why = spikeTrain ? $"{spikes} loss spikes in {w} steps" : $"loss swings {100 * amplitude:F0}%";
        // A spike to blow-up level (× RollbackLossFactor) is over by the time it counts as one, but it leaves its
        // damage: lr-oscillating-1-r1 (lr 0.7) jumped to × 16 at step 13 and 87 % of its ReLUs died. The unrepaired run
        // still trained to 5e-6 through the rest; the lr halved on the damaged weights stalled at 0.24. Going back to
        // the weights saved before the spike with the halved lr trains to 5e-5. The same rollback on 8 seeds of both
        // halves: 5 repaired runs end lower, 1 higher (both converged), none fails that succeeded (bench/doctor
        // README, round (h)). Not for a two-sample BatchNorm's swings, which no lr repairs (RepairLr).
        if (spikeTrain && highestSpike > Options.RollbackLossFactor * initial && Repairing && !smallBatchNorm && monitor.Step - lastLrRepairStep >= Options.LossWindow)
            RollBack(FindingKind.OscillatingLoss, $"{why}, up to × {F(highestSpike / initial)} its start", Options.GentleRepairLrFactor);
        else RepairLr(FindingKind.OscillatingLoss, why);
    }

    /// <summary>
    /// A loss with no lower bound: negative and falling faster and faster (see <see cref="DoctorOptions.UnboundedLossWindow"/>).
    /// Training then lowers it for ever by making the outputs, and so the weights, larger, until they overflow; the
    /// blog's "weights grow during training" with the loss as the cause. Reported as WeightGrowth, the root of what
    /// follows (<see cref="CauseGraph"/>): the loss definition needs a floor, which no lr or clipping provides.
    /// </summary>
    private void UnboundedLossRule(int n)
    {
        int w = Options.UnboundedLossWindow;
        if (n - lossBaselineStep < 2 * w + 3) { unboundedRun = 0; return; }
        double a = Mean(n - 3, 3), b = Mean(n - 3 - w, 3), c = Mean(n - 3 - 2 * w, 3);
        // The fall must also be several times the loss's magnitude at the start: just after a loss crosses 0, "twice as
        // far below 0" is a small step (a healthy Gaussian fit, seed 311 of 36 tuning seeds, fell from −0.13 to −0.67 in
        // 6 steps there, from a start of 0.3, with its falls 1.55 × apart)
        bool accelerating = c < 0 && b < c && a < b && a < Options.UnboundedLossGrowth * c && b - a >= Options.UnboundedLossAcceleration * (c - b)
            && c - a >= Options.UnboundedLossScale * Math.Abs(TrendStart());
        unboundedRun = accelerating ? unboundedRun + 1 : 0;
        if (unboundedRun < Options.UnboundedLossPatience) return;
        double growth = initialWeightNorm > 0 && double.IsFinite(lastWeightNorm) ? lastWeightNorm / initialWeightNorm : double.NaN;
        unboundedLoss = true;
        Raise(FindingKind.WeightGrowth, Severity.Error, null,
            Ev(("unboundedLoss", 1), ("loss", a), ("lossBefore", c), ("steps", 2 * w), ("acceleration", (b - a) / (c - b)), ("weightGrowthFactor", growth)),
            $"The loss is negative and falls faster and faster: from {F(c)} to {F(a)} in {2 * w} steps. It has no lower bound, so training lowers it by making the outputs, and with them the weights, ever larger" +
            (double.IsFinite(growth) ? $" (the weight norm is × {F(growth)} its initial value)" : "") + "; they grow until they overflow.",
            ["give the loss a floor: a pairwise ranking loss is −log σ(s⁺ − s⁻) (Softplus(−margin)), not −(s⁺ − s⁻); a likelihood needs a lower bound on its variance",
             "check the sign of the loss: minimising −loss maximises it",
             "add weight decay or normalise the outputs, which only slows the growth"]);
    }

    /// <summary>Whether the loss fell back below half of the spike at <paramref name="i"/> before step <paramref name="n"/>.</summary>
    private bool FallsBack(int i, int n)
    {
        for (int j = i + 1; j < n; j++)
            if (losses[j] < 0.5 * losses[i]) return true;
        return false;
    }

    private double plateauBest = double.PositiveInfinity;
    private int plateauStart = -1, plateauBestAt, plateauScanned;

    private void PlateauRules(int n, int start, int seen)
    {
        // Plateau (ReduceLROnPlateau defaults: patience 10, relative threshold 1e-4, mode min) while the loss is still high.
        // judged on the 5-step moving average so that mini-batch noise does not make new "bests". The best is kept
        // from one step to the next and only the new losses are scanned (rescanning the whole run every step made the
        // rule's cost grow with the run: 50 µs a step after 10,000 steps, a fifth of a small MLP's step); it starts
        // over when the trend restarts (a repair or rollback moves the baseline).
        if (plateauStart != start) { plateauStart = start; plateauBest = double.PositiveInfinity; plateauBestAt = start; plateauScanned = start + 4; }
        for (int i = plateauScanned; i < n; i++)
        {
            double smooth = Mean(i - 4, 5);
            if (smooth < plateauBest * (1 - Options.PlateauThreshold)) { plateauBest = smooth; plateauBestAt = i; }
        }
        plateauScanned = Math.Max(plateauScanned, n);
        double best = plateauBest;
        int stale = n - 1 - plateauBestAt;
        // "Initial": the first loss, or the mean of the first 5 if higher. The mean alone counted a fast first fall
        // against the run (healthy-moons-tanh-sgdm-1-r1: 0.65 → 0.29 in 5 steps, a mean of 0.50, then a pause near
        // 0.27 was "still above half the start" and SlowConvergence at step 22; the run then trains to 0.005). On 8
        // seeds of both halves this removed 3 such alarms on healthy held-out runs and no expected finding.
        double initialLoss = StillHighReference(start);
        // "still high" by the median of the last 5 losses, so that one mini-batch spike in a converged run does not
        // count as a stalled loss
        double recent = Median(losses, 5);
        bool converged = best < Options.ConvergedLossFraction * initialLoss;
        if (stale >= Options.PlateauPatience && recent > Options.PlateauLossFraction * initialLoss && !converged)
            Raise(FindingKind.SlowConvergence, Severity.Warning, null, Ev(("stepsWithoutImprovement", stale), ("bestLoss", best), ("initialLoss", initialLoss)),
                $"The loss has not improved for {stale} steps and is still {F(recent / initialLoss)} of its initial value.",
                ["reduce the learning rate on plateaus (ReduceLROnPlateau)", "check the gradient flow (vanishing gradients, dead or saturated units)", "try a larger model or better features"]);
        else if (seen >= Options.SlowSteps && (initialLoss - Mean(n - 5, 5)) < Options.SlowProgressFraction * initialLoss && stale < Options.PlateauPatience && !converged)
            Raise(FindingKind.SlowConvergence, Severity.Warning, null, Ev(("initialLoss", initialLoss), ("recentLoss", Mean(n - 5, 5)), ("steps", seen)),
                $"After {seen} steps the loss has fallen only from {F(initialLoss)} to {F(Mean(n - 5, 5))}.",
                [$"raise the learning rate from {F(Lr)} to {F(Lr * 10)}", "use Adam", "normalise the inputs"]);
    }

    /// <summary>
    /// The loss that "still high" is measured against: the first loss since the baseline, or the mean of the first 5 if
    /// higher, so that a fast first fall does not count against the run. The plateau and the oscillation rules both
    /// use it (bench/doctor README, rounds (h) and (i)).
    /// </summary>
    private double StillHighReference(int start) => Math.Max(losses[start], Mean(start, 5));

    /// <summary>The loss the trend rules measure from: the first loss since the baseline, or the mean of the first 5 if lower.</summary>
    private double TrendStart() => Math.Min(losses[lossBaselineStep], Mean(lossBaselineStep, 5));

    private double Mean(int from, int count)
    {
        from = Math.Max(0, from);
        count = Math.Min(count, losses.Count - from);
        double s = 0;
        for (int i = from; i < from + count; i++) s += losses[i];
        return s / count;
    }

    /// <summary>
    /// Repair: multiply every group's lr by <see cref="DoctorOptions.RepairLrFactor"/> (a blow-up) or
    /// <see cref="DoctorOptions.GentleRepairLrFactor"/> (swings or large updates: the lr is only somewhat too high) and
    /// restart the loss-trend rules.
    /// </summary>
    private bool smallBatchNorm; // a BatchNorm layer has normalised over too few values (its swings are not the lr's)

    private void RepairLr(FindingKind cause, string why)
    {
        if (!Repairing) return;
        // Once the loss has blown up the weights are ruined: a smaller lr from there still diverges (lr-too-high-lr5-0
        // on the tuning half: lr 5 → 0.5 → 0.25 went on from a 1e29 loss to all-dead ReLUs). Go back to the last good
        // weights instead, as the non-finite repair does; at most every Patience steps, so it cannot loop.
        if (LossBlownUp())
        {
            if (monitor.Step - lastLrRepairStep >= Options.Patience) RollBack(cause, $"{why}; the loss blew up");
            return;
        }
        if (monitor.Step - lastLrRepairStep < Options.LossWindow) return;
        // Swings from BatchNorm's few-sample statistics are not an lr overshoot: a smaller lr leaves the noise as it is
        // and only slows training (batchnorm-batch-2-0 on the tuning half: the lowered lr's final loss is within the
        // noise of the unrepaired one). The fix is a larger batch, which only the training loop can choose. Nor are
        // swings between batches that saturated units treat differently (held-out replica saturated-tanh-1-r6: halving
        // the lr ended at 0.166 instead of 0.075); the fix there is the init or normalisation, and a smaller lr only
        // slows the way out of saturation.
        if (cause == FindingKind.OscillatingLoss && (smallBatchNorm || saturated)) return;
        double factor = cause is FindingKind.OscillatingLoss or FindingKind.LearningRateTooHigh ? Options.GentleRepairLrFactor : Options.RepairLrFactor;
        double before = Lr;
        foreach (var g in optimizer.ParamGroups)
        {
            if (g.HasOption("lr")) g.Lr = Math.Max(Options.MinLr, g.Lr * factor);
        }
        lastLrRepairStep = monitor.Step;
        lossBaselineStep = losses.Count;
        lrHighRun = 0;
        oscillationRun = 0;
        Raise(cause, Severity.Info, "repair:lr", Ev(("lrBefore", before), ("lrAfter", Lr)),
            $"Repair: lowered the learning rate from {F(before)} to {F(Lr)} ({why}).", []);
    }

    /// <summary>Whether each of the last 5 losses is above <see cref="DoctorOptions.RollbackLossFactor"/> × the start (or not finite).</summary>
    private bool LossBlownUp()
    {
        int n = losses.Count, start = lossBaselineStep;
        if (n - start < 5) return false;
        double limit = Options.RollbackLossFactor * TrendStart();
        if (!double.IsFinite(limit) || limit <= 0) return false; // a multiple of a loss ≤ 0 is no "blown up" level
        for (int i = n - 5; i < n; i++)
            if (losses[i] <= limit) return false; // NaN compares false, so it counts as blown up
        return true;
    }
}
