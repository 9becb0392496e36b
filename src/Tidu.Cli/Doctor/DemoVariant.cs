using Tidu.Diagnostics;
using Tidu.NN;
using Tidu.Optim;

namespace Tidu.Cli.DoctorDemos;

/// <summary>What one variant trains: a model, its optimizer, the data and the loss, plus the repairs applied in the loop.</summary>
/// <param name="Model">The network.</param>
/// <param name="Optimizer">Its optimizer.</param>
/// <param name="X">Inputs.</param>
/// <param name="Y">Targets (class indices for classification, values for regression).</param>
/// <param name="Classification">Cross-entropy on class indices if true, mean squared error if false.</param>
internal sealed record TrainingSetup(Module Model, Optimizer Optimizer, Tensor X, Tensor Y, bool Classification)
{
    /// <summary>Mini-batch size (the whole set if it is smaller).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Clip the total gradient norm to this before each step (Optim.GradientClipping.ClipGradNorm), or not at all.</summary>
    public double? ClipNorm { get; init; }
}

/// <summary>One set-up of a demo: the faulty one or a repair of it.</summary>
/// <param name="Name">Short name, also the report's file name.</param>
/// <param name="Change">What differs from the faulty set-up (for the faulty one: what it is).</param>
/// <param name="Build">Builds the set-up from the seed.</param>
internal sealed record DemoVariant(string Name, string Change, Func<long, TrainingSetup> Build);

/// <summary>A demo: a faulty set-up the doctor should diagnose, beside its repaired versions.</summary>
/// <param name="Name">The command-line name.</param>
/// <param name="Title">One line on what it shows.</param>
/// <param name="Expected">The finding kinds the faulty variant must show (any of them); a repair is judged by their absence.</param>
/// <param name="DefaultSteps">Training steps per variant unless --steps says otherwise.</param>
/// <param name="Variants">The faulty variant first, then the repairs.</param>
internal sealed record Demo(string Name, string Title, FindingKind[] Expected, int DefaultSteps, IReadOnlyList<DemoVariant> Variants)
{
    /// <summary>The parameter the expected finding should name, where one is right (e.g. the first layer's weight).</summary>
    public string? ExpectedParameter { get; init; }
}

/// <summary>What a variant's run produced.</summary>
/// <param name="Variant">The variant.</param>
/// <param name="Steps">Steps trained (fewer than asked when the loss became non-finite).</param>
/// <param name="FinalLoss">The last loss.</param>
/// <param name="GradientRatio">‖g_first‖/‖g_last‖ of the first and last weight matrices at the first step (NaN for a one-layer model).</param>
/// <param name="MaxGradientNorm">The largest total gradient norm seen (before clipping).</param>
/// <param name="Findings">The doctor's findings, root causes first.</param>
/// <param name="ReportPath">Where the HTML report was written.</param>
internal sealed record VariantResult(DemoVariant Variant, int Steps, double FinalLoss, double GradientRatio, double MaxGradientNorm,
    IReadOnlyList<Finding> Findings, string ReportPath);
