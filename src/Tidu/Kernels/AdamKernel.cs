using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Tidu.Kernels;

/// <summary>The options of one Adam/AdamW step of one parameter, as doubles (the kernel converts them once).</summary>
/// <param name="Beta1">β₁; the first moment is lerped towards g with weight 1 − β₁.</param>
/// <param name="Beta2">β₂.</param>
/// <param name="Eps">ε, added to √v / √(1 − β₂ᵗ).</param>
/// <param name="WeightDecay">L2 penalty λ added to the gradient (Adam); ignored when <paramref name="Decoupled"/>.</param>
/// <param name="Decoupled">AdamW: θ is first multiplied by <paramref name="DecayFactor"/>.</param>
/// <param name="DecayFactor">1 − γλ for AdamW.</param>
/// <param name="AmsGrad">Keep and use the running maximum of v.</param>
/// <param name="Maximize">Negate the gradient.</param>
/// <param name="StepSize">γ / (1 − β₁ᵗ).</param>
/// <param name="BiasCorrection2Sqrt">√(1 − β₂ᵗ).</param>
internal readonly record struct AdamStep(double Beta1, double Beta2, double Eps, double WeightDecay, bool Decoupled,
    double DecayFactor, bool AmsGrad, bool Maximize, double StepSize, double BiasCorrection2Sqrt);

/// <summary>
/// One Adam/AdamW step in a single pass over θ, g, m, v (and v_max): the memory traffic of the update, about 28
/// bytes per float parameter, instead of a pass per in-place op. Per element it performs exactly the operations of
/// the multi-pass form in <c>Optim/Adam.cs</c> (each as an IEEE operation in the element type, same order, scalars
/// converted once), so results are bit-identical to it and to PyTorch's single-tensor Adam.
/// </summary>
internal static unsafe class AdamKernel
{
    /// <summary>Updates <paramref name="param"/>, <paramref name="expAvg"/>, <paramref name="expAvgSq"/> and, with AMSGrad, <paramref name="maxExpAvgSq"/> in place.</summary>
    internal static void Step<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expAvgSq, Span<T> maxExpAvgSq, in AdamStep o)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = param.Length;
        if (grad.Length != n || expAvg.Length != n || expAvgSq.Length != n || (o.AmsGrad && maxExpAvgSq.Length != n))
            throw new ArgumentException("AdamKernel: operands of different lengths.");
        fixed (T* p = param, g = grad, m = expAvg, v = expAvgSq, vMax = maxExpAvgSq)
            ElementRanges.Run(n, new Kernel<T>(p, g, m, v, vMax, o));
    }

    private readonly struct Kernel<T> : IRangeKernel, IElementSteps where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly T* p, g, m, v, vMax;
        private readonly T decay, weightDecay, lerpWeight, oneMinusLerpWeight, beta2, oneMinusBeta2, negStepSize, scale, eps;
        private readonly bool decoupled, l2, maximize, lerpFromStart, amsGrad;

        internal Kernel(T* p, T* g, T* m, T* v, T* vMax, in AdamStep o)
        {
            this.p = p;
            this.g = g;
            this.m = m;
            this.v = v;
            this.vMax = vMax;
            decoupled = o.Decoupled;
            decay = C(o.DecayFactor);
            l2 = !o.Decoupled && o.WeightDecay != 0;
            weightDecay = C(o.WeightDecay);
            maximize = o.Maximize;
            // m.lerp_(g, 1 − β₁): PyTorch's lerp picks its form from the weight, once
            lerpWeight = C(1 - o.Beta1);
            lerpFromStart = T.Abs(lerpWeight) < C(0.5);
            oneMinusLerpWeight = T.One - lerpWeight;
            beta2 = C(o.Beta2);
            oneMinusBeta2 = C(1 - o.Beta2);
            negStepSize = C(-o.StepSize);
            scale = C(o.BiasCorrection2Sqrt);
            eps = C(o.Eps);
            amsGrad = o.AmsGrad;
        }

        private static T C(double x) => T.CreateTruncating(x);

        public void Run(int start, int count) => ElementSteps.Run<T, Kernel<T>>(this, start, count);

        // The three forms below are the same sequence; the comments in the scalar one name the multi-pass op.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void ScalarStep(int i)
        {
            T pi = p[i], gi = g[i];
            if (decoupled) pi *= decay;                          // θ.mul_(1 − γλ)
            if (maximize) gi *= -T.One;                          // g = g·(−1), as mul_(-1)
            if (l2) gi += weightDecay * pi;                      // g.add_(θ, alpha=λ)
            T mi = m[i];
            mi = lerpFromStart ? mi + lerpWeight * (gi - mi) : gi - (gi - mi) * oneMinusLerpWeight; // m.lerp_(g, 1 − β₁)
            T vi = v[i] * beta2;                                 // v.mul_(β₂)
            vi += oneMinusBeta2 * gi * gi;                       // v.addcmul_(g, g, 1 − β₂)
            T s = vi;
            if (amsGrad) vMax[i] = s = T.Max(vMax[i], vi);       // torch.maximum(v_max, v, out=v_max)
            pi += negStepSize * mi / (T.Sqrt(s) / scale + eps); // θ.addcdiv_(m, √s/√(1 − β₂ᵗ) + ε, −γ/(1 − β₁ᵗ))
            m[i] = mi;
            v[i] = vi;
            p[i] = pi;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]

        public void Vector512Step(int i)
        {
            var pi = Vector512.Load(p + i);
            var gi = Vector512.Load(g + i);
            if (decoupled) pi *= Vector512.Create(decay);
            if (maximize) gi *= Vector512.Create(-T.One);
            if (l2) gi += Vector512.Create(weightDecay) * pi;
            var mi = Vector512.Load(m + i);
            mi = lerpFromStart ? mi + Vector512.Create(lerpWeight) * (gi - mi) : gi - (gi - mi) * Vector512.Create(oneMinusLerpWeight);
            var vi = Vector512.Load(v + i) * Vector512.Create(beta2);
            vi += Vector512.Create(oneMinusBeta2) * gi * gi;
            var s = vi;
            if (amsGrad)
            {
                s = Vector512.Max(Vector512.Load(vMax + i), vi);
                Vector512.Store(s, vMax + i);
            }
            pi += Vector512.Create(negStepSize) * mi / (Vector512.Sqrt(s) / Vector512.Create(scale) + Vector512.Create(eps));
            Vector512.Store(mi, m + i);
            Vector512.Store(vi, v + i);
            Vector512.Store(pi, p + i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]

        public void VectorStep(int i)
        {
            var pi = Vector.Load(p + i);
            var gi = Vector.Load(g + i);
            if (decoupled) pi *= new Vector<T>(decay);
            if (maximize) gi *= new Vector<T>(-T.One);
            if (l2) gi += new Vector<T>(weightDecay) * pi;
            var mi = Vector.Load(m + i);
            mi = lerpFromStart ? mi + new Vector<T>(lerpWeight) * (gi - mi) : gi - (gi - mi) * new Vector<T>(oneMinusLerpWeight);
            var vi = Vector.Load(v + i) * new Vector<T>(beta2);
            vi += new Vector<T>(oneMinusBeta2) * gi * gi;
            var s = vi;
            if (amsGrad)
            {
                s = Vector.Max(Vector.Load(vMax + i), vi);
                Vector.Store(s, vMax + i);
            }
            pi += new Vector<T>(negStepSize) * mi / (Vector.SquareRoot(s) / new Vector<T>(scale) + new Vector<T>(eps));
            Vector.Store(mi, m + i);
            Vector.Store(vi, v + i);
            Vector.Store(pi, p + i);
        }
    }
}
