namespace Tidu.NN;

/// <summary>
/// A lookup table of <see cref="NumEmbeddings"/> learnable vectors of size <see cref="EmbeddingDim"/>
/// (torch.nn.Embedding): Int64 indices of any shape give an output of shape <c>indices.Shape + [embeddingDim]</c>.
/// The weight starts as N(0, 1), as in PyTorch, with the padding row (if any) zeroed; the padding row never
/// receives a gradient, so it stays as it is during training.
/// </summary>
public sealed class Embedding : Module
{
    /// <summary>A table of <paramref name="numEmbeddings"/> vectors of size <paramref name="embeddingDim"/>.</summary>
    /// <param name="numEmbeddings">The number of rows (the vocabulary size).</param>
    /// <param name="embeddingDim">The size of each vector.</param>
    /// <param name="paddingIdx">A row that is zero initially and never learns; negative values count from the end.</param>
    /// <param name="dtype">The dtype of the weight.</param>
    /// <param name="generator">The random source for the initial weight; null uses the default generator.</param>
    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null, DType dtype = DType.Float32, Generator? generator = null)
    {
        if (numEmbeddings < 0 || embeddingDim < 0)
            throw new ArgumentOutOfRangeException(nameof(numEmbeddings), $"Embedding: sizes must be non-negative, got ({numEmbeddings}, {embeddingDim}).");
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"Embedding: the dtype must be floating-point, got {dtype}.", nameof(dtype));
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        PaddingIdx = Functional.NormalizePaddingIdx(paddingIdx, numEmbeddings);
        Weight = RegisterParameter("weight", Tensor.Zeros([numEmbeddings, embeddingDim], dtype));
        ResetParameters(generator);
    }

    /// <summary>The number of rows.</summary>
    public int NumEmbeddings { get; }

    /// <summary>The size of each vector.</summary>
    public int EmbeddingDim { get; }

    /// <summary>The padding row (normalised to be non-negative), or null.</summary>
    public int? PaddingIdx { get; }

    /// <summary>The table, shape [numEmbeddings, embeddingDim].</summary>
    public Tensor Weight { get; }

    /// <summary>Re-draws the weight from N(0, 1) and zeroes the padding row.</summary>
    public void ResetParameters(Generator? generator = null)
    {
        Init.Normal(Weight, 0, 1, generator);
        if (PaddingIdx is int p)
            using (Tensor.NoGrad()) Weight.Detach().Select(0, p).ZeroInPlace();
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => Functional.Embedding(input, Weight, PaddingIdx);

    /// <inheritdoc/>
    public override string ToString() =>
        $"Embedding({NumEmbeddings}, {EmbeddingDim}{(PaddingIdx is int p ? $", paddingIdx={p}" : "")})";
}
