using System.Globalization;

namespace Tidu.NN;

/// <summary>
/// What <see cref="BatchNorm1d"/> and <see cref="BatchNorm2d"/> share (PyTorch's <c>_BatchNorm</c>): per-channel
/// weight (ones) and bias (zeros), and the buffers <c>running_mean</c> (zeros), <c>running_var</c> (ones) and
/// <c>num_batches_tracked</c> (an Int64 0-d tensor) under PyTorch's names, so state dicts match. In training the
/// batch statistics normalise the input and update the running ones; in eval mode the running ones are used.
/// Training needs more than one value per channel: a large enough mini-batch.
/// </summary>
public abstract class BatchNormBase : Module
{
    /// <summary>Creates the parameters and buffers for <paramref name="numFeatures"/> channels.</summary>
    /// <param name="numFeatures">C, the size of the input's dimension 1.</param>
    /// <param name="eps">Added to the variance for numerical stability.</param>
    /// <param name="momentum">
    /// The weight of each batch in the running statistics (PyTorch's convention: running = (1 − momentum)·running
    /// + momentum·batch); null for a cumulative moving average, the plain mean over all batches seen.
    /// </param>
    /// <param name="affine">Learn a per-channel scale and shift.</param>
    /// <param name="trackRunningStats">Keep running statistics; when false the batch statistics are used in eval mode too.</param>
    /// <param name="dtype">The dtype of the parameters and of the running mean and variance.</param>
    protected BatchNormBase(int numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats, DType dtype)
    {
        if (numFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(numFeatures), $"{GetType().Name}: numFeatures must be positive, got {numFeatures}.");
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"{GetType().Name}: the dtype must be floating-point, got {dtype}.", nameof(dtype));
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        Affine = affine;
        TrackRunningStats = trackRunningStats;
        if (affine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones([numFeatures], dtype));
            Bias = RegisterParameter("bias", Tensor.Zeros([numFeatures], dtype));
        }
        if (trackRunningStats)
        {
            RunningMean = RegisterBuffer("running_mean", Tensor.Zeros([numFeatures], dtype));
            RunningVar = RegisterBuffer("running_var", Tensor.Ones([numFeatures], dtype));
            NumBatchesTracked = RegisterBuffer("num_batches_tracked", Tensor.Scalar(0L));
        }
    }

    /// <summary>The number of channels C.</summary>
    public int NumFeatures { get; }

    /// <summary>Added to the variance for numerical stability.</summary>
    public double Eps { get; }

    /// <summary>The weight of each batch in the running statistics; null for a cumulative moving average.</summary>
    public double? Momentum { get; set; }

    /// <summary>True when the module learns a per-channel scale and shift.</summary>
    public bool Affine { get; }

    /// <summary>True when the module keeps running statistics.</summary>
    public bool TrackRunningStats { get; }

    /// <summary>The per-channel scale γ [C] (starts at ones); null when created with affine: false.</summary>
    public Tensor? Weight { get; }

    /// <summary>The per-channel shift β [C] (starts at zeros); null when created with affine: false.</summary>
    public Tensor? Bias { get; }

    /// <summary>The buffer <c>running_mean</c> [C]; null when created with trackRunningStats: false.</summary>
    public Tensor? RunningMean { get; }

    /// <summary>The buffer <c>running_var</c> [C] (unbiased estimates); null when created with trackRunningStats: false.</summary>
    public Tensor? RunningVar { get; }

    /// <summary>The buffer <c>num_batches_tracked</c>, an Int64 0-d tensor; null when created with trackRunningStats: false.</summary>
    public Tensor? NumBatchesTracked { get; }

    /// <summary>Resets the running mean to 0, the running variance to 1 and the batch count to 0.</summary>
    public void ResetRunningStats()
    {
        if (RunningMean is null || RunningVar is null || NumBatchesTracked is null) return;
        using (Tensor.NoGrad())
        {
            RunningMean.ZeroInPlace();
            RunningVar.FillInPlace(1);
            NumBatchesTracked.ZeroInPlace();
        }
    }

    /// <summary>Resets the running statistics and sets the weight to 1 and the bias to 0.</summary>
    public void ResetParameters()
    {
        ResetRunningStats();
        if (Weight is not null) Init.Ones(Weight);
        if (Bias is not null) Init.Zeros(Bias);
    }

    /// <summary>Throws when the input's rank is not one this module accepts.</summary>
    protected abstract void CheckInputRank(Tensor input);

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input)
    {
        CheckInputRank(input);
        if (input.Size(1) != NumFeatures)
            throw new ArgumentException(
                $"{GetType().Name}({NumFeatures}): expected an input with {NumFeatures} channels in dimension 1, got shape {ShapeUtil.Format(input.Shape)}.",
                nameof(input));
        // PyTorch's _BatchNorm.forward: count the batch, pick the averaging factor, and use the batch statistics
        // in training or when there are no running ones
        double factor = Momentum ?? 0.0;
        if (Training && NumBatchesTracked is not null)
        {
            Functional.VerifyBatchSize(input); // before counting, so a rejected batch leaves the state unchanged
            using (Tensor.NoGrad()) NumBatchesTracked.AddInPlace(Tensor.Scalar(1L));
            if (Momentum is null) factor = 1.0 / NumBatchesTracked.Item();
        }
        bool useBatchStats = Training || RunningMean is null;
        return Functional.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, useBatchStats, factor, Eps);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{GetType().Name}({NumFeatures}, eps={Eps}, momentum={(Momentum is double m ? m.ToString(CultureInfo.InvariantCulture) : "None")}, affine={Affine}, trackRunningStats={TrackRunningStats})");
}

/// <summary>
/// Batch normalisation of [N, C] or [N, C, L] inputs over N (and L) for each of the C channels
/// (torch.nn.BatchNorm1d).
/// </summary>
public sealed class BatchNorm1d : BatchNormBase
{
    /// <summary>Batch normalisation for <paramref name="numFeatures"/> channels; see <see cref="BatchNormBase"/> for the options.</summary>
    /// <param name="numFeatures">C, the size of the input's dimension 1.</param>
    /// <param name="eps">Added to the variance for numerical stability.</param>
    /// <param name="momentum">The weight of each batch in the running statistics; null for a cumulative moving average.</param>
    /// <param name="affine">Learn a per-channel scale and shift.</param>
    /// <param name="trackRunningStats">Keep running statistics; when false the batch statistics are used in eval mode too.</param>
    /// <param name="dtype">The dtype of the parameters and running statistics.</param>
    public BatchNorm1d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true, DType dtype = DType.Float32)
        : base(numFeatures, eps, momentum, affine, trackRunningStats, dtype)
    {
    }

    /// <inheritdoc/>
    protected override void CheckInputRank(Tensor input)
    {
        if (input.Rank != 2 && input.Rank != 3)
            throw new ArgumentException(
                $"BatchNorm1d({NumFeatures}): expected a 2-D [N, C] or 3-D [N, C, L] input, got a {input.Rank}-D input of shape {ShapeUtil.Format(input.Shape)}.",
                nameof(input));
    }
}

/// <summary>
/// Batch normalisation of [N, C, H, W] inputs over N, H and W for each of the C channels (torch.nn.BatchNorm2d).
/// </summary>
public sealed class BatchNorm2d : BatchNormBase
{
    /// <summary>Batch normalisation for <paramref name="numFeatures"/> channels; see <see cref="BatchNormBase"/> for the options.</summary>
    /// <param name="numFeatures">C, the size of the input's dimension 1.</param>
    /// <param name="eps">Added to the variance for numerical stability.</param>
    /// <param name="momentum">The weight of each batch in the running statistics; null for a cumulative moving average.</param>
    /// <param name="affine">Learn a per-channel scale and shift.</param>
    /// <param name="trackRunningStats">Keep running statistics; when false the batch statistics are used in eval mode too.</param>
    /// <param name="dtype">The dtype of the parameters and running statistics.</param>
    public BatchNorm2d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true, DType dtype = DType.Float32)
        : base(numFeatures, eps, momentum, affine, trackRunningStats, dtype)
    {
    }

    /// <inheritdoc/>
    protected override void CheckInputRank(Tensor input)
    {
        if (input.Rank != 4)
            throw new ArgumentException(
                $"BatchNorm2d({NumFeatures}): expected a 4-D [N, C, H, W] input, got a {input.Rank}-D input of shape {ShapeUtil.Format(input.Shape)}.",
                nameof(input));
    }
}
