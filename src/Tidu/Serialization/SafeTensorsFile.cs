namespace Tidu.Serialization;

/// <summary>The contents of a safetensors file: named tensors and the free-form string metadata.</summary>
public sealed class SafeTensorsFile
{
    /// <summary>Wraps already-validated contents.</summary>
    public SafeTensorsFile(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The tensors by name, in the order the header lists them. Each is contiguous with its own storage.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>The <c>__metadata__</c> entries; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor called <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> listing the names present.</summary>
    public Tensor this[string name] => Tensors.TryGetValue(name, out var t)
        ? t
        : throw new KeyNotFoundException($"No tensor named \"{name}\"; the file holds {Tensors.Count}: {string.Join(", ", Tensors.Keys.Take(20).Select(k => $"\"{k}\""))}{(Tensors.Count > 20 ? ", …" : "")}.");
}
