using System.Collections.ObjectModel;
using System.Globalization;

namespace Tidu.Optim;

/// <summary>
/// The base of every optimizer (PyTorch's <c>torch.optim.Optimizer</c>): parameter groups with their
/// hyper-parameters, per-parameter state, <see cref="Step()"/>, <see cref="ZeroGrad"/>, step hooks and a state dict
/// of plain tensors. A subclass supplies the update rule of one group in <see cref="Update"/>; the base runs it
/// under <see cref="Tensor.NoGrad"/>.
/// </summary>
public abstract class Optimizer
{
    private readonly List<ParamGroup> paramGroups = [];
    private readonly Dictionary<Tensor, ParameterState> state = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor, int> groupOf = new(ReferenceEqualityComparer.Instance);
    private readonly List<Hook> preHooks = [];
    private readonly List<Hook> postHooks = [];

    /// <summary>Sets up the defaults and adds each group (see <see cref="AddParamGroup"/>).</summary>
    /// <param name="name">The algorithm's name, used in messages (e.g. "SGD").</param>
    /// <param name="paramGroups">The groups; options they leave unset come from <paramref name="defaults"/>.</param>
    /// <param name="defaults">A group without parameters that holds every option of the algorithm.</param>
    protected Optimizer(string name, IEnumerable<ParamGroup> paramGroups, ParamGroup defaults)
    {
        ArgumentNullException.ThrowIfNull(paramGroups);
        ArgumentNullException.ThrowIfNull(defaults);
        Name = name;
        Defaults = defaults;
        Validate(defaults);
        defaults.Optimizer = this;
        var groups = paramGroups.ToList();
        if (groups.Count == 0)
            throw new ArgumentException($"{name}: the optimizer got an empty list of parameter groups.", nameof(paramGroups));
        foreach (var group in groups) AddParamGroup(group);
    }

    /// <summary>
    /// One group holding all <paramref name="parameters"/>, for the constructors that take tensors; throws for an
    /// empty list as PyTorch does ("optimizer got an empty parameter list").
    /// </summary>
    protected static ParamGroup[] SingleGroup(string name, IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var group = new ParamGroup(parameters);
        if (group.Parameters.Count == 0)
            throw new ArgumentException($"{name}: the optimizer got an empty parameter list.", nameof(parameters));
        return [group];
    }

    /// <summary>The algorithm's name, e.g. "SGD" or "Adam".</summary>
    public string Name { get; }

    /// <summary>The algorithm's default options (PyTorch's <c>optimizer.defaults</c>); a group without parameters.</summary>
    public ParamGroup Defaults { get; }

    /// <summary>The parameter groups in the order they were added.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => paramGroups;

    /// <summary>
    /// Adds a group; its unset options take <see cref="Defaults"/>. Throws <see cref="ArgumentException"/> when a
    /// parameter is not a leaf or already belongs to this optimizer (in this group or another one), and when an
    /// option is out of range. A parameter that does not require grad (a frozen layer) is accepted, as in
    /// PyTorch: it gets no gradient, so <see cref="Step()"/> leaves it alone until it is unfrozen.
    /// </summary>
    public void AddParamGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Optimizer is not null)
            throw new ArgumentException($"{Name}.AddParamGroup: this ParamGroup already belongs to {(ReferenceEquals(group.Optimizer, this) ? "this optimizer" : "another optimizer")}; create a new ParamGroup.", nameof(group));
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        int g = paramGroups.Count;
        for (int i = 0; i < group.Parameters.Count; i++)
        {
            var p = group.Parameters[i];
            if (!p.IsLeaf)
                throw new ArgumentException($"{Name}: can't optimize a non-leaf tensor (parameter {i} of group {g} was produced by {p.GradFn!.Name}); optimise the leaf it was computed from, or Detach() it and set RequiresGrad.", nameof(group));
            if (!seen.Add(p))
                throw new ArgumentException($"{Name}: parameter {i} of group {g} appears twice in the group; each parameter may be listed once.", nameof(group));
            if (groupOf.TryGetValue(p, out int k))
                throw new ArgumentException($"{Name}: some parameters appear in more than one parameter group (parameter {i} of group {g} is already in group {k}).", nameof(group));
        }
        group.InheritDefaults(Defaults);
        Validate(group);
        group.Optimizer = this;
        paramGroups.Add(group);
        foreach (var p in group.Parameters) groupOf.Add(p, g);
    }

    /// <summary>
    /// Checks a group's options (after defaults are applied) and throws <see cref="ArgumentException"/> naming the
    /// bad one; called for <see cref="Defaults"/>, for each added group and after <see cref="LoadStateDict"/>.
    /// </summary>
    protected virtual void Validate(ParamGroup group) { }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="value"/> ≥ 0 (PyTorch's "Invalid … value").</summary>
    protected void RequireNonNegative(string option, double value)
    {
        if (!(value >= 0))
            throw new ArgumentException($"{Name}: invalid {option} {value.ToString(CultureInfo.InvariantCulture)}; it must be >= 0.", option);
    }

    /// <summary>Updates every parameter that has a gradient (parameters whose <see cref="Tensor.Grad"/> is null are skipped).</summary>
    public void Step()
    {
        for (int i = 0; i < preHooks.Count; i++) preHooks[i].Action(this);
        using (Tensor.NoGrad())
        {
            foreach (var group in paramGroups) Update(group);
        }
        for (int i = 0; i < postHooks.Count; i++) postHooks[i].Action(this);
    }

    /// <summary>
    /// Re-evaluates the model with <paramref name="closure"/> (which clears the gradients, computes the loss and
    /// calls Backward, with gradients enabled), then steps; returns the closure's loss.
    /// </summary>
    public Tensor Step(Func<Tensor> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        Tensor loss;
        using (Tensor.EnableGrad()) loss = closure();
        Step();
        return loss;
    }

    /// <summary>
    /// The update rule for one group, run under <see cref="Tensor.NoGrad"/>: for each parameter with a gradient,
    /// change it in place from its gradient, the group's options and its state (<see cref="State"/>).
    /// </summary>
    protected abstract void Update(ParamGroup group);

    /// <summary>
    /// The gradient an update starts from: ∇f(θ), negated when maximising, plus λθ for an L2 penalty λ ≠ 0
    /// (PyTorch's <c>grad = -grad</c> / <c>grad = grad.add(param, alpha=weight_decay)</c>). The parameter's own
    /// gradient is returned when nothing changes, otherwise a new tensor, so Grad is never modified.
    /// </summary>
    protected static Tensor Gradient(Tensor parameter, bool maximize, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        var grad = parameter.Grad ?? throw new ArgumentException("Gradient: the parameter has no gradient.", nameof(parameter));
        if (!maximize && weightDecay == 0) return grad;
        var g = grad.CopyForUpdate();
        if (maximize) g.ScaleInPlace(-1);
        if (weightDecay != 0) g.AddScaledInPlace(parameter, weightDecay);
        return g;
    }

    /// <summary>
    /// Clears the gradients of every parameter: with <paramref name="setToNone"/> (PyTorch 2's default) Grad
    /// becomes null, which saves memory and makes <see cref="Step()"/> skip parameters that get no new gradient;
    /// otherwise each existing gradient is zeroed in place.
    /// </summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var group in paramGroups)
        {
            foreach (var p in group.Parameters)
            {
                if (setToNone) p.Grad = null;
                else p.ZeroGrad();
            }
        }
    }

    /// <summary>Runs <paramref name="hook"/> at the start of every <see cref="Step()"/>; dispose the result to remove it.</summary>
    public IDisposable RegisterStepPreHook(Action<Optimizer> hook) => Register(preHooks, hook);

    /// <summary>Runs <paramref name="hook"/> at the end of every <see cref="Step()"/>; dispose the result to remove it.</summary>
    public IDisposable RegisterStepPostHook(Action<Optimizer> hook) => Register(postHooks, hook);

    private static Hook Register(List<Hook> hooks, Action<Optimizer> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var hook = new Hook(hooks, action);
        hooks.Add(hook);
        return hook;
    }

    private sealed class Hook(List<Hook> list, Action<Optimizer> action) : IDisposable
    {
        public Action<Optimizer> Action => action;

        public void Dispose() => list.Remove(this);
    }

    /// <summary>
    /// The state of one parameter (PyTorch's <c>optimizer.state[p]</c>), created empty on first use; an algorithm
    /// fills it on the parameter's first step and updates its tensors in place afterwards. A tensor stored here
    /// lives as long as the optimizer, even when it was created inside a <see cref="TensorScope"/>.
    /// </summary>
    protected IDictionary<string, Tensor> State(Tensor parameter)
    {
        if (!state.TryGetValue(parameter, out var s))
        {
            s = new ParameterState();
            state.Add(parameter, s);
        }
        return s;
    }

    /// <summary>The state of one parameter by name (e.g. "step", "exp_avg"); empty before its first step.</summary>
    public IReadOnlyDictionary<string, Tensor> GetState(Tensor parameter) =>
        state.TryGetValue(parameter, out var s) ? s.AsReadOnly() : ReadOnlyDictionary<string, Tensor>.Empty;

    /// <summary>
    /// A snapshot of the optimizer as plain tensors, laid out like PyTorch's <c>state_dict()</c> for storing in a
    /// safetensors file: <c>state.{i}.{name}</c> for each parameter's state (<c>i</c> counts parameters over all
    /// groups in order; steps are 0-d Float64), <c>param_groups.{g}.params</c> (the Int64 indices of the group's
    /// parameters) and <c>param_groups.{g}.{option}</c> as 0-d Float64 tensors (bools 0/1). The tensors are copies.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var dict = new Dictionary<string, Tensor>();
        var groupEntries = new List<KeyValuePair<string, Tensor>>();
        int index = 0;
        using (Tensor.NoGrad())
        {
            for (int g = 0; g < paramGroups.Count; g++)
            {
                var group = paramGroups[g];
                var indices = new long[group.Parameters.Count];
                for (int k = 0; k < indices.Length; k++, index++)
                {
                    indices[k] = index;
                    if (state.TryGetValue(group.Parameters[k], out var s))
                    {
                        foreach (var (name, value) in s) dict[$"state.{index}.{name}"] = value.CopyForUpdate();
                    }
                }
                groupEntries.Add(new($"param_groups.{g}.params", Tensor.From(indices)));
                foreach (var (option, value) in group.Options())
                    groupEntries.Add(new($"param_groups.{g}.{GroupOptions.Name(option)}", Tensor.Scalar(value)));
            }
        }
        foreach (var (key, value) in groupEntries) dict[key] = value;
        return dict.AsReadOnly();
    }

    /// <summary>
    /// Restores a <see cref="StateDict"/>: group options and per-parameter state (copied, state converted to the
    /// parameter's dtype). The dict must come from an optimizer with the same groups: the number of groups,
    /// the number of parameters in each and the shape of every state tensor are checked first, and nothing is
    /// changed when a check fails (<see cref="ArgumentException"/> says which).
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        string op = $"{Name}.LoadStateDict";
        var flat = new List<(Tensor Param, int Group)>();
        for (int g = 0; g < paramGroups.Count; g++)
            foreach (var p in paramGroups[g].Parameters) flat.Add((p, g));

        var newState = new Dictionary<Tensor, Dictionary<string, Tensor>>(ReferenceEqualityComparer.Instance);
        var newOptions = new List<(int Group, GroupOption Option, double Value)>();
        var groupSizes = new Dictionary<int, int>();
        int maxGroup = -1;
        foreach (var (key, value) in stateDict)
        {
            if (value is null) throw new ArgumentException($"{op}: '{key}' is null.", nameof(stateDict));
            var parts = key.Split('.', 3);
            if (parts.Length == 3 && parts[0] == "state" && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int i))
            {
                if (i >= flat.Count)
                    throw new ArgumentException($"{op}: '{key}' is the state of parameter {i}, but this optimizer has {flat.Count} parameters.", nameof(stateDict));
                var (p, g) = flat[i];
                bool scalar = parts[2] == "step";
                if (scalar ? value.NumberOfElements != 1 : !value.Shape.AsSpan().SequenceEqual(p.Shape))
                    throw new ArgumentException($"{op}: '{key}' has shape {ShapeUtil.Format(value.Shape)}, but parameter {i} (in group {g}) has shape {ShapeUtil.Format(p.Shape)}{(scalar ? "; a step count has one element" : "")}.", nameof(stateDict));
                if (!value.DType.IsFloatingPoint())
                    throw new ArgumentException($"{op}: '{key}' is {value.DType}; optimizer state is floating point.", nameof(stateDict));
                if (!newState.TryGetValue(p, out var s)) newState.Add(p, s = []);
                s[parts[2]] = value;
            }
            else if (parts.Length == 3 && parts[0] == "param_groups" && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int g))
            {
                maxGroup = Math.Max(maxGroup, g);
                if (parts[2] == "params")
                {
                    if (value.Rank != 1)
                        throw new ArgumentException($"{op}: '{key}' must be a 1-D list of parameter indices; it has shape {ShapeUtil.Format(value.Shape)}.", nameof(stateDict));
                    groupSizes[g] = value.NumberOfElements;
                }
                else if (GroupOptions.TryParse(parts[2], out var option))
                {
                    // an option this algorithm does not use means the state came from a different optimizer
                    if (g < paramGroups.Count && parts[2] != "initial_lr" && !paramGroups[g].HasOption(parts[2]))
                        throw new ArgumentException($"{op}: '{key}' is not an option of {Name}; the state dict was saved from a different optimizer.", nameof(stateDict));
                    if (value.NumberOfElements != 1)
                        throw new ArgumentException($"{op}: option '{key}' must hold one value; it has shape {ShapeUtil.Format(value.Shape)}.", nameof(stateDict));
                    newOptions.Add((g, option, value.Item()));
                }
                else
                {
                    throw new ArgumentException($"{op}: '{key}' names an unknown option '{parts[2]}'; options are {GroupOptions.AllNames}.", nameof(stateDict));
                }
            }
            else
            {
                throw new ArgumentException($"{op}: unexpected key '{key}'; keys are 'state.{{index}}.{{name}}' and 'param_groups.{{group}}.{{option}}'.", nameof(stateDict));
            }
        }
        if (maxGroup + 1 != paramGroups.Count)
            throw new ArgumentException($"{op}: the state dict has {maxGroup + 1} parameter groups, but this optimizer has {paramGroups.Count}.", nameof(stateDict));
        for (int g = 0; g < paramGroups.Count; g++)
        {
            if (!groupSizes.TryGetValue(g, out int n))
                throw new ArgumentException($"{op}: 'param_groups.{g}.params' is missing, so the size of group {g} cannot be checked.", nameof(stateDict));
            if (n != paramGroups[g].Parameters.Count)
                throw new ArgumentException($"{op}: parameter group {g} has {n} parameters in the state dict, but {paramGroups[g].Parameters.Count} in this optimizer.", nameof(stateDict));
        }

        // everything checked: apply, copying so the optimizer never shares storage with the dict
        var saved = paramGroups.Select(group => group.SaveOptions()).ToArray();
        try
        {
            foreach (var (g, option, value) in newOptions) paramGroups[g].Set(option, value);
            foreach (var group in paramGroups) Validate(group);
        }
        catch (ArgumentException)
        {
            for (int g = 0; g < paramGroups.Count; g++) paramGroups[g].RestoreOptions(saved[g]);
            throw;
        }
        state.Clear();
        using (Tensor.NoGrad())
        {
            foreach (var (p, s) in newState)
            {
                var copy = new ParameterState();
                foreach (var (name, value) in s)
                    copy[name] = (name == "step" ? value.To(DType.Float64).Reshape() : value.To(p.DType)).CopyForUpdate();
                state.Add(p, copy);
            }
        }
    }
}
