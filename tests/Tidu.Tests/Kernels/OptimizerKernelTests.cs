using System.Numerics;
using System.Runtime.InteropServices;
using Tidu.Kernels;

namespace Tidu.Tests.Kernels;

/// <summary>
/// The vectorised, fused and parallel optimizer kernels against plain scalar loops of the formulas they replaced
/// (one pass per in-place op, each element in the tensor's precision): results must agree bit for bit, on lengths
/// that exercise every vector width and tail, with NaN, ±∞, ±0, subnormal and huge values mixed in, on one thread
/// and on two (300001 elements is above the parallel threshold).
/// </summary>
[Collection(ThreadCountCollection.Name)]
public sealed class OptimizerKernelTests
{
    public static readonly TheoryData<int, int> LengthsAndThreads = Cases();

    private static TheoryData<int, int> Cases()
    {
        var data = new TheoryData<int, int>();
        foreach (int threads in new[] { 1, 2 })
            foreach (int n in new[] { 1, 5, 15, 16, 17, 63, 65, 1000, 300001 })
                data.Add(n, threads);
        return data;
    }

    [Theory]
    [MemberData(nameof(LengthsAndThreads))]
    public void InPlaceUpdatesMatchTheScalarFormulas(int n, int threads) => ThreadCountCollection.With(threads, () =>
    {
        InPlaceUpdates<float>(n);
        InPlaceUpdates<double>(n);
        return 0;
    });

    [Theory]
    [MemberData(nameof(LengthsAndThreads))]
    public void FusedAdamMatchesTheMultiPassSequence(int n, int threads) => ThreadCountCollection.With(threads, () =>
    {
        foreach (bool realistic in new[] { true, false })
        {
            Adam<float>(n, realistic);
            Adam<double>(n, realistic);
        }
        return 0;
    });

    [Theory]
    [MemberData(nameof(LengthsAndThreads))]
    public void FusedSgdMatchesTheMultiPassSequence(int n, int threads) => ThreadCountCollection.With(threads, () =>
    {
        Sgd<float>(n);
        Sgd<double>(n);
        return 0;
    });

    private static void InPlaceUpdates<T>(int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var self = Values<T>(n, 1, realistic: false);
        var a = Values<T>(n, 2, realistic: false);
        var b = Values<T>(n, 3, realistic: false);
        int combo = 0;
        foreach (double alpha in new[] { -0.01, 0.9, 1e-30, 3e38, -1 })
        {
            if (!Sampled(n, combo++)) continue;
            Check("AddScaled", self, a, b, x => x.AddScaledInPlace(Tensor.From(a), alpha), (s, x, _) => s + C<T>(alpha) * x);
            Check("Scale", self, a, b, x => x.ScaleInPlace(alpha), (s, _, _) => s * C<T>(alpha));
            Check("AddScalar", self, a, b, x => x.AddScalarInPlace(alpha), (s, _, _) => s + C<T>(alpha));
            Check("Addcmul", self, a, b, x => x.AddcmulInPlace(Tensor.From(a), Tensor.From(b), alpha), (s, x, y) => s + C<T>(alpha) * x * y);
            Check("Addcdiv", self, a, b, x => x.AddcdivInPlace(Tensor.From(a), Tensor.From(b), alpha), (s, x, y) => s + C<T>(alpha) * x / y);
            Check("AddcdivSqrt", self, a, b, x => x.AddcdivSqrtInPlace(Tensor.From(a), Tensor.From(b), 0.3, 1e-8, alpha),
                (s, x, y) => s + C<T>(alpha) * x / (T.Sqrt(y) / C<T>(0.3) + C<T>(1e-8)));
        }
        foreach (double w in new[] { 0.1, 0.001, 0.5, 0.9, -0.7, 1.5 })
        {
            if (!Sampled(n, combo++)) continue;
            Check("Lerp", self, a, b, x => x.LerpInPlace(Tensor.From(a), w), (s, e, _) =>
            {
                var wt = C<T>(w);
                return T.Abs(wt) < C<T>(0.5) ? s + wt * (e - s) : e - (e - s) * (T.One - wt);
            });
        }
        Check("Maximum", self, a, b, x => x.MaximumInPlace(Tensor.From(a)), (s, x, _) => T.Max(s, x));
        foreach (var (lo, hi) in new[] { (-1.0, 1.0), (2.0, 1.0), (double.NegativeInfinity, 0.0), (-0.0, 0.0), (1e-40, 1e300) })
            Check("Clamp", self, a, b, x => x.ClampInPlace(lo, hi), (s, _, _) => s < C<T>(lo) ? C<T>(lo) : s > C<T>(hi) ? C<T>(hi) : s);
    }

    private static void Check<T>(string what, T[] self, T[] a, T[] b, Action<Tensor> update, Func<T, T, T, T> formula)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var expected = new T[self.Length];
        for (int i = 0; i < self.Length; i++) expected[i] = formula(self[i], a[i], b[i]);
        var t = Tensor.From(self);
        update(t);
        AssertSameBits(expected, t.ToArray<T>(), $"{what}<{typeof(T).Name}>");
    }

    private static void Adam<T>(int n, bool realistic) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var param = Values<T>(n, 10, realistic);
        var grad = Values<T>(n, 11, realistic);
        var m = Values<T>(n, 12, realistic);
        var v = Values<T>(n, 13, realistic, nonNegative: realistic);
        var vMax = Values<T>(n, 14, realistic, nonNegative: realistic);
        int combo = 0;
        foreach (bool decoupled in new[] { false, true })
        foreach (bool amsGrad in new[] { false, true })
        foreach (bool maximize in new[] { false, true })
        foreach (double weightDecay in new[] { 0, 0.01 })
        foreach (double beta1 in new[] { 0.9, 0.3 }) // lerp weight 0.1 from the start, 0.7 from the end
        {
            if (!Sampled(n, combo++)) continue;
            const double lr = 1e-3, beta2 = 0.999, eps = 1e-8;
            double step = 3, stepSize = lr / (1 - Math.Pow(beta1, step)), bc2 = Math.Pow(1 - Math.Pow(beta2, step), 0.5);
            var o = new AdamStep(beta1, beta2, eps, weightDecay, decoupled, 1 - lr * weightDecay, amsGrad, maximize, stepSize, bc2);

            T[] ep = (T[])param.Clone(), em = (T[])m.Clone(), ev = (T[])v.Clone(), eMax = (T[])vMax.Clone();
            AdamReference(ep, grad, em, ev, eMax, o);
            T[] ap = (T[])param.Clone(), am = (T[])m.Clone(), av = (T[])v.Clone(), aMax = (T[])vMax.Clone();
            AdamKernel.Step<T>(ap, grad, am, av, amsGrad ? aMax : default, o);
            string what = $"Adam<{typeof(T).Name}> {o}";
            AssertSameBits(ep, ap, what + " param");
            AssertSameBits(em, am, what + " exp_avg");
            AssertSameBits(ev, av, what + " exp_avg_sq");
            AssertSameBits(eMax, aMax, what + " max_exp_avg_sq");
        }
    }

    // Adam's former sequence of in-place ops, one pass each (Optim/Adam.cs before the fused kernel)
    private static void AdamReference<T>(T[] param, T[] grad, T[] m, T[] v, T[] vMax, AdamStep o) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = param.Length;
        if (o.Decoupled) Pass(param, p => p * C<T>(o.DecayFactor));
        var g = (T[])grad.Clone();
        if (o.Maximize) Pass(g, x => x * C<T>(-1));
        if (!o.Decoupled && o.WeightDecay != 0) for (int i = 0; i < n; i++) g[i] = g[i] + C<T>(o.WeightDecay) * param[i];
        var w = C<T>(1 - o.Beta1);
        for (int i = 0; i < n; i++) m[i] = T.Abs(w) < C<T>(0.5) ? m[i] + w * (g[i] - m[i]) : g[i] - (g[i] - m[i]) * (T.One - w);
        Pass(v, x => x * C<T>(o.Beta2));
        for (int i = 0; i < n; i++) v[i] = v[i] + C<T>(1 - o.Beta2) * g[i] * g[i];
        var second = v;
        if (o.AmsGrad)
        {
            for (int i = 0; i < n; i++) vMax[i] = T.Max(vMax[i], v[i]);
            second = vMax;
        }
        for (int i = 0; i < n; i++)
            param[i] = param[i] + C<T>(-o.StepSize) * m[i] / (T.Sqrt(second[i]) / C<T>(o.BiasCorrection2Sqrt) + C<T>(o.Eps));
    }

    private static void Sgd<T>(int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var param = Values<T>(n, 20, realistic: false);
        var grad = Values<T>(n, 21, realistic: false);
        var buffer = Values<T>(n, 22, realistic: false);
        int combo = 0;
        foreach (double momentum in new[] { 0, 0.9 })
        foreach (double dampening in new[] { 0, 0.1 })
        foreach (bool nesterov in new[] { false, true })
        foreach (bool maximize in new[] { false, true })
        foreach (double weightDecay in new[] { 0, 1e-4 })
        foreach (bool first in new[] { false, true })
        {
            if (momentum == 0 && (dampening != 0 || nesterov || first)) continue;
            if (!Sampled(n, combo++)) continue;
            var o = new SgdStep(0.01, momentum, dampening, weightDecay, nesterov, maximize, first);
            T[] ep = (T[])param.Clone(), eb = (T[])buffer.Clone();
            SgdReference(ep, grad, eb, o);
            T[] ap = (T[])param.Clone(), ab = (T[])buffer.Clone();
            SgdKernel.Step<T>(ap, grad, momentum == 0 ? default : ab, o);
            string what = $"SGD<{typeof(T).Name}> {o}";
            AssertSameBits(ep, ap, what + " param");
            AssertSameBits(eb, ab, what + " momentum_buffer");
        }
    }

    // SGD's former sequence of in-place ops (Optim/SGD.cs before the fused kernel)
    private static void SgdReference<T>(T[] param, T[] grad, T[] buffer, SgdStep o) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = param.Length;
        var g = (T[])grad.Clone();
        if (o.Maximize) Pass(g, x => x * C<T>(-1));
        if (o.WeightDecay != 0) for (int i = 0; i < n; i++) g[i] = g[i] + C<T>(o.WeightDecay) * param[i];
        if (o.Momentum != 0)
        {
            if (o.FirstStep) g.CopyTo(buffer, 0);
            else
            {
                Pass(buffer, x => x * C<T>(o.Momentum));
                for (int i = 0; i < n; i++) buffer[i] = buffer[i] + C<T>(1 - o.Dampening) * g[i];
            }
            if (o.Nesterov) for (int i = 0; i < n; i++) g[i] = g[i] + C<T>(o.Momentum) * buffer[i];
            else g = buffer;
        }
        for (int i = 0; i < n; i++) param[i] = param[i] + C<T>(-o.Lr) * g[i];
    }

    // every combination of options on short spans; on the long one (which checks the split over threads) a fixed
    // sample in which each option is both on and off, to keep the test fast
    private static bool Sampled(int n, int combo) => n <= 1000 || combo % 7 == 0;

    private static void Pass<T>(T[] x, Func<T, T> f)
    {
        for (int i = 0; i < x.Length; i++) x[i] = f(x[i]);
    }

    private static T C<T>(double x) where T : IFloatingPointIeee754<T> => T.CreateTruncating(x);

    /// <summary>
    /// Values of all magnitudes with specials mixed in; <paramref name="realistic"/> keeps to finite numbers of
    /// moderate size (so updates do not drown in NaN), still with zeros of both signs and subnormals.
    /// </summary>
    private static T[] Values<T>(int n, int seed, bool realistic, bool nonNegative = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new System.Random(seed * 7919 + n);
        T max = typeof(T) == typeof(float) ? C<T>(float.MaxValue) : C<T>(double.MaxValue);
        T[] specials = realistic
            ? [T.Zero, T.NegativeZero, T.Epsilon, -T.Epsilon]
            : [T.NaN, -T.NaN, T.PositiveInfinity, T.NegativeInfinity, T.Zero, T.NegativeZero, T.Epsilon, -T.Epsilon,
               max, -max, C<T>(1e-38), C<T>(-3e38)];
        var x = new T[n];
        for (int i = 0; i < n; i++)
        {
            T value = rng.Next(8) == 0
                ? specials[rng.Next(specials.Length)]
                : C<T>((rng.NextDouble() * 2 - 1) * Math.Pow(10, realistic ? rng.Next(-6, 2) : rng.Next(-45, 40)));
            x[i] = nonNegative ? T.Abs(value) : value;
        }
        return x;
    }

    /// <summary>
    /// Same bits everywhere, except that a NaN matches any NaN: when two NaNs of different sign meet, x86 returns the
    /// first operand's, and the JIT may swap the operands of a commutative + or · (in the scalar reference too), so
    /// the sign of such a NaN is not part of anyone's result. The message names the first element that differs.
    /// </summary>
    private static void AssertSameBits<T>(T[] expected, T[] actual, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        var e = MemoryMarshal.AsBytes(expected.AsSpan());
        var a = MemoryMarshal.AsBytes(actual.AsSpan());
        if (e.SequenceEqual(a)) return;
        int size = e.Length / expected.Length;
        for (int i = 0; i < expected.Length; i++)
        {
            if (T.IsNaN(expected[i]) && T.IsNaN(actual[i])) continue;
            if (!e.Slice(i * size, size).SequenceEqual(a.Slice(i * size, size)))
                Assert.Fail($"{what}: element {i} of {expected.Length}: expected {expected[i]} ({Convert.ToHexString(e.Slice(i * size, size))}), got {actual[i]} ({Convert.ToHexString(a.Slice(i * size, size))})");
        }
    }
}
