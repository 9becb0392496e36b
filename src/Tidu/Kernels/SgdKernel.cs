using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Tidu.Kernels;

/// <summary>The options of one SGD step of one parameter, as doubles (the kernel converts them once).</summary>
/// <param name="Lr">Learning rate γ.</param>
/// <param name="Momentum">μ; 0 means no momentum buffer.</param>
/// <param name="Dampening">τ; the buffer takes (1 − τ)·g.</param>
/// <param name="WeightDecay">L2 penalty λ added to the gradient.</param>
/// <param name="Nesterov">Step along g + μb instead of b.</param>
/// <param name="Maximize">Negate the gradient.</param>
/// <param name="FirstStep">The buffer is new: b = g instead of μb + (1 − τ)g.</param>
internal readonly record struct SgdStep(double Lr, double Momentum, double Dampening, double WeightDecay, bool Nesterov,
    bool Maximize, bool FirstStep);

/// <summary>
/// One SGD step in a single pass over θ, g (and the momentum buffer b). Per element it performs exactly the
/// operations of the in-place sequence in <c>Optim/SGD.cs</c> (same IEEE operations in the element type, same
/// order, scalars converted once), so results are bit-identical to it.
/// </summary>
internal static unsafe class SgdKernel
{
    /// <summary>Updates <paramref name="param"/> and, with momentum, <paramref name="buffer"/> in place.</summary>
    internal static void Step<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> buffer, in SgdStep o)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = param.Length;
        if (grad.Length != n || (o.Momentum != 0 && buffer.Length != n))
            throw new ArgumentException("SgdKernel: operands of different lengths.");
        fixed (T* p = param, g = grad, b = buffer)
            ElementRanges.Run(n, new Kernel<T>(p, g, b, o));
    }

    private readonly struct Kernel<T> : IRangeKernel, IElementSteps where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly T* p, g, b;
        private readonly T negLr, momentum, oneMinusDampening, weightDecay;
        private readonly bool hasMomentum, first, nesterov, l2, maximize;

        internal Kernel(T* p, T* g, T* b, in SgdStep o)
        {
            this.p = p;
            this.g = g;
            this.b = b;
            negLr = C(-o.Lr);
            hasMomentum = o.Momentum != 0;
            momentum = C(o.Momentum);
            oneMinusDampening = C(1 - o.Dampening);
            first = o.FirstStep;
            nesterov = o.Nesterov;
            l2 = o.WeightDecay != 0;
            weightDecay = C(o.WeightDecay);
            maximize = o.Maximize;
        }

        private static T C(double x) => T.CreateTruncating(x);

        public void Run(int start, int count) => ElementSteps.Run<T, Kernel<T>>(this, start, count);

        // The three forms below are the same sequence; the comments in the scalar one name the multi-pass op.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void ScalarStep(int i)
        {
            T gi = g[i];
            if (maximize) gi *= -T.One;                   // g = g·(−1), as mul_(-1)
            if (l2) gi += weightDecay * p[i];             // g.add_(θ, alpha=λ)
            if (hasMomentum)
            {
                T bi = first ? gi : b[i] * momentum;      // b = g.clone() or b.mul_(μ) ...
                if (!first) bi += oneMinusDampening * gi; // ... .add_(g, alpha=1 − τ)
                b[i] = bi;
                gi = nesterov ? gi + momentum * bi : bi;  // g.add(b, alpha=μ) or b
            }
            p[i] += negLr * gi;                           // θ.add_(g, alpha=−γ)
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]

        public void Vector512Step(int i)
        {
            var gi = Vector512.Load(g + i);
            var pi = Vector512.Load(p + i);
            if (maximize) gi *= Vector512.Create(-T.One);
            if (l2) gi += Vector512.Create(weightDecay) * pi;
            if (hasMomentum)
            {
                var bi = first ? gi : Vector512.Load(b + i) * Vector512.Create(momentum);
                if (!first) bi += Vector512.Create(oneMinusDampening) * gi;
                Vector512.Store(bi, b + i);
                gi = nesterov ? gi + Vector512.Create(momentum) * bi : bi;
            }
            Vector512.Store(pi + Vector512.Create(negLr) * gi, p + i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]

        public void VectorStep(int i)
        {
            var gi = Vector.Load(g + i);
            var pi = Vector.Load(p + i);
            if (maximize) gi *= new Vector<T>(-T.One);
            if (l2) gi += new Vector<T>(weightDecay) * pi;
            if (hasMomentum)
            {
                var bi = first ? gi : Vector.Load(b + i) * new Vector<T>(momentum);
                if (!first) bi += new Vector<T>(oneMinusDampening) * gi;
                Vector.Store(bi, b + i);
                gi = nesterov ? gi + new Vector<T>(momentum) * bi : bi;
            }
            Vector.Store(pi + new Vector<T>(negLr) * gi, p + i);
        }
    }
}
