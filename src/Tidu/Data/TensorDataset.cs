namespace Tidu.Data;

/// <summary>
/// A dataset over two tensors whose first dimension indexes the samples (torch.utils.data.TensorDataset):
/// sample i is <c>(inputs[i], targets[i])</c>. Batches are gathered with one <see cref="Tensor.IndexSelect"/>
/// per tensor instead of stacking single samples.
/// </summary>
public sealed class TensorDataset : Dataset
{
    /// <summary>Pairs <paramref name="inputs"/> and <paramref name="targets"/>; both need the same first dimension.</summary>
    /// <exception cref="ArgumentException">A 0-dimensional tensor, or first dimensions that differ.</exception>
    public TensorDataset(Tensor inputs, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (inputs.Rank == 0 || targets.Rank == 0)
            throw new ArgumentException(
                $"TensorDataset: inputs and targets need a first (sample) dimension, got inputs {ShapeUtil.Format(inputs.shape)} and targets {ShapeUtil.Format(targets.shape)}.");
        if (inputs.shape[0] != targets.shape[0])
            throw new ArgumentException(
                $"TensorDataset: size mismatch between tensors: inputs {ShapeUtil.Format(inputs.shape)} has {inputs.shape[0]} samples but targets {ShapeUtil.Format(targets.shape)} has {targets.shape[0]}.");
        Inputs = inputs;
        Targets = targets;
    }

    /// <summary>All inputs, samples along the first dimension.</summary>
    public Tensor Inputs { get; }

    /// <summary>All targets, samples along the first dimension.</summary>
    public Tensor Targets { get; }

    /// <inheritdoc/>
    public override int Count => Inputs.shape[0];

    /// <summary>Sample <paramref name="index"/>: views of row <paramref name="index"/> of the inputs and targets.</summary>
    public override Sample this[int index]
    {
        get
        {
            CheckIndex(index);
            return new Sample(Inputs.Select(0, index), Targets.Select(0, index));
        }
    }

    /// <summary>The rows at <paramref name="indices"/> of both tensors, copied with one IndexSelect each.</summary>
    public override Batch GetBatch(ReadOnlySpan<int> indices)
    {
        if (indices.IsEmpty) throw new ArgumentException($"GetBatch: expected at least one index (TensorDataset of {Count} samples).", nameof(indices));
        var rows = new long[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            CheckIndex(indices[i]);
            rows[i] = indices[i];
        }
        var index = Tensor.From(rows);
        return new Batch(Inputs.IndexSelect(0, index), Targets.IndexSelect(0, index));
    }
}
