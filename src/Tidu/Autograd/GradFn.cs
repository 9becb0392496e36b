using Tidu.Diagnostics;

namespace Tidu;

/// <summary>
/// Computes the gradients of an op's inputs from the gradient of its output. Receives the node, so it can read
/// the tensors and arguments the forward saved, and returns one gradient per input (null where none flows).
/// A gradient may have the output's broadcast shape; the engine sums it back to the input's shape.
/// </summary>
public delegate Tensor?[] BackwardFunction(GradFn node, Tensor gradOutput);

/// <summary>
/// A node of the backward graph: the op that produced a tensor, the inputs to send gradients to, and the
/// tensors the backward needs (checked against in-place changes through their version counters).
/// </summary>
public sealed class GradFn
{
    private BackwardFunction? backward;
    private Tensor?[] saved;
    // the versions of the saved tensors when they were saved: the first two in fields (nearly every op saves at
    // most two), the rest in an array, so recording an op allocates no version array
    private readonly int savedVersion0, savedVersion1;
    private readonly int[]? moreSavedVersions;

    internal GradFn(string name, Tensor?[] inputs, Tensor?[] saved, BackwardFunction backward)
    {
        Name = name;
        Inputs = inputs;
        this.saved = saved;
        this.backward = backward;
        if (saved.Length > 0) savedVersion0 = VersionOf(saved[0]);
        if (saved.Length > 1) savedVersion1 = VersionOf(saved[1]);
        if (saved.Length > 2)
        {
            moreSavedVersions = new int[saved.Length - 2];
            for (int i = 2; i < saved.Length; i++) moreSavedVersions[i - 2] = VersionOf(saved[i]);
        }

        static int VersionOf(Tensor? t) => t?.version.Value ?? 0;
    }

    private int SavedVersion(int i) => i switch
    {
        0 => savedVersion0,
        1 => savedVersion1,
        _ => moreSavedVersions![i - 2],
    };

    /// <summary>The op's name, e.g. "Mul" (PyTorch shows <c>MulBackward0</c>).</summary>
    public string Name { get; }

    /// <summary>The inputs of the op, in order; null for inputs that do not require grad.</summary>
    internal Tensor?[] Inputs { get; }

    /// <summary>Integer arguments of the forward (dims, sizes) that the backward needs.</summary>
    internal int[] Ints { get; init; } = [];

    /// <summary>A scalar argument of the forward (exponent, slope…) that the backward needs.</summary>
    internal double Scalar { get; init; }

    /// <summary>A flag argument of the forward (keepDim…).</summary>
    internal bool Flag { get; init; }

    /// <summary>Set by <see cref="Tensor.RetainGrad"/>: the output whose gradient must be kept.</summary>
    internal Tensor? RetainedOutput { get; set; }

    /// <summary>Where user code created this node; captured only in <see cref="AnomalyMode"/>.</summary>
    internal OpSite? Site { get; set; }

    /// <summary>
    /// Where user code created the op, "File.cs:42 in Type.Method"; null unless the op was recorded in
    /// <see cref="AnomalyMode"/>.
    /// </summary>
    public string? CreationSite => Site?.ToString();

    /// <summary>True once a backward without retainGraph has released the saved tensors.</summary>
    public bool IsFreed => backward is null;

    /// <summary>The saved tensor <paramref name="i"/>, after checking it was not modified in place since it was saved.</summary>
    internal Tensor Saved(int i)
    {
        var t = saved[i] ?? throw new InvalidOperationException($"{Name} backward asked for saved tensor {i}, which the forward did not save.");
        int expected = SavedVersion(i);
        if (t.version.Value != expected)
            throw new InvalidOperationException(
                $"One of the tensors needed for gradient computation has been modified by an in-place operation: " +
                $"the {t.DType} tensor of shape {ShapeUtil.Format(t.shape)} saved by {Name} is at version {t.version.Value}; " +
                $"expected version {expected} instead. Modify a copy (Clone()) or do the in-place change after Backward()" +
                (Site is null ? "; to see the line that created this op, run the forward inside AnomalyMode.Enable()." : "."));
        return t;
    }

    internal Tensor?[] Apply(Tensor gradOutput)
    {
        var fn = backward ?? throw new InvalidOperationException(
            $"Trying to backward through the graph a second time (the buffers saved by {Name} have already been freed). " +
            "Pass retainGraph: true to the first Backward() if you need to backward through it again.");
        return fn(this, gradOutput);
    }

    internal void Release()
    {
        backward = null;
        saved = [];
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}Backward";
}
