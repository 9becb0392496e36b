using Tidu.NN;
using Tidu.Optim;

namespace Tidu.Serialization;

/// <summary>
/// A model's state dict and, optionally, its optimizer's state in one safetensors file: the model's tensors
/// under "model.", the optimizer's under "optimizer.", and a format marker in the metadata. Written atomically
/// (a failed save leaves the previous file intact); a file that does not fit the model is refused before
/// anything is changed.
/// </summary>
public static class Checkpoint
{
    /// <summary>Metadata key naming the format; its value is <see cref="FormatName"/>.</summary>
    public const string FormatKey = "format";

    /// <summary>The value of <see cref="FormatKey"/> in a Tidu checkpoint.</summary>
    public const string FormatName = "tidu-checkpoint-1";

    private const string ModelPrefix = "model.";
    private const string OptimizerPrefix = "optimizer.";

    /// <summary>Saves the model (and optimizer) state; extra string metadata (epoch, notes…) is stored alongside.</summary>
    public static void Save(string path, Module model, Optimizer? optimizer = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, t) in model.StateDict()) tensors[ModelPrefix + name] = t;
        if (optimizer is not null)
            foreach (var (name, t) in optimizer.StateDict()) tensors[OptimizerPrefix + name] = t;
        var meta = new Dictionary<string, string>();
        if (metadata is not null) foreach (var (k, v) in metadata) meta[k] = v;
        meta[FormatKey] = FormatName;
        SafeTensors.Save(path, tensors, meta);
    }

    /// <summary>
    /// Loads a checkpoint into the model (and optimizer) and returns its metadata. Names, shapes and dtypes must
    /// match the model exactly; otherwise an <see cref="InvalidDataException"/> names the file and the first
    /// mismatch, and neither the model nor the optimizer is changed.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Load(string path, Module model, Optimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var file = SafeTensors.Load(path);
        if (!file.Metadata.TryGetValue(FormatKey, out var format) || format != FormatName)
            throw new InvalidDataException($"Checkpoint '{path}' is a safetensors file but not a Tidu checkpoint (metadata '{FormatKey}' is '{format ?? "missing"}', expected '{FormatName}'). Use SafeTensors.Load for plain weight files.");

        var modelState = new Dictionary<string, Tensor>();
        var optimizerState = new Dictionary<string, Tensor>();
        foreach (var (name, t) in file.Tensors)
        {
            if (name.StartsWith(ModelPrefix, StringComparison.Ordinal)) modelState[name[ModelPrefix.Length..]] = t;
            else if (name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)) optimizerState[name[OptimizerPrefix.Length..]] = t;
            else throw new InvalidDataException($"Checkpoint '{path}': tensor '{name}' belongs to neither the model nor the optimizer.");
        }
        foreach (var (name, own) in model.StateDict())
        {
            if (modelState.TryGetValue(name, out var stored) && stored.DType != own.DType)
                throw new InvalidDataException($"Checkpoint '{path}': '{name}' is {stored.DType} in the file but {own.DType} in the model.");
        }
        if (optimizer is not null && optimizerState.Count == 0)
            throw new InvalidDataException($"Checkpoint '{path}' holds no optimizer state; load it without an optimizer or save one with it.");

        try
        {
            // the model is validated and loaded first; if the optimizer state then does not fit, the model gets its
            // previous values back, so a bad file changes nothing
            var backup = optimizer is null ? null : model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
            model.LoadStateDict(modelState);
            if (optimizer is not null)
            {
                try { optimizer.LoadStateDict(optimizerState); }
                catch (ArgumentException)
                {
                    model.LoadStateDict(backup!);
                    throw;
                }
            }
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Checkpoint '{path}' does not fit: {e.Message}", e);
        }
        return file.Metadata;
    }
}
