using Tidu.Kernels;

namespace Tidu.Optim;

/// <summary>
/// Adam (Kingma and Ba, 2014), with optional L2 weight decay and the AMSGrad variant (torch.optim.Adam; the
/// update follows the pseudo-code of its documentation and PyTorch's single-tensor implementation).
/// <see cref="AdamW"/> is the same algorithm with decoupled weight decay.
/// </summary>
public class Adam : Optimizer
{
    private readonly bool decoupledWeightDecay;

    /// <summary>Adam over one group of parameters.</summary>
    /// <param name="parameters">Leaves that require grad.</param>
    /// <param name="lr">Learning rate γ.</param>
    /// <param name="beta1">Decay rate β₁ of the running mean of gradients.</param>
    /// <param name="beta2">Decay rate β₂ of the running mean of squared gradients.</param>
    /// <param name="eps">ε added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">L2 penalty λ (added to the gradient).</param>
    /// <param name="amsgrad">Use the maximum of past second moments (AMSGrad).</param>
    /// <param name="maximize">Maximise the objective instead of minimising it.</param>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : this(SingleGroup("Adam", parameters), lr, beta1, beta2, eps, weightDecay, amsgrad, maximize)
    {
    }

    /// <summary>Adam over several groups; options a group leaves unset take the values given here.</summary>
    /// <inheritdoc cref="Adam(IEnumerable{Tensor}, double, double, double, double, double, bool, bool)"/>
    public Adam(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : this("Adam", paramGroups, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay: false)
    {
    }

    private protected Adam(string name, IEnumerable<ParamGroup> paramGroups, double lr, double beta1, double beta2,
        double eps, double weightDecay, bool amsgrad, bool maximize, bool decoupledWeightDecay)
        : base(name, paramGroups, new ParamGroup([], lr: lr, beta1: beta1, beta2: beta2, eps: eps,
            weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize))
    {
        this.decoupledWeightDecay = decoupledWeightDecay;
    }

    /// <inheritdoc/>
    protected override void Validate(ParamGroup group)
    {
        RequireNonNegative("learning rate", group.Lr);
        RequireNonNegative("epsilon", group.Eps);
        RequireNonNegative("weight_decay", group.WeightDecay);
        if (!(group.Beta1 >= 0 && group.Beta1 < 1))
            throw new ArgumentException($"{Name}: invalid beta1 {group.Beta1}; it must be in [0, 1).");
        if (!(group.Beta2 >= 0 && group.Beta2 < 1))
            throw new ArgumentException($"{Name}: invalid beta2 {group.Beta2}; it must be in [0, 1).");
    }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group)
    {
        double lr = group.Lr, beta1 = group.Beta1, beta2 = group.Beta2, eps = group.Eps, weightDecay = group.WeightDecay;
        bool amsgrad = group.Amsgrad, maximize = group.Maximize;
        foreach (var param in group.Parameters)
        {
            if (param.Grad is null) continue;
            var state = State(param);
            if (state.Count == 0)
            {
                state["step"] = Tensor.Scalar(0.0);
                state["exp_avg"] = param.NewZerosForState();     // m
                state["exp_avg_sq"] = param.NewZerosForState();  // v
                if (amsgrad) state["max_exp_avg_sq"] = param.NewZerosForState();
            }
            var stepCount = state["step"];
            var expAvg = state["exp_avg"];
            var expAvgSq = state["exp_avg_sq"];

            stepCount.AddScalarInPlace(1);
            double step = stepCount.Item();
            double biasCorrection1 = 1 - Math.Pow(beta1, step);
            double biasCorrection2 = 1 - Math.Pow(beta2, step);
            double stepSize = lr / biasCorrection1;
            double biasCorrection2Sqrt = Math.Pow(biasCorrection2, 0.5);
            Tensor? maxExpAvgSq = null;
            if (amsgrad && !state.TryGetValue("max_exp_avg_sq", out maxExpAvgSq))
                state["max_exp_avg_sq"] = maxExpAvgSq = param.NewZerosForState(); // amsgrad switched on mid-training

            var options = new AdamStep(beta1, beta2, eps, weightDecay, decoupledWeightDecay, 1 - lr * weightDecay, amsgrad,
                maximize, stepSize, biasCorrection2Sqrt);
            if (param.CanFuseUpdate(param.Grad, expAvg, expAvgSq, maxExpAvgSq))
                FusedStep(param, param.Grad, expAvg, expAvgSq, maxExpAvgSq, options);
            else
                MultiPassStep(param, expAvg, expAvgSq, maxExpAvgSq, options);
        }
    }

    // one pass over contiguous tensors of one dtype (the usual case)
    private static void FusedStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor? maxExpAvgSq, in AdamStep o)
    {
        if (param.DType == DType.Float32)
        {
            AdamKernel.Step(param.ContiguousSpan<float>(), grad.ContiguousSpan<float>(), expAvg.ContiguousSpan<float>(),
                expAvgSq.ContiguousSpan<float>(), maxExpAvgSq is null ? default : maxExpAvgSq.ContiguousSpan<float>(), o);
        }
        else
        {
            AdamKernel.Step(param.ContiguousSpan<double>(), grad.ContiguousSpan<double>(), expAvg.ContiguousSpan<double>(),
                expAvgSq.ContiguousSpan<double>(), maxExpAvgSq is null ? default : maxExpAvgSq.ContiguousSpan<double>(), o);
        }
        param.MarkUpdated();
        expAvg.MarkUpdated();
        expAvgSq.MarkUpdated();
        maxExpAvgSq?.MarkUpdated();
    }

    // PyTorch's sequence of in-place ops, for strided tensors or a gradient of another dtype; the fused kernel
    // performs the same operations per element
    private static void MultiPassStep(Tensor param, Tensor expAvg, Tensor expAvgSq, Tensor? maxExpAvgSq, in AdamStep o)
    {
        Tensor grad;
        if (o.Decoupled)
        {
            // AdamW: θ = θ − γλθ
            param.ScaleInPlace(o.DecayFactor);
            grad = Gradient(param, o.Maximize, 0);
        }
        else
        {
            grad = Gradient(param, o.Maximize, o.WeightDecay); // g = ±∇f(θ) + λθ
        }

        // m = β₁m + (1 − β₁)g;  v = β₂v + (1 − β₂)g²
        expAvg.LerpInPlace(grad, 1 - o.Beta1);
        expAvgSq.ScaleInPlace(o.Beta2).AddcmulInPlace(grad, grad, 1 - o.Beta2);

        // v_max = max(v_max, v)
        var secondMoment = maxExpAvgSq is null ? expAvgSq : maxExpAvgSq.MaximumInPlace(expAvgSq);
        // θ = θ − γ/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
        param.AddcdivSqrtInPlace(expAvg, secondMoment, o.BiasCorrection2Sqrt, o.Eps, -o.StepSize);
    }
}
