namespace Tidu.Data;

/// <summary>
/// The samples of another dataset at given positions (torch.utils.data.Subset): sample i is
/// <c>dataset[indices[i]]</c>. Batches go through the underlying dataset's <see cref="Dataset.GetBatch"/>, so
/// a subset of a <see cref="TensorDataset"/> keeps its fast path.
/// </summary>
public sealed class Subset : Dataset
{
    private readonly int[] positions;

    /// <summary>A view of <paramref name="dataset"/> at <paramref name="indices"/> (copied; repeats allowed).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index outside the dataset.</exception>
    public Subset(Dataset dataset, int[] indices)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(indices);
        for (int i = 0; i < indices.Length; i++)
            if ((uint)indices[i] >= (uint)dataset.Count)
                throw new ArgumentOutOfRangeException(nameof(indices),
                    $"Subset: index {indices[i]} (at position {i}) is out of range for a dataset of {dataset.Count} samples.");
        Dataset = dataset;
        positions = (int[])indices.Clone();
    }

    /// <summary>The underlying dataset.</summary>
    public Dataset Dataset { get; }

    /// <summary>The positions in the underlying dataset, in subset order (a copy).</summary>
    public int[] Indices => (int[])positions.Clone();

    /// <inheritdoc/>
    public override int Count => positions.Length;

    /// <inheritdoc/>
    public override Sample this[int index]
    {
        get
        {
            CheckIndex(index);
            return Dataset[positions[index]];
        }
    }

    /// <inheritdoc/>
    public override Batch GetBatch(ReadOnlySpan<int> indices)
    {
        var mapped = new int[indices.Length];
        for (int i = 0; i < mapped.Length; i++)
        {
            CheckIndex(indices[i]);
            mapped[i] = positions[indices[i]];
        }
        return Dataset.GetBatch(mapped);
    }
}
