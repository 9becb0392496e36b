using Tidu.NN;
using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Ops;

public class ConvolutionTests
{
    /// <summary>Direct 2-D cross-correlation in plain loops: the definition conv2d must match.</summary>
    internal static double[] NaiveConv2d(double[] x, int n, int c, int h, int w, double[] wt, int oc, int kh, int kw, double[]? b,
        int sh, int sw, int ph, int pw, int dh, int dw, int groups, out int oh, out int ow)
    {
        oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
        ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        int icg = c / groups, ocg = oc / groups;
        var y = new double[n * oc * oh * ow];
        for (int s = 0; s < n; s++)
            for (int o = 0; o < oc; o++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        double sum = b?[o] ?? 0;
                        int gr = o / ocg;
                        for (int ci = 0; ci < icg; ci++)
                            for (int ki = 0; ki < kh; ki++)
                                for (int kj = 0; kj < kw; kj++)
                                {
                                    int yy = i * sh - ph + ki * dh, xx = j * sw - pw + kj * dw;
                                    if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                                    sum += x[((s * c + gr * icg + ci) * h + yy) * w + xx] * wt[((o * icg + ci) * kh + ki) * kw + kj];
                                }
                        y[((s * oc + o) * oh + i) * ow + j] = sum;
                    }
        return y;
    }

    // n, c, h, w, oc, kh, kw, sh, sw, ph, pw, dh, dw, groups, bias
    [Theory]
    [InlineData(2, 3, 7, 6, 4, 3, 3, 1, 1, 0, 0, 1, 1, 1, true)]     // plain 3×3
    [InlineData(2, 3, 8, 9, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, true)]     // stride 2, padding 1
    [InlineData(1, 2, 9, 8, 3, 3, 3, 1, 1, 2, 2, 2, 2, 1, true)]     // dilation 2
    [InlineData(2, 4, 6, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2, true)]     // groups 2
    [InlineData(1, 4, 7, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4, false)]    // depthwise
    [InlineData(2, 3, 6, 5, 6, 3, 3, 2, 1, 1, 1, 1, 1, 3, true)]     // depthwise with channel multiplier 2
    [InlineData(2, 5, 4, 6, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1, true)]     // 1×1 (pointwise path)
    [InlineData(1, 4, 3, 3, 6, 1, 1, 1, 1, 0, 0, 1, 1, 2, true)]     // grouped 1×1
    [InlineData(1, 3, 5, 5, 2, 1, 1, 2, 2, 0, 0, 1, 1, 1, false)]    // 1×1 with stride 2
    [InlineData(1, 2, 4, 5, 3, 1, 1, 1, 1, 1, 2, 1, 1, 1, true)]     // 1×1 with padding
    [InlineData(2, 3, 9, 7, 4, 2, 5, 3, 1, 1, 2, 1, 2, 1, true)]     // non-square kernel, mixed stride/padding/dilation
    [InlineData(1, 2, 11, 13, 3, 2, 2, 3, 4, 0, 1, 1, 1, 1, true)]   // stride larger than the kernel, odd sizes
    [InlineData(1, 1, 4, 4, 2, 3, 3, 1, 1, 3, 3, 1, 1, 1, true)]     // padding larger than the kernel
    [InlineData(3, 2, 1, 9, 2, 1, 3, 1, 2, 0, 1, 1, 3, 1, true)]     // single-row input
    [InlineData(1, 6, 5, 5, 4, 5, 5, 1, 1, 0, 0, 1, 1, 2, false)]    // kernel as large as the input
    public void MatchesDirectConvolutionInFloat64(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw,
        int dh, int dw, int groups, bool withBias)
    {
        var x = Tensor.Randn([n, c, h, w], DType.Float64, new Generator(n * 100 + c));
        var wt = Tensor.Randn([oc, c / groups, kh, kw], DType.Float64, new Generator(oc * 7 + kh));
        var b = withBias ? Tensor.Randn([oc], DType.Float64, new Generator(5)) : null;
        var expected = NaiveConv2d(x.ToArray<double>(), n, c, h, w, wt.ToArray<double>(), oc, kh, kw, b?.ToArray<double>(),
            sh, sw, ph, pw, dh, dw, groups, out int oh, out int ow);
        var y = x.Conv2d(wt, b, (sh, sw), (ph, pw), (dh, dw), groups);
        AssertValues(expected, [n, oc, oh, ow], y, 1e-12);
    }

    [Fact]
    public void Float32MatchesTheFloat64Reference()
    {
        var x = Tensor.Randn([2, 4, 9, 8], DType.Float64, new Generator(1));
        var wt = Tensor.Randn([6, 2, 3, 3], DType.Float64, new Generator(2));
        var b = Tensor.Randn([6], DType.Float64, new Generator(3));
        var expected = NaiveConv2d(x.ToArray<double>(), 2, 4, 9, 8, wt.ToArray<double>(), 6, 3, 3, b.ToArray<double>(), 2, 1, 1, 1, 1, 2, 2, out int oh, out int ow);
        var y = x.To(DType.Float32).Conv2d(wt.To(DType.Float32), b.To(DType.Float32), (2, 1), (1, 1), (1, 2), 2);
        Assert.Equal(DType.Float32, y.DType);
        AssertValues(expected, [2, 6, oh, ow], y, 1e-4);
    }

    [Fact]
    public void UnbatchedInputGivesTheBatchedResultWithoutTheBatchDim()
    {
        var x = Tensor.Randn([3, 6, 5], DType.Float64, new Generator(4));
        var wt = Tensor.Randn([2, 3, 3, 3], DType.Float64, new Generator(5));
        var y = x.Conv2d(wt, null, 1, 1);
        var batched = x.Unsqueeze(0).Conv2d(wt, null, 1, 1);
        AssertValues(batched.ToArray<double>(), [2, 6, 5], y);
    }

    [Fact]
    public void NonContiguousInputIsHandled()
    {
        var x = Tensor.Randn([2, 3, 5, 6], DType.Float64, new Generator(6));
        var xt = x.Transpose(2, 3); // [2, 3, 6, 5], not contiguous
        var wt = Tensor.Randn([4, 3, 2, 2], DType.Float64, new Generator(7));
        var expected = xt.Contiguous().Conv2d(wt);
        AssertValues(expected.ToArray<double>(), expected.Shape, xt.Conv2d(wt), 1e-12);
    }

    [Fact]
    public void IntAndTupleOverloadsAndFunctionalAgree()
    {
        var x = Tensor.Randn([1, 2, 7, 7], DType.Float64, new Generator(8));
        var wt = Tensor.Randn([4, 1, 3, 3], DType.Float64, new Generator(9));
        var b = Tensor.Randn([4], DType.Float64, new Generator(10));
        var a = x.Conv2d(wt, b, stride: 2, padding: 1, dilation: 1, groups: 2);
        var t = x.Conv2d(wt, b, stride: (2, 2), padding: (1, 1), groups: 2);
        var f = Functional.Conv2d(x, wt, b, 2, 1, 1, 2);
        var ft = Functional.Conv2d(x, wt, b, stride: (2, 2), padding: (1, 1), groups: 2);
        AssertValues(a.ToArray<double>(), a.Shape, t);
        AssertValues(a.ToArray<double>(), a.Shape, f);
        AssertValues(a.ToArray<double>(), a.Shape, ft);
    }

    [Fact]
    public void KnownValuesOfASmallConvolution()
    {
        // 3×3 input 1..9, 2×2 kernel of ones: every output is the sum of a 2×2 block
        var x = Tensor.From(new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, 1, 1, 3, 3);
        var wt = Tensor.Ones([1, 1, 2, 2], DType.Float64);
        AssertValues([12, 16, 24, 28], [1, 1, 2, 2], x.Conv2d(wt));
        AssertValues([11, 15, 23, 27], [1, 1, 2, 2], x.Conv2d(wt, Tensor.From(new double[] { -1 }, 1), stride: 1, padding: 0));
        // padding 1, stride 2: the corners of the zero-padded 5×5 input
        AssertValues([1, 5, 11, 28], [1, 1, 2, 2], x.Conv2d(wt, null, stride: 2, padding: 1));
    }

    // ---- gradients ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(2, 2, 5, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1)]
    [InlineData(2, 4, 6, 5, 4, 3, 2, 2, 1, 1, 0, 2, 1, 2)]   // stride, dilation, groups, non-square
    [InlineData(1, 3, 4, 4, 3, 3, 3, 2, 2, 1, 1, 1, 1, 3)]   // depthwise, overlapping windows
    [InlineData(2, 3, 3, 4, 2, 1, 1, 1, 1, 0, 0, 1, 1, 1)]   // pointwise
    [InlineData(1, 2, 5, 5, 2, 1, 1, 2, 2, 1, 1, 1, 1, 1)]   // 1×1 with stride and padding
    public void GradCheckInputWeightAndBias(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int groups)
    {
        var x = RandnLeaf(1, n, c, h, w);
        var wt = RandnLeaf(2, oc, c / groups, kh, kw);
        var b = RandnLeaf(3, oc);
        AssertGradCheck(xs => xs[0].Conv2d(xs[1], xs[2], (sh, sw), (ph, pw), (dh, dw), groups), x, wt, b);
    }

    [Fact]
    public void GradCheckUnbatchedWithoutBias()
    {
        var x = RandnLeaf(4, 2, 4, 5);
        var wt = RandnLeaf(5, 3, 2, 2, 3);
        AssertGradCheck(xs => xs[0].Conv2d(xs[1], null, 1, 1), x, wt);
    }

    [Fact]
    public void OnlyTheTensorsThatRequireGradReceiveOne()
    {
        var x = Tensor.Randn([1, 2, 4, 4], DType.Float64, new Generator(1));
        var wt = RandnLeaf(2, 3, 2, 3, 3);
        var b = Tensor.Randn([3], DType.Float64, new Generator(3));
        x.Conv2d(wt, b, 1, 1).Sum().Backward();
        Assert.Null(x.Grad);
        Assert.Null(b.Grad);
        Assert.Equal([3, 2, 3, 3], wt.Grad!.Shape);
    }

    [Fact]
    public void BiasGradientIsTheSumOverBatchAndPositions()
    {
        var x = Tensor.Randn([2, 1, 4, 5], DType.Float32, new Generator(1));
        var wt = Tensor.Randn([3, 1, 3, 3], DType.Float32, new Generator(2)).RequiresGradInPlace();
        var b = Tensor.Zeros([3], DType.Float32).RequiresGradInPlace();
        x.Conv2d(wt, b, 1, 0).Sum().Backward();
        AssertValues([2 * 2 * 3, 2 * 2 * 3, 2 * 2 * 3], [3], b.Grad!);
        Assert.Equal(DType.Float32, wt.Grad!.DType);
    }

    [Fact]
    public void Float32GradientsMatchFloat64()
    {
        var x64 = RandnLeaf(1, 2, 4, 6, 5);
        var w64 = RandnLeaf(2, 4, 2, 3, 3);
        x64.Conv2d(w64, null, (2, 1), (1, 1), (1, 2), 2).Pow(2).Sum().Backward();
        var x32 = x64.Detach().To(DType.Float32).RequiresGradInPlace();
        var w32 = w64.Detach().To(DType.Float32).RequiresGradInPlace();
        x32.Conv2d(w32, null, (2, 1), (1, 1), (1, 2), 2).Pow(2).Sum().Backward();
        AssertValues(x64.Grad!.ToArray<double>(), x64.Shape, x32.Grad!, 1e-3);
        AssertValues(w64.Grad!.ToArray<double>(), w64.Shape, w32.Grad!, 1e-3);
    }

    // ---- errors ------------------------------------------------------------------------------------------

    [Fact]
    public void InputChannelMismatchNamesBothShapes()
    {
        var x = Tensor.Zeros([1, 4, 5, 5], DType.Float64);
        var wt = Tensor.Zeros([8, 3, 3, 3], DType.Float64);
        var e = Assert.Throws<ArgumentException>(() => x.Conv2d(wt));
        AssertMentions(e.Message, "Conv2d", "[1, 4, 5, 5]", "[8, 3, 3, 3]", "3 channels");
    }

    [Fact]
    public void OutputChannelsNotDivisibleByGroupsIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros([1, 4, 5, 5], DType.Float64).Conv2d(Tensor.Zeros([3, 2, 3, 3], DType.Float64), groups: 2));
        AssertMentions(e.Message, "groups=2", "[3, 2, 3, 3]");
    }

    [Fact]
    public void KernelLargerThanThePaddedInputIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros([1, 1, 3, 3], DType.Float64).Conv2d(Tensor.Zeros([1, 1, 5, 5], DType.Float64)));
        AssertMentions(e.Message, "Conv2d", "(3 x 3)", "(5 x 5)");
        // padding makes it fit
        Assert.Equal([1, 1, 1, 1], Tensor.Zeros([1, 1, 3, 3], DType.Float64).Conv2d(Tensor.Zeros([1, 1, 5, 5], DType.Float64), null, 1, 1).Shape);
    }

    [Fact]
    public void BadRanksDTypesAndArgumentsAreRejected()
    {
        var x = Tensor.Zeros([1, 2, 5, 5], DType.Float64);
        var wt = Tensor.Zeros([2, 2, 3, 3], DType.Float64);
        AssertMentions(Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 5, 5]).Reshape(2, 25).Conv2d(wt)).Message, "3-D", "[2, 25]");
        AssertMentions(Assert.Throws<ArgumentException>(() => x.Conv2d(Tensor.Zeros([2, 2, 3], DType.Float64))).Message, "4-D");
        AssertMentions(Assert.Throws<ArgumentException>(() => x.Conv2d(wt.To(DType.Float32))).Message, "Float64", "Float32");
        AssertMentions(Assert.Throws<ArgumentException>(() => x.Conv2d(wt, Tensor.Zeros([3], DType.Float64))).Message, "bias", "[2]");
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Conv2d(wt, null, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Conv2d(wt, null, 1, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Conv2d(wt, null, 1, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Conv2d(wt, groups: 0));
    }
}
