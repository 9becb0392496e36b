using System.Diagnostics;
using System.Globalization;
using Tidu.NN;
using Tidu.Optim;

namespace Tidu.Diagnostics;

/// <summary>
/// A training doctor: watches a model and its optimizer, diagnoses common training faults (exploding/vanishing
/// gradients, dead ReLUs, saturation, a learning rate too high or too low, a loss that diverges, oscillates or
/// stalls, gradients that were never zeroed, parameters that never learn, tiny BatchNorm batches, unnormalised
/// inputs, runaway weights, an overweight regulariser) and says what to do. With <see cref="DoctorOptions.Repair"/>
/// it also applies the safe fixes (lower the lr, clip gradients, skip a non-finite update and roll back to the last
/// good weights, rescale layers whose initial weights make the activations explode) and records each.
/// </summary>
/// <remarks>
/// <para>The protocol is one call: <see cref="Observe"/> after every <c>loss.Backward()</c>. The doctor hooks
/// the optimizer's step pre/post hooks to see the gradients the update uses and the update itself, and forward
/// hooks on the model for activations, BatchNorm batches and the first layer's input. Gradient accumulation over
/// micro-batches (several backward passes, one <c>Step()</c>, then <c>ZeroGrad()</c>) is understood: call
/// <see cref="Observe"/> after each backward.</para>
/// <code>
/// using var doctor = new Doctor(model, optimizer, new DoctorOptions { Repair = true });
/// doctor.FindingRaised += f => Console.WriteLine(f);
/// for (int step = 0; step &lt; steps; step++)
/// {
///     optimizer.ZeroGrad();
///     var loss = Functional.CrossEntropy(model.Forward(x), y);
///     loss.Backward();
///     doctor.Observe(loss);
///     optimizer.Step();
/// }
/// foreach (var f in doctor.Findings) Console.WriteLine(f);
/// </code>
/// <para>A finding is reported once per kind and parameter and updated afterwards (its step and evidence become
/// the latest ones; its severity only rises).</para>
/// </remarks>
public sealed partial class Doctor : IDisposable
{
    private readonly Module model;
    private readonly Optimizer optimizer;
    private readonly GradientMonitor monitor;
    private readonly List<IDisposable> hooks = [];
    private readonly List<Finding> findings = [];
    private List<Finding>? attributed; // findings with causes attributed, rebuilt after each change
    private readonly Dictionary<(FindingKind, string?), int> index = [];
    private readonly List<double> losses = [];
    private int backwardsSinceStep;
    private double? userRegularization;

    /// <summary>Starts watching <paramref name="model"/> trained by <paramref name="optimizer"/>.</summary>
    public Doctor(Module model, Optimizer optimizer, DoctorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        this.model = model;
        this.optimizer = optimizer;
        Options = options ?? new DoctorOptions();
        // the monitor is driven from the doctor's own step hooks so that checks, repairs and statistics run in a fixed order
        monitor = new GradientMonitor(model, null, new MonitorOptions { SampleEvery = Options.SampleEvery, DenseSteps = Options.DenseSteps, HistoryCapacity = Options.HistoryCapacity });
        InitRules();
        InitRepair();
        hooks.Add(optimizer.RegisterStepPreHook(_ => Timed(BeforeStep)));
        hooks.Add(optimizer.RegisterStepPostHook(_ => Timed(AfterStep)));
    }

    /// <summary>The thresholds and the repair switch.</summary>
    public DoctorOptions Options { get; }

    /// <summary>
    /// Every finding so far, in the order first raised (each kind + parameter once). A finding that is a likely
    /// consequence of another one has <see cref="Finding.CausedBy"/> set (see <see cref="FindingsByCause"/>).
    /// </summary>
    public IReadOnlyList<Finding> Findings => attributed ??= CauseGraph.Attribute(findings);

    /// <summary>The findings ordered for reading: each root cause first, followed by its consequences.</summary>
    public IReadOnlyList<Finding> FindingsByCause => FindingOrder.ByCause(Findings);

    /// <summary>Raised when a new finding (a kind + parameter not seen before) is made.</summary>
    public event Action<Finding>? FindingRaised;

    /// <summary>Losses, gradient/weight/update statistics and activation health recorded so far, for plots and reports.</summary>
    public TrainingHistory History => monitor.History;

    /// <summary>
    /// Time spent in the doctor itself (its hooks, statistics and rules), for judging its overhead against the
    /// training loop's total time; unlike comparing two runs' wall time, it is not disturbed by other load on the machine.
    /// </summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(0, ownTicks + monitor.ElapsedTicks);

    private long ownTicks;

    private void Timed(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        ownTicks += Stopwatch.GetTimestamp() - start;
    }

    /// <summary>The number of completed optimizer steps.</summary>
    public int Step => monitor.Step;

    /// <summary>
    /// Call after every <c>loss.Backward()</c> with the data loss (it must hold one value). Checks the loss for
    /// NaN/infinity and records it; the rest of the diagnosis runs in the optimizer's step hooks.
    /// </summary>
    public void Observe(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        long start = Stopwatch.GetTimestamp();
        try { Check(loss); }
        finally { ownTicks += Stopwatch.GetTimestamp() - start; }
    }

    private void Check(Tensor loss)
    {
        double value = loss.Item();
        backwardsSinceStep++;
        monitor.RecordLoss(value);
        if (!double.IsFinite(value))
        {
            // a non-finite loss is broken training whatever its cause (AUTOTRAINER treats NaN loss as exploding/unstable)
            Raise(FindingKind.NonFiniteValue, Severity.Error, "loss", Ev(("loss", value)),
                $"The loss is {value.ToString(CultureInfo.InvariantCulture)}.",
                [LowerLrText(), "clip the gradient norm at 1.0", "check the inputs and labels for NaN/infinite values", "use a numerically stable loss (CrossEntropy / BinaryCrossEntropyWithLogits on logits)"]);
            // Between samples (SampleEvery > 1) look at this step after all: its gradients, and its input if that is
            // what is corrupt, so that the root is named and, with Repair, the update skipped at the step it happens.
            // At SampleEvery 16 a NaN batch between samples went into the weights and the repaired run ended NaN.
            if (!monitor.IsSampling)
            {
                monitor.SampleCurrentStep();
                if (unsampledInput is { } u) CheckInput(u.Name, u.Module, u.Input);
            }
        }
    }

    /// <summary>
    /// Reports a regularisation loss you add to the data loss yourself (e.g. an explicit L2 or L1 term), for the
    /// RegularizationDominates rule; call it once per step, before <c>Step()</c>. Without it the doctor computes
    /// ½·wd·‖w‖² from the optimizer's weight decay.
    /// </summary>
    public void ReportRegularizationLoss(double value) => userRegularization = value;

    /// <summary>Removes every hook from the model and the optimizer.</summary>
    public void Dispose()
    {
        foreach (var h in hooks) h.Dispose();
        hooks.Clear();
        monitor.Dispose();
    }

    // ---- findings ----------------------------------------------------------------------------------------

    private static Dictionary<string, double> Ev(params (string Name, double Value)[] values)
    {
        var d = new Dictionary<string, double>(values.Length);
        foreach (var (n, v) in values) d[n] = v;
        return d;
    }

    /// <summary>
    /// Adds a finding, or updates the one with the same kind and parameter: its severity only rises, unless
    /// <paramref name="current"/> says the new severity describes the present state (it may then fall, e.g. dead units
    /// reported before the loss showed that the rest of the network learns).
    /// </summary>
    private Finding Raise(FindingKind kind, Severity severity, string? parameter, Dictionary<string, double> evidence, string message, IReadOnlyList<string> suggestions,
        bool current = false)
    {
        var key = (kind, parameter);
        if (index.TryGetValue(key, out int i))
        {
            var old = findings[i];
            evidence["firstStep"] = old.Evidence.TryGetValue("firstStep", out double fs) ? fs : old.Step;
            var updated = new Finding(kind, current ? severity : (Severity)Math.Max((int)severity, (int)old.Severity), monitor.Step, parameter, evidence, message, suggestions);
            findings[i] = updated;
            attributed = null;
            return updated;
        }
        var f = new Finding(kind, severity, monitor.Step, parameter, evidence, message, suggestions);
        index[key] = findings.Count;
        findings.Add(f);
        attributed = null;
        FindingRaised?.Invoke(Findings[^1]);
        return f;
    }

    private bool Has(FindingKind kind, string? parameter = null) => index.ContainsKey((kind, parameter));

    private static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);

    private double Lr => optimizer.ParamGroups[0].HasOption("lr") ? optimizer.ParamGroups[0].Lr : double.NaN;

    private string LowerLrText() => $"lower the learning rate from {F(Lr)} to {F(Lr * 0.1)}";
}
