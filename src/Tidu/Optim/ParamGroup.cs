namespace Tidu.Optim;

/// <summary>
/// A list of parameters optimised with the same hyper-parameters (an entry of PyTorch's
/// <c>optimizer.param_groups</c>). Options left unset here take the optimizer's defaults when the group is added
/// to it, as PyTorch's <c>setdefault</c> does; options given here are kept. Each algorithm reads only its own
/// options; reading one that the group does not have throws.
/// </summary>
/// <example>
/// <code>
/// var optimizer = new SGD(new[]
/// {
///     new ParamGroup(backbone.Parameters()),           // lr 0.01 from the optimizer
///     new ParamGroup(head.Parameters(), lr: 0.1),      // its own lr
/// }, lr: 0.01, momentum: 0.9);
/// </code>
/// </example>
public sealed class ParamGroup
{
    private readonly Tensor[] parameters;
    private readonly double?[] options = new double?[GroupOptions.Count];

    /// <summary>A group of parameters with the options that differ from the optimizer's defaults.</summary>
    /// <param name="parameters">The tensors to optimise: leaves that require grad.</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="weightDecay">L2 penalty (decoupled in AdamW).</param>
    /// <param name="momentum">Momentum factor (SGD, RMSprop).</param>
    /// <param name="dampening">Dampening for momentum (SGD).</param>
    /// <param name="nesterov">Nesterov momentum (SGD).</param>
    /// <param name="beta1">Decay rate of the first moment (Adam, AdamW).</param>
    /// <param name="beta2">Decay rate of the second moment (Adam, AdamW).</param>
    /// <param name="eps">Term added to the denominator for numerical stability.</param>
    /// <param name="amsgrad">Use the AMSGrad variant (Adam, AdamW).</param>
    /// <param name="alpha">Smoothing constant (RMSprop).</param>
    /// <param name="centered">Normalise by the estimated variance of the gradient (RMSprop).</param>
    /// <param name="lrDecay">Learning-rate decay (Adagrad).</param>
    /// <param name="initialAccumulatorValue">Starting value of the sum of squares (Adagrad).</param>
    /// <param name="maximize">Maximise the objective instead of minimising it.</param>
    public ParamGroup(IEnumerable<Tensor> parameters, double? lr = null, double? weightDecay = null,
        double? momentum = null, double? dampening = null, bool? nesterov = null,
        double? beta1 = null, double? beta2 = null, double? eps = null, bool? amsgrad = null,
        double? alpha = null, bool? centered = null, double? lrDecay = null, double? initialAccumulatorValue = null,
        bool? maximize = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        this.parameters = parameters.ToArray();
        for (int i = 0; i < this.parameters.Length; i++)
        {
            if (this.parameters[i] is null)
                throw new ArgumentException($"ParamGroup: parameter {i} is null.", nameof(parameters));
        }
        options[(int)GroupOption.Lr] = lr;
        options[(int)GroupOption.WeightDecay] = weightDecay;
        options[(int)GroupOption.Momentum] = momentum;
        options[(int)GroupOption.Dampening] = dampening;
        options[(int)GroupOption.Nesterov] = FromBool(nesterov);
        options[(int)GroupOption.Beta1] = beta1;
        options[(int)GroupOption.Beta2] = beta2;
        options[(int)GroupOption.Eps] = eps;
        options[(int)GroupOption.Amsgrad] = FromBool(amsgrad);
        options[(int)GroupOption.Alpha] = alpha;
        options[(int)GroupOption.Centered] = FromBool(centered);
        options[(int)GroupOption.LrDecay] = lrDecay;
        options[(int)GroupOption.InitialAccumulatorValue] = initialAccumulatorValue;
        options[(int)GroupOption.Maximize] = FromBool(maximize);
    }

    /// <summary>The parameters of this group, in the order given.</summary>
    public IReadOnlyList<Tensor> Parameters => parameters;

    /// <summary>The optimizer this group belongs to, once added.</summary>
    public Optimizer? Optimizer { get; internal set; }

    /// <summary>Learning rate; schedulers write it between steps.</summary>
    public double Lr { get => Get(GroupOption.Lr); set => Set(GroupOption.Lr, value); }

    /// <summary>The learning rate a scheduler started from (PyTorch's <c>initial_lr</c>); null until a scheduler records it.</summary>
    public double? InitialLr { get => options[(int)GroupOption.InitialLr]; set => options[(int)GroupOption.InitialLr] = value; }

    /// <summary>Weight decay (L2 penalty; decoupled in AdamW).</summary>
    public double WeightDecay { get => Get(GroupOption.WeightDecay); set => Set(GroupOption.WeightDecay, value); }

    /// <summary>Momentum factor (SGD, RMSprop); OneCycleLR cycles it.</summary>
    public double Momentum { get => Get(GroupOption.Momentum); set => Set(GroupOption.Momentum, value); }

    /// <summary>Dampening for momentum (SGD).</summary>
    public double Dampening { get => Get(GroupOption.Dampening); set => Set(GroupOption.Dampening, value); }

    /// <summary>Whether SGD uses Nesterov momentum.</summary>
    public bool Nesterov { get => Get(GroupOption.Nesterov) != 0; set => Set(GroupOption.Nesterov, value ? 1 : 0); }

    /// <summary>Decay rate of the first-moment estimate (Adam's <c>betas[0]</c>); OneCycleLR cycles it.</summary>
    public double Beta1 { get => Get(GroupOption.Beta1); set => Set(GroupOption.Beta1, value); }

    /// <summary>Decay rate of the second-moment estimate (Adam's <c>betas[1]</c>).</summary>
    public double Beta2 { get => Get(GroupOption.Beta2); set => Set(GroupOption.Beta2, value); }

    /// <summary>Term added to the denominator for numerical stability.</summary>
    public double Eps { get => Get(GroupOption.Eps); set => Set(GroupOption.Eps, value); }

    /// <summary>Whether Adam uses the AMSGrad variant.</summary>
    public bool Amsgrad { get => Get(GroupOption.Amsgrad) != 0; set => Set(GroupOption.Amsgrad, value ? 1 : 0); }

    /// <summary>Smoothing constant of RMSprop.</summary>
    public double Alpha { get => Get(GroupOption.Alpha); set => Set(GroupOption.Alpha, value); }

    /// <summary>Whether RMSprop normalises by the estimated variance of the gradient.</summary>
    public bool Centered { get => Get(GroupOption.Centered) != 0; set => Set(GroupOption.Centered, value ? 1 : 0); }

    /// <summary>Learning-rate decay of Adagrad.</summary>
    public double LrDecay { get => Get(GroupOption.LrDecay); set => Set(GroupOption.LrDecay, value); }

    /// <summary>Starting value of Adagrad's sum of squared gradients.</summary>
    public double InitialAccumulatorValue { get => Get(GroupOption.InitialAccumulatorValue); set => Set(GroupOption.InitialAccumulatorValue, value); }

    /// <summary>Whether the optimizer maximises the objective instead of minimising it.</summary>
    public bool Maximize { get => Get(GroupOption.Maximize) != 0; set => Set(GroupOption.Maximize, value ? 1 : 0); }

    /// <summary>
    /// True when the group has the option, by its state-dict name (<c>"lr"</c>, <c>"momentum"</c>, <c>"beta1"</c>,
    /// <c>"weight_decay"</c>, <c>"initial_lr"</c>…).
    /// </summary>
    public bool HasOption(string name) => GroupOptions.TryParse(name, out var option) && options[(int)option] is not null;

    /// <summary>The options this group has, by state-dict name, with bools as 0/1.</summary>
    internal IEnumerable<(GroupOption Option, double Value)> Options()
    {
        for (int i = 0; i < options.Length; i++)
        {
            if (options[i] is { } v) yield return ((GroupOption)i, v);
        }
    }

    internal bool Has(GroupOption option) => options[(int)option] is not null;

    internal void Set(GroupOption option, double value) => options[(int)option] = value;

    internal double?[] SaveOptions() => (double?[])options.Clone();

    internal void RestoreOptions(double?[] saved) => saved.CopyTo(options, 0);

    /// <summary>PyTorch's <c>setdefault</c>: every option of <paramref name="defaults"/> this group does not set.</summary>
    internal void InheritDefaults(ParamGroup defaults)
    {
        for (int i = 0; i < options.Length; i++) options[i] ??= defaults.options[i];
    }

    private double Get(GroupOption option) => options[(int)option] ?? throw new InvalidOperationException(
        Optimizer is null
            ? $"ParamGroup: '{GroupOptions.Name(option)}' is not set; a group takes the optimizer's defaults when it is added to an optimizer."
            : $"ParamGroup: this group of {Optimizer.Name} has no '{GroupOptions.Name(option)}' option; it is an option of other algorithms.");

    private static double? FromBool(bool? value) => value is null ? null : value.Value ? 1 : 0;
}
