using System.Text.RegularExpressions;

namespace Tidu.NN;

/// <summary>
/// Base class of every layer and model (PyTorch's <c>nn.Module</c>). A module registers its parameters,
/// buffers and submodules explicitly — no reflection — so parameter discovery keeps working under trimming and
/// NativeAOT. Subclasses implement <see cref="ForwardCore"/>; callers call <see cref="Forward"/>, which also runs
/// the registered forward hooks.
/// </summary>
public abstract partial class Module
{
    private readonly List<KeyValuePair<string, Tensor>> parameters = [];
    private readonly List<KeyValuePair<string, Tensor>> buffers = [];
    private readonly List<KeyValuePair<string, Module>> children = [];
    private List<Action<Module, Tensor>>? preHooks;
    private List<Action<Module, Tensor, Tensor>>? hooks;

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>; Dropout and BatchNorm read it.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Runs the module on an input: forward pre-hooks, <see cref="ForwardCore"/>, then forward hooks.</summary>
    public Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (preHooks is not null) foreach (var hook in preHooks.ToArray()) hook(this, input);
        var output = ForwardCore(input);
        if (hooks is not null) foreach (var hook in hooks.ToArray()) hook(this, input, output);
        return output;
    }

    /// <summary>The computation of the module; called by <see cref="Forward"/>.</summary>
    protected abstract Tensor ForwardCore(Tensor input);

    /// <summary>
    /// Calls <paramref name="hook"/> with (module, input, output) after every <see cref="Forward"/> of this module
    /// (PyTorch's register_forward_hook). Dispose the returned handle to remove it.
    /// </summary>
    public IDisposable RegisterForwardHook(Action<Module, Tensor, Tensor> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        (hooks ??= []).Add(hook);
        return new HookHandle(() => hooks.Remove(hook));
    }

    /// <summary>Calls <paramref name="hook"/> with (module, input) before every <see cref="Forward"/>.</summary>
    public IDisposable RegisterForwardPreHook(Action<Module, Tensor> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        (preHooks ??= []).Add(hook);
        return new HookHandle(() => preHooks.Remove(hook));
    }

    private sealed class HookHandle(Action remove) : IDisposable
    {
        private Action? remove = remove;

        public void Dispose()
        {
            remove?.Invoke();
            remove = null;
        }
    }

    // ---- registration ------------------------------------------------------------------------------------

    [GeneratedRegex("^[^.]+$")]
    private static partial Regex ValidName();

    private void CheckName(string name, string kind)
    {
        if (string.IsNullOrEmpty(name) || !ValidName().IsMatch(name))
            throw new ArgumentException($"{GetType().Name}: {kind} name '{name}' must be non-empty and contain no '.'.");
        if (parameters.Exists(p => p.Key == name) || buffers.Exists(b => b.Key == name) || children.Exists(c => c.Key == name))
            throw new ArgumentException($"{GetType().Name}: the name '{name}' is already registered.");
    }

    /// <summary>Registers a learnable parameter (sets RequiresGrad) and returns it.</summary>
    protected Tensor RegisterParameter(string name, Tensor parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        CheckName(name, "parameter");
        if (!parameter.IsLeaf)
            throw new ArgumentException($"{GetType().Name}: parameter '{name}' must be a leaf tensor (the result of an op is not); use Detach().");
        parameter.RequiresGrad = true;
        parameter.storage.Promote(); // a module's state outlives any TensorScope it was created in
        parameters.Add(new(name, parameter));
        return parameter;
    }

    /// <summary>Registers a buffer: state saved in the state dict but not learned (e.g. BatchNorm's running mean).</summary>
    protected Tensor RegisterBuffer(string name, Tensor buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        CheckName(name, "buffer");
        buffer.storage.Promote();
        buffers.Add(new(name, buffer));
        return buffer;
    }

    /// <summary>Replaces the tensor of a registered buffer (modules whose buffer changes shape or identity).</summary>
    protected void SetBuffer(string name, Tensor buffer)
    {
        int i = buffers.FindIndex(b => b.Key == name);
        if (i < 0) throw new ArgumentException($"{GetType().Name}: no buffer named '{name}'.");
        ArgumentNullException.ThrowIfNull(buffer);
        buffer.storage.Promote();
        buffers[i] = new(name, buffer);
    }

    /// <summary>Registers a submodule and returns it.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckName(name, "module");
        children.Add(new(name, module));
        return module;
    }

    // ---- traversal ---------------------------------------------------------------------------------------

    /// <summary>Direct submodules with their names.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren()
    {
        foreach (var c in children) yield return (c.Key, c.Value);
    }

    /// <summary>This module and all submodules, depth first, with dotted names ("" for this one).</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        return Walk(this, "", seen);

        static IEnumerable<(string, Module)> Walk(Module m, string prefix, HashSet<Module> seen)
        {
            if (!seen.Add(m)) yield break;
            yield return (prefix, m);
            foreach (var c in m.children)
                foreach (var item in Walk(c.Value, prefix.Length == 0 ? c.Key : prefix + "." + c.Key, seen))
                    yield return item;
        }
    }

    /// <summary>This module and all submodules.</summary>
    public IEnumerable<Module> Modules() => NamedModules().Select(m => m.Module);

    /// <summary>
    /// Every parameter with its dotted name (PyTorch style: <c>0.weight</c>, <c>encoder.1.bias</c>); a parameter
    /// shared by two modules is listed once.
    /// </summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, m) in NamedModules())
            foreach (var p in m.parameters)
                if (seen.Add(p.Value)) yield return (Join(prefix, p.Key), p.Value);
    }

    /// <summary>Every parameter (for an optimizer).</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>Every buffer with its dotted name.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers()
    {
        foreach (var (prefix, m) in NamedModules())
            foreach (var b in m.buffers) yield return (Join(prefix, b.Key), b.Value);
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    // ---- modes -------------------------------------------------------------------------------------------

    /// <summary>Sets training mode on this module and every submodule; returns this module.</summary>
    public Module Train(bool mode = true)
    {
        foreach (var m in Modules()) m.Training = mode;
        return this;
    }

    /// <summary>Evaluation mode (Dropout off, BatchNorm uses running statistics); returns this module.</summary>
    public Module Eval() => Train(false);

    /// <summary>Stops gradients for every parameter (RequiresGrad = false), e.g. to train only other layers.</summary>
    public Module Freeze()
    {
        foreach (var p in Parameters()) p.RequiresGrad = false;
        return this;
    }

    /// <summary>Lets every parameter learn again.</summary>
    public Module Unfreeze()
    {
        foreach (var p in Parameters()) p.RequiresGrad = true;
        return this;
    }

    /// <summary>Clears the gradients of every parameter: to null by default (PyTorch 2), or to zeros in place.</summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var p in Parameters())
        {
            if (setToNone) p.Grad = null;
            else p.ZeroGrad();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => GetType().Name;
}
