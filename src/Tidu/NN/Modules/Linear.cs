namespace Tidu.NN;

/// <summary>
/// y = x·Wᵀ + b (torch.nn.Linear). Weight [out, in] and bias [out] start as PyTorch's: Kaiming uniform with
/// a = √5, i.e. U(−1/√in, 1/√in), for both.
/// </summary>
public sealed class Linear : Module
{
    /// <summary>A layer mapping <paramref name="inFeatures"/> to <paramref name="outFeatures"/>.</summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true, DType dtype = DType.Float32)
    {
        if (inFeatures < 0 || outFeatures < 0)
            throw new ArgumentOutOfRangeException(nameof(inFeatures), $"Linear: feature counts must be non-negative, got ({inFeatures}, {outFeatures}).");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Tensor.Zeros([outFeatures, inFeatures], dtype));
        if (bias) Bias = RegisterParameter("bias", Tensor.Zeros([outFeatures], dtype));
        ResetParameters();
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight, shape [out, in].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, shape [out]; null when created with bias: false.</summary>
    public Tensor? Bias { get; }

    /// <summary>Re-draws the weights with PyTorch's default initialisation.</summary>
    public void ResetParameters()
    {
        if (InFeatures == 0) return;
        Init.KaimingUniform(Weight, a: Math.Sqrt(5));
        if (Bias is not null)
        {
            double bound = 1 / Math.Sqrt(InFeatures);
            Init.Uniform(Bias, -bound, bound);
        }
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => Functional.Linear(input, Weight, Bias);

    /// <inheritdoc/>
    public override string ToString() => $"Linear(in={InFeatures}, out={OutFeatures}, bias={Bias is not null})";
}
