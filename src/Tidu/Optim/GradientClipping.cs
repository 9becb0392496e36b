namespace Tidu.Optim;

/// <summary>
/// Gradient clipping, applied between <c>Backward()</c> and <c>Step()</c> (PyTorch's <c>torch.nn.utils.clip_grad_norm_</c>
/// and <c>clip_grad_value_</c>). Parameters without a gradient are ignored.
/// </summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales all gradients together so that their combined norm is at most <paramref name="maxNorm"/>: the total
    /// norm is the <paramref name="normType"/>-norm of the per-parameter norms (as if all gradients were one
    /// vector), and each gradient is multiplied in place by min(1, maxNorm / (total + 1e-6)). Returns the total norm
    /// before clipping (computed in double precision).
    /// </summary>
    /// <param name="parameters">The parameters whose gradients to clip.</param>
    /// <param name="maxNorm">The largest allowed norm.</param>
    /// <param name="normType">The p of the p-norm; <see cref="double.PositiveInfinity"/> for the largest magnitude.</param>
    /// <param name="errorIfNonfinite">Throw when the total norm is NaN or infinite instead of scaling by it.</param>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2, bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(normType > 0))
            throw new ArgumentException($"ClipGradNorm: normType must be positive (or +infinity); got {normType}.", nameof(normType));
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToArray();
        if (grads.Length == 0) return 0;

        double total = 0;
        foreach (var g in grads)
        {
            double norm = g.VectorNorm(normType);
            if (double.IsPositiveInfinity(normType)) total = double.IsNaN(norm) || norm > total ? norm : total;
            else total += Math.Pow(norm, normType);
            if (double.IsNaN(total)) break;
        }
        if (!double.IsPositiveInfinity(normType)) total = Math.Pow(total, 1 / normType);

        if (errorIfNonfinite && !double.IsFinite(total))
            throw new InvalidOperationException(
                $"ClipGradNorm: the total norm of order {normType} of the gradients is non-finite ({total}), so they cannot be clipped. " +
                "To scale the gradients by the non-finite norm anyway, pass errorIfNonfinite: false.");

        double clipCoef = Math.Min(maxNorm / (total + 1e-6), 1.0);
        using (Tensor.NoGrad())
        {
            foreach (var g in grads) g.ScaleInPlace(clipCoef);
        }
        return total;
    }

    /// <summary>Clamps every gradient element into [−clipValue, clipValue] in place.</summary>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clipValue >= 0))
            throw new ArgumentException($"ClipGradValue: clipValue must be >= 0; got {clipValue}.", nameof(clipValue));
        using (Tensor.NoGrad())
        {
            foreach (var p in parameters)
                p.Grad?.ClampInPlace(-clipValue, clipValue);
        }
    }
}
