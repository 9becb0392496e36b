using Tidu.NN;

namespace Tidu.Diagnostics;

public static partial class GradCheck
{
    /// <summary>
    /// Checks a whole module: the gradient of <c>module.Forward(input)</c> with respect to the input (when it is
    /// floating-point) and to every parameter that requires grad, against finite differences in Float64.
    /// </summary>
    /// <remarks>
    /// <para>The parameters and a floating-point input must be Float64: build the module with
    /// <c>dtype: DType.Float64</c> and pass <c>input.Double()</c>.</para>
    /// <para>So that the many forward evaluations compute the same function, during the check every
    /// <see cref="Dropout"/> is put in eval mode (PyTorch's advice is to remove dropout before gradcheck), and every
    /// buffer — BatchNorm's running mean and variance and <c>num_batches_tracked</c> — is put back to its value
    /// before each forward. BatchNorm in training mode is checked with batch statistics, as it trains. Randomness
    /// drawn by custom modules is not fixed: make them deterministic first.</para>
    /// <para>Afterwards the module is as before: every module's <see cref="Module.Training"/> flag, every buffer's
    /// values and every parameter's <see cref="Tensor.Grad"/> are restored. The input is not modified (a copy is
    /// perturbed). The result's <see cref="GradCheckResult.InputName"/> is "input" or the parameter's dotted name
    /// (from <see cref="Module.NamedParameters"/>); input index 0 is the input, 1… the parameters in that order.</para>
    /// <para>The cost is one forward per output element for the analytical Jacobian plus two forwards per input and
    /// parameter element: use small modules and inputs.</para>
    /// </remarks>
    public static GradCheckResult CheckModule(Module module, Tensor input, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(input);
        string moduleName = module.GetType().Name;

        var parameters = module.NamedParameters().Where(p => p.Parameter.RequiresGrad).ToList();
        foreach (var (name, p) in parameters)
        {
            if (p.DType != DType.Float64)
                throw new ArgumentException(
                    $"CheckModule: parameter '{name}' of {moduleName} is {p.DType}; finite differences need Float64 parameters. " +
                    "Build the module with dtype: DType.Float64 (e.g. new Linear(4, 3, dtype: DType.Float64)).", nameof(module));
        }
        bool checkInput = input.DType.IsFloatingPoint();
        if (checkInput && input.DType != DType.Float64)
            throw new ArgumentException(
                $"CheckModule: the input is {input.DType}; finite differences need a Float64 input (pass input.Double()).", nameof(input));
        if (!checkInput && parameters.Count == 0)
            throw new ArgumentException($"CheckModule: {moduleName} has no parameter that requires grad and its input is {input.DType}: nothing to check.", nameof(module));

        // a private copy of the input as a leaf, so the caller's tensor is neither perturbed nor given a Grad
        Tensor x;
        using (Tensor.NoGrad()) x = input.Detach().Clone();
        if (checkInput) x.RequiresGrad = true;

        var inputs = new Tensor[parameters.Count + 1];
        var names = new string[inputs.Length];
        inputs[0] = x;
        names[0] = "input";
        for (int i = 0; i < parameters.Count; i++)
        {
            inputs[i + 1] = parameters[i].Parameter;
            names[i + 1] = parameters[i].Name;
        }

        // state to restore: Training flags in pre-order (Train(mode) also sets the submodules, so parents first),
        // and a copy of every buffer
        var modes = module.Modules().Select(m => (Module: m, m.Training)).ToList();
        var buffers = new List<(Tensor Buffer, Tensor Saved)>();
        using (Tensor.NoGrad())
        {
            foreach (var (_, b) in module.NamedBuffers()) buffers.Add((b, b.Detach().Clone()));
        }
        try
        {
            foreach (var m in module.Modules())
                if (m is Dropout) m.Eval();
            var result = Check(xs =>
            {
                RestoreBuffers(buffers); // every evaluation starts from the same state
                return module.Forward(xs[0]);
            }, inputs, eps, atol, rtol);
            return result with { InputName = names[result.InputIndex] };
        }
        finally
        {
            RestoreBuffers(buffers);
            foreach (var (m, training) in modes) m.Train(training);
        }
    }

    private static void RestoreBuffers(List<(Tensor Buffer, Tensor Saved)> buffers)
    {
        foreach (var (buffer, saved) in buffers)
            if (buffer.shape.AsSpan().SequenceEqual(saved.shape)) Kernels.Strided.CopyInto(saved, buffer);
    }
}
