using Tidu.NN;

namespace Tidu.Tests.Kernels;

/// <summary>
/// The fused training-mode batch normalisation (forward, batch statistics, and the gradients of input, weight and
/// bias) against the textbook formulas in double, on awkward shapes and an input far from zero mean, in both dtypes,
/// and with one and two threads bit for bit.
/// </summary>
[Collection(ThreadCountCollection.Name)]
public sealed class BatchNormKernelTests
{
    /// <summary>Input [N, C, S]; Offset is added to every input value (a mean far from 0).</summary>
    public sealed record Case(int N, int C, int S, bool Affine = true, double Offset = 0);

    public static TheoryData<Case> Cases() =>
    [
        new(128, 3, 28 * 28),
        new(2, 1, 1),
        new(1, 5, 63),
        new(5, 63, 5, Affine: false),
        new(3, 65, 129),
        new(7, 2, 127, Offset: 1000),
        new(1, 1, 2, Affine: false, Offset: -3),
    ];

    private static double[] Random(System.Random rng, int length, double offset = 0, double scale = 1)
    {
        var v = new double[length];
        for (int i = 0; i < length; i++) v[i] = offset + scale * (rng.NextDouble() * 2 - 1);
        return v;
    }

    /// <summary>Output, mean, biased variance and the three gradients by the textbook formulas.</summary>
    private static (double[] Y, double[] Mean, double[] Var, double[] Gx, double[] Gw, double[] Gb) Naive(Case c, double[] x, double[]? w, double[]? b, double[] gy, double eps)
    {
        int m = c.N * c.S;
        var y = new double[x.Length]; var gx = new double[x.Length];
        var mean = new double[c.C]; var variance = new double[c.C]; var gw = new double[c.C]; var gb = new double[c.C];
        int At(int i, int ch, int k) => (i * c.C + ch) * c.S + k;
        for (int ch = 0; ch < c.C; ch++)
        {
            double sum = 0, sq = 0;
            for (int i = 0; i < c.N; i++) for (int k = 0; k < c.S; k++) sum += x[At(i, ch, k)];
            mean[ch] = sum / m;
            for (int i = 0; i < c.N; i++) for (int k = 0; k < c.S; k++) sq += Math.Pow(x[At(i, ch, k)] - mean[ch], 2);
            variance[ch] = sq / m;
            double inv = 1 / Math.Sqrt(variance[ch] + eps), gamma = w?[ch] ?? 1, sumDy = 0, sumDyXhat = 0;
            for (int i = 0; i < c.N; i++)
                for (int k = 0; k < c.S; k++)
                {
                    double xhat = (x[At(i, ch, k)] - mean[ch]) * inv;
                    y[At(i, ch, k)] = xhat * gamma + (b?[ch] ?? 0);
                    sumDy += gy[At(i, ch, k)];
                    sumDyXhat += gy[At(i, ch, k)] * xhat;
                }
            gw[ch] = sumDyXhat; gb[ch] = sumDy;
            for (int i = 0; i < c.N; i++)
                for (int k = 0; k < c.S; k++)
                {
                    double xhat = (x[At(i, ch, k)] - mean[ch]) * inv;
                    gx[At(i, ch, k)] = gamma * inv / m * (m * gy[At(i, ch, k)] - sumDy - xhat * sumDyXhat);
                }
        }
        return (y, mean, variance, gx, gw, gb);
    }

    private static (Tensor Y, Tensor Mean, Tensor Var, Tensor Gx, Tensor? Gw, Tensor? Gb) Run(Case c, double[] x, double[]? w, double[]? b, double[] gy, DType dtype)
    {
        var xt = Tensor.From(x, c.N, c.C, c.S).To(dtype).RequiresGradInPlace();
        var wt = w is null ? null : Tensor.From(w, c.C).To(dtype).RequiresGradInPlace();
        var bt = b is null ? null : Tensor.From(b, c.C).To(dtype).RequiresGradInPlace();
        var runningMean = Tensor.Zeros([c.C], dtype);
        var runningVar = Tensor.Ones([c.C], dtype);
        var y = Functional.BatchNorm(xt, runningMean, runningVar, wt, bt, training: true, momentum: 1.0);
        y.Backward(Tensor.From(gy, c.N, c.C, c.S).To(dtype));
        return (y.Detach(), runningMean, runningVar, xt.Grad!, wt?.Grad, bt?.Grad);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutputStatisticsAndGradientsMatchTheFormulas(Case c)
    {
        var rng = new System.Random(c.GetHashCode());
        var x = Random(rng, c.N * c.C * c.S, c.Offset);
        var w = c.Affine ? Random(rng, c.C, 1, 0.5) : null;
        var b = c.Affine ? Random(rng, c.C) : null;
        var gy = Random(rng, x.Length);
        var expected = Naive(c, x, w, b, gy, 1e-5);
        int m = c.N * c.S;
        foreach (var (dtype, tolerance) in new[] { (DType.Float64, 1e-9), (DType.Float32, 2e-3) })
        {
            // float32 inputs are rounded first; the reference must see the same values
            var xr = Tensor.From(x, x.Length).To(dtype).ToArray<double>();
            var reference = dtype == DType.Float64 ? expected : Naive(c, xr, w, b, gy, 1e-5);
            var r = Run(c, x, w, b, gy, dtype);
            double sumScale = dtype == DType.Float64 ? 1 : Math.Sqrt(m);
            KernelAssert.Close(reference.Y, r.Y, tolerance, $"{dtype} output");
            KernelAssert.Close(reference.Mean, r.Mean, tolerance, $"{dtype} mean");
            // the running variance (momentum 1) is the unbiased batch variance
            if (m > 1) KernelAssert.Close(reference.Var.Select(v => v * m / (m - 1)).ToArray(), r.Var, tolerance, $"{dtype} variance");
            KernelAssert.Close(reference.Gx, r.Gx, tolerance, $"{dtype} grad input");
            if (c.Affine)
            {
                KernelAssert.Close(reference.Gw, r.Gw!, tolerance * sumScale, $"{dtype} grad weight");
                KernelAssert.Close(reference.Gb, r.Gb!, tolerance * sumScale, $"{dtype} grad bias");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneAndTwoThreadsGiveBitIdenticalResults(Case c)
    {
        var rng = new System.Random(c.GetHashCode() + 1);
        var x = Random(rng, c.N * c.C * c.S, c.Offset);
        var w = c.Affine ? Random(rng, c.C, 1, 0.5) : null;
        var b = c.Affine ? Random(rng, c.C) : null;
        var gy = Random(rng, x.Length);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var one = ThreadCountCollection.With(1, () => Run(c, x, w, b, gy, dtype));
            var two = ThreadCountCollection.With(2, () => Run(c, x, w, b, gy, dtype));
            Assert.Equal(one.Y.ToArray<double>(), two.Y.ToArray<double>());
            Assert.Equal(one.Mean.ToArray<double>(), two.Mean.ToArray<double>());
            Assert.Equal(one.Var.ToArray<double>(), two.Var.ToArray<double>());
            Assert.Equal(one.Gx.ToArray<double>(), two.Gx.ToArray<double>());
            if (c.Affine)
            {
                Assert.Equal(one.Gw!.ToArray<double>(), two.Gw!.ToArray<double>());
                Assert.Equal(one.Gb!.ToArray<double>(), two.Gb!.ToArray<double>());
            }
        }
    }

    /// <summary>
    /// The single-pass element kernels perform the same operations as the TensorPrimitives chains they replaced
    /// (subtract, multiply, add; multiply-add not fused), so the output and input gradient are bit for bit the same;
    /// lengths cover whole 512-bit vectors and every tail.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(63)]
    [InlineData(784)]
    public void SinglePassStepsMatchTheTensorPrimitivesChainsBitForBit(int s)
    {
        Check<float>(s);
        Check<double>(s);

        static void Check<T>(int s) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var rng = new System.Random(s);
            T R() => T.CreateTruncating(rng.NextDouble() * 20 - 7);
            var x = Enumerable.Range(0, s).Select(_ => R()).ToArray();
            var dy = Enumerable.Range(0, s).Select(_ => R()).ToArray();
            T mean = R(), scale = R(), shift = R(), a = R(), b = R(), c = R();
            var centred = new T[s];
            var expectedY = new T[s];
            System.Numerics.Tensors.TensorPrimitives.Subtract(x, mean, centred);
            System.Numerics.Tensors.TensorPrimitives.Multiply(centred, scale, centred);
            System.Numerics.Tensors.TensorPrimitives.Add(centred, shift, expectedY);
            var expectedDx = new T[s];
            System.Numerics.Tensors.TensorPrimitives.Subtract(x, mean, centred);
            System.Numerics.Tensors.TensorPrimitives.Multiply(centred, b, centred);
            System.Numerics.Tensors.TensorPrimitives.Add(centred, c, centred);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(dy, a, centred, expectedDx);
            var y = new T[s];
            var dx = new T[s];
            Tidu.Kernels.BatchNormSteps.Normalize<T>(x, y, mean, scale, shift);
            Tidu.Kernels.BatchNormSteps.InputGradient<T>(x, dy, dx, mean, a, b, c);
            Assert.Equal(expectedY, y);
            Assert.Equal(expectedDx, dx);
        }
    }
}
