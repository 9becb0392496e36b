namespace Tidu.Diagnostics;

public sealed partial class Doctor
{
    // Repair: the last known-good weights and optimizer state, to roll back to when training blows up
    private Tensor?[] goodWeights = [];
    private IReadOnlyDictionary<string, Tensor>? goodOptimizerState;
    private bool depthRepaired;
    private int goodStateStep = -1; // the step at which the rollback point was saved (0: the initial state)

    /// <summary>
    /// Whether the lr, rollback and clipping repairs may act: Repair is on and no finding rules them out. A loss with no
    /// lower bound does: those repairs only postpone its overflow and leave a run that looks repaired
    /// (unbounded-ranking-loss-1: NaN without repair, −3e8 with it, still falling).
    /// </summary>
    private bool Repairing => Options.Repair && !unboundedLoss;

    private void InitRepair()
    {
        if (!Options.Repair) return;
        goodWeights = new Tensor?[paramStates.Length];
        SaveGoodState();
    }

    /// <summary>Remembers the current weights and optimizer state as the state to roll back to.</summary>
    private void SaveGoodState()
    {
        for (int i = 0; i < paramStates.Length; i++)
        {
            var p = paramStates[i].Parameter;
            if (!p.DType.IsFloatingPoint()) continue;
            goodWeights[i] ??= Tensor.Empty(p.DType, p.shape);
            TensorStats.CopyValues(p, goodWeights[i]!);
        }
        goodOptimizerState = optimizer.StateDict();
        goodStateStep = monitor.Step;
    }

    /// <summary>Restores the last good weights and optimizer state (the learning rates stay as they are).</summary>
    private void RestoreGoodState()
    {
        for (int i = 0; i < paramStates.Length; i++)
            if (goodWeights[i] is { } w) TensorStats.CopyValues(w, paramStates[i].Parameter);
        var lrs = optimizer.ParamGroups.Select(g => g.HasOption("lr") ? g.Lr : double.NaN).ToList();
        if (goodOptimizerState is not null) optimizer.LoadStateDict(goodOptimizerState);
        for (int g = 0; g < optimizer.ParamGroups.Count; g++)
            if (optimizer.ParamGroups[g].HasOption("lr")) optimizer.ParamGroups[g].Lr = lrs[g];
    }

    /// <summary>
    /// Called after each step with Repair on: every <see cref="DoctorOptions.LossWindow"/> steps, a state whose loss is
    /// finite and not above the loss at the start becomes the new rollback point.
    /// </summary>
    private void MaybeSaveGoodState(double loss)
    {
        if (!Options.Repair || monitor.Step % Options.LossWindow != 0 || !double.IsFinite(loss) || losses.Count < 5) return;
        if (loss > Mean(lossBaselineStep, 5)) return;
        foreach (var s in paramStates)
            if (s.Parameter.DType.IsFloatingPoint() && !double.IsFinite(TensorStats.Norm(s.Parameter))) return;
        SaveGoodState();
    }

    /// <summary>
    /// Repair for a blow-up (non-finite gradients or loss): skipping the update is not enough once finite but huge
    /// updates have already ruined the weights, so restore the last good weights and optimizer state (like restarting
    /// from a checkpoint, the usual manual fix) and lower the learning rate. Unlike the loss-trend repairs this has no
    /// cool-down: a non-finite value is unambiguous.
    /// </summary>
    private void RollBack(FindingKind cause, string why) => RollBack(cause, why, Options.RepairLrFactor);

    /// <summary>As above with the lr multiplied by <paramref name="lrFactor"/>.</summary>
    private void RollBack(FindingKind cause, string why, double lrFactor)
    {
        double before = Lr;
        int restored = goodStateStep;
        RestoreGoodState();
        foreach (var g in optimizer.ParamGroups)
            if (g.HasOption("lr")) g.Lr = Math.Max(Options.MinLr, g.Lr * lrFactor);
        lastLrRepairStep = monitor.Step;
        lossBaselineStep = losses.Count;
        lrHighRun = 0;
        gradNorms.Clear();
        // a clip level taken from the blown-up steps' gradient norms (3e8 in lr-too-high-lr5-0) clips nothing: re-arm
        // it from the norms after the rollback
        clipNorm = null;
        rollbackStep = monitor.Step;
        Raise(cause, Severity.Info, "repair:rollback", Ev(("lrBefore", before), ("lrAfter", Lr)),
            $"Repair: restored the weights and optimizer state of step {restored} and lowered the learning rate from {F(before)} to {F(Lr)} ({why}).", []);
    }

    /// <summary>
    /// Repair for exploding activations at initialisation: divide each growing layer's weight (and its bias, by the
    /// cumulative factor) by its gain so the signal keeps its scale across depth, as a variance-preserving (Kaiming)
    /// init would. A ReLU network is positively homogeneous, so this only changes the scale, not the function's shape.
    /// </summary>
    private void RescaleLayers(List<(double Rms, string? Weight)> chain)
    {
        if (!Options.Repair || depthRepaired) return;
        depthRepaired = true;
        // By the time the rule has seen the growth on Patience steps, the huge gradients have already updated the
        // weights (tuning half, exploding-init-x10-d5-0: loss 4.8e3 → 1.8e12 in 2 steps) and rescaling those does not
        // undo the damage. While the rollback point is still the initial state, go back to it and rescale the initial
        // weights by the gains measured on them, as a better init would have done.
        if (goodStateStep == 0 && initialChain is { } first && first.Count == chain.Count)
        {
            RestoreGoodState();
            chain = first;
        }
        double cumulative = 1;
        var scaled = new List<string>();
        for (int i = 1; i < chain.Count; i++)
        {
            double gain = chain[i].Rms / chain[i - 1].Rms;
            if (chain[i].Weight is not { } name) continue;
            double factor = gain > 1 ? 1 / gain : 1;
            cumulative *= factor;
            if (factor == 1) continue;
            string prefix = name[..^"weight".Length];
            foreach (var s in paramStates)
            {
                if (s.Name == name) ScaleInPlace(s.Parameter, factor);
                else if (s.Name == prefix + "bias") ScaleInPlace(s.Parameter, cumulative);
            }
            scaled.Add(name);
        }
        if (scaled.Count == 0) return;
        SaveGoodState();
        Raise(FindingKind.ExplodingGradient, Severity.Info, "repair:rescale", Ev(("layers", scaled.Count), ("totalFactor", cumulative)),
            $"Repair: divided the weights of {string.Join(", ", scaled)} by their gains (total factor {F(cumulative)}) so the activations no longer grow with depth.", []);
    }

    private static void ScaleInPlace(Tensor p, double factor)
    {
        if (!p.DType.IsFloatingPoint()) return;
        using (Tensor.NoGrad()) TensorStats.CopyValues(p * factor, p);
    }
}
