using Tidu.Kernels;

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
            Tensor? buf = null;
            bool first = false;
            if (momentum != 0)
            {
                var state = State(param);
                if (!state.TryGetValue("momentum_buffer", out buf) && param.CanFuseUpdate(param.Grad))
                {
                    // first step: b = g, written by the fused kernel into a new buffer
                    state["momentum_buffer"] = buf = param.NewZerosForState();
                    first = true;
                }
            }
            var options = new SgdStep(lr, momentum, dampening, weightDecay, nesterov, maximize, first);
            if ((momentum == 0 || buf is not null) && param.CanFuseUpdate(param.Grad, buf))
                FusedStep(param, param.Grad, buf, options);
            else
                MultiPassStep(param, momentum == 0 ? null : State(param), options);
        }
    }

    // one pass over contiguous tensors of one dtype (the usual case)
    private static void FusedStep(Tensor param, Tensor grad, Tensor? buf, in SgdStep o)
    {
        if (param.DType == DType.Float32)
            SgdKernel.Step(param.ContiguousSpan<float>(), grad.ContiguousSpan<float>(), buf is null ? default : buf.ContiguousSpan<float>(), o);
        else
            SgdKernel.Step(param.ContiguousSpan<double>(), grad.ContiguousSpan<double>(), buf is null ? default : buf.ContiguousSpan<double>(), o);
        param.MarkUpdated();
        buf?.MarkUpdated();
    }

    // PyTorch's sequence of in-place ops, for strided tensors or a gradient of another dtype; the fused kernel
    // performs the same operations per element
    private static void MultiPassStep(Tensor param, IDictionary<string, Tensor>? state, in SgdStep o)
    {
        var grad = Gradient(param, o.Maximize, o.WeightDecay); // g = ±∇f(θ) + λθ
        if (state is not null)
        {
            if (!state.TryGetValue("momentum_buffer", out var buf))
            {
                // first step: b = g
                state["momentum_buffer"] = buf = grad.CopyForUpdate();
            }
            else
            {
                // b = μb + (1 − τ)g
                buf.ScaleInPlace(o.Momentum).AddScaledInPlace(grad, 1 - o.Dampening);
            }
            // Nesterov: g = g + μb; otherwise g = b
            grad = o.Nesterov ? grad.CopyForUpdate().AddScaledInPlace(buf, o.Momentum) : buf;
        }
        // θ = θ − γg
        param.AddScaledInPlace(grad, -o.Lr);
    }
}
