namespace Tidu.NN;

/// <summary>
/// Stateless neural-network functions (PyTorch's <c>torch.nn.functional</c>). This part holds the loss
/// functions; each follows the PyTorch documentation page of the same name
/// (https://pytorch.org/docs/stable/nn.functional.html#loss-functions) and is built from differentiable tensor
/// ops, so gradients with respect to the input (and, where PyTorch allows it, the target) come from autograd.
/// </summary>
public static partial class Functional
{
    // ---- regression losses -----------------------------------------------------------------------------

    /// <summary>
    /// Mean squared error (torch.nn.functional.mse_loss): ℓ = (x − y)² element-wise, then reduced.
    /// </summary>
    /// <param name="input">The prediction, any shape, floating point.</param>
    /// <param name="target">The target, the input's shape, floating point (may require grad).</param>
    /// <param name="reduction">Mean (default) or sum over all elements, or None for the element-wise losses.</param>
    /// <exception cref="ArgumentException">A dtype is not floating point or the shapes differ.</exception>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        CheckPointwise("MseLoss", input, target);
        var d = input - target;
        return Reduce(d * d, reduction);
    }

    /// <summary>
    /// Mean absolute error (torch.nn.functional.l1_loss): ℓ = |x − y| element-wise, then reduced. The gradient
    /// at x = y is 0, as in PyTorch.
    /// </summary>
    /// <param name="input">The prediction, any shape, floating point.</param>
    /// <param name="target">The target, the input's shape, floating point (may require grad).</param>
    /// <param name="reduction">Mean (default) or sum over all elements, or None for the element-wise losses.</param>
    /// <exception cref="ArgumentException">A dtype is not floating point or the shapes differ.</exception>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        CheckPointwise("L1Loss", input, target);
        return Reduce((input - target).Abs(), reduction);
    }

    /// <summary>
    /// Smooth L1 loss (torch.nn.functional.smooth_l1_loss): with d = x − y, ℓ = 0.5·d²/β where |d| &lt; β and
    /// |d| − 0.5·β elsewhere; β = 0 gives the L1 loss.
    /// </summary>
    /// <param name="input">The prediction, any shape, floating point.</param>
    /// <param name="target">The target, the input's shape, floating point (may require grad).</param>
    /// <param name="reduction">Mean (default) or sum over all elements, or None for the element-wise losses.</param>
    /// <param name="beta">Where the loss changes from quadratic to linear; must be ≥ 0.</param>
    /// <exception cref="ArgumentException">A dtype is not floating point or the shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is negative.</exception>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0)
    {
        CheckPointwise("SmoothL1Loss", input, target);
        if (!(beta >= 0))
            throw new ArgumentOutOfRangeException(nameof(beta), $"SmoothL1Loss: beta must be non-negative, got {beta}.");
        var d = input - target;
        var a = d.Abs();
        // β = 0 is exactly L1 (and the quadratic branch would divide by zero, giving NaN gradients)
        if (beta == 0) return Reduce(a, reduction);
        return Reduce(Tensor.Where(a.Lt(beta), d * d * (0.5 / beta), a - 0.5 * beta), reduction);
    }

    /// <summary>
    /// Huber loss (torch.nn.functional.huber_loss): with d = x − y, ℓ = 0.5·d² where |d| &lt; δ and
    /// δ·(|d| − 0.5·δ) elsewhere (δ times the smooth L1 loss with β = δ).
    /// </summary>
    /// <param name="input">The prediction, any shape, floating point.</param>
    /// <param name="target">The target, the input's shape, floating point (may require grad).</param>
    /// <param name="reduction">Mean (default) or sum over all elements, or None for the element-wise losses.</param>
    /// <param name="delta">Where the loss changes from quadratic to linear; must be &gt; 0.</param>
    /// <exception cref="ArgumentException">A dtype is not floating point or the shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is not positive.</exception>
    public static Tensor HuberLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double delta = 1.0)
    {
        CheckPointwise("HuberLoss", input, target);
        if (!(delta > 0))
            throw new ArgumentOutOfRangeException(nameof(delta), $"HuberLoss: delta must be positive, got {delta}.");
        var d = input - target;
        var a = d.Abs();
        return Reduce(Tensor.Where(a.Lt(delta), d * d * 0.5, (a - 0.5 * delta) * delta), reduction);
    }

    // ---- classification losses -------------------------------------------------------------------------

    /// <summary>
    /// Cross-entropy between logits and a target (torch.nn.functional.cross_entropy): LogSoftmax over the
    /// class dimension (dim 1, or 0 for an unbatched [C] input) followed by the negative log-likelihood.
    /// </summary>
    /// <remarks>
    /// <para>The target is either class indices — Int64 of shape [N] for an input [N, C], [N, d₁, …] for an input
    /// [N, C, d₁, …], or a 0-d tensor for an input [C] — or class probabilities: a floating-point tensor of the
    /// input's shape (PyTorch decides by the shapes being equal, and so does Tidu).</para>
    /// <para>Class indices: ℓₙ = −w[yₙ]·log softmax(xₙ)[yₙ], 0 where yₙ = <paramref name="ignoreIndex"/>; the
    /// mean divides the sum by Σ w[yₙ] over the targets not ignored (NaN when every target is ignored).</para>
    /// <para>Class probabilities: ℓₙ = −Σ_c w[c]·yₙc·log softmax(xₙ)[c]; the mean divides by the number of
    /// positions N·d₁·…, not by the weights; <paramref name="ignoreIndex"/> must stay negative.</para>
    /// <para>Label smoothing ε (PyTorch's definition): for probabilities the target becomes (1 − ε)·y + ε/C; for
    /// indices the loss is (1 − ε)·nll + (ε/C)·s with sₙ = −Σ_c w[c]·log softmax(xₙ)[c] (0 where ignored), s
    /// reduced like nll (its mean divided by the same Σ w[yₙ]).</para>
    /// <para>Logits [N, C] with class indices [N] (the usual classifier) run as one fused op: a log-sum-exp per row
    /// forward, softmax − one-hot (scaled) backward, every option included. Other shapes, probability targets and a
    /// class weight that requires grad are composed from LogSoftmax and Gather.</para>
    /// </remarks>
    /// <param name="input">Unnormalised scores (logits): [C], [N, C] or [N, C, d₁, …], floating point.</param>
    /// <param name="target">Class indices or class probabilities, see the remarks.</param>
    /// <param name="weight">Optional rescaling weight per class, shape [C].</param>
    /// <param name="ignoreIndex">A class-index target value that contributes neither loss nor gradient.</param>
    /// <param name="reduction">Mean (default), Sum, or None for the per-position losses (the target's shape).</param>
    /// <param name="labelSmoothing">ε in [0, 1]: the amount of smoothing; 0 is none.</param>
    /// <exception cref="ArgumentException">Wrong dtypes or shapes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class index outside [0, C) that is not ignoreIndex, or ε outside [0, 1].</exception>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, int ignoreIndex = -100,
        Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0)
    {
        const string op = "CrossEntropy";
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"{op}: labelSmoothing must be between 0.0 and 1.0, got {labelSmoothing}.");
        CheckClassInput(op, input, target);
        int classDim = input.Rank == 1 ? 0 : 1;
        int classes = input.Size(classDim);
        var w = ClassWeights(op, input, target, weight);
        // the common case, logits [N, C] and class indices [N], is one fused op (a class weight that requires grad
        // takes the composite path below, which gives it a gradient)
        if (input.Rank == 2 && classes > 0 && target.DType == DType.Int64 && !input.shape.AsSpan().SequenceEqual(target.shape)
            && weight?.RequiresGrad != true)
        {
            CheckTargetShape(op, input, target);
            CheckClassIndices(op, input, target, ignoreIndex);
            return LossSupport.CrossEntropy(input, target, w, ignoreIndex, reduction, labelSmoothing);
        }
        var logProbs = input.LogSoftmax(classDim);

        if (input.shape.AsSpan().SequenceEqual(target.shape))
            return CrossEntropyWithProbabilities(op, logProbs, target, w, ignoreIndex, reduction, labelSmoothing, classDim, classes);

        var terms = NllTerms(op, logProbs, target, w, ignoreIndex);
        var nll = ReduceNll(terms.Losses, terms.Weights, reduction, terms.Unbatched);
        if (labelSmoothing == 0) return nll;

        // sₙ = −Σ_c w[c]·log pₙc, zeroed where the target is ignored (PyTorch's cross_entropy_loss_label_smoothing)
        var batched = terms.LogProbs;
        var weighted = w is null ? batched : batched * ClassWeightView(w, batched.Rank);
        var smooth = -weighted.Sum(1) * terms.Mask;
        var smoothReduced = ReduceNll(smooth, terms.Weights, reduction, terms.Unbatched);
        return nll * (1 - labelSmoothing) + smoothReduced * (labelSmoothing / classes);
    }

    private static Tensor CrossEntropyWithProbabilities(string op, Tensor logProbs, Tensor target, Tensor? w, int ignoreIndex,
        Reduction reduction, double labelSmoothing, int classDim, int classes)
    {
        if (!target.DType.IsFloatingPoint())
            throw new ArgumentException(
                $"{op}: a target of the input's shape holds class probabilities and must be floating point, got {target.DType} " +
                $"(input shape {ShapeUtil.Format(logProbs.shape)}, target shape {ShapeUtil.Format(target.shape)}); class indices have the input's shape without the class dimension.",
                nameof(target));
        if (ignoreIndex >= 0)
            throw new ArgumentException($"{op}: ignoreIndex ({ignoreIndex}) is not supported with class-probability targets (input shape {ShapeUtil.Format(logProbs.shape)}, target shape {ShapeUtil.Format(target.shape)}).", nameof(ignoreIndex));
        var y = labelSmoothing > 0 ? target * (1 - labelSmoothing) + labelSmoothing / classes : target;
        var product = logProbs * y;
        if (w is not null) product = product * ClassWeightView(w, logProbs.Rank);
        switch (reduction)
        {
            case Reduction.None: return -product.Sum(classDim);
            case Reduction.Sum: return -product.Sum();
            default:
                // the mean is over positions (N·d₁·…), not weights; an empty input gives NaN as in PyTorch
                int positions = logProbs.NumberOfElements / Math.Max(classes, 1);
                return -product.Sum() / (double)positions;
        }
    }

    /// <summary>
    /// Negative log-likelihood (torch.nn.functional.nll_loss) of log-probabilities, e.g. the output of
    /// <see cref="Tensor.LogSoftmax(int)"/>: ℓₙ = −w[yₙ]·x[n, yₙ], 0 where yₙ = <paramref name="ignoreIndex"/>.
    /// The mean divides the sum by Σ w[yₙ] over the targets not ignored (NaN when all are ignored).
    /// </summary>
    /// <param name="input">Log-probabilities: [C], [N, C] or [N, C, d₁, …], floating point.</param>
    /// <param name="target">Int64 class indices: a 0-d tensor, [N] or [N, d₁, …] respectively.</param>
    /// <param name="weight">Optional rescaling weight per class, shape [C].</param>
    /// <param name="ignoreIndex">A target value that contributes neither loss nor gradient.</param>
    /// <param name="reduction">Mean (default), Sum, or None for the per-position losses (the target's shape).</param>
    /// <exception cref="ArgumentException">Wrong dtypes or shapes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class index outside [0, C) that is not ignoreIndex.</exception>
    public static Tensor NllLoss(Tensor input, Tensor target, Tensor? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean)
    {
        const string op = "NllLoss";
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction);
        CheckClassInput(op, input, target);
        var w = ClassWeights(op, input, target, weight);
        var terms = NllTerms(op, input, target, w, ignoreIndex);
        return ReduceNll(terms.Losses, terms.Weights, reduction, terms.Unbatched);
    }

    /// <summary>
    /// The per-position parts of the negative log-likelihood, always batched ([N, d₁, …]; an unbatched input gets
    /// N = 1): the losses −w[yₙ]·log pₙ[yₙ], the weights w[yₙ] (0 where ignored), the 0/1 mask of targets not
    /// ignored, and the batched log-probabilities.
    /// </summary>
    private readonly record struct NllParts(Tensor Losses, Tensor Weights, Tensor Mask, Tensor LogProbs, bool Unbatched);

    private static NllParts NllTerms(string op, Tensor logProbs, Tensor target, Tensor? weight, int ignoreIndex)
    {
        if (target.DType != DType.Int64)
            throw new ArgumentException(
                $"{op}: class-index targets must be Int64, got {target.DType} (input shape {ShapeUtil.Format(logProbs.shape)}, target shape {ShapeUtil.Format(target.shape)}).",
                nameof(target));
        CheckTargetShape(op, logProbs, target);
        CheckClassIndices(op, logProbs, target, ignoreIndex);
        bool unbatched = logProbs.Rank == 1;
        if (unbatched)
        {
            logProbs = logProbs.Unsqueeze(0);
            target = target.Unsqueeze(0);
        }

        var mask = target.Ne((long)ignoreIndex);                 // Int64 0/1
        var safe = Tensor.Where(mask, target, Tensor.ZerosLike(target)); // ignored positions read class 0, then weigh 0
        var picked = logProbs.Gather(1, safe.Unsqueeze(1)).Squeeze(1);
        var maskF = mask.To(logProbs.DType);
        var weights = weight is null
            ? maskF
            : weight.IndexSelect(0, safe.Flatten()).Reshape(safe.shape) * maskF;
        return new NllParts(-(picked * weights), weights, maskF, logProbs, unbatched);
    }

    /// <summary>Sum, weighted mean (Σ loss / Σ weight), or the losses themselves in the target's shape.</summary>
    private static Tensor ReduceNll(Tensor losses, Tensor weights, Reduction reduction, bool unbatched) => reduction switch
    {
        Reduction.None => unbatched ? losses.Squeeze(0) : losses,
        Reduction.Sum => losses.Sum(),
        _ => losses.Sum() / weights.Sum(),
    };

    // ---- binary losses ---------------------------------------------------------------------------------

    /// <summary>
    /// Binary cross-entropy between probabilities and targets (torch.nn.functional.binary_cross_entropy):
    /// ℓ = −w·(y·log x + (1 − y)·log(1 − x)), each log clamped to ≥ −100 as in PyTorch so that x = 0 or 1 gives a
    /// finite loss. The gradient with respect to x is w·(x − y) / max(x(1 − x), 1e-12), PyTorch's formula.
    /// </summary>
    /// <param name="input">Probabilities in [0, 1], any shape, floating point.</param>
    /// <param name="target">Targets (usually in [0, 1]), the input's shape, floating point (may require grad).</param>
    /// <param name="weight">Optional rescaling weight, broadcastable to the input's shape.</param>
    /// <param name="reduction">Mean (default), Sum, or None for the element-wise losses.</param>
    /// <exception cref="ArgumentException">Wrong dtypes or shapes, or an input value outside [0, 1].</exception>
    public static Tensor BinaryCrossEntropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        const string op = "BinaryCrossEntropy";
        CheckPointwise(op, input, target);
        CheckElementWeight(op, "weight", weight, input);
        var (x, y) = Tensor.Promoted(input, target);
        using (Tensor.NoGrad())
        {
            // PyTorch's kernel checks this too; NaN fails it as well
            if (x.NumberOfElements > 0 && !(x.Min().Item() >= 0 && x.Max().Item() <= 1))
                throw new ArgumentException(
                    $"{op}: every input value must be a probability in [0, 1], got values in [{x.Min().Item()}, {x.Max().Item()}] (input shape {ShapeUtil.Format(input.shape)}, target shape {ShapeUtil.Format(target.shape)}); for logits use BinaryCrossEntropyWithLogits.",
                    nameof(input));
        }
        var loss = LossSupport.BinaryCrossEntropy(x, y);
        if (weight is not null) loss = loss * weight.To(loss.DType);
        return Reduce(loss, reduction);
    }

    /// <summary>
    /// Binary cross-entropy of logits (torch.nn.functional.binary_cross_entropy_with_logits): sigmoid and BCE in
    /// one numerically stable expression, ℓ = w·((1 − y)·x − (1 + (p − 1)·y)·log σ(x)), with log σ(x) computed as
    /// min(x, 0) − log1p(e^(−|x|)) so any finite x gives a finite loss and gradient.
    /// </summary>
    /// <param name="input">Logits, any shape, floating point.</param>
    /// <param name="target">Targets (usually in [0, 1]), the input's shape, floating point (may require grad).</param>
    /// <param name="weight">Optional rescaling weight, broadcastable to the input's shape.</param>
    /// <param name="posWeight">Optional weight p of positive examples, broadcastable to the input's shape (typically [C] for an input [N, C]).</param>
    /// <param name="reduction">Mean (default), Sum, or None for the element-wise losses.</param>
    /// <exception cref="ArgumentException">Wrong dtypes or shapes.</exception>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null, Tensor? posWeight = null,
        Reduction reduction = Reduction.Mean)
    {
        const string op = "BinaryCrossEntropyWithLogits";
        CheckPointwise(op, input, target);
        CheckElementWeight(op, "weight", weight, input);
        CheckElementWeight(op, "posWeight", posWeight, input);
        var (x, y) = Tensor.Promoted(input, target);
        var logSigmoid = LossSupport.LogSigmoid(x);
        var loss = posWeight is null
            ? (1.0 - y) * x - logSigmoid
            : (1.0 - y) * x - ((posWeight.To(x.DType) - 1.0) * y + 1.0) * logSigmoid;
        if (weight is not null) loss = loss * weight.To(x.DType);
        return Reduce(loss, reduction);
    }

    // ---- shared checks and reductions ------------------------------------------------------------------

    /// <summary>The mean or sum over all elements, or the elements themselves.</summary>
    private static Tensor Reduce(Tensor loss, Reduction reduction) => reduction switch
    {
        Reduction.Mean => loss.Mean(),
        Reduction.Sum => loss.Sum(),
        Reduction.None => loss,
        _ => throw new ArgumentOutOfRangeException(nameof(reduction), $"Unknown reduction {reduction}; use Mean, Sum or None."),
    };

    private static void CheckReduction(Reduction reduction)
    {
        if (reduction is not (Reduction.Mean or Reduction.Sum or Reduction.None))
            throw new ArgumentOutOfRangeException(nameof(reduction), $"Unknown reduction {reduction}; use Mean, Sum or None.");
    }

    /// <summary>
    /// Element-wise losses take floating-point input and target of one shape. PyTorch broadcasts differing shapes
    /// with only a warning (usually a bug, e.g. [N, 1] against [N]); Tidu refuses them.
    /// </summary>
    private static void CheckPointwise(string op, Tensor input, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        string shapes = $"input shape {ShapeUtil.Format(input.shape)}, target shape {ShapeUtil.Format(target.shape)}";
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: the input must be floating point, got {input.DType} ({shapes}).", nameof(input));
        if (!target.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: the target must be floating point, got {target.DType} ({shapes}); convert it with Float() or Double().", nameof(target));
        if (!input.shape.AsSpan().SequenceEqual(target.shape))
            throw new ArgumentException($"{op}: the target must have the input's shape ({shapes}).", nameof(target));
    }

    /// <summary>A per-element weight must be floating point and broadcast to the input's shape without growing it.</summary>
    private static void CheckElementWeight(string op, string name, Tensor? weight, Tensor input)
    {
        if (weight is null) return;
        if (!weight.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: {name} must be floating point, got {weight.DType} ({name} shape {ShapeUtil.Format(weight.shape)}, input shape {ShapeUtil.Format(input.shape)}).", name);
        bool fits = weight.Rank <= input.Rank;
        for (int i = 1; fits && i <= weight.Rank; i++)
        {
            int w = weight.shape[^i];
            fits = w == 1 || w == input.shape[^i];
        }
        if (!fits)
            throw new ArgumentException($"{op}: {name} shape {ShapeUtil.Format(weight.shape)} does not broadcast to the input shape {ShapeUtil.Format(input.shape)}.", name);
    }

    /// <summary>A class-score input is floating point with at least one dimension (the classes).</summary>
    private static void CheckClassInput(string op, Tensor input, Tensor target)
    {
        string shapes = $"input shape {ShapeUtil.Format(input.shape)}, target shape {ShapeUtil.Format(target.shape)}";
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: the input must be floating point, got {input.DType} ({shapes}).", nameof(input));
        if (input.Rank == 0)
            throw new ArgumentException($"{op}: the input needs a class dimension: [C], [N, C] or [N, C, d1, ...] ({shapes}).", nameof(input));
    }

    /// <summary>Class indices have the input's shape without the class dimension (dim 1, or dim 0 when unbatched).</summary>
    private static void CheckTargetShape(string op, Tensor input, Tensor target)
    {
        int[] expected = input.Rank == 1 ? [] : [input.shape[0], .. input.shape[2..]];
        if (!target.shape.AsSpan().SequenceEqual(expected))
            throw new ArgumentException(
                $"{op}: class-index targets must have shape {ShapeUtil.Format(expected)} for input shape {ShapeUtil.Format(input.shape)}, got target shape {ShapeUtil.Format(target.shape)}.",
                nameof(target));
    }

    /// <summary>Every target is a class in [0, C) or the ignore index; a clear error beats a crash inside Gather.</summary>
    private static void CheckClassIndices(string op, Tensor input, Tensor target, int ignoreIndex)
    {
        int classes = input.Size(input.Rank == 1 ? 0 : 1);
        // read in place when contiguous: a copy was the only allocation of a classifier's loss in a training step
        ReadOnlySpan<long> values = target.IsContiguous ? target.ContiguousSpan<long>() : target.ToArray<long>();
        for (int i = 0; i < values.Length; i++)
        {
            long t = values[i];
            if (t == ignoreIndex || (t >= 0 && t < classes)) continue;
            throw new ArgumentOutOfRangeException(nameof(target),
                $"{op}: target value {t} at flat position {i} is not a class index in [0, {classes - 1}] nor ignoreIndex ({ignoreIndex}) " +
                $"(input shape {ShapeUtil.Format(input.shape)}, target shape {ShapeUtil.Format(target.shape)}).");
        }
    }

    /// <summary>Checks a class weight ([C], floating point) and converts it to the input's dtype.</summary>
    private static Tensor? ClassWeights(string op, Tensor input, Tensor target, Tensor? weight)
    {
        if (weight is null) return null;
        int classes = input.Size(input.Rank == 1 ? 0 : 1);
        if (!weight.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: the class weight must be floating point, got {weight.DType}.", nameof(weight));
        if (weight.Rank != 1 || weight.shape[0] != classes)
            throw new ArgumentException(
                $"{op}: the class weight must have shape [{classes}] (one per class), got {ShapeUtil.Format(weight.shape)} (input shape {ShapeUtil.Format(input.shape)}, target shape {ShapeUtil.Format(target.shape)}).",
                nameof(weight));
        return weight.To(input.DType);
    }

    /// <summary>The class weight [C] viewed as [1, C, 1, …] to broadcast against a batched tensor of the given rank ([C] itself when unbatched).</summary>
    private static Tensor ClassWeightView(Tensor weight, int rank)
    {
        if (rank == 1) return weight;
        var shape = new int[rank];
        Array.Fill(shape, 1);
        shape[1] = weight.shape[0];
        return weight.Reshape(shape);
    }
}
