namespace Tidu.NN;

// Batch and layer normalisation and the embedding lookup (torch.nn.functional.batch_norm, layer_norm,
// embedding). The forwards are compositions of differentiable tensor ops (mean, var, sub, div, sqrt, mul, add,
// index_select), so autograd derives their exact gradients and GradCheck can verify them.
public static partial class Functional
{
    /// <summary>
    /// Batch normalisation over dimension 1, the channel dimension (torch.nn.functional.batch_norm, Ioffe &amp;
    /// Szegedy 2015): y = (x − mean) / √(var + eps) · weight + bias, per channel. In training the mean and the
    /// biased variance are those of the batch, over every dimension except 1, and the running statistics (when
    /// given) are updated in place, without recording gradients, with the <em>unbiased</em> batch variance:
    /// running = (1 − momentum)·running + momentum·batch. Otherwise the running statistics are used.
    /// </summary>
    /// <param name="input">Shape [N, C, *] with at least 2 dimensions.</param>
    /// <param name="runningMean">Per-channel running mean [C]; null to keep no running statistics.</param>
    /// <param name="runningVar">Per-channel running variance [C]; null to keep no running statistics.</param>
    /// <param name="weight">Per-channel scale γ [C]; null for 1.</param>
    /// <param name="bias">Per-channel shift β [C]; null for 0.</param>
    /// <param name="training">Normalise with the batch statistics (and update the running ones) rather than the running ones.</param>
    /// <param name="momentum">The weight of the batch statistics in the running-statistics update.</param>
    /// <param name="eps">Added to the variance for numerical stability.</param>
    /// <exception cref="ArgumentException">
    /// The input has fewer than 2 dimensions, a per-channel tensor does not have C elements, only one of the
    /// running statistics is given, none is given outside training, or a training batch has only one value per
    /// channel.
    /// </exception>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
        bool training = false, double momentum = 0.1, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2)
            throw new ArgumentException($"BatchNorm: expects an input of shape [N, C, *] with at least 2 dimensions, got shape {ShapeUtil.Format(input.Shape)}.", nameof(input));
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"BatchNorm: expects a floating-point input, got {input.DType}.", nameof(input));
        if ((runningMean is null) != (runningVar is null))
            throw new ArgumentException("BatchNorm: pass both running statistics (runningMean and runningVar) or neither.");
        if (!training && runningMean is null)
            throw new ArgumentException("BatchNorm: runningMean and runningVar must be given outside training (training: false normalises with them).");
        int channels = input.Size(1);
        CheckPerChannel("runningMean", runningMean, channels, input);
        CheckPerChannel("runningVar", runningVar, channels, input);
        CheckPerChannel("weight", weight, channels, input);
        CheckPerChannel("bias", bias, channels, input);

        // statistics broadcast as [1, C, 1, …, 1]
        var statShape = new int[input.Rank];
        Array.Fill(statShape, 1);
        statShape[1] = channels;
        Tensor normalized;
        if (training)
        {
            int perChannel = VerifyBatchSize(input);
            // one fused op normalises, scales and shifts (and differentiates all three)
            var output = input.BatchNormTraining(weight, bias, eps, out var batchMean, out var batchVariance);
            if (runningMean is not null && runningVar is not null)
            {
                using (Tensor.NoGrad())
                {
                    var unbiased = Tensor.From(batchVariance).Mul((double)perChannel / (perChannel - 1));
                    runningMean.MulInPlace(1 - momentum).AddInPlace(Tensor.From(batchMean), momentum);
                    runningVar.MulInPlace(1 - momentum).AddInPlace(unbiased, momentum);
                }
            }
            return output;
        }
        else
        {
            var mean = runningMean!.Reshape(statShape);
            var variance = runningVar!.Reshape(statShape);
            normalized = (input - mean) / (variance + eps).Sqrt();
        }
        if (weight is not null) normalized *= weight.Reshape(statShape);
        if (bias is not null) normalized += bias.Reshape(statShape);
        return normalized;
    }

    /// <summary>
    /// PyTorch's _verify_batch_size: the variance of a single value per channel is meaningless (and the unbiased
    /// one is 0/0), so training needs a large enough mini-batch. Returns the number of values per channel.
    /// </summary>
    internal static int VerifyBatchSize(Tensor input)
    {
        int perChannel = input.NumberOfElements / Math.Max(input.Size(1), 1);
        if (perChannel == 1)
            throw new ArgumentException(
                $"BatchNorm: Expected more than 1 value per channel when training, got input size {ShapeUtil.Format(input.Shape)}; use a mini-batch of at least 2 samples, or call Eval() to use the running statistics.",
                nameof(input));
        return perChannel;
    }

    private static void CheckPerChannel(string name, Tensor? t, int channels, Tensor input)
    {
        if (t is not null && (t.Rank != 1 || t.Size(0) != channels))
            throw new ArgumentException(
                $"BatchNorm: {name} must have shape [{channels}] (one value per channel of the input of shape {ShapeUtil.Format(input.Shape)}), got shape {ShapeUtil.Format(t.Shape)}.",
                name);
    }

    /// <summary>
    /// Layer normalisation over the trailing dimensions given by <paramref name="normalizedShape"/>
    /// (torch.nn.functional.layer_norm, Ba et al. 2016): y = (x − mean) / √(var + eps) · weight + bias, with the
    /// mean and biased variance of each sample's last <c>normalizedShape.Length</c> dimensions. Training and
    /// evaluation behave the same.
    /// </summary>
    /// <param name="input">Shape [*, normalizedShape…].</param>
    /// <param name="normalizedShape">The sizes of the trailing dimensions to normalise over.</param>
    /// <param name="weight">Element-wise scale of shape <paramref name="normalizedShape"/>; null for 1.</param>
    /// <param name="bias">Element-wise shift of shape <paramref name="normalizedShape"/>; null for 0.</param>
    /// <param name="eps">Added to the variance for numerical stability.</param>
    /// <exception cref="ArgumentException">The input's trailing dimensions, the weight or the bias do not match <paramref name="normalizedShape"/>.</exception>
    public static Tensor LayerNorm(Tensor input, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"LayerNorm: expects a floating-point input, got {input.DType}.", nameof(input));
        int k = normalizedShape.Length;
        if (k == 0)
            throw new ArgumentException("LayerNorm: normalizedShape must have at least one dimension.", nameof(normalizedShape));
        if (input.Rank < k || !input.Shape.AsSpan(input.Rank - k).SequenceEqual(normalizedShape))
            throw new ArgumentException(
                $"LayerNorm: given normalizedShape {ShapeUtil.Format(normalizedShape)}, expected an input of shape [*, {string.Join(", ", normalizedShape)}], got shape {ShapeUtil.Format(input.Shape)}.",
                nameof(input));
        foreach (var (name, t) in new[] { ("weight", weight), ("bias", bias) })
        {
            if (t is not null && !t.Shape.AsSpan().SequenceEqual(normalizedShape))
                throw new ArgumentException(
                    $"LayerNorm: {name} must have shape {ShapeUtil.Format(normalizedShape)} (the normalizedShape), got shape {ShapeUtil.Format(t.Shape)}.", name);
        }
        var dims = new int[k];
        for (int i = 0; i < k; i++) dims[i] = input.Rank - k + i;
        var mean = input.Mean(dims, keepDim: true);
        var variance = input.Var(dims, correction: 0, keepDim: true);
        var normalized = (input - mean) / (variance + eps).Sqrt();
        if (weight is not null) normalized *= weight;
        if (bias is not null) normalized += bias;
        return normalized;
    }

    /// <summary>
    /// Looks up rows of <paramref name="weight"/> (torch.nn.functional.embedding): for Int64 indices of any shape
    /// the result has shape <c>indices.Shape + [embeddingDim]</c> and holds <c>weight[indices[…]]</c>. Rows used
    /// several times receive the sum of their gradients; the row <paramref name="paddingIdx"/> receives none.
    /// </summary>
    /// <param name="indices">Int64 row indices, each in [0, numEmbeddings).</param>
    /// <param name="weight">The table, shape [numEmbeddings, embeddingDim].</param>
    /// <param name="paddingIdx">A row that is looked up but never learns; negative values count from the end.</param>
    /// <exception cref="ArgumentException">The indices are not Int64 or the weight is not 2-D.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index or <paramref name="paddingIdx"/> is outside the table.</exception>
    public static Tensor Embedding(Tensor indices, Tensor weight, int? paddingIdx = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(weight);
        if (indices.DType != DType.Int64)
            throw new ArgumentException($"Embedding: the indices must be an Int64 tensor, got {indices.DType} (shape {ShapeUtil.Format(indices.Shape)}); convert with Long().", nameof(indices));
        if (weight.Rank != 2)
            throw new ArgumentException($"Embedding: the weight must be 2-D [numEmbeddings, embeddingDim], got shape {ShapeUtil.Format(weight.Shape)}.", nameof(weight));
        int count = weight.Size(0), dim = weight.Size(1);
        int? padding = NormalizePaddingIdx(paddingIdx, count);
        var flat = indices.Reshape(indices.NumberOfElements);
        foreach (long i in flat.ToArray<long>())
        {
            if (i < 0 || i >= count)
                throw new ArgumentOutOfRangeException(nameof(indices),
                    $"Embedding: index {i} is out of range for a table of {count} embeddings (valid indices are 0 to {count - 1}; indices shape {ShapeUtil.Format(indices.Shape)}).");
        }
        var rows = weight.IndexSelect(0, flat);
        if (padding is int p && rows.RequiresGrad)
        {
            // the padding row is looked up as usual but stopped from learning: its slots take the detached value,
            // whose gradient goes nowhere (PyTorch's embedding_backward skips padding_idx)
            var isPadding = flat.Eq((long)p).Reshape(flat.NumberOfElements, 1);
            rows = Tensor.Where(isPadding, rows.Detach(), rows);
        }
        return rows.Reshape([.. indices.Shape, dim]);
    }

    /// <summary>PyTorch's padding_idx rule: within [−numEmbeddings, numEmbeddings), negatives count from the end.</summary>
    internal static int? NormalizePaddingIdx(int? paddingIdx, int numEmbeddings)
    {
        if (paddingIdx is not int p) return null;
        if (p < -numEmbeddings || p >= numEmbeddings)
            throw new ArgumentOutOfRangeException(nameof(paddingIdx),
                $"Embedding: paddingIdx {p} must be within the table of {numEmbeddings} embeddings ([{-numEmbeddings}, {numEmbeddings})).");
        return p < 0 ? p + numEmbeddings : p;
    }
}
