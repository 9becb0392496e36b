namespace Tidu.Diagnostics;

public sealed partial class Doctor
{
    // ReLU modules in forward order with the weight that feeds each (null when none precedes it)
    private readonly List<(string Module, string? Weight)> reluChain = [];
    private double inputRms = double.NaN;
    private int inputRmsStep = -1;
    private int depthGrowthRun, depthSamples;
    private int rollbackStep = -1; // the last step whose update a rollback replaced
    private List<(double Rms, string? Weight)>? initialChain; // the per-layer RMS on the initial weights
    private Dictionary<string, GradientMonitor.ActivationState> reluStates = [];

    /// <summary>
    /// Exploding signal across depth: the RMS of the ReLU outputs grows from layer to layer. AUTOTRAINER (Zhang et
    /// al., ICSE 2021) calls gradients exploding when ‖g_first‖/‖g_last‖ exceeds 70, but in a ReLU MLP whose every
    /// weight is too large that ratio stays near 1 (the first layer's large backpropagated error meets a small
    /// input, the last layer's small error a huge activation), so the growth is measured where it happens: forward,
    /// layer by layer, as in DeepDiagnosis's per-layer activation checks (Wardat et al., ICSE 2022). A variance-
    /// preserving (Kaiming) ReLU net keeps the RMS roughly constant with depth (gain ≈ 1, He et al. 2015) and
    /// PyTorch's default Linear init shrinks it (gain ≈ 0.4–0.6); a geometric-mean gain per layer above
    /// <see cref="DoctorOptions.ExplodingActivationGain"/> means the initial weights are several times too large.
    /// </summary>
    private void ExplodingActivationRule()
    {
        // An initialisation fault is judged at the start: later growth of the activations is the learning rate's or
        // the weights' doing (LearningRateTooHigh, WeightGrowth). Tuned on the tuning half: over the first 10 sampled
        // steps the healthy ReLU runs' gain stays ≤ 0.9 and exploding-init-x10-0's ≥ 3.7; later in training a
        // healthy run reached 1.7 and lr-oscillating-0 reached 5, which is why the rule stops after the start.
        if (reluChain.Count < 2 || depthSamples >= Options.ExplodingActivationSteps) return;
        depthSamples++;
        var chain = new List<(double Rms, string? Weight)>(reluChain.Count + 1);
        int step = monitor.Step - 1; // AfterStep runs once the monitor has advanced
        // the gains measured on weights that a rollback has just discarded say nothing about the restored ones (in
        // lr-too-high-deep-0 they were 1e8× per layer and the rescale repair then divided the weights by 1e16)
        if (step <= rollbackStep) { depthGrowthRun = 0; return; }
        if (inputRmsStep == step && inputRms > 0 && double.IsFinite(inputRms)) chain.Add((inputRms, null));
        foreach (var (module, weight) in reluChain)
        {
            if (!reluStates.TryGetValue(module, out var a) || a.LastStep != step) continue;
            if (!double.IsFinite(a.Rms)) { depthGrowthRun = 0; return; } // NaN/∞ is reported by its own rule
            chain.Add((a.Rms, weight));
        }
        int hops = chain.Count - 1;
        if (hops < 2 || chain[0].Rms <= 0) { depthGrowthRun = 0; return; }
        initialChain ??= chain; // measured on the forward of the first sampled step, i.e. on the initial weights
        double total = chain[^1].Rms / chain[0].Rms, gain = Math.Pow(total, 1.0 / hops);
        depthGrowthRun = gain > Options.ExplodingActivationGain ? depthGrowthRun + 1 : 0;
        Suspect(depthGrowthRun > 0, depthGrowthRun, Options.ExplodingActivationPatience);
        if (depthGrowthRun < Options.ExplodingActivationPatience) return;

        // name the first layer where the growth starts (the first hop above the threshold) and report the largest hop
        string? firstGrowing = null, largest = null;
        double largestGain = 0;
        for (int i = 1; i < chain.Count; i++)
        {
            double g = chain[i].Rms / chain[i - 1].Rms;
            if (g > Options.ExplodingActivationGain) firstGrowing ??= chain[i].Weight;
            if (g > largestGain) { largestGain = g; largest = chain[i].Weight; }
        }
        string? where = firstGrowing ?? largest;
        Raise(FindingKind.ExplodingGradient, Severity.Warning, where,
            Ev(("gainPerLayer", gain), ("totalGain", total), ("layers", hops), ("largestLayerGain", largestGain), ("threshold", Options.ExplodingActivationGain)),
            $"The activations grow {F(gain)}× per layer ({F(total)}× over {hops} layers, from RMS {F(chain[0].Rms)} to {F(chain[^1].Rms)}), starting at {where}: the initial weights are too large, so the gradients explode too.",
            ["Kaiming (He) init for the ReLU layers: Init.KaimingNormal(weight)", $"lower the initial weight scale (the layers grow the signal {F(gain)}× each; a gain near 1 is healthy)",
             "add BatchNorm or LayerNorm between the layers", "clip the gradient norm at 1.0"]);
        RescaleLayers(chain);
    }
}
