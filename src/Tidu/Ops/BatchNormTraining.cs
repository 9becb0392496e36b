using System.Numerics;

namespace Tidu;

// Training-mode batch normalisation as one fused op: the composite (mean, var, sub, div, mul, add) made six
// passes and six temporaries over the activation; this makes three passes forward and two backward, channels in
// parallel (Kernels/BatchNorm.cs).
public sealed partial class Tensor
{
    /// <summary>
    /// Normalises each channel (dim 1) of a [N, C, *] input with its batch mean and biased variance, then scales
    /// and shifts by weight and bias (either may be null). Writes the batch mean and biased variance per channel.
    /// </summary>
    internal Tensor BatchNormTraining(Tensor? weight, Tensor? bias, double eps, out double[] batchMean, out double[] batchVariance)
    {
        var x = Detach().Contiguous();
        int n = shape[0], c = shape[1], s = NumberOfElements / Math.Max(n * c, 1);
        var mean = new double[c];
        var invStd = new double[c];
        batchVariance = new double[c];
        var result = Empty(DType, shape);
        double[]? w = weight?.Detach().To(DType.Float64).ToArray<double>();
        double[]? b = bias?.Detach().To(DType.Float64).ToArray<double>();
        if (DType == DType.Float32) Kernels.BatchNorm.Forward<float>(x.ContiguousSpan<float>(), result.storage.As<float>(), n, c, s, eps, w, b, mean, batchVariance, invStd);
        else Kernels.BatchNorm.Forward<double>(x.ContiguousSpan<double>(), result.storage.As<double>(), n, c, s, eps, w, b, mean, batchVariance, invStd);
        batchMean = mean;

        var inputs = new List<Tensor> { this };
        if (weight is not null) inputs.Add(weight);
        if (bias is not null) inputs.Add(bias);
        var saved = new Tensor?[] { x, From(mean), From(invStd), weight?.Detach() };
        return Autograd.Record(result, "BatchNorm", [.. inputs], static (node, g) => Backward(node, g),
            saved: saved, ints: [weight is null ? 0 : 1, bias is null ? 0 : 1]);
    }

    // dx = γ·invstd/M · (M·dy − Σdy − x̂·Σ(dy·x̂)),  dγ = Σ(dy·x̂),  dβ = Σdy   (per channel, x̂ = (x − mean)·invstd)
    private static Tensor?[] Backward(GradFn node, Tensor gradOutput)
    {
        var x = node.Saved(0);
        var mean = node.Saved(1).ToArray<double>();
        var invStd = node.Saved(2).ToArray<double>();
        bool hasWeight = node.Ints[0] == 1, hasBias = node.Ints[1] == 1;
        double[]? w = hasWeight ? node.Saved(3).To(DType.Float64).ToArray<double>() : null;
        int n = x.shape[0], c = x.shape[1], s = x.NumberOfElements / Math.Max(n * c, 1);
        var g = gradOutput.To(x.DType).Contiguous();
        var dx = node.Inputs[0] is null ? null : Empty(x.DType, x.shape);
        var dGamma = new double[c];
        var dBeta = new double[c];
        if (x.DType == DType.Float32)
            Kernels.BatchNorm.Backward<float>(x.ContiguousSpan<float>(), g.ContiguousSpan<float>(), dx is null ? default : dx.storage.As<float>(), n, c, s, mean, invStd, w, dGamma, dBeta);
        else
            Kernels.BatchNorm.Backward<double>(x.ContiguousSpan<double>(), g.ContiguousSpan<double>(), dx is null ? default : dx.storage.As<double>(), n, c, s, mean, invStd, w, dGamma, dBeta);
        var grads = new List<Tensor?> { dx };
        if (hasWeight) grads.Add(From(dGamma).To(x.DType));
        if (hasBias) grads.Add(From(dBeta).To(x.DType));
        return [.. grads];
    }
}
