using Tidu.Diagnostics;

namespace Tidu;

/// <summary>Connects op results to the backward graph. Every differentiable op calls one of these.</summary>
internal static class Autograd
{
    /// <summary>True when an op on these inputs must be recorded.</summary>
    internal static bool Needs(Tensor a) => a.RequiresGrad && GradMode.IsEnabled;

    internal static bool Needs(Tensor a, Tensor b) => (a.RequiresGrad || b.RequiresGrad) && GradMode.IsEnabled;

    /// <summary>Records a unary op; <paramref name="saved"/> are the tensors its backward reads through <c>node.Saved(i)</c>.</summary>
    internal static Tensor Record(Tensor result, string name, Tensor input, BackwardFunction backward,
        Tensor?[]? saved = null, int[]? ints = null, double scalar = 0, bool flag = false)
    {
        // anomaly mode checks every op, recorded or not; outside it this is the one static-field read an op pays
        if (AnomalyMode.MaybeActive) AnomalyChecks.CheckForward(result, name, input);
        if (!Needs(input)) return result;
        return Attach(result, new GradFn(name, [input], saved ?? [], backward) { Ints = ints ?? [], Scalar = scalar, Flag = flag });
    }

    /// <summary>Records a binary op; inputs that do not require grad receive no gradient.</summary>
    internal static Tensor Record(Tensor result, string name, Tensor a, Tensor b, BackwardFunction backward,
        Tensor?[]? saved = null, int[]? ints = null, double scalar = 0)
    {
        if (AnomalyMode.MaybeActive) AnomalyChecks.CheckForward(result, name, a, b);
        if (!Needs(a, b)) return result;
        return Attach(result, new GradFn(name, [a.RequiresGrad ? a : null, b.RequiresGrad ? b : null], saved ?? [], backward) { Ints = ints ?? [], Scalar = scalar });
    }

    /// <summary>Records an op with any number of inputs.</summary>
    internal static Tensor Record(Tensor result, string name, Tensor[] inputs, BackwardFunction backward,
        Tensor?[]? saved = null, int[]? ints = null)
    {
        if (AnomalyMode.MaybeActive) AnomalyChecks.CheckForward(result, name, inputs);
        if (!GradMode.IsEnabled) return result;
        bool any = false;
        var edges = new Tensor?[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].RequiresGrad) { edges[i] = inputs[i]; any = true; }
        }
        if (!any) return result;
        return Attach(result, new GradFn(name, edges, saved ?? [], backward) { Ints = ints ?? [] });
    }

    private static Tensor Attach(Tensor result, GradFn node)
    {
        if (!result.DType.IsFloatingPoint()) return result; // integer results (argmax, masks) carry no gradient
        // anomaly mode remembers the user's line that created the node, for backward errors (PyTorch's forward traceback)
        if (AnomalyMode.MaybeActive && AnomalyMode.IsEnabled) node.Site = OpSite.Capture();
        result.gradFn = node;
        result.SetRequiresGradFromOp();
        return result;
    }
}

public sealed partial class Tensor
{
    internal void SetRequiresGradFromOp() => requiresGrad = true;
}
