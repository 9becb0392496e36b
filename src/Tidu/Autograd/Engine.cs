using Tidu.Diagnostics;

namespace Tidu;

/// <summary>
/// Reverse-mode differentiation: sorts the graph below a root topologically, seeds the root's gradient and
/// runs each node's backward once, after all gradients flowing into it have been summed.
/// </summary>
internal static class Engine
{
    internal static void Run(Tensor root, Tensor gradient, bool retainGraph)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException(
                "Backward: the tensor does not require grad and has no GradFn. Set RequiresGrad = true on the leaves you want gradients for.");

        using var _ = Tensor.NoGrad(); // gradients are computed without recording (no double backward)
        if (AnomalyMode.MaybeActive)
        {
            // the ops computing gradients are checked per node, under the node's name, not as forward ops. Outside
            // anomaly mode nothing can turn it on during the pass (no user code runs in it), so the thread-local
            // bookkeeping is skipped.
            using var __ = AnomalyMode.EnterBackward();
            Run(root, gradient, retainGraph, AnomalyMode.ChecksBackward);
        }
        else
        {
            Run(root, gradient, retainGraph, checkGradients: false);
        }
    }

    private static void Run(Tensor root, Tensor gradient, bool retainGraph, bool checkGradients)
    {
        if (root.gradFn is null)
        {
            Accumulate(root, gradient);
            return;
        }

        // the traversal's collections are reused from the previous backward on this thread (a backward run from
        // inside a backward, e.g. a hook, gets fresh ones): a training step then allocates none of them
        var scratch = cachedScratch ?? new Scratch();
        cachedScratch = null;
        try
        {
            Run(root.gradFn, gradient, retainGraph, checkGradients, scratch);
        }
        finally
        {
            scratch.Clear();
            cachedScratch = scratch;
        }
    }

    [ThreadStatic] private static Scratch? cachedScratch;

    /// <summary>
    /// Up to this many nodes, the pass finds a node by scanning a list rather than hashing: for a small graph a few
    /// reference compares cost less than a set and a dictionary (in a chain, the node looked for is the next one).
    /// </summary>
    private const int SmallGraph = 32;

    /// <summary>The collections of one backward pass.</summary>
    private sealed class Scratch
    {
        /// <summary>The nodes in topological order (built as a post-order, then reversed).</summary>
        internal readonly List<GradFn> Order = [];

        /// <summary>The nodes the traversal has reached, while there are at most <see cref="SmallGraph"/>.</summary>
        internal readonly List<GradFn> Seen = [];

        /// <summary>The nodes the traversal has reached, once there are more than <see cref="SmallGraph"/>.</summary>
        internal readonly HashSet<GradFn> Visited = new(ReferenceEqualityComparer.Instance);

        /// <summary>Each node's position in the order, for graphs of more than <see cref="SmallGraph"/> nodes.</summary>
        internal readonly Dictionary<GradFn, int> Position = new(ReferenceEqualityComparer.Instance);

        /// <summary>The gradient summed so far for the output of the node at the same position in the order.</summary>
        internal Tensor?[] Pending = new Tensor?[SmallGraph];

        internal readonly Stack<(GradFn Node, int Next)> Stack = new();

        // clearing drops every reference, so nothing of the graph outlives the pass through the cache
        internal void Clear()
        {
            Array.Clear(Pending, 0, Math.Min(Order.Count, Pending.Length));
            Order.Clear();
            Seen.Clear();
            Visited.Clear();
            Position.Clear();
            Stack.Clear();
        }
    }

    private static void Run(GradFn rootNode, Tensor gradient, bool retainGraph, bool checkGradients, Scratch scratch)
    {
        var order = TopologicalOrder(rootNode, scratch);
        int count = order.Count;
        if (scratch.Pending.Length < count) scratch.Pending = new Tensor?[Math.Max(count, 2 * scratch.Pending.Length)];
        var pending = scratch.Pending;
        if (count > SmallGraph)
            for (int i = 0; i < count; i++) scratch.Position.Add(order[i], i);
        pending[0] = gradient;
        for (int at = 0; at < count; at++)
        {
            var g = pending[at];
            if (g is null) continue; // no gradient reached this node
            pending[at] = null;
            var node = order[at];
            if (node.RetainedOutput is { } retained) Accumulate(retained, g);
            Tensor?[] inputGrads;
            try
            {
                inputGrads = node.Apply(g);
            }
            catch (InvalidOperationException e) when (node.Site is not null && AnomalyMode.IsEnabled)
            {
                throw AnomalyChecks.WithCreationSite(e, node); // anomaly mode: say which forward line built the failing node
            }
            for (int i = 0; i < node.Inputs.Length; i++)
            {
                var input = node.Inputs[i];
                var ig = i < inputGrads.Length ? inputGrads[i] : null;
                if (input is null || ig is null) continue;
                ig = ReduceToShape(ig, input.shape, node.Name);
                if (checkGradients) AnomalyChecks.CheckGradient(node, i, ig, g);
                if (input.gradFn is null)
                {
                    Accumulate(input, ig);
                }
                else
                {
                    int to = PositionOf(input.gradFn, at, scratch);
                    pending[to] = pending[to] is { } existing ? existing + ig : ig;
                }
            }
            if (!retainGraph) node.Release();
        }
    }

    /// <summary>Where <paramref name="node"/>, which receives gradient from the node at <paramref name="from"/>, sits in the order.</summary>
    private static int PositionOf(GradFn node, int from, Scratch scratch)
    {
        if (scratch.Order.Count > SmallGraph) return scratch.Position[node];
        // a node comes after every node that sends it gradient; in a chain it is the very next one
        var order = scratch.Order;
        for (int i = from + 1; ; i++)
            if (ReferenceEquals(order[i], node)) return i;
    }

    /// <summary>Nodes in an order where every node comes before the nodes it sends gradients to.</summary>
    private static List<GradFn> TopologicalOrder(GradFn root, Scratch scratch)
    {
        if (TryChainOrder(root, scratch.Order)) return scratch.Order;
        var postOrder = scratch.Order;
        var stack = scratch.Stack;
        stack.Push((root, 0));
        MarkVisited(root, scratch);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next < node.Inputs.Length)
            {
                stack.Push((node, next + 1));
                var child = node.Inputs[next]?.gradFn;
                if (child is not null && MarkVisited(child, scratch)) stack.Push((child, 0));
            }
            else
            {
                postOrder.Add(node);
            }
        }
        postOrder.Reverse();
        return postOrder;
    }

    /// <summary>
    /// The order of a chain, where every node sends gradient to at most one other node (a loss over a few
    /// element-wise ops): the nodes as met walking down from the root, with no visited set. Leaves
    /// <paramref name="order"/> empty and returns false at the first node that sends gradient to two others.
    /// </summary>
    private static bool TryChainOrder(GradFn root, List<GradFn> order)
    {
        for (var node = root; node is not null;)
        {
            order.Add(node);
            GradFn? next = null;
            foreach (var input in node.Inputs)
            {
                var child = input?.gradFn;
                if (child is null || ReferenceEquals(child, next)) continue;
                if (next is not null)
                {
                    order.Clear();
                    return false;
                }
                next = child;
            }
            node = next;
        }
        return true;
    }

    /// <summary>Marks a node reached by the traversal; false when it already was.</summary>
    private static bool MarkVisited(GradFn node, Scratch scratch)
    {
        var seen = scratch.Seen;
        var visited = scratch.Visited;
        if (visited.Count == 0)
        {
            if (seen.Count < SmallGraph)
            {
                for (int i = 0; i < seen.Count; i++)
                    if (ReferenceEquals(seen[i], node)) return false;
                seen.Add(node);
                return true;
            }
            visited.UnionWith(seen); // the graph outgrew scanning: hash from here on
        }
        return visited.Add(node);
    }

    /// <summary>Sums a broadcast gradient back to the shape of the input it belongs to.</summary>
    internal static Tensor ReduceToShape(Tensor g, int[] shape, string op)
    {
        if (g.shape.AsSpan().SequenceEqual(shape)) return g;
        int lead = g.Rank - shape.Length;
        if (lead < 0)
            throw new InvalidOperationException($"{op} backward produced a gradient of shape {ShapeUtil.Format(g.shape)} for an input of shape {ShapeUtil.Format(shape)}.");
        int count = 0;
        for (int i = 0; i < g.Rank; i++)
            if (Summed(i)) count++;
        if (count == 0) return g.Reshape(shape);
        var dims = new int[count];
        for (int i = 0, k = 0; i < g.Rank; i++)
            if (Summed(i)) dims[k++] = i;
        return g.Sum(dims, keepDim: true).Reshape(shape);

        // leading dims the input lacks, and dims where the input has size 1 but the gradient does not
        bool Summed(int i) => i < lead || (shape[i - lead] == 1 && g.shape[i] != 1);
    }

    /// <summary>Adds a gradient into a tensor's <see cref="Tensor.Grad"/>, which it owns (never a view of another tensor).</summary>
    private static void Accumulate(Tensor target, Tensor g)
    {
        if (g.DType != target.DType) g = g.To(target.DType);
        if (target.Grad is null)
        {
            // a gradient a backward function made for this input alone becomes the leaf's own without a copy
            if (g.DType == target.DType && g.IsContiguous && g.offset == 0 && g.storage.Length == g.NumberOfElements
                && g.shape.AsSpan().SequenceEqual(target.shape) && g.TakeFreshGradient())
            {
                target.SetGradFromBackward(g);
                return;
            }
            var own = Tensor.Empty(target.DType, target.shape);
            Kernels.Strided.CopyInto(g, own);
            target.SetGradFromBackward(own);
        }
        else
        {
            target.Grad.AddInPlace(g);
        }
    }
}

public sealed partial class Tensor
{
    /// <summary>
    /// Computes the gradient of this scalar with respect to every leaf that requires grad and adds it to their
    /// <see cref="Grad"/> (gradients accumulate, as in PyTorch). The graph is freed afterwards unless
    /// <paramref name="retainGraph"/> is true.
    /// </summary>
    public void Backward(bool retainGraph = false)
    {
        if (NumberOfElements != 1)
            throw new InvalidOperationException(
                $"Backward: grad can be implicitly created only for scalar outputs; this tensor has shape {ShapeUtil.Format(shape)}. " +
                "Pass a gradient of the same shape: Backward(gradient).");
        // the seed 1 as OnesLike makes it, without copying this tensor's shape (Engine only reads it)
        var seed = Empty(DType, shape);
        seed.FillRaw(1.0);
        Engine.Run(this, seed, retainGraph);
    }

    /// <summary>Backward from a non-scalar tensor, given the gradient of some scalar with respect to it.</summary>
    public void Backward(Tensor gradient, bool retainGraph = false)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        if (!gradient.shape.AsSpan().SequenceEqual(shape))
            throw new ArgumentException($"Backward: gradient has shape {ShapeUtil.Format(gradient.shape)} but the tensor has shape {ShapeUtil.Format(shape)}.");
        Engine.Run(this, gradient.Detach(), retainGraph);
    }
}
