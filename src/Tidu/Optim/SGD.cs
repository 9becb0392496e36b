namespace Tidu.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight decay
/// (torch.optim.SGD; the update follows the pseudo-code of its documentation).
/// </summary>
/// <example><code>
/// var optimizer = new SGD(model.Parameters(), lr: 0.01, momentum: 0.9);
/// optimizer.ZeroGrad();
/// loss.Backward();
/// optimizer.Step();
/// </code></example>
public sealed class SGD : Optimizer
{
    /// <summary>SGD over one group of parameters.</summary>
    /// <param name="parameters">Leaves that require grad.</param>
    /// <param name="lr">Learning rate γ.</param>
    /// <param name="momentum">Momentum factor μ; 0 disables momentum.</param>
    /// <param name="dampening">Dampening τ for momentum.</param>
    /// <param name="weightDecay">L2 penalty λ.</param>
    /// <param name="nesterov">Nesterov momentum; needs momentum &gt; 0 and dampening 0.</param>
    /// <param name="maximize">Maximise the objective instead of minimising it.</param>
    public SGD(IEnumerable<Tensor> parameters, double lr = 1e-3, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : this(SingleGroup("SGD", parameters), lr, momentum, dampening, weightDecay, nesterov, maximize)
    {
    }

    /// <summary>SGD over several groups; options a group leaves unset take the values given here.</summary>
    /// <inheritdoc cref="SGD(IEnumerable{Tensor}, double, double, double, double, bool, bool)"/>
    public SGD(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : base("SGD", paramGroups, new ParamGroup([], lr: lr, momentum: momentum, dampening: dampening,
            weightDecay: weightDecay, nesterov: nesterov, maximize: maximize))
    {
    }

    /// <inheritdoc/>
    protected override void Validate(ParamGroup group)
    {
        RequireNonNegative("learning rate", group.Lr);
        RequireNonNegative("momentum", group.Momentum);
        RequireNonNegative("weight_decay", group.WeightDecay);
        if (group.Nesterov && (group.Momentum <= 0 || group.Dampening != 0))
            throw new ArgumentException($"SGD: Nesterov momentum requires a momentum > 0 and zero dampening (momentum {group.Momentum}, dampening {group.Dampening}).");
    }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group)
    {
        double lr = group.Lr, momentum = group.Momentum, dampening = group.Dampening, weightDecay = group.WeightDecay;
        bool nesterov = group.Nesterov, maximize = group.Maximize;
        foreach (var param in group.Parameters)
        {
            if (param.Grad is null) continue;
            var grad = Gradient(param, maximize, weightDecay); // g = ±∇f(θ) + λθ
            if (momentum != 0)
            {
                var state = State(param);
                if (!state.TryGetValue("momentum_buffer", out var buf))
                {
                    // first step: b = g
                    state["momentum_buffer"] = buf = grad.CopyForUpdate();
                }
                else
                {
                    // b = μb + (1 − τ)g
                    buf.ScaleInPlace(momentum).AddScaledInPlace(grad, 1 - dampening);
                }
                // Nesterov: g = g + μb; otherwise g = b
                grad = nesterov ? grad.CopyForUpdate().AddScaledInPlace(buf, momentum) : buf;
            }
            // θ = θ − γg
            param.AddScaledInPlace(grad, -lr);
        }
    }
}
