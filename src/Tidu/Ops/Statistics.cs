using System.Numerics;
using System.Numerics.Tensors;

namespace Tidu;

// Variance and standard deviation (torch.var / torch.std): Σ(x − mean)² / max(0, N − correction), with N the
// number of reduced elements; correction 1 is Bessel's correction, 0 the population statistic. As in PyTorch,
// N − correction ≤ 0 gives inf or NaN rather than an error.
public sealed partial class Tensor
{
    /// <summary>The variance over all elements (<paramref name="dims"/> null or empty) or over the given dimensions.</summary>
    /// <param name="dims">The dimensions to reduce; negative values count from the end; null or empty means all.</param>
    /// <param name="correction">Subtracted from the element count in the divisor (1: unbiased, 0: population).</param>
    /// <param name="keepDim">Keep reduced dimensions with size 1.</param>
    /// <exception cref="InvalidOperationException">The tensor is not floating-point.</exception>
    public Tensor Var(int[]? dims = null, double correction = 1, bool keepDim = false) => Dispersion("Var", dims, correction, keepDim, std: false);

    /// <summary>The variance over one dimension.</summary>
    /// <param name="dim">The dimension to reduce; negative values count from the end.</param>
    /// <param name="correction">Subtracted from the element count in the divisor (1: unbiased, 0: population).</param>
    /// <param name="keepDim">Keep the reduced dimension with size 1.</param>
    /// <exception cref="InvalidOperationException">The tensor is not floating-point.</exception>
    public Tensor Var(int dim, double correction = 1, bool keepDim = false) => Dispersion("Var", [dim], correction, keepDim, std: false);

    /// <summary>The standard deviation (√<see cref="Var(int[], double, bool)"/>) over all elements or the given dimensions.</summary>
    /// <param name="dims">The dimensions to reduce; negative values count from the end; null or empty means all.</param>
    /// <param name="correction">Subtracted from the element count in the divisor (1: unbiased, 0: population).</param>
    /// <param name="keepDim">Keep reduced dimensions with size 1.</param>
    /// <exception cref="InvalidOperationException">The tensor is not floating-point.</exception>
    public Tensor Std(int[]? dims = null, double correction = 1, bool keepDim = false) => Dispersion("Std", dims, correction, keepDim, std: true);

    /// <summary>The standard deviation over one dimension.</summary>
    /// <param name="dim">The dimension to reduce; negative values count from the end.</param>
    /// <param name="correction">Subtracted from the element count in the divisor (1: unbiased, 0: population).</param>
    /// <param name="keepDim">Keep the reduced dimension with size 1.</param>
    /// <exception cref="InvalidOperationException">The tensor is not floating-point.</exception>
    public Tensor Std(int dim, double correction = 1, bool keepDim = false) => Dispersion("Std", [dim], correction, keepDim, std: true);

    private Tensor Dispersion(string op, int[]? dims, double correction, bool keepDim, bool std)
    {
        if (!DType.IsFloatingPoint())
            throw new InvalidOperationException($"{op}: expects a floating-point tensor, got {DType}; convert with Float() or Double() first.");
        var layout = PrepareReduction(op, dims, keepDim);
        double divisor = Math.Max(0, layout.Inner - correction);
        double[] scratch64 = DType == DType.Float64 ? new double[layout.Inner] : [];
        float[] scratch32 = DType == DType.Float32 ? new float[layout.Inner] : [];
        var result = ReduceBlocks(layout, DType,
            s => Dispersion(s, scratch64, divisor, std),
            s => Dispersion(s, scratch32, (float)divisor, std),
            null);
        if (!Autograd.Needs(this)) return result;

        Tensor mean;
        using (NoGrad()) mean = Detach().Mean(dims, keepDim: true);
        int[] ints = [.. shape, .. layout.KeepShape];
        if (!std)
        {
            // d var / dx = 2(x − mean) / (N − correction)
            return Autograd.Record(result, op, this,
                static (n, g) => [ExpandReduced(g, n.Ints) * (n.Saved(0) - n.Saved(1)) * (2.0 / n.Scalar)],
                saved: [this, mean], ints: ints, scalar: divisor);
        }
        // d std / dx = (x − mean) / ((N − correction) · std)
        var stdKeep = result.Detach().Reshape(layout.KeepShape);
        return Autograd.Record(result, op, this,
            static (n, g) => [ExpandReduced(g, n.Ints) * (n.Saved(0) - n.Saved(1)) / (n.Saved(2) * n.Scalar)],
            saved: [this, mean, stdKeep], ints: ints, scalar: divisor);
    }

    /// <summary>Two-pass variance (or its square root) of one block; <paramref name="scratch"/> holds x − mean.</summary>
    private static T Dispersion<T>(ReadOnlySpan<T> x, Span<T> scratch, T divisor, bool std) where T : IFloatingPointIeee754<T>
    {
        var centred = scratch[..x.Length];
        T mean = TensorPrimitives.Sum(x) / T.CreateChecked(x.Length);
        TensorPrimitives.Subtract(x, mean, centred);
        T variance = TensorPrimitives.SumOfSquares<T>(centred) / divisor;
        return std ? T.Sqrt(variance) : variance;
    }
}
