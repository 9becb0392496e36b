namespace Tidu.NN;

/// <summary>What <see cref="Module.LoadStateDict"/> could not match when not strict.</summary>
/// <param name="MissingKeys">Names the module has but the state dict lacks.</param>
/// <param name="UnexpectedKeys">Names in the state dict the module does not have.</param>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);

public abstract partial class Module
{
    /// <summary>
    /// Parameters and buffers by dotted name in PyTorch's state_dict order: module by module, each module's
    /// parameters then its buffers. The tensors are detached and share storage with the module.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var state = new OrderedDictionary<string, Tensor>();
        foreach (var (prefix, m) in NamedModules())
        {
            foreach (var p in m.parameters) state.TryAdd(Join(prefix, p.Key), p.Value.Detach());
            foreach (var b in m.buffers) state.TryAdd(Join(prefix, b.Key), b.Value.Detach());
        }
        return state;
    }

    /// <summary>
    /// Copies values into this module's parameters and buffers by name. Shapes must match exactly; values are
    /// converted to each tensor's dtype. With <paramref name="strict"/> every name must match both ways.
    /// </summary>
    public LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        var own = new Dictionary<string, Tensor>();
        foreach (var (name, p) in NamedParameters()) own[name] = p;
        foreach (var (name, b) in NamedBuffers()) own[name] = b;
        var missing = own.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !own.ContainsKey(k)).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
            throw new ArgumentException(
                $"LoadStateDict ({GetType().Name}): missing keys [{string.Join(", ", missing)}], unexpected keys [{string.Join(", ", unexpected)}].");
        foreach (var (name, target) in own)
        {
            if (!state.TryGetValue(name, out var value)) continue;
            if (!value.Shape.AsSpan().SequenceEqual(target.Shape))
                throw new ArgumentException(
                    $"LoadStateDict ({GetType().Name}): '{name}' has shape {ShapeUtil.Format(value.Shape)} in the state dict but {ShapeUtil.Format(target.Shape)} in the module.");
        }
        using (Tensor.NoGrad())
        {
            foreach (var (name, target) in own)
                if (state.TryGetValue(name, out var value)) target.CopyInPlace(value);
        }
        return new LoadStateDictResult(missing, unexpected);
    }
}
