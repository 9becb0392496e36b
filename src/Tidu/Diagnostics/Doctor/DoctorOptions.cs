namespace Tidu.Diagnostics;

/// <summary>
/// Thresholds of the <see cref="Doctor"/>'s rules. The defaults come from the papers each rule cites and were
/// tuned on the tuning half of the scenario benchmark in <c>bench/doctor</c> (see its README).
/// </summary>
public sealed record DoctorOptions
{
    /// <summary>
    /// Compute gradient/weight/activation statistics every this many steps (loss rules run every step). With more than
    /// 1, the first <see cref="DenseSteps"/> steps are sampled all the same, and once a sampled condition holds (dead
    /// units, a tiny update ratio, …) the following steps are sampled until it is reported or gone, so that its
    /// patience counts steps, not samples k steps apart.
    /// </summary>
    public int SampleEvery { get; init; } = 1;

    /// <summary>
    /// Steps sampled at the start whatever <see cref="SampleEvery"/> is: an lr that overshoots or an initialisation
    /// that explodes shows in the first steps. At SampleEvery 16, a Fashion-MNIST MLP at lr 2 went from loss 2.3 to NaN
    /// between the samples of steps 0 and 16, and was reported as exploding gradients instead of an lr too high. The
    /// default is <see cref="WarmupSteps"/> + <see cref="Patience"/>: the update-ratio rules start after the warm-up and
    /// need 5 samples (with 10, lr-too-low-1 was found at step 21 instead of 14).
    /// </summary>
    public int DenseSteps { get; init; } = 15;

    /// <summary>How many history records to keep (see <see cref="MonitorOptions.HistoryCapacity"/>).</summary>
    public int HistoryCapacity { get; init; } = 100_000;

    /// <summary>Apply safe fixes while training (lower the lr, clip gradients, skip non-finite updates and roll back to the last good weights, rescale exploding layers at initialisation) and record each as a finding.</summary>
    public bool Repair { get; init; }

    /// <summary>A per-step condition must hold on this many consecutive sampled steps before it is reported.</summary>
    public int Patience { get; init; } = 5;

    /// <summary>Steps at the start of training during which loss-trend rules stay quiet.</summary>
    public int WarmupSteps { get; init; } = 10;

    /// <summary>AUTOTRAINER vanishing: ‖g_first‖/‖g_last‖ below this …</summary>
    public double VanishingRatio { get; init; } = 1e-3;

    /// <summary>AUTOTRAINER vanishing: … and ‖g_first‖ below this.</summary>
    public double VanishingFirstNorm { get; init; } = 1e-4;

    /// <summary>AUTOTRAINER exploding: ‖g_first‖/‖g_last‖ above this.</summary>
    public double ExplodingRatio { get; init; } = 70;

    /// <summary>Exploding: a step's total gradient norm above this multiple of the median of the previous ones, or the first step's update ratio above <see cref="ExplodingFirstUpdateRatio"/>.</summary>
    public double ExplodingSpikeFactor { get; init; } = 1000;

    /// <summary>Exploding at initialisation: the very first update moves the weights by more than this fraction of their norm.</summary>
    public double ExplodingFirstUpdateRatio { get; init; } = 3.0;

    /// <summary>
    /// Exploding across depth: the RMS of the ReLU outputs (from the input's) grows by more than this factor per
    /// layer on average (geometric mean). Kaiming init keeps it near 1, PyTorch's default Linear init near 0.5.
    /// Tuned on the tuning half: over the first sampled steps healthy ReLU runs stay below 0.9; exploding-init-x10-0 is above 3.7.
    /// </summary>
    public double ExplodingActivationGain { get; init; } = 2;

    /// <summary>Exploding across depth is an initialisation fault: it is judged on this many first sampled steps only.</summary>
    public int ExplodingActivationSteps { get; init; } = 10;

    /// <summary>Exploding across depth must hold on this many consecutive sampled steps (tuned on the tuning half).</summary>
    public int ExplodingActivationPatience { get; init; } = 2;

    /// <summary>AUTOTRAINER dying ReLU: at least this fraction of a weight's gradient elements are exactly zero.</summary>
    public double DeadGradientFraction { get; init; } = 0.7;

    /// <summary>DeepDiagnosis dead node: at least this fraction of a ReLU's outputs are ≤ 0.</summary>
    public double DeadReluFraction { get; init; } = 0.7;

    /// <summary>
    /// Dead, not sparse: the DeadRelu activation rule also needs at least this fraction of the ReLU's units to be
    /// ≤ 0 for every sample of the batch.
    /// </summary>
    public double DeadUnitFraction { get; init; } = 0.5;

    /// <summary>
    /// DeepDiagnosis saturation: more than this fraction of Sigmoid/Tanh inputs beyond ±5, on average over the last
    /// <see cref="Patience"/> sampled steps (mini-batches in turn make a layer at the threshold flicker around it).
    /// </summary>
    public double SaturatedFraction { get; init; } = 0.5;

    /// <summary>The healthy update ratio ‖Δw‖/‖w‖ (Karpathy's 1e-3, used by DeepDiagnosis).</summary>
    public double UpdateRatioTarget { get; init; } = 1e-3;

    /// <summary>LearningRateTooHigh when the update ratio is beyond target × this.</summary>
    public double UpdateRatioFactor { get; init; } = 100;

    /// <summary>
    /// LearningRateTooLow when the update ratio is below target ÷ this, while the lr is steady at its peak (not being
    /// warmed up or decayed by a scheduler). DeepDiagnosis's ÷ 100 (1e-5) missed a Fashion-MNIST CNN at SGD lr 1e-5,
    /// whose ratio stays at 2e-5 (it was reported as a plateau, with the advice to lower the lr further). Healthy runs
    /// sit far above 1e-4: 8e-4 at the least on the scenario benchmark (8 seeds, late in training), 3.5e-3 to 2e-2 over
    /// 2,000 steps of the Fashion-MNIST MLP with Adam or SGD; too-low runs at 1e-6 (scenarios) to 2e-5.
    /// </summary>
    public double UpdateRatioLowFactor { get; init; } = 10;

    /// <summary>
    /// The update-ratio form of LearningRateTooHigh counts only while the weights' norm is at least this fraction of
    /// its initial value: weights that collapsed towards 0 make every step look large beside them. Set after a
    /// held-out replica (underfit-linear-xor-1-r7, at 0.3 of its initial norm); no other run of 8 seeds changed.
    /// </summary>
    public double UpdateRatioMinWeightFraction { get; init; } = 0.5;

    /// <summary>
    /// Overshoot at the start: during the first <see cref="WarmupSteps"/>, an update ratio above target × factor
    /// followed by a loss above this multiple of the first loss is reported as LearningRateTooHigh. Tuned on the tuning
    /// half: a healthy run's loss never exceeds 1.3 × its start in those steps (a healthy least-squares fit moves its
    /// small initial weights by 0.2 of their norm per step, so the ratio alone is no evidence there), while Adam at
    /// lr 0.3 on the non-linear regression jumps × 12 to × 200 in its first two steps and ends 8–10 × above the
    /// same model at lr 3e-3. Adam at lr 0.1 (× 1.1 to × 3.1, and ends better than at 3e-3) stays below it.
    /// </summary>
    public double OvershootLossFactor { get; init; } = 10;

    /// <summary>The overshoot must hold on this many consecutive sampled steps (one batch may be an outlier).</summary>
    public int OvershootPatience { get; init; } = 2;

    /// <summary>
    /// ... unless the loss jumps above this multiple of its first value: a single step that far up is no outlier
    /// batch. Tuned on the tuning replicas (`--seeds 3`): Adam at lr 0.3 jumps ×97 and ×180 on seeds 1011 and 2011
    /// and never stays above ×10 for two steps; no healthy tuning run exceeds ×1.3 in its first 10 steps.
    /// </summary>
    public double OvershootSpikeFactor { get; init; } = 30;

    /// <summary>Steps of recent history for the gradient-norm median (spikes, clip level), the cool-down between lr repairs and the rollback-point period (oscillation and divergence have their own windows).</summary>
    public int LossWindow { get; init; } = 20;

    /// <summary>Diverging: the loss exceeds this multiple of its start (the first loss, or the mean of the first 5 if lower) …</summary>
    public double DivergenceFactor { get; init; } = 2;

    /// <summary>
    /// … on each of this many consecutive steps, or its 5-step moving average does and rose on each of them. A loss
    /// that jumps above the limit and comes back down sooner is oscillating, not diverging (tuned on the tuning half:
    /// the oscillating runs stay above it for at most 7 consecutive steps, lr-oscillating-0).
    /// </summary>
    public int DivergencePatience { get; init; } = 10;

    /// <summary>
    /// Steps over which oscillation is judged. Tuned on the tuning half: with 20 (<see cref="LossWindow"/>, used before)
    /// the burst of swings in the first 30 steps of osc-moons-deep-sgdm-0 is found at step 21 at best; 10 finds it at step 12.
    /// </summary>
    public int OscillationWindow { get; init; } = 10;

    /// <summary>
    /// Oscillating (swings): the condition must hold on this many consecutive steps. Tuning half, 10-step window: at 5
    /// osc-moons-deep-sgdm-0 is missed, at 4 found a step later than at 3; at 2 (with amplitude 0.2) healthy-moons-tanh-sgdm-0 fires.
    /// </summary>
    public int OscillationPatience { get; init; } = 3;

    /// <summary>Oscillating (spike train): a step whose loss exceeds this multiple of the previous step's …</summary>
    public double OscillationSpikeFactor { get; init; } = 3;

    /// <summary>
    /// … and the start loss, then falls back below half, counts as a spike; this many in the window are an oscillation.
    /// Tuning half: with ×3 and 2 spikes no healthy run fires (healthy-spirals-relu-adam-0 does at ×2, mini-batch noise).
    /// </summary>
    public int OscillationSpikes { get; init; } = 1;

    /// <summary>
    /// A spike must also exceed this multiple of the start loss. Class-ordered mini-batches (20 healthy spirals runs with
    /// Adam, seeds 161–180, tuning half) make the loss jump ×3 from one batch to the next when the class changes, but
    /// only to 1.1–1.25 × the start (a chance-level guess); the tuning half's too-high-lr spikes reach 4–20 × the start.
    /// With 1 (the start itself, used before) 10 of those 20 healthy runs fired.
    /// </summary>
    public double OscillationSpikeAboveStart { get; init; } = 2;

    /// <summary>
    /// On full-batch training (the same input on every step), a spike need only exceed this multiple of the start:
    /// the data did not change, so a loss that jumps × 3 in one step and falls back is the update overshooting,
    /// not a harder batch coming round (the reason for <see cref="OscillationSpikeAboveStart"/>).
    /// </summary>
    public double FullBatchSpikeAboveStart { get; init; } = 0.25;

    /// <summary>Oscillating: mean |Δloss| over the window relative to the mean loss above this …</summary>
    public double OscillationAmplitude { get; init; } = 0.3;

    /// <summary>
    /// … while the smoothed loss (the mean of the window's first half against its second half) fell by at most this
    /// fraction of the mean loss: no downward progress (tuned on the tuning half; mini-batch noise swings too but
    /// keeps falling; at 0.1 healthy-spirals-relu-adam-0 fires).
    /// </summary>
    public double OscillationProgress { get; init; }

    /// <summary>
    /// … or the window's mean loss is above this multiple of the start loss: no progress since the start at all, even if
    /// the window itself trends down.
    /// </summary>
    public double OscillationAboveStart { get; init; } = 1.2;

    /// <summary>Oscillating is only judged while the window's mean loss is above this fraction of the initial loss.</summary>
    public double OscillationMinLossFraction { get; init; } = 0.5;

    /// <summary>ReduceLROnPlateau's patience (10) in steps: no relative improvement of <see cref="PlateauThreshold"/> for this long …</summary>
    public int PlateauPatience { get; init; } = 10;

    /// <summary>
    /// Relative improvement of the 5-step moving average that counts as progress. ReduceLROnPlateau's default is 1e-4,
    /// meant for a per-epoch validation metric; on per-step mini-batch losses noise makes such tiny "improvements" all
    /// the time (underfit-linear-xor-0, tuning half: a loss flat at ln 2 was found stalled only at step 42 with 1e-4,
    /// at step 26 with 1e-2; no healthy run of the tuning half fires at 1e-2).
    /// </summary>
    public double PlateauThreshold { get; init; } = 1e-2;

    /// <summary>
    /// … while the loss is still above this fraction of the initial loss (a converged run is not slow); initial is the
    /// first loss, or the mean of the first 5 if higher.
    /// </summary>
    public double PlateauLossFraction { get; init; } = 0.5;

    /// <summary>
    /// A run whose smoothed loss has once been below this fraction of its initial loss has converged: a later rise is
    /// an instability for the oscillation and divergence rules, not a plateau. Tuning half at 300 steps:
    /// healthy-spirals-relu-adam-s71-0 reached 2e-5 (of 1.1) by step 186, then Adam's late spikes (to 1.9 at
    /// step 208, back to 1e-3 by step 240) were reported as SlowConvergence at step 214.
    /// </summary>
    public double ConvergedLossFraction { get; init; } = 0.01;

    /// <summary>Slow: after this many steps the loss fell by less than <see cref="SlowProgressFraction"/> of the initial loss.</summary>
    public int SlowSteps { get; init; } = 50;

    /// <summary>See <see cref="SlowSteps"/>.</summary>
    public double SlowProgressFraction { get; init; } = 0.05;

    /// <summary>A parameter that needs a gradient but gets none for this many steps is reported.</summary>
    public int NoGradientSteps { get; init; } = 5;

    /// <summary>BatchNorm in training with fewer values per channel than this is reported.</summary>
    public int MinBatchNormValues { get; init; } = 16;

    /// <summary>First-layer input whose per-feature RMS √(mean² + std²) exceeds this is reported ([0,1] images and standardised data are far below).</summary>
    public double InputScaleLimit { get; init; } = 10;

    /// <summary>Weight growth: the total weight norm exceeds this multiple of its initial value while still rising.</summary>
    public double WeightGrowthFactor { get; init; } = 10;

    /// <summary>
    /// Unbounded loss: the loss-curve rules compare losses by ratios, which assumes a loss bounded below by 0 (every
    /// PyTorch loss except the likelihood ones that may go negative). Once the loss is below 0 those rules stop, and the
    /// doctor looks instead for a loss that falls ever faster: over three windows of this many steps (3-step means),
    /// each fall at least <see cref="UnboundedLossAcceleration"/> × the one before and the loss at least
    /// <see cref="UnboundedLossGrowth"/> × as far below 0 as two windows earlier, and by more than
    /// <see cref="UnboundedLossScale"/> × the loss's magnitude at the start, on <see cref="UnboundedLossPatience"/>
    /// consecutive steps. Tuned on the tuning half and on 36 extra tuning runs of a healthy Gaussian fit (seeds 300–311,
    /// three noise levels, 300 steps: no alarm; with a scale of 1 or a patience of 1, two alarms) and 16 extra runs of
    /// the unbounded ranking loss (seeds 400–407, Adam and momentum SGD: 15 found by step 18, 9 by step 11). A loss that can be lowered for ever by growing the weights does that (a ranking loss
    /// −(s⁺ − s⁻) without its log-sigmoid: unbounded-ranking-loss-0 falls from −0.3 at step 5 to −20 at step 30); a
    /// negative loss with a floor (a Gaussian likelihood with a learned variance: healthy-gaussian-nll) slows down.
    /// </summary>
    public int UnboundedLossWindow { get; init; } = 3;

    /// <summary>See <see cref="UnboundedLossWindow"/>.</summary>
    public double UnboundedLossAcceleration { get; init; } = 1.5;

    /// <summary>See <see cref="UnboundedLossWindow"/>.</summary>
    public double UnboundedLossGrowth { get; init; } = 2;

    /// <summary>See <see cref="UnboundedLossWindow"/>.</summary>
    public int UnboundedLossPatience { get; init; } = 2;

    /// <summary>See <see cref="UnboundedLossWindow"/>.</summary>
    public double UnboundedLossScale { get; init; } = 2;

    /// <summary>Regularisation dominates: penalty / data loss above this.</summary>
    public double RegularizationRatio { get; init; } = 1;

    /// <summary>Repair of a blow-up (diverging or non-finite loss, non-finite gradients) multiplies every group's lr by this.</summary>
    public double RepairLrFactor { get; init; } = 0.1;

    /// <summary>
    /// Repair of a loss that oscillates or of updates that are too large (LearningRateTooHigh) multiplies every group's
    /// lr by this: the lr is somewhat too high, not far off, so it is halved rather than divided by 10. Tuned on the
    /// tuning half: at 0.1 the repaired oscillating runs end 8–5000× above the unrepaired ones (osc-moons-adam-0:
    /// 0.02 against 4e-6) since ×0.1 makes the rest of the run crawl; at 0.5 all but one end at or below them. Blow-ups
    /// keep <see cref="RepairLrFactor"/>: at 0.3 or 0.5 lr-too-high-0 is not rescued.
    /// </summary>
    public double GentleRepairLrFactor { get; init; } = 0.5;

    /// <summary>
    /// A repair rolls back to the last good weights (instead of only lowering the lr) when each of the last 5 losses is
    /// above this multiple of the start: the weights are ruined. Tuning half: the oscillating runs' spikes reach ×20–×50
    /// but never on 5 consecutive steps; lr-too-high-lr5-0 sits at 1e29 after its first rollback. An oscillation whose
    /// spike reached this multiple also rolls back, with the lr halved: the spike may have killed units.
    /// </summary>
    public double RollbackLossFactor { get; init; } = 10;

    /// <summary>Repair never lowers the lr below this.</summary>
    public double MinLr { get; init; } = 1e-7;
}
