namespace Tidu.Data;

/// <summary>One example of a dataset: an input and its target (a class index, a value, a mask…).</summary>
/// <param name="Input">The input, without the batch dimension (e.g. an image [C, H, W]).</param>
/// <param name="Target">The target, without the batch dimension (e.g. a 0-dimensional Int64 class index).</param>
public readonly record struct Sample(Tensor Input, Tensor Target);

/// <summary>A mini-batch: inputs and targets whose first dimension is the batch dimension.</summary>
/// <param name="Inputs">The inputs, e.g. [N, C, H, W].</param>
/// <param name="Targets">The targets, e.g. Int64 class indices [N].</param>
public readonly record struct Batch(Tensor Inputs, Tensor Targets);

/// <summary>
/// A finite collection of samples addressed by position (PyTorch's map-style <c>torch.utils.data.Dataset</c>
/// with <c>__len__</c> and <c>__getitem__</c>).
/// </summary>
/// <typeparam name="T">The sample type.</typeparam>
public interface IDataset<out T>
{
    /// <summary>The number of samples.</summary>
    int Count { get; }

    /// <summary>The sample at <paramref name="index"/>, in <c>[0, Count)</c>.</summary>
    T this[int index] { get; }
}

/// <summary>
/// A dataset of (input, target) tensor pairs, the kind <see cref="DataLoader"/> batches. Subclasses implement
/// <see cref="Count"/> and the indexer; they may override <see cref="GetBatch"/> to gather a whole batch at once
/// (PyTorch's <c>__getitems__</c>), as <see cref="TensorDataset"/> does.
/// </summary>
public abstract class Dataset : IDataset<Sample>
{
    /// <inheritdoc/>
    public abstract int Count { get; }

    /// <inheritdoc/>
    public abstract Sample this[int index] { get; }

    /// <summary>
    /// The samples at <paramref name="indices"/> joined into one batch. The default stacks the single samples
    /// (PyTorch's <c>default_collate</c>: inputs and targets each gain a leading batch dimension).
    /// </summary>
    /// <exception cref="ArgumentException">No indices, or samples whose shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index outside <c>[0, Count)</c>.</exception>
    public virtual Batch GetBatch(ReadOnlySpan<int> indices)
    {
        if (indices.IsEmpty) throw new ArgumentException($"GetBatch: expected at least one index ({GetType().Name} of {Count} samples).", nameof(indices));
        var inputs = new Tensor[indices.Length];
        var targets = new Tensor[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            CheckIndex(indices[i]);
            (inputs[i], targets[i]) = this[indices[i]];
        }
        return new Batch(Tensor.Stack(inputs), Tensor.Stack(targets));
    }

    /// <summary>Throws when <paramref name="index"/> is outside <c>[0, Count)</c>.</summary>
    protected void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{GetType().Name}: index {index} is out of range for a dataset of {Count} samples.");
    }

    /// <summary>
    /// Splits <paramref name="dataset"/> into non-overlapping random subsets of the given lengths
    /// (torch.utils.data.random_split): a random permutation of all indices, cut into consecutive pieces.
    /// </summary>
    /// <param name="dataset">The dataset to split.</param>
    /// <param name="lengths">The subset sizes; they must add up to the dataset's <see cref="Count"/>.</param>
    /// <param name="generator">The random source (the default generator when null).</param>
    /// <exception cref="ArgumentException">A negative length, or lengths that do not add up to the count.</exception>
    public static Subset[] RandomSplit(Dataset dataset, int[] lengths, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(lengths);
        long sum = 0;
        foreach (int l in lengths)
        {
            if (l < 0) throw new ArgumentException($"RandomSplit: lengths must be non-negative, got [{string.Join(", ", lengths)}].", nameof(lengths));
            sum += l;
        }
        if (sum != dataset.Count)
            throw new ArgumentException($"RandomSplit: sum of input lengths [{string.Join(", ", lengths)}] is {sum}, which does not equal the length of the input dataset ({dataset.Count}).", nameof(lengths));
        var order = Permutation.Random(dataset.Count, generator ?? Generator.Default);
        var result = new Subset[lengths.Length];
        int start = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            result[i] = new Subset(dataset, order.AsSpan(start, lengths[i]).ToArray());
            start += lengths[i];
        }
        return result;
    }

    /// <summary>
    /// Splits <paramref name="dataset"/> by fractions that add up to 1 (torch.utils.data.random_split with
    /// fractions): each subset gets <c>floor(fraction × Count)</c> samples and the remainder is dealt one
    /// sample at a time to the subsets in order.
    /// </summary>
    /// <exception cref="ArgumentException">A fraction outside [0, 1], or fractions that do not add up to 1.</exception>
    public static Subset[] RandomSplit(Dataset dataset, double[] fractions, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(fractions);
        double total = 0;
        foreach (double f in fractions)
        {
            if (!(f >= 0 && f <= 1)) throw new ArgumentException($"RandomSplit: fraction {f} is not between 0 and 1.", nameof(fractions));
            total += f;
        }
        if (Math.Abs(total - 1) > 1e-9)
            throw new ArgumentException($"RandomSplit: fractions [{string.Join(", ", fractions)}] add up to {total}, not 1.", nameof(fractions));
        var lengths = new int[fractions.Length];
        int assigned = 0;
        for (int i = 0; i < fractions.Length; i++) assigned += lengths[i] = (int)Math.Floor(dataset.Count * fractions[i]);
        for (int i = 0; assigned < dataset.Count && fractions.Length > 0; i = (i + 1) % fractions.Length, assigned++) lengths[i]++;
        return RandomSplit(dataset, lengths, generator);
    }
}

/// <summary>Random permutations shared by <see cref="DataLoader"/> and <see cref="Dataset.RandomSplit(Dataset, int[], Generator?)"/>.</summary>
internal static class Permutation
{
    /// <summary>A uniformly random permutation of 0..n−1 (Fisher–Yates, drawing from the end).</summary>
    internal static int[] Random(int n, Generator generator)
    {
        var p = Identity(n);
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)generator.NextInt64(0, i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    internal static int[] Identity(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }
}
