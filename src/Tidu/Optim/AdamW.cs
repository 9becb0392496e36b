namespace Tidu.Optim;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter, 2017; torch.optim.AdamW): the parameters shrink by
/// γλ each step, θ = θ − γλθ, instead of λθ being added to the gradient; the rest is <see cref="Adam"/>.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>AdamW over one group of parameters.</summary>
    /// <param name="parameters">Leaves that require grad.</param>
    /// <param name="lr">Learning rate γ.</param>
    /// <param name="beta1">Decay rate β₁ of the running mean of gradients.</param>
    /// <param name="beta2">Decay rate β₂ of the running mean of squared gradients.</param>
    /// <param name="eps">ε added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">Decoupled weight decay λ.</param>
    /// <param name="amsgrad">Use the maximum of past second moments (AMSGrad).</param>
    /// <param name="maximize">Maximise the objective instead of minimising it.</param>
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : this(SingleGroup("AdamW", parameters), lr, beta1, beta2, eps, weightDecay, amsgrad, maximize)
    {
    }

    /// <summary>AdamW over several groups; options a group leaves unset take the values given here.</summary>
    /// <inheritdoc cref="AdamW(IEnumerable{Tensor}, double, double, double, double, double, bool, bool)"/>
    public AdamW(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base("AdamW", paramGroups, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay: true)
    {
    }
}
