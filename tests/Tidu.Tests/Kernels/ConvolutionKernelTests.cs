using Tidu.Kernels;

namespace Tidu.Tests.Kernels;

/// <summary>
/// The chunked im2col + GEMM convolution (forward and all three gradients) against direct loops, on shapes chosen
/// to hit the chunking's edges (one sample, a partial last chunk, chunks of one sample because an image is large),
/// in both dtypes and with one and two threads, whose results must agree bit for bit.
/// </summary>
[Collection(ThreadCountCollection.Name)]
public sealed class ConvolutionKernelTests
{
    /// <summary>One convolution: input [N, C, H, W], weight [OC, C/groups, kH, kW].</summary>
    public sealed record Case(int N, int C, int H, int W, int OC, int KH, int KW, int SH = 1, int SW = 1, int PH = 0, int PW = 0,
        int DH = 1, int DW = 1, int Groups = 1, bool Bias = true)
    {
        public int OH => (H + 2 * PH - DH * (KH - 1) - 1) / SH + 1;
        public int OW => (W + 2 * PW - DW * (KW - 1) - 1) / SW + 1;
    }

    public static TheoryData<Case> Cases() =>
    [
        new(1, 1, 28, 28, 32, 3, 3, PH: 1, PW: 1),                   // the CNN's first layer, one sample
        new(5, 1, 28, 28, 32, 3, 3, PH: 1, PW: 1),                   // ... a partial last chunk
        new(65, 3, 5, 6, 4, 3, 3, PH: 1, PW: 1),                     // many chunks of small images
        new(129, 2, 3, 3, 3, 2, 2),                                  // 1 × 1 outputs... 2 × 2 here, odd batch
        new(3, 5, 7, 9, 63, 3, 3, SH: 2, SW: 1, PH: 1, PW: 2),       // stride, unequal padding
        new(2, 4, 11, 13, 6, 3, 2, DH: 2, DW: 3, PH: 2, PW: 1),      // dilation
        new(4, 6, 9, 8, 10, 3, 3, PH: 1, PW: 1, Groups: 2),          // groups
        new(3, 4, 7, 7, 8, 3, 3, PH: 1, PW: 1, Groups: 4, Bias: false), // depthwise with a channel multiplier
        new(6, 5, 4, 6, 7, 1, 1),                                    // pointwise
        new(2, 3, 5, 5, 4, 1, 1, SH: 2, SW: 2, PH: 1, PW: 1),        // 1 × 1 with stride and padding
        new(3, 2, 50, 47, 5, 3, 3, PH: 1, PW: 1),                    // one image exceeds the chunk's column target
        new(2, 17, 33, 31, 3, 5, 5, PH: 2, PW: 2, Bias: false),      // one image's columns exceed the chunk's memory cap
        new(7, 3, 1, 9, 2, 1, 3, SW: 2, PW: 1),                      // single-row input
        new(1, 2, 5, 5, 1, 5, 5),                                    // kernel as large as the input, one output
    ];

    private static double[] Random(System.Random rng, int length)
    {
        var v = new double[length];
        for (int i = 0; i < length; i++) v[i] = rng.NextDouble() * 2 - 1;
        return v;
    }

    /// <summary>The output and the three gradients, by direct loops in double.</summary>
    private static (double[] Y, double[] Gx, double[] Gw, double[] Gb) Naive(Case c, double[] x, double[] w, double[]? b, double[] gy)
    {
        int icg = c.C / c.Groups, ocg = c.OC / c.Groups, oh = c.OH, ow = c.OW;
        var y = new double[c.N * c.OC * oh * ow];
        var gx = new double[x.Length];
        var gw = new double[w.Length];
        var gb = new double[c.OC];
        for (int s = 0; s < c.N; s++)
            for (int o = 0; o < c.OC; o++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        int at = ((s * c.OC + o) * oh + i) * ow + j;
                        double sum = b?[o] ?? 0, g = gy[at];
                        gb[o] += g;
                        for (int ci = 0; ci < icg; ci++)
                            for (int ki = 0; ki < c.KH; ki++)
                                for (int kj = 0; kj < c.KW; kj++)
                                {
                                    int yy = i * c.SH - c.PH + ki * c.DH, xx = j * c.SW - c.PW + kj * c.DW;
                                    if (yy < 0 || yy >= c.H || xx < 0 || xx >= c.W) continue;
                                    int xi = ((s * c.C + o / ocg * icg + ci) * c.H + yy) * c.W + xx;
                                    int wi = ((o * icg + ci) * c.KH + ki) * c.KW + kj;
                                    sum += x[xi] * w[wi];
                                    gx[xi] += g * w[wi];
                                    gw[wi] += g * x[xi];
                                }
                        y[at] = sum;
                    }
        return (y, gx, gw, gb);
    }

    /// <summary>Conv2d forward and backward through the public op, in <paramref name="dtype"/>.</summary>
    private static (Tensor Y, Tensor Gx, Tensor Gw, Tensor? Gb) Run(Case c, double[] x, double[] w, double[]? b, double[] gy, DType dtype)
    {
        var xt = Tensor.From(x, c.N, c.C, c.H, c.W).To(dtype).RequiresGradInPlace();
        var wt = Tensor.From(w, c.OC, c.C / c.Groups, c.KH, c.KW).To(dtype).RequiresGradInPlace();
        var bt = b is null ? null : Tensor.From(b, c.OC).To(dtype).RequiresGradInPlace();
        var y = xt.Conv2d(wt, bt, (c.SH, c.SW), (c.PH, c.PW), (c.DH, c.DW), c.Groups);
        y.Backward(Tensor.From(gy, y.Shape).To(dtype));
        return (y.Detach(), xt.Grad!, wt.Grad!, bt?.Grad);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndGradientsMatchDirectLoopsInBothDtypes(Case c)
    {
        var rng = new System.Random(c.GetHashCode());
        var x = Random(rng, c.N * c.C * c.H * c.W);
        var w = Random(rng, c.OC * (c.C / c.Groups) * c.KH * c.KW);
        var b = c.Bias ? Random(rng, c.OC) : null;
        var gy = Random(rng, c.N * c.OC * c.OH * c.OW);
        var (y, gx, gw, gb) = Naive(c, x, w, b, gy);
        foreach (var (dtype, tolerance) in new[] { (DType.Float64, 1e-12), (DType.Float32, 2e-4) })
        {
            var r = Run(c, x, w, b, gy, dtype);
            Assert.Equal(dtype, r.Y.DType);
            Assert.Equal([c.N, c.OC, c.OH, c.OW], r.Y.Shape);
            // sums over many terms in float32 need a tolerance that grows with their length
            double scale = dtype == DType.Float64 ? 1 : Math.Sqrt(c.N * c.OH * c.OW);
            KernelAssert.Close(y, r.Y, tolerance, $"{dtype} output");
            KernelAssert.Close(gx, r.Gx, tolerance, $"{dtype} grad input");
            KernelAssert.Close(gw, r.Gw, tolerance * scale, $"{dtype} grad weight");
            if (b is not null) KernelAssert.Close(gb, r.Gb!, tolerance * scale, $"{dtype} grad bias");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneAndTwoThreadsGiveBitIdenticalResults(Case c)
    {
        var rng = new System.Random(c.GetHashCode() + 1);
        var x = Random(rng, c.N * c.C * c.H * c.W);
        var w = Random(rng, c.OC * (c.C / c.Groups) * c.KH * c.KW);
        var b = c.Bias ? Random(rng, c.OC) : null;
        var gy = Random(rng, c.N * c.OC * c.OH * c.OW);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var one = ThreadCountCollection.With(1, () => Run(c, x, w, b, gy, dtype));
            var two = ThreadCountCollection.With(2, () => Run(c, x, w, b, gy, dtype));
            Assert.Equal(one.Y.ToArray<double>(), two.Y.ToArray<double>());
            Assert.Equal(one.Gx.ToArray<double>(), two.Gx.ToArray<double>());
            Assert.Equal(one.Gw.ToArray<double>(), two.Gw.ToArray<double>());
            if (b is not null) Assert.Equal(one.Gb!.ToArray<double>(), two.Gb!.ToArray<double>());
        }
    }

    [Fact]
    public void ChunksDependOnTheGeometryAloneAndCoverTheBatch()
    {
        foreach (int n in new[] { 1, 2, 5, 63, 64, 65, 127, 128, 129 })
        {
            var g = new Conv2dGeometry(n, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 14, 14);
            int size = Convolution.ChunkSize(g), count = Convolution.ChunkCount(g);
            Assert.InRange(size, 1, n);
            Assert.True((count - 1) * size < n && count * size >= n, $"n={n}: {count} chunks of {size}");
        }
    }
}
