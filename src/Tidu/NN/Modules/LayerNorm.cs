using System.Globalization;

namespace Tidu.NN;

/// <summary>
/// Layer normalisation over the trailing dimensions <see cref="NormalizedShape"/> of each sample
/// (torch.nn.LayerNorm): y = (x − mean) / √(var + eps) · weight + bias with the biased variance. The same in
/// training and eval mode; the element-wise weight starts at ones and the bias at zeros.
/// </summary>
public sealed class LayerNorm : Module
{
    /// <summary>Layer normalisation over a last dimension of size <paramref name="normalizedShape"/>.</summary>
    /// <param name="normalizedShape">The size of the last dimension.</param>
    /// <param name="eps">Added to the variance for numerical stability.</param>
    /// <param name="elementwiseAffine">Learn an element-wise weight (and, with <paramref name="bias"/>, a bias).</param>
    /// <param name="bias">Learn a bias too (only with <paramref name="elementwiseAffine"/>).</param>
    /// <param name="dtype">The dtype of the parameters.</param>
    public LayerNorm(int normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true, DType dtype = DType.Float32)
        : this([normalizedShape], eps, elementwiseAffine, bias, dtype)
    {
    }

    /// <summary>Layer normalisation over the trailing dimensions <paramref name="normalizedShape"/>.</summary>
    /// <param name="normalizedShape">The sizes of the trailing dimensions to normalise over.</param>
    /// <param name="eps">Added to the variance for numerical stability.</param>
    /// <param name="elementwiseAffine">Learn an element-wise weight (and, with <paramref name="bias"/>, a bias).</param>
    /// <param name="bias">Learn a bias too (only with <paramref name="elementwiseAffine"/>).</param>
    /// <param name="dtype">The dtype of the parameters.</param>
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true, DType dtype = DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0 || Array.Exists(normalizedShape, s => s <= 0))
            throw new ArgumentException($"LayerNorm: normalizedShape must be non-empty with positive sizes, got {ShapeUtil.Format(normalizedShape)}.", nameof(normalizedShape));
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"LayerNorm: the dtype must be floating-point, got {dtype}.", nameof(dtype));
        NormalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        ElementwiseAffine = elementwiseAffine;
        if (elementwiseAffine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones(NormalizedShape, dtype));
            if (bias) Bias = RegisterParameter("bias", Tensor.Zeros(NormalizedShape, dtype));
        }
    }

    /// <summary>The sizes of the trailing dimensions normalised over (a copy).</summary>
    public int[] NormalizedShape { get => (int[])field.Clone(); private init; }

    /// <summary>Added to the variance for numerical stability.</summary>
    public double Eps { get; }

    /// <summary>True when the module learns an element-wise weight.</summary>
    public bool ElementwiseAffine { get; }

    /// <summary>The element-wise scale (starts at ones); null without elementwiseAffine.</summary>
    public Tensor? Weight { get; }

    /// <summary>The element-wise shift (starts at zeros); null without elementwiseAffine or bias.</summary>
    public Tensor? Bias { get; }

    /// <summary>Sets the weight to 1 and the bias to 0.</summary>
    public void ResetParameters()
    {
        if (Weight is not null) Init.Ones(Weight);
        if (Bias is not null) Init.Zeros(Bias);
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => Functional.LayerNorm(input, NormalizedShape, Weight, Bias, Eps);

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"LayerNorm({ShapeUtil.Format(NormalizedShape)}, eps={Eps}, elementwiseAffine={ElementwiseAffine}, bias={Bias is not null})");
}
