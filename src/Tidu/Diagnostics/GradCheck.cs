using System.Globalization;

namespace Tidu.Diagnostics;

/// <summary>The outcome of a gradient check, naming the worst Jacobian entry.</summary>
/// <param name="Passed">True when every entry satisfies |analytical − numerical| ≤ atol + rtol·|numerical|.</param>
/// <param name="InputIndex">Which input holds the worst entry.</param>
/// <param name="ElementIndex">The multi-index of that input element.</param>
/// <param name="OutputIndex">The flat index of the output element.</param>
/// <param name="Analytical">The gradient autograd computed for that entry.</param>
/// <param name="Numerical">The two-sided finite difference for that entry.</param>
/// <param name="MaxAbsError">The largest |analytical − numerical| over all entries.</param>
/// <param name="EntriesChecked">How many Jacobian entries were compared.</param>
public sealed record GradCheckResult(bool Passed, int InputIndex, int[] ElementIndex, int OutputIndex,
    double Analytical, double Numerical, double MaxAbsError, int EntriesChecked)
{
    /// <summary>
    /// The name of the input holding the worst entry when the check knows it: "input" or a parameter's dotted name
    /// such as "0.weight" for <see cref="GradCheck.CheckModule"/>; null for <see cref="GradCheck.Check(Func{Tensor[], Tensor}, Tensor[], double, double, double)"/>.
    /// </summary>
    public string? InputName { get; init; }

    /// <summary>
    /// The largest relative error over all entries, |analytical − numerical| / max(|analytical|, |numerical|)
    /// (0 where both are 0; at most 2, reached when the signs disagree). Pass/fail uses the atol/rtol rule instead,
    /// because near-zero entries make any relative error meaningless on its own.
    /// </summary>
    public double MaxRelError { get; init; }

    /// <summary>A one-line explanation naming the worst element.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"GradCheck {(Passed ? "passed" : "FAILED")}: worst entry d output[{OutputIndex}] / d {(InputName is null ? $"input {InputIndex}{ShapeUtil.Format(ElementIndex)}" : $"{InputName}{ShapeUtil.Format(ElementIndex)} (input {InputIndex})")}: analytical {Analytical:G10}, numerical {Numerical:G10} (max |error| {MaxAbsError:G3} over {EntriesChecked} entries)");
}

/// <summary>
/// Compares autograd's Jacobian with two-sided finite differences (PyTorch's torch.autograd.gradcheck): inputs
/// must be Float64; the defaults are PyTorch's (eps 1e-6, atol 1e-5, rtol 1e-3).
/// </summary>
public static partial class GradCheck
{
    /// <summary>Checks a function of one input.</summary>
    public static GradCheckResult Check(Func<Tensor, Tensor> function, Tensor input, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3) =>
        Check(xs => function(xs[0]), [input], eps, atol, rtol);

    /// <summary>
    /// Checks a function of several inputs with PyTorch's default tolerances, written as
    /// <c>GradCheck.Check(xs =&gt; f(xs[0], xs[1]), a, b)</c>.
    /// </summary>
    public static GradCheckResult Check(Func<Tensor[], Tensor> function, params Tensor[] inputs) =>
        Check(function, inputs, 1e-6, 1e-5, 1e-3);

    /// <summary>
    /// Checks the gradient of <paramref name="function"/> with respect to every input that requires grad.
    /// </summary>
    public static GradCheckResult Check(Func<Tensor[], Tensor> function, Tensor[] inputs, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(inputs);
        var checkedInputs = new List<int>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!inputs[i].RequiresGrad) continue;
            if (inputs[i].DType != DType.Float64)
                throw new ArgumentException($"GradCheck: input {i} is {inputs[i].DType}; finite differences need Float64 inputs (use Double()).");
            if (!inputs[i].IsLeaf)
                throw new ArgumentException($"GradCheck: input {i} is not a leaf tensor; pass leaves with RequiresGrad = true.");
            checkedInputs.Add(i);
        }
        if (checkedInputs.Count == 0)
            throw new ArgumentException("GradCheck: no input requires grad; set RequiresGrad = true on the inputs to check.");

        var savedGrads = inputs.Select(t => t.Grad).ToArray();
        try
        {
            var output = function(inputs);
            int outCount = output.NumberOfElements;
            // analytical Jacobian, one output element at a time: row o holds d out[o] / d inputs
            var analytical = new double[checkedInputs.Count][][];
            for (int c = 0; c < checkedInputs.Count; c++)
                analytical[c] = new double[outCount][];
            for (int o = 0; o < outCount; o++)
            {
                foreach (int i in checkedInputs) inputs[i].Grad = null;
                if (output.RequiresGrad)
                {
                    // a one-hot seed in the output's own dtype (writing a double into a Float32 buffer would corrupt it)
                    var seed = Tensor.Zeros(output.shape, DType.Float64);
                    seed.storage.As<double>()[o] = 1;
                    seed = seed.To(output.DType);
                    output.Backward(seed, retainGraph: true);
                }
                for (int c = 0; c < checkedInputs.Count; c++)
                {
                    var g = inputs[checkedInputs[c]].Grad;
                    analytical[c][o] = g is null ? new double[inputs[checkedInputs[c]].NumberOfElements] : g.ToArray<double>();
                }
            }

            var worst = new GradCheckResult(true, checkedInputs[0], [], 0, 0, 0, 0, 0);
            double worstExcess = double.NegativeInfinity, maxAbs = 0, maxRel = 0;
            int entries = 0;
            for (int c = 0; c < checkedInputs.Count; c++)
            {
                var x = inputs[checkedInputs[c]];
                var buffer = x.storage.As<double>();
                int count = x.NumberOfElements;
                for (int e = 0; e < count; e++)
                {
                    int[] index = ShapeUtil.Unravel(e, x.shape);
                    int at = x.offset;
                    for (int d = 0; d < index.Length; d++) at += index[d] * x.strides[d];
                    double original = buffer[at];
                    double[] plus, minus;
                    using (Tensor.NoGrad())
                    {
                        buffer[at] = original + eps;
                        plus = function(inputs).To(DType.Float64).ToArray<double>();
                        buffer[at] = original - eps;
                        minus = function(inputs).To(DType.Float64).ToArray<double>();
                        buffer[at] = original;
                    }
                    for (int o = 0; o < outCount; o++)
                    {
                        double numerical = (plus[o] - minus[o]) / (2 * eps);
                        double a = analytical[c][o][e];
                        double err = Math.Abs(a - numerical);
                        double excess = double.IsNaN(err) ? double.PositiveInfinity : err - (atol + rtol * Math.Abs(numerical));
                        entries++;
                        maxAbs = Math.Max(maxAbs, double.IsNaN(err) ? double.PositiveInfinity : err);
                        double scale = Math.Max(Math.Abs(a), Math.Abs(numerical));
                        maxRel = Math.Max(maxRel, double.IsNaN(err) ? double.PositiveInfinity : err == 0 ? 0 : err / scale);
                        if (excess > worstExcess)
                        {
                            worstExcess = excess;
                            worst = worst with { InputIndex = checkedInputs[c], ElementIndex = index, OutputIndex = o, Analytical = a, Numerical = numerical };
                        }
                    }
                }
            }
            return worst with { Passed = worstExcess <= 0, MaxAbsError = maxAbs, MaxRelError = maxRel, EntriesChecked = entries };
        }
        finally
        {
            for (int i = 0; i < inputs.Length; i++)
                if (inputs[i].RequiresGrad) inputs[i].Grad = savedGrads[i];
        }
    }

}
