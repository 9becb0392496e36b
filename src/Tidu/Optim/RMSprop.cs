namespace Tidu.Optim;

/// <summary>
/// RMSprop (Hinton's lecture notes; torch.optim.RMSprop): divides the gradient by a running root mean square,
/// optionally centred by the running mean of the gradient and with momentum (the update follows the pseudo-code
/// of PyTorch's documentation; ε is added outside the square root, as PyTorch does).
/// </summary>
public sealed class RMSprop : Optimizer
{
    /// <summary>RMSprop over one group of parameters.</summary>
    /// <param name="parameters">Leaves that require grad.</param>
    /// <param name="lr">Learning rate γ.</param>
    /// <param name="alpha">Smoothing constant α of the running mean of squared gradients.</param>
    /// <param name="eps">ε added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">L2 penalty λ.</param>
    /// <param name="momentum">Momentum factor μ; 0 disables momentum.</param>
    /// <param name="centered">Normalise by the estimated variance of the gradient.</param>
    /// <param name="maximize">Maximise the objective instead of minimising it.</param>
    public RMSprop(IEnumerable<Tensor> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : this(SingleGroup("RMSprop", parameters), lr, alpha, eps, weightDecay, momentum, centered, maximize)
    {
    }

    /// <summary>RMSprop over several groups; options a group leaves unset take the values given here.</summary>
    /// <inheritdoc cref="RMSprop(IEnumerable{Tensor}, double, double, double, double, double, bool, bool)"/>
    public RMSprop(IEnumerable<ParamGroup> paramGroups, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : base("RMSprop", paramGroups, new ParamGroup([], lr: lr, alpha: alpha, eps: eps, weightDecay: weightDecay,
            momentum: momentum, centered: centered, maximize: maximize))
    {
    }

    /// <inheritdoc/>
    protected override void Validate(ParamGroup group)
    {
        RequireNonNegative("learning rate", group.Lr);
        RequireNonNegative("epsilon", group.Eps);
        RequireNonNegative("momentum", group.Momentum);
        RequireNonNegative("weight_decay", group.WeightDecay);
        RequireNonNegative("alpha", group.Alpha);
    }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group)
    {
        double lr = group.Lr, alpha = group.Alpha, eps = group.Eps, weightDecay = group.WeightDecay, momentum = group.Momentum;
        bool centered = group.Centered, maximize = group.Maximize;
        foreach (var param in group.Parameters)
        {
            if (param.Grad is null) continue;
            var state = State(param);
            if (state.Count == 0)
            {
                state["step"] = Tensor.Scalar(0.0);
                state["square_avg"] = param.NewZerosForState(); // v
            }
            var squareAvg = state["square_avg"];
            state["step"].AddScalarInPlace(1);
            var grad = Gradient(param, maximize, weightDecay); // g = ±∇f(θ) + λθ

            // v = αv + (1 − α)g²
            squareAvg.ScaleInPlace(alpha).AddcmulInPlace(grad, grad, 1 - alpha);
            var meanSquare = squareAvg;
            if (centered)
            {
                // ḡ = αḡ + (1 − α)g;  the denominator uses v − ḡ² (a temporary, as in PyTorch)
                var gradAvg = StateTensor(state, "grad_avg", param);
                gradAvg.LerpInPlace(grad, 1 - alpha);
                meanSquare = squareAvg.CopyForUpdate().AddcmulInPlace(gradAvg, gradAvg, -1);
            }
            if (momentum > 0)
            {
                // b = μb + g / (√v + ε);  θ = θ − γb
                var buf = StateTensor(state, "momentum_buffer", param);
                buf.ScaleInPlace(momentum).AddcdivSqrtInPlace(grad, meanSquare, 1, eps, 1);
                param.AddScaledInPlace(buf, -lr);
            }
            else
            {
                // θ = θ − γ g / (√v + ε)
                param.AddcdivSqrtInPlace(grad, meanSquare, 1, eps, -lr);
            }
        }
    }

    // buffers that exist only when centred or with momentum; created at zero when first needed, as PyTorch's
    // state initialisation does (options may be switched on after the first step)
    private static Tensor StateTensor(IDictionary<string, Tensor> state, string name, Tensor param)
    {
        if (!state.TryGetValue(name, out var t)) state[name] = t = param.NewZerosForState();
        return t;
    }
}
