namespace Tidu.Diagnostics;

/// <summary>
/// Which finding kinds can be consequences of which others, so that one fault reported as several symptoms is shown
/// as one root cause followed by its consequences. The links follow the fault taxonomies of AUTOTRAINER (Zhang et
/// al., ICSE 2021: an unsuitable learning rate or initialisation shows up as exploding gradients, NaN loss and dying
/// ReLUs) and DeepDiagnosis (Wardat et al., ICSE 2022: its decision tree traces a slow or diverging loss back to
/// saturation, vanishing gradients, dead nodes, the learning rate or the input scale).
/// </summary>
internal static class CauseGraph
{
    /// <summary>Kinds from most root-like to most symptom-like; a cause always comes before its consequences (no cycles).</summary>
    private static readonly FindingKind[] Rank =
    [
        FindingKind.GradientNotZeroed, FindingKind.UnnormalizedInput, FindingKind.NoGradient, FindingKind.SmallBatchNorm,
        FindingKind.RegularizationDominates, FindingKind.LearningRateTooHigh, FindingKind.ExplodingGradient,
        FindingKind.SaturatedActivation, FindingKind.VanishingGradient, FindingKind.DeadRelu, FindingKind.LearningRateTooLow,
        FindingKind.WeightGrowth, FindingKind.OscillatingLoss, FindingKind.DivergingLoss, FindingKind.NonFiniteValue,
        FindingKind.SlowConvergence,
    ];

    // steps too large for the loss surface: accumulated gradients, unscaled inputs, a high lr or exploding gradients
    private static readonly FindingKind[] Overshoot =
        [FindingKind.GradientNotZeroed, FindingKind.UnnormalizedInput, FindingKind.LearningRateTooHigh, FindingKind.ExplodingGradient];

    // gradients that do not reach the weights: small updates are then not the learning rate's fault
    private static readonly FindingKind[] Starved =
    [
        FindingKind.SmallBatchNorm, FindingKind.RegularizationDominates, FindingKind.SaturatedActivation,
        FindingKind.VanishingGradient, FindingKind.DeadRelu,
    ];

    /// <summary>The kinds that can cause <paramref name="kind"/>, in no particular order.</summary>
    public static IReadOnlyList<FindingKind> CausesOf(FindingKind kind) => kind switch
    {
        FindingKind.ExplodingGradient => [FindingKind.GradientNotZeroed, FindingKind.UnnormalizedInput, FindingKind.SmallBatchNorm, FindingKind.LearningRateTooHigh],
        FindingKind.SaturatedActivation => [FindingKind.UnnormalizedInput],
        // an lr that overshoots kills ReLUs, and the gradient then no longer reaches the first layers (four held-out
        // replicas of lr-too-high-adam on 8 seeds)
        FindingKind.VanishingGradient => [FindingKind.SmallBatchNorm, FindingKind.RegularizationDominates, FindingKind.SaturatedActivation, FindingKind.LearningRateTooHigh],
        FindingKind.DeadRelu => [.. Overshoot, FindingKind.RegularizationDominates],
        FindingKind.LearningRateTooLow => Starved,
        FindingKind.WeightGrowth => Overshoot,
        FindingKind.OscillatingLoss => [.. Overshoot, FindingKind.SmallBatchNorm, FindingKind.SaturatedActivation],
        FindingKind.DivergingLoss => Overshoot,
        FindingKind.NonFiniteValue => [.. Overshoot, FindingKind.DivergingLoss],
        FindingKind.SlowConvergence => [.. Rank.Where(k => k != FindingKind.NonFiniteValue && k != FindingKind.SlowConvergence)],
        _ => [],
    };

    /// <summary>Position of <paramref name="kind"/> from root-like (0) to symptom-like.</summary>
    public static int RankOf(FindingKind kind) => Array.IndexOf(Rank, kind);

    /// <summary>Whether small updates or slow progress under <paramref name="cause"/> come from starved gradients rather than from the lr.</summary>
    public static bool StarvesGradients(FindingKind cause) => Starved.Contains(cause) || cause == FindingKind.NoGradient;

    /// <summary>
    /// Sets <see cref="Finding.CausedBy"/> on every finding that is a likely consequence of another one present,
    /// pointing at the root of the chain, and rewrites its message and advice accordingly. Repair records (parameter
    /// "repair:…") are neither causes nor consequences.
    /// </summary>
    public static List<Finding> Attribute(IReadOnlyList<Finding> raw)
    {
        var result = new List<Finding>(raw);
        // first-raised finding of each kind, resolved to its own root, processed from root-like to symptom-like
        var rootOf = new Dictionary<FindingKind, Finding>();
        // corrupt data (NaN or ∞ in an input batch) poisons every value computed from it: whatever non-finite values,
        // divergence, exploding gradients or stalled loss follow are its consequences, not their kinds' usual causes
        // a loss with no lower bound likewise explains the runaway updates, gradients and NaN that follow from it
        var universal = result.FirstOrDefault(IsCorruptInput) ?? result.FirstOrDefault(IsUnboundedLoss);
        foreach (var kind in Rank)
        {
            for (int i = 0; i < result.Count; i++)
            {
                var f = result[i];
                if (f.Kind != kind || IsRepair(f)) continue;
                if (ReferenceEquals(f, universal))
                {
                    rootOf.TryAdd(kind, universal);
                    continue;
                }
                if (universal is not null && !Structural.Contains(kind))
                {
                    result[i] = AsConsequence(f, universal, universal.Kind);
                    rootOf.TryAdd(kind, universal);
                    continue;
                }
                Finding? cause = null;
                FindingKind via = kind; // the kind that links f to its root: the root itself, or a consequence of it
                foreach (var c in CausesOf(kind))
                    if (rootOf.TryGetValue(c, out var candidate) && (cause is null || RankOf(candidate.Kind) < RankOf(cause.Kind))) { cause = candidate; via = c; }
                if (cause is not null) result[i] = AsConsequence(f, cause, via);
                if (!rootOf.ContainsKey(kind)) rootOf[kind] = cause ?? result[i];
            }
        }
        return result;
    }

    // faults in how training is set up, which NaN data does not explain
    private static readonly FindingKind[] Structural =
    [
        FindingKind.GradientNotZeroed, FindingKind.UnnormalizedInput, FindingKind.NoGradient, FindingKind.SmallBatchNorm,
        FindingKind.RegularizationDominates,
    ];

    /// <summary>The doctor's input check: NaN or ∞ in a batch fed to the model (its evidence counts them).</summary>
    internal static bool IsCorruptInput(Finding f) => f.Kind == FindingKind.NonFiniteValue && f.Evidence.ContainsKey("nonFiniteValues");

    /// <summary>The doctor's unbounded-loss check: a WeightGrowth finding whose evidence marks the loss as falling without bound.</summary>
    internal static bool IsUnboundedLoss(Finding f) => f.Kind == FindingKind.WeightGrowth && f.Evidence.ContainsKey("unboundedLoss");

    private static bool IsRepair(Finding f) => f.Parameter is { } p && p.StartsWith("repair:", StringComparison.Ordinal);

    /// <param name="f">The consequence.</param>
    /// <param name="cause">The root of its chain.</param>
    /// <param name="via">The kind that links them: the root's own kind, or a consequence of the root that causes f (dead
    /// ReLUs between an lr that overshot and updates that became small).</param>
    private static Finding AsConsequence(Finding f, Finding cause, FindingKind via)
    {
        string where = cause.Parameter is null ? "" : $" in {cause.Parameter}";
        string name = $"“{HtmlReport.Title(cause)}”{where}";
        var suggestions = new List<string> { $"fix the root cause first: {name} (reported at step {cause.FirstStep})" };
        // Starved through the link as well as at the root: small updates after an lr overshoot killed the ReLUs were
        // shown as "lr too low, a consequence of lr too high", with the advice to raise the lr.
        bool starved = StarvesGradients(cause.Kind) || StarvesGradients(via);
        // raising the lr does not help when the gradients never reach the weights (wrong advice for a vanishing net)
        foreach (var s in f.Suggestions)
            if (!(starved && s.StartsWith("raise the learning rate", StringComparison.Ordinal))) suggestions.Add(s);
        var severity = f.Kind == FindingKind.LearningRateTooLow && starved ? Severity.Info : f.Severity;
        string because = via == cause.Kind ? name : $"“{HtmlReport.KindName(via)}”, a consequence of {name}";
        string message = f.Kind == FindingKind.LearningRateTooLow && starved
            ? $"{f.Message} The updates are small because of {because}, not because of the learning rate."
            : $"{f.Message} Probably a consequence of {name}.";
        return f with { Severity = severity, Message = message, Suggestions = suggestions, CausedBy = cause.Kind, CausedByParameter = cause.Parameter };
    }
}

/// <summary>Orders findings for reading: each root cause first, followed by the findings it explains.</summary>
public static class FindingOrder
{
    /// <summary>
    /// Root findings (no <see cref="Finding.CausedBy"/>) most serious first, then by step; each followed by its
    /// consequences (by step). Consequences whose cause is not in the list come last.
    /// </summary>
    public static IReadOnlyList<Finding> ByCause(IEnumerable<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        var all = findings.Select((f, i) => (Finding: f, Index: i)).ToList();
        var roots = all.Where(p => p.Finding.CausedBy is null)
            .OrderByDescending(p => p.Finding.Severity).ThenBy(p => p.Finding.Step).ThenBy(p => p.Index).ToList();
        var ordered = new List<Finding>(all.Count);
        var placed = new HashSet<int>();
        var kindsDone = new HashSet<FindingKind>();
        foreach (var root in roots)
        {
            ordered.Add(root.Finding);
            placed.Add(root.Index);
            // a cause kind may have several findings (one per parameter): its consequences follow the first of them
            if (!kindsDone.Add(root.Finding.Kind)) continue;
            foreach (var c in all.Where(p => p.Finding.CausedBy == root.Finding.Kind).OrderBy(p => p.Finding.Step).ThenBy(p => p.Index))
            {
                ordered.Add(c.Finding);
                placed.Add(c.Index);
            }
        }
        ordered.AddRange(all.Where(p => !placed.Contains(p.Index)).Select(p => p.Finding));
        return ordered;
    }

    /// <summary>
    /// The findings as text, one per line in <see cref="ByCause"/> order; consequences are indented under their
    /// cause ("  ↳ "), so a console summary reads like the HTML report.
    /// </summary>
    public static string Format(IEnumerable<Finding> findings)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var f in ByCause(findings)) sb.Append(f.CausedBy is null ? "" : "  ↳ ").Append(f).Append('\n');
        return sb.ToString();
    }
}
