using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Tidu.Optim;

/// <summary>
/// The state of one parameter (PyTorch's <c>optimizer.state[p]</c>). Optimizer state lives as long as the
/// optimizer, so every tensor stored here is taken out of the <see cref="TensorScope"/> it was created in (an
/// algorithm typically creates it lazily inside the first, scoped, training step).
/// </summary>
internal sealed class ParameterState : IDictionary<string, Tensor>
{
    private readonly Dictionary<string, Tensor> items = [];

    public Tensor this[string key]
    {
        get => items[key];
        set => items[key] = Promoted(value);
    }

    public ICollection<string> Keys => items.Keys;

    public ICollection<Tensor> Values => items.Values;

    public int Count => items.Count;

    public bool IsReadOnly => false;

    public void Add(string key, Tensor value) => items.Add(key, Promoted(value));

    public void Add(KeyValuePair<string, Tensor> item) => Add(item.Key, item.Value);

    public void Clear() => items.Clear();

    public bool Contains(KeyValuePair<string, Tensor> item) => ((ICollection<KeyValuePair<string, Tensor>>)items).Contains(item);

    public bool ContainsKey(string key) => items.ContainsKey(key);

    public void CopyTo(KeyValuePair<string, Tensor>[] array, int arrayIndex) => ((ICollection<KeyValuePair<string, Tensor>>)items).CopyTo(array, arrayIndex);

    public bool Remove(string key) => items.Remove(key);

    public bool Remove(KeyValuePair<string, Tensor> item) => ((ICollection<KeyValuePair<string, Tensor>>)items).Remove(item);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out Tensor value) => items.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static Tensor Promoted(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        value.storage.Promote();
        return value;
    }
}
