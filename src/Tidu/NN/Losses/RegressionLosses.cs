namespace Tidu.NN;

/// <summary>Mean squared error (torch.nn.MSELoss); see <see cref="Functional.MseLoss"/>.</summary>
/// <param name="reduction">Mean (default), Sum or None.</param>
public sealed class MSELoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.MseLoss(input, target, Reduction);
}

/// <summary>Mean absolute error (torch.nn.L1Loss); see <see cref="Functional.L1Loss"/>.</summary>
/// <param name="reduction">Mean (default), Sum or None.</param>
public sealed class L1Loss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.L1Loss(input, target, Reduction);
}

/// <summary>Smooth L1 loss (torch.nn.SmoothL1Loss); see <see cref="Functional.SmoothL1Loss"/>.</summary>
public sealed class SmoothL1Loss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">Mean (default), Sum or None.</param>
    /// <param name="beta">Where the loss changes from quadratic to linear; must be ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is negative.</exception>
    public SmoothL1Loss(Reduction reduction = Reduction.Mean, double beta = 1.0) : base(reduction)
    {
        if (!(beta >= 0)) throw new ArgumentOutOfRangeException(nameof(beta), $"SmoothL1Loss: beta must be non-negative, got {beta}.");
        Beta = beta;
    }

    /// <summary>Where the loss changes from quadratic to linear.</summary>
    public double Beta { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.SmoothL1Loss(input, target, Reduction, Beta);
}

/// <summary>Huber loss (torch.nn.HuberLoss); see <see cref="Functional.HuberLoss"/>.</summary>
public sealed class HuberLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">Mean (default), Sum or None.</param>
    /// <param name="delta">Where the loss changes from quadratic to linear; must be &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is not positive.</exception>
    public HuberLoss(Reduction reduction = Reduction.Mean, double delta = 1.0) : base(reduction)
    {
        if (!(delta > 0)) throw new ArgumentOutOfRangeException(nameof(delta), $"HuberLoss: delta must be positive, got {delta}.");
        Delta = delta;
    }

    /// <summary>Where the loss changes from quadratic to linear.</summary>
    public double Delta { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.HuberLoss(input, target, Reduction, Delta);
}
