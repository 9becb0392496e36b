namespace Tidu.Tests.Kernels;

/// <summary>
/// Max pooling (the 2×2 stride-2 loop and the general one) against direct loops with PyTorch's CPU rule — a value
/// replaces the running maximum when larger or NaN, so ties keep the first position and the last NaN wins — on
/// inputs full of ties, NaNs and −∞, odd sizes, both dtypes, and one against two threads bit for bit.
/// </summary>
[Collection(ThreadCountCollection.Name)]
public sealed class MaxPoolingKernelTests
{
    /// <summary>Input [N, C, H, W] pooled with kernel, stride, padding, dilation and ceil mode.</summary>
    public sealed record Case(int N, int C, int H, int W, int KH, int KW, int SH, int SW, int PH = 0, int PW = 0, int DH = 1, int DW = 1, bool Ceil = false);

    public static TheoryData<Case> Cases() =>
    [
        new(2, 3, 28, 28, 2, 2, 2, 2),           // the CNN's pooling
        new(1, 1, 5, 7, 2, 2, 2, 2),             // odd sizes: the last row and column belong to no window
        new(5, 63, 9, 4, 2, 2, 2, 2),            // many planes
        new(1, 129, 1, 2, 1, 2, 1, 2),           // single row
        new(3, 5, 65, 63, 2, 2, 2, 2),           // large odd planes
        new(2, 2, 4, 16, 2, 2, 2, 2),            // exactly one group of 8 windows per row
        new(1, 3, 5, 19, 2, 2, 2, 2),            // 9 windows per row: the last group of 8 overlaps the first
        new(1, 2, 4, 15, 2, 2, 2, 2),            // 7 windows per row: groups of 4, the second overlapping
        new(3, 4, 14, 14, 2, 2, 2, 2),           // the CNN's second pooling
        new(2, 2, 8, 8, 2, 2, 2, 2),             // exactly one group of 4
        new(2, 2, 6, 7, 2, 2, 2, 2),             // 3 windows per row: scalar
        new(2, 3, 7, 7, 2, 2, 2, 2, Ceil: true), // ceil mode keeps a partial window: the general loop
        new(2, 2, 9, 8, 3, 3, 2, 2, 1, 1),       // padding
        new(1, 3, 11, 10, 3, 2, 2, 1, 1, 0, 2, 3), // dilation, non-square
        new(2, 2, 6, 6, 2, 2, 1, 1),             // overlapping windows share maxima
        new(127, 1, 3, 3, 3, 3, 3, 3),           // one window per plane
    ];

    /// <summary>Output, in-plane indices and input gradient by direct loops.</summary>
    private static (double[] Y, long[] Idx, double[] Gx, int Oh, int Ow) Naive(Case c, double[] x, Func<int, double> gy)
    {
        int oh = OutSize(c.H, c.KH, c.SH, c.PH, c.DH, c.Ceil), ow = OutSize(c.W, c.KW, c.SW, c.PW, c.DW, c.Ceil);
        int planes = c.N * c.C;
        var y = new double[planes * oh * ow];
        var idx = new long[y.Length];
        var gx = new double[x.Length];
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    double best = double.NegativeInfinity;
                    int at = -1;
                    for (int a = 0; a < c.KH; a++)
                        for (int b = 0; b < c.KW; b++)
                        {
                            int yy = i * c.SH - c.PH + a * c.DH, xx = j * c.SW - c.PW + b * c.DW;
                            if (yy < 0 || yy >= c.H || xx < 0 || xx >= c.W) continue;
                            double v = x[(p * c.H + yy) * c.W + xx];
                            if (at < 0 || v > best || double.IsNaN(v)) { best = v; at = yy * c.W + xx; }
                        }
                    int o = (p * oh + i) * ow + j;
                    y[o] = best;
                    idx[o] = at;
                    gx[p * c.H * c.W + at] += gy(o);
                }
        return (y, idx, gx, oh, ow);
    }

    private static int OutSize(int input, int k, int s, int p, int d, bool ceil)
    {
        int effective = d * (k - 1) + 1;
        int size = ceil ? (int)Math.Ceiling((input + 2 * p - effective) / (double)s) + 1 : (input + 2 * p - effective) / s + 1;
        if (ceil && (size - 1) * s >= input + p) size--;
        return size;
    }

    /// <summary>Values from a handful of levels (many ties), with some NaNs and −∞.</summary>
    private static double[] Input(Case c, int seed)
    {
        var rng = new System.Random(seed);
        var x = new double[c.N * c.C * c.H * c.W];
        for (int i = 0; i < x.Length; i++)
        {
            int r = rng.Next(40);
            x[i] = r == 0 ? double.NaN : r == 1 ? double.NegativeInfinity : rng.Next(6) - 2.5;
        }
        return x;
    }

    private static (Tensor Y, Tensor Idx, Tensor Gx, Tensor YPlain, Tensor GxPlain) Run(Case c, double[] x, double[] gy, DType dtype)
    {
        var xt = Tensor.From(x, c.N, c.C, c.H, c.W).To(dtype).RequiresGradInPlace();
        var (y, idx) = xt.MaxPool2dWithIndices((c.KH, c.KW), (c.SH, c.SW), (c.PH, c.PW), (c.DH, c.DW), c.Ceil);
        y.Backward(Tensor.From(gy, y.Shape).To(dtype));
        var gx = xt.Grad!;
        xt.Grad = null;
        // the plain op (no index tensor) must agree with the indexed one
        var yPlain = xt.MaxPool2d((c.KH, c.KW), (c.SH, c.SW), (c.PH, c.PW), (c.DH, c.DW), c.Ceil);
        yPlain.Backward(Tensor.From(gy, y.Shape).To(dtype));
        return (y.Detach(), idx, gx, yPlain.Detach(), xt.Grad!);
    }

    private static void AssertSame(double[] expected, Tensor actual, string what)
    {
        var values = actual.ToArray<double>();
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(values[i] == expected[i] || double.IsNaN(values[i]) && double.IsNaN(expected[i])))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {values[i]:R}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ValuesIndicesAndGradientsMatchDirectLoops(Case c)
    {
        var x = Input(c, c.GetHashCode());
        var rng = new System.Random(5);
        int oh = OutSize(c.H, c.KH, c.SH, c.PH, c.DH, c.Ceil), ow = OutSize(c.W, c.KW, c.SW, c.PW, c.DW, c.Ceil);
        // small integers: the gradient's sums are exact in both dtypes
        var gy = Enumerable.Range(0, c.N * c.C * oh * ow).Select(_ => (double)rng.Next(-8, 9)).ToArray();
        var expected = Naive(c, x, o => gy[o]);
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            var r = Run(c, x, gy, dtype);
            Assert.Equal([c.N, c.C, expected.Oh, expected.Ow], r.Y.Shape);
            AssertSame(expected.Y, r.Y, $"{dtype} output");
            Assert.Equal(expected.Idx, r.Idx.ToArray<long>());
            AssertSame(expected.Gx, r.Gx, $"{dtype} grad input");
            AssertSame(expected.Y, r.YPlain, $"{dtype} output without indices");
            AssertSame(expected.Gx, r.GxPlain, $"{dtype} grad input without indices");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneAndTwoThreadsGiveBitIdenticalResults(Case c)
    {
        var x = Input(c, c.GetHashCode() + 1);
        var rng = new System.Random(6);
        int oh = OutSize(c.H, c.KH, c.SH, c.PH, c.DH, c.Ceil), ow = OutSize(c.W, c.KW, c.SW, c.PW, c.DW, c.Ceil);
        var gy = Enumerable.Range(0, c.N * c.C * oh * ow).Select(_ => rng.NextDouble() - 0.5).ToArray();
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var one = ThreadCountCollection.With(1, () => Run(c, x, gy, dtype));
            var two = ThreadCountCollection.With(2, () => Run(c, x, gy, dtype));
            Assert.Equal(one.Y.ToArray<double>(), two.Y.ToArray<double>());
            Assert.Equal(one.Idx.ToArray<long>(), two.Idx.ToArray<long>());
            Assert.Equal(one.Gx.ToArray<double>(), two.Gx.ToArray<double>());
        }
    }

    [Fact]
    public void UnbatchedInputPoolsEachChannelAndTiesGoToTheFirstMaximum()
    {
        // one [3, 4] plane: windows (1, 5, 3, 4) and (2, 0, 9, 9) take 5 at index 1 and the first 9 at index 6
        var x = Tensor.From(new double[] { 1, 5, 2, 0, 3, 4, 9, 9, 7, 1, 1, 1 }, 1, 3, 4).RequiresGradInPlace();
        var y = x.MaxPool2d(2);
        Assert.Equal(new double[] { 5, 9 }, y.ToArray<double>());
        y.Sum().Backward();
        Assert.Equal(new double[] { 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 }, x.Grad!.ToArray<double>());
    }
}
