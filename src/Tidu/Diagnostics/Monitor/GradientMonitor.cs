using Tidu.NN;
using Tidu.Optim;

namespace Tidu.Diagnostics;

/// <summary>Settings of a <see cref="GradientMonitor"/>.</summary>
public sealed record MonitorOptions
{
    /// <summary>Compute statistics every this many optimizer steps (1 = every step).</summary>
    public int SampleEvery { get; init; } = 1;

    /// <summary>Also compute them on each of the first this many steps, whatever <see cref="SampleEvery"/> is.</summary>
    public int DenseSteps { get; init; }

    /// <summary>The largest number of records each history list keeps (a ring buffer: older records are dropped).</summary>
    public int HistoryCapacity { get; init; } = 100_000;

    /// <summary>
    /// |x| beyond which a Sigmoid/Tanh input counts as saturated: σ'(5) ≈ 0.0066 and tanh'(5) ≈ 1.8e-4
    /// (the ±5 bound of DeepDiagnosis, Wardat et al., ICSE 2022).
    /// </summary>
    public double SaturationBound { get; init; } = 5;

    /// <summary>Record activation statistics through forward hooks on ReLU, Sigmoid and Tanh modules.</summary>
    public bool TrackActivations { get; init; } = true;
}

/// <summary>
/// Watches a model's gradients, weights, updates and activations during training and keeps a bounded
/// <see cref="TrainingHistory"/> (the blog's advice: "track each parameter gradient's mean and variance after
/// backward"). Per parameter and per layer: gradient mean, variance, L2 norm, max |g|, fraction of exact zeros;
/// weight norm and distance from initialisation; the update ratio ‖Δw‖/‖w‖. Per ReLU/Sigmoid/Tanh module: the
/// fraction of outputs ≤ 0, the fraction of pre-activations beyond ±<see cref="MonitorOptions.SaturationBound"/>,
/// mean and std of the outputs. Statistics are computed on spans (TensorPrimitives) without temporaries; the only
/// copies are the initial weights and, on sampled steps, the weights before the update.
/// </summary>
/// <example>
/// <code>
/// using var monitor = new GradientMonitor(model, optimizer, new MonitorOptions { SampleEvery = 10 });
/// for (int step = 0; step &lt; 1000; step++)
/// {
///     optimizer.ZeroGrad();
///     var loss = Functional.MseLoss(model.Forward(x), y);
///     loss.Backward();
///     monitor.RecordLoss(loss.Item());
///     optimizer.Step();                 // the monitor's step hooks record gradients and updates
/// }
/// monitor.History.WriteCsv("runs/monitor");
/// </code>
/// Without an optimizer (a hand-written update), call <see cref="CaptureGradients"/> before the update and
/// <see cref="CompleteStep"/> after it.
/// </example>
public sealed class GradientMonitor : IDisposable
{
    private readonly Module model;
    private readonly Optimizer? optimizer;
    private readonly ParamState[] states;
    private readonly string[] layerNames;
    private readonly int[] layerOf;
    private readonly List<IDisposable> hooks = [];
    private readonly Dictionary<Module, ActivationState> activationStates = new(ReferenceEqualityComparer.Instance);
    private double lossSum;
    private int lossCount;
    private bool captured;

    /// <summary>Starts monitoring <paramref name="model"/>; with an <paramref name="optimizer"/>, its step hooks drive the sampling.</summary>
    public GradientMonitor(Module model, Optimizer? optimizer = null, MonitorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        this.optimizer = optimizer;
        Options = options ?? new MonitorOptions();
        if (Options.SampleEvery < 1) throw new ArgumentOutOfRangeException(nameof(options), "GradientMonitor: SampleEvery must be at least 1.");
        History = new TrainingHistory(Options.HistoryCapacity);

        var layers = new List<string>();
        var named = model.NamedParameters().ToArray();
        states = new ParamState[named.Length];
        layerOf = new int[named.Length];
        for (int i = 0; i < named.Length; i++)
        {
            var (name, p) = named[i];
            int dot = name.LastIndexOf('.');
            string layer = dot < 0 ? "(root)" : name[..dot];
            int li = layers.IndexOf(layer);
            if (li < 0) { li = layers.Count; layers.Add(layer); }
            layerOf[i] = li;
            states[i] = new ParamState(name, layer, p, p.DType.IsFloatingPoint() ? TensorStats.Snapshot(p) : p);
        }
        layerNames = [.. layers];

        if (Options.TrackActivations)
        {
            foreach (var (name, m) in model.NamedModules())
            {
                string? kind = m switch { ReLU => "ReLU", Sigmoid => "Sigmoid", Tanh => "Tanh", _ => null };
                if (kind is null) continue;
                var state = new ActivationState(name.Length == 0 ? "(root)" : name, kind);
                activationStates.Add(m, state);
                hooks.Add(m.RegisterForwardHook(OnActivation));
            }
        }
        if (optimizer is not null)
        {
            hooks.Add(optimizer.RegisterStepPreHook(_ => CaptureGradients()));
            hooks.Add(optimizer.RegisterStepPostHook(_ => CompleteStep()));
        }
    }

    /// <summary>The settings.</summary>
    public MonitorOptions Options { get; }

    /// <summary>What has been recorded so far.</summary>
    public TrainingHistory History { get; }

    /// <summary>The number of completed steps (the index of the step in progress).</summary>
    public int Step { get; private set; }

    /// <summary>
    /// Whether statistics are computed for the step in progress: every <see cref="MonitorOptions.SampleEvery"/>-th
    /// step, each of the first <see cref="MonitorOptions.DenseSteps"/>, and a step the doctor asked to see.
    /// </summary>
    public bool IsSampling => Step % Options.SampleEvery == 0 || Step < Options.DenseSteps || Step == extraSample;

    private int extraSample = -1;

    /// <summary>
    /// Samples the step in progress as well, before its forward pass has run (the doctor confirms a suspicion on the
    /// next steps instead of <see cref="MonitorOptions.SampleEvery"/> steps apart).
    /// </summary>
    internal void SampleCurrentStep() => extraSample = Step;

    /// <summary>Records the data loss of a backward pass of the step in progress (the step's loss is the mean of these).</summary>
    public void RecordLoss(double loss)
    {
        lossSum += loss;
        lossCount++;
    }

    /// <summary>
    /// Computes the gradient statistics of the step in progress and snapshots the weights for the update ratio.
    /// Called by the optimizer's step pre-hook; call it yourself before a hand-written update.
    /// </summary>
    public void CaptureGradients()
    {
        captured = true;
        if (!IsSampling) return;
        foreach (var s in states)
        {
            var g = s.Parameter.Grad;
            s.HasGrad = g is not null;
            s.Grad = g is null ? SpanStats.Empty : TensorStats.Of(g);
            if (!s.Parameter.DType.IsFloatingPoint()) continue;
            s.Before ??= s.Parameter.NewZerosForState(); // long-lived: never from a TensorScope
            TensorStats.CopyValues(s.Parameter, s.Before);
        }
    }

    /// <summary>
    /// Ends the step: computes weight norms, distances from initialisation and update ratios, appends the records
    /// and advances <see cref="Step"/>. Called by the optimizer's step post-hook; call it yourself after a
    /// hand-written update.
    /// </summary>
    public void CompleteStep()
    {
        double lr = optimizer is { ParamGroups.Count: > 0 } ? SafeLr(optimizer) : double.NaN;
        History.Add(new LossRecord(Step, lossCount == 0 ? double.NaN : lossSum / lossCount, lr));
        LastLoss = lossCount == 0 ? double.NaN : lossSum / lossCount;
        lossSum = 0;
        lossCount = 0;
        if (IsSampling)
        {
            if (!captured) CaptureGradients();
            var gradSq = new double[layerNames.Length];
            var weightSq = new double[layerNames.Length];
            var updateSq = new double[layerNames.Length];
            for (int i = 0; i < states.Length; i++)
            {
                var s = states[i];
                var p = s.Parameter;
                if (p.DType.IsFloatingPoint())
                {
                    s.WeightNorm = TensorStats.Norm(p);
                    s.DistanceFromInit = SameShape(p, s.Initial) ? TensorStats.Distance(p, s.Initial) : double.NaN;
                    s.UpdateNorm = s.Before is not null && SameShape(p, s.Before) ? TensorStats.Distance(p, s.Before) : double.NaN;
                }
                s.UpdateRatio = s.UpdateNorm / s.WeightNorm;
                int l = layerOf[i];
                gradSq[l] += s.Grad.Norm * s.Grad.Norm;
                weightSq[l] += s.WeightNorm * s.WeightNorm;
                updateSq[l] += s.UpdateNorm * s.UpdateNorm;
                History.Add(new ParameterRecord(Step, s.Name, s.Layer, s.HasGrad, s.Grad.Mean, s.Grad.Variance, s.Grad.Norm,
                    s.Grad.MaxAbs, s.Grad.ZeroFraction, s.WeightNorm, s.DistanceFromInit, s.UpdateRatio));
            }
            for (int l = 0; l < layerNames.Length; l++)
                History.Add(new LayerRecord(Step, layerNames[l], Math.Sqrt(gradSq[l]), Math.Sqrt(weightSq[l]), Math.Sqrt(updateSq[l]) / Math.Sqrt(weightSq[l])));
        }
        captured = false;
        Step++;
    }

    /// <summary>The mean loss of the last completed step (NaN when none was recorded).</summary>
    internal double LastLoss { get; private set; } = double.NaN;

    /// <summary>The live per-parameter state (latest sampled statistics), in <see cref="Module.NamedParameters"/> order.</summary>
    internal IReadOnlyList<ParamState> Parameters => states;

    /// <summary>The live per-activation-module state.</summary>
    internal IEnumerable<ActivationState> ActivationModules => activationStates.Values;

    /// <summary>Stopwatch ticks spent in the activation hooks (the doctor adds them to its own time).</summary>
    internal long ElapsedTicks { get; private set; }

    private void OnActivation(Module m, Tensor input, Tensor output)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        try { RecordActivation(m, input, output); }
        finally { ElapsedTicks += System.Diagnostics.Stopwatch.GetTimestamp() - start; }
    }

    private void RecordActivation(Module m, Tensor input, Tensor output)
    {
        if (!IsSampling || !m.Training || !activationStates.TryGetValue(m, out var a) || a.LastStep == Step) return;
        a.LastStep = Step;
        var (nonPositive, _, mean, std) = TensorStats.Activation(output, Options.SaturationBound);
        double saturated = a.Kind == "ReLU" ? 0 : TensorStats.Activation(input, Options.SaturationBound).Beyond;
        a.NonPositiveFraction = a.Kind == "ReLU" ? nonPositive : 0;
        a.DeadUnitFraction = a.Kind == "ReLU" && nonPositive > 0 ? TensorStats.DeadUnitFraction(output) : 0;
        a.SaturatedFraction = saturated;
        a.Rms = Math.Sqrt(mean * mean + std * std);
        History.Add(new ActivationRecord(Step, a.Name, a.Kind, output.NumberOfElements, a.NonPositiveFraction, saturated, mean, std));
    }

    private static bool SameShape(Tensor a, Tensor b) => a.shape.AsSpan().SequenceEqual(b.shape);

    private static double SafeLr(Optimizer o)
    {
        var g = o.ParamGroups[0];
        return g.HasOption("lr") ? g.Lr : double.NaN;
    }

    /// <summary>Removes the hooks from the model and the optimizer.</summary>
    public void Dispose()
    {
        foreach (var h in hooks) h.Dispose();
        hooks.Clear();
    }

    /// <summary>Mutable per-parameter state, reused every step.</summary>
    internal sealed class ParamState(string name, string layer, Tensor parameter, Tensor initial)
    {
        public string Name { get; } = name;
        public string Layer { get; } = layer;
        public Tensor Parameter { get; } = parameter;
        public Tensor Initial { get; } = initial;
        public Tensor? Before { get; set; }
        public bool HasGrad { get; set; }
        public SpanStats Grad { get; set; } = SpanStats.Empty;
        public double WeightNorm { get; set; } = double.NaN;
        public double DistanceFromInit { get; set; } = double.NaN;
        public double UpdateNorm { get; set; } = double.NaN;
        public double UpdateRatio { get; set; } = double.NaN;
    }

    /// <summary>Mutable per-activation-module state.</summary>
    internal sealed class ActivationState(string name, string kind)
    {
        public string Name { get; } = name;
        public string Kind { get; } = kind;
        public int LastStep { get; set; } = -1;
        public double NonPositiveFraction { get; set; }
        /// <summary>Fraction of units that are ≤ 0 for every sample of the batch (ReLU only).</summary>
        public double DeadUnitFraction { get; set; }
        public double SaturatedFraction { get; set; }
        /// <summary>Root mean square of the outputs, for the growth of the signal across depth.</summary>
        public double Rms { get; set; } = double.NaN;
    }
}
