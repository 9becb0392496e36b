namespace Tidu.Optim;

/// <summary>
/// Adagrad (Duchi et al., 2011; torch.optim.Adagrad): divides the gradient by the root of the sum of all past
/// squared gradients, with optional learning-rate decay (the update follows the pseudo-code of PyTorch's
/// documentation). Dense gradients only.
/// </summary>
public sealed class Adagrad : Optimizer
{
    /// <summary>Adagrad over one group of parameters.</summary>
    /// <param name="parameters">Leaves that require grad.</param>
    /// <param name="lr">Learning rate γ.</param>
    /// <param name="lrDecay">Learning-rate decay η: step t uses γ / (1 + (t − 1)η).</param>
    /// <param name="weightDecay">L2 penalty λ.</param>
    /// <param name="initialAccumulatorValue">Starting value of the sum of squared gradients.</param>
    /// <param name="eps">ε added to the denominator for numerical stability.</param>
    /// <param name="maximize">Maximise the objective instead of minimising it.</param>
    public Adagrad(IEnumerable<Tensor> parameters, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : this(SingleGroup("Adagrad", parameters), lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize)
    {
    }

    /// <summary>Adagrad over several groups; options a group leaves unset take the values given here.</summary>
    /// <inheritdoc cref="Adagrad(IEnumerable{Tensor}, double, double, double, double, double, bool)"/>
    public Adagrad(IEnumerable<ParamGroup> paramGroups, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : base("Adagrad", paramGroups, new ParamGroup([], lr: lr, lrDecay: lrDecay, weightDecay: weightDecay,
            initialAccumulatorValue: initialAccumulatorValue, eps: eps, maximize: maximize))
    {
    }

    /// <inheritdoc/>
    protected override void Validate(ParamGroup group)
    {
        RequireNonNegative("learning rate", group.Lr);
        RequireNonNegative("lr_decay", group.LrDecay);
        RequireNonNegative("weight_decay", group.WeightDecay);
        RequireNonNegative("initial_accumulator_value", group.InitialAccumulatorValue);
        RequireNonNegative("epsilon", group.Eps);
    }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group)
    {
        double lr = group.Lr, lrDecay = group.LrDecay, weightDecay = group.WeightDecay, eps = group.Eps;
        bool maximize = group.Maximize;
        foreach (var param in group.Parameters)
        {
            if (param.Grad is null) continue;
            var state = State(param);
            if (state.Count == 0)
            {
                state["step"] = Tensor.Scalar(0.0);
                state["sum"] = param.NewZerosForState().AddScalarInPlace(group.InitialAccumulatorValue); // s
            }
            var stepCount = state["step"];
            var sum = state["sum"];

            stepCount.AddScalarInPlace(1);
            double step = stepCount.Item();
            var grad = Gradient(param, maximize, weightDecay); // g = ±∇f(θ) + λθ

            // γ̃ = γ / (1 + (t − 1)η)
            double clr = lr / (1 + (step - 1) * lrDecay);
            // s = s + g²;  θ = θ − γ̃ g / (√s + ε)
            sum.AddcmulInPlace(grad, grad, 1);
            param.AddcdivSqrtInPlace(grad, sum, 1, eps, -clr);
        }
    }
}
