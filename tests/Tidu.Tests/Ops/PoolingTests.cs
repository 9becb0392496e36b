using Tidu.NN;
using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Ops;

public class PoolingTests
{
    /// <summary>PyTorch's pooling output length (pooling_output_shape), written out independently.</summary>
    private static int OutSize(int input, int k, int s, int p, int d, bool ceil)
    {
        int effective = d * (k - 1) + 1;
        int size = ceil ? (int)Math.Ceiling((input + 2 * p - effective) / (double)s) + 1 : (input + 2 * p - effective) / s + 1;
        // in ceil mode the last window must start inside the input or the left padding
        if (ceil && (size - 1) * s >= input + p) size--;
        return size;
    }

    /// <summary>Max over each window's taps that fall inside the input; the first maximum wins.</summary>
    private static (double[] Values, long[] Indices, int Oh, int Ow) NaiveMax(double[] x, int planes, int h, int w,
        int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, bool ceil)
    {
        int oh = OutSize(h, kh, sh, ph, dh, ceil), ow = OutSize(w, kw, sw, pw, dw, ceil);
        var y = new double[planes * oh * ow];
        var idx = new long[planes * oh * ow];
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    double best = double.NegativeInfinity;
                    long at = -1;
                    for (int a = 0; a < kh; a++)
                        for (int b = 0; b < kw; b++)
                        {
                            int yy = i * sh - ph + a * dh, xx = j * sw - pw + b * dw;
                            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                            double v = x[(p * h + yy) * w + xx];
                            if (at < 0 || v > best) { best = v; at = yy * w + xx; }
                        }
                    y[(p * oh + i) * ow + j] = best;
                    idx[(p * oh + i) * ow + j] = at;
                }
        return (y, idx, oh, ow);
    }

    /// <summary>
    /// Mean over each window: taps beyond the padded input (ceil-mode overhang) do not count, padding taps count
    /// when countIncludePad.
    /// </summary>
    private static (double[] Values, int Oh, int Ow) NaiveAvg(double[] x, int planes, int h, int w, int kh, int kw, int sh, int sw,
        int ph, int pw, bool ceil, bool countIncludePad, int? divisorOverride)
    {
        int oh = OutSize(h, kh, sh, ph, 1, ceil), ow = OutSize(w, kw, sw, pw, 1, ceil);
        var y = new double[planes * oh * ow];
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    double sum = 0;
                    int padded = 0, inside = 0;
                    for (int a = 0; a < kh; a++)
                        for (int b = 0; b < kw; b++)
                        {
                            int yy = i * sh - ph + a, xx = j * sw - pw + b;
                            if (yy >= h + ph || xx >= w + pw) continue;
                            padded++;
                            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                            inside++;
                            sum += x[(p * h + yy) * w + xx];
                        }
                    y[(p * oh + i) * ow + j] = inside == 0 ? 0 : sum / (divisorOverride ?? (countIncludePad ? padded : inside));
                }
        return (y, oh, ow);
    }

    // planes as (n, c), h, w, kh, kw, sh, sw, ph, pw, dh, dw, ceil
    [Theory]
    [InlineData(2, 3, 6, 6, 2, 2, 2, 2, 0, 0, 1, 1, false)]
    [InlineData(1, 2, 7, 5, 3, 3, 2, 2, 1, 1, 1, 1, false)]
    [InlineData(1, 2, 7, 5, 3, 3, 2, 2, 1, 1, 1, 1, true)]
    [InlineData(2, 1, 5, 5, 2, 2, 2, 2, 1, 1, 1, 1, true)]     // ceil mode drops a window that would start in the padding
    [InlineData(1, 3, 9, 8, 3, 2, 1, 2, 1, 0, 2, 3, false)]    // dilation, non-square
    [InlineData(2, 2, 10, 11, 3, 3, 3, 2, 1, 1, 2, 2, true)]   // dilation + ceil
    [InlineData(1, 1, 5, 7, 5, 1, 1, 3, 2, 0, 1, 1, true)]
    public void MaxPoolMatchesTheNaiveReference(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, bool ceil)
    {
        var x = Tensor.Randn([n, c, h, w], DType.Float64, new Generator(h * 31 + w));
        var (values, indices, oh, ow) = NaiveMax(x.ToArray<double>(), n * c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ceil);
        var (y, idx) = x.MaxPool2dWithIndices((kh, kw), (sh, sw), (ph, pw), (dh, dw), ceil);
        AssertValues(values, [n, c, oh, ow], y);
        Assert.Equal(DType.Int64, idx.DType);
        Assert.Equal(indices, idx.ToArray<long>());
        AssertValues(values, [n, c, oh, ow], x.MaxPool2d((kh, kw), (sh, sw), (ph, pw), (dh, dw), ceil));
    }

    [Theory]
    [InlineData(2, 3, 6, 6, 2, 2, 2, 2, 0, 0, false, true, 0)]
    [InlineData(1, 2, 7, 5, 3, 3, 2, 2, 1, 1, false, true, 0)]
    [InlineData(1, 2, 7, 5, 3, 3, 2, 2, 1, 1, false, false, 0)]
    [InlineData(1, 2, 7, 5, 3, 3, 2, 2, 1, 1, true, true, 0)]
    [InlineData(1, 2, 7, 5, 3, 3, 2, 2, 1, 1, true, false, 0)]
    [InlineData(2, 1, 5, 6, 2, 3, 2, 2, 1, 1, true, true, 0)]
    [InlineData(1, 1, 8, 9, 4, 3, 3, 2, 2, 1, true, false, 0)]
    [InlineData(1, 2, 6, 6, 3, 3, 2, 2, 1, 1, false, true, 5)]   // divisor override
    public void AvgPoolMatchesTheNaiveReference(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
        bool ceil, bool countIncludePad, int divisorOverride)
    {
        int? divisor = divisorOverride == 0 ? null : divisorOverride;
        var x = Tensor.Randn([n, c, h, w], DType.Float64, new Generator(h * 17 + w));
        var (values, oh, ow) = NaiveAvg(x.ToArray<double>(), n * c, h, w, kh, kw, sh, sw, ph, pw, ceil, countIncludePad, divisor);
        AssertValues(values, [n, c, oh, ow], x.AvgPool2d((kh, kw), (sh, sw), (ph, pw), ceil, countIncludePad, divisor), 1e-12);
    }

    [Theory]
    [InlineData(6, 6, 3, 3)]
    [InlineData(5, 7, 3, 2)]
    [InlineData(7, 5, 4, 4)]   // output larger than a window step: overlapping windows
    [InlineData(3, 4, 5, 6)]   // output larger than the input
    [InlineData(5, 5, 1, 1)]   // global average
    public void AdaptiveAvgPoolUsesPyTorchsWindowFormula(int h, int w, int oh, int ow)
    {
        var x = Tensor.Randn([2, 3, h, w], DType.Float64, new Generator(h * 13 + w));
        var xs = x.ToArray<double>();
        var expected = new double[6 * oh * ow];
        for (int p = 0; p < 6; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    int y0 = (int)Math.Floor(i * h / (double)oh), y1 = (int)Math.Ceiling((i + 1) * h / (double)oh);
                    int x0 = (int)Math.Floor(j * w / (double)ow), x1 = (int)Math.Ceiling((j + 1) * w / (double)ow);
                    double sum = 0;
                    for (int yy = y0; yy < y1; yy++)
                        for (int xx = x0; xx < x1; xx++) sum += xs[(p * h + yy) * w + xx];
                    expected[(p * oh + i) * ow + j] = sum / ((y1 - y0) * (x1 - x0));
                }
        AssertValues(expected, [2, 3, oh, ow], x.AdaptiveAvgPool2d((oh, ow)), 1e-12);
    }

    [Fact]
    public void KnownValues()
    {
        var x = Tensor.Arange(0, 16, 1, DType.Float64).Reshape(1, 1, 4, 4);
        AssertValues([5, 7, 13, 15], [1, 1, 2, 2], x.MaxPool2d(2));
        AssertValues([2.5, 4.5, 10.5, 12.5], [1, 1, 2, 2], x.AvgPool2d(2));
        AssertValues([7.5], [1, 1, 1, 1], x.AdaptiveAvgPool2d(1));
        // 5 → 3 adaptive windows are [0, 2), [1, 4), [3, 5)
        AssertValues([0.5, 2, 3.5], [1, 1, 3], Tensor.Arange(0, 5, 1, DType.Float64).Reshape(1, 1, 5).AdaptiveAvgPool2d((1, 3)));
        // padding 1, stride 1: windows over a zero-padded 4×4; count_include_pad divides by 4, otherwise by the input taps
        var small = Tensor.Arange(0, 4, 1, DType.Float64).Reshape(1, 1, 2, 2);
        AssertValues([0, 0.25, 0.25, 0.5, 1.5, 1, 0.5, 1.25, 0.75], [1, 1, 3, 3], small.AvgPool2d(2, 1, 1));
        AssertValues([0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3], [1, 1, 3, 3], small.AvgPool2d(2, 1, 1, countIncludePad: false));
        AssertValues([0, 1, 1, 2, 3, 3, 2, 3, 3], [1, 1, 3, 3], small.MaxPool2d(2, 1, 1));
    }

    [Fact]
    public void CeilModeKeepsAPartialLastWindow()
    {
        var x = Tensor.Arange(0, 25, 1, DType.Float64).Reshape(1, 1, 5, 5);
        Assert.Equal([1, 1, 2, 2], x.MaxPool2d(2).Shape);
        AssertValues([6, 8, 9, 16, 18, 19, 21, 23, 24], [1, 1, 3, 3], x.MaxPool2d(2, ceilMode: true));
        AssertValues([3, 5, 6.5, 13, 15, 16.5, 20.5, 22.5, 24], [1, 1, 3, 3], x.AvgPool2d(2, ceilMode: true));
    }

    [Fact]
    public void UnbatchedInputPoolsEachChannel()
    {
        var x = Tensor.Randn([3, 6, 6], DType.Float64, new Generator(1));
        AssertValues(x.Unsqueeze(0).MaxPool2d(2).ToArray<double>(), [3, 3, 3], x.MaxPool2d(2));
        AssertValues(x.Unsqueeze(0).AvgPool2d(3, 2, 1).ToArray<double>(), [3, 3, 3], x.AvgPool2d(3, 2, 1));
        AssertValues(x.Unsqueeze(0).AdaptiveAvgPool2d(4).ToArray<double>(), [3, 4, 4], x.AdaptiveAvgPool2d(4));
    }

    [Fact]
    public void Float32AgreesWithFloat64()
    {
        var x = Tensor.Randn([2, 2, 7, 6], DType.Float64, new Generator(2));
        var x32 = x.To(DType.Float32);
        AssertValues(x.MaxPool2d(3, 2, 1).ToArray<double>(), [2, 2, 4, 3], x32.MaxPool2d(3, 2, 1), 1e-6);
        AssertValues(x.AvgPool2d(3, 2, 1, countIncludePad: false).ToArray<double>(), [2, 2, 4, 3], x32.AvgPool2d(3, 2, 1, countIncludePad: false), 1e-5);
        AssertValues(x.AdaptiveAvgPool2d((3, 4)).ToArray<double>(), [2, 2, 3, 4], x32.AdaptiveAvgPool2d((3, 4)), 1e-5);
    }

    [Fact]
    public void FunctionalWrappersMatchTheTensorMethods()
    {
        var x = Tensor.Randn([1, 2, 6, 5], DType.Float64, new Generator(3));
        AssertValues(x.MaxPool2d(2, 1).ToArray<double>(), [1, 2, 5, 4], Functional.MaxPool2d(x, 2, 1));
        AssertValues(x.MaxPool2d(2, 1).ToArray<double>(), [1, 2, 5, 4], Functional.MaxPool2d(x, (2, 2), (1, 1)));
        Assert.Equal(x.MaxPool2dWithIndices(2).Indices.ToArray<long>(), Functional.MaxPool2dWithIndices(x, 2).Indices.ToArray<long>());
        AssertValues(x.AvgPool2d(3, 2, 1).ToArray<double>(), [1, 2, 3, 3], Functional.AvgPool2d(x, 3, 2, 1));
        AssertValues(x.AvgPool2d(3, 2, 1).ToArray<double>(), [1, 2, 3, 3], Functional.AvgPool2d(x, (3, 3), (2, 2), (1, 1)));
        AssertValues(x.AdaptiveAvgPool2d(2).ToArray<double>(), [1, 2, 2, 2], Functional.AdaptiveAvgPool2d(x, 2));
        AssertValues(x.AdaptiveAvgPool2d(2).ToArray<double>(), [1, 2, 2, 2], Functional.AdaptiveAvgPool2d(x, (2, 2)));
    }

    // ---- gradients ---------------------------------------------------------------------------------------

    [Fact]
    public void MaxPoolGradientGoesToTheFirstMaximumOnTies()
    {
        var x = Tensor.Ones([1, 1, 3, 4], DType.Float64).RequiresGradInPlace();
        x.MaxPool2d(2, 1).Sum().Backward(); // windows at (0..1, 0..2), each picks its top-left element
        AssertValues([1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0], [1, 1, 3, 4], x.Grad!);
    }

    [Fact]
    public void MaxPoolGradientAccumulatesWhereWindowsShareTheMaximum()
    {
        var x = Tensor.From(new double[] { 0, 0, 0, 0, 9, 0, 0, 0, 0 }, 1, 1, 3, 3).RequiresGradInPlace();
        x.MaxPool2d(2, 1).Sum().Backward();
        AssertValues([0, 0, 0, 0, 4, 0, 0, 0, 0], [1, 1, 3, 3], x.Grad!);
    }

    [Theory]
    [InlineData(2, 2, 0, 1, false)]
    [InlineData(3, 2, 1, 1, false)]
    [InlineData(3, 2, 1, 1, true)]
    [InlineData(2, 1, 0, 2, false)]
    [InlineData(3, 2, 1, 2, true)]
    public void GradCheckMaxPool(int k, int s, int p, int d, bool ceil)
    {
        var x = RandnLeaf(11, 2, 2, 6, 5); // continuous random values: no ties
        AssertGradCheck(t => t.MaxPool2d(k, s, p, d, ceil), x);
    }

    [Theory]
    [InlineData(2, 2, 0, false, true, 0)]
    [InlineData(3, 2, 1, false, true, 0)]
    [InlineData(3, 2, 1, true, false, 0)]
    [InlineData(3, 2, 1, true, true, 0)]
    [InlineData(2, 1, 1, false, false, 3)]
    public void GradCheckAvgPool(int k, int s, int p, bool ceil, bool countIncludePad, int divisorOverride)
    {
        var x = RandnLeaf(12, 2, 2, 6, 5);
        AssertGradCheck(t => t.AvgPool2d(k, s, p, ceil, countIncludePad, divisorOverride == 0 ? null : divisorOverride), x);
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(4, 4)]
    [InlineData(1, 1)]
    [InlineData(7, 8)]
    public void GradCheckAdaptiveAvgPool(int oh, int ow)
    {
        var x = RandnLeaf(13, 2, 2, 5, 6);
        AssertGradCheck(t => t.AdaptiveAvgPool2d((oh, ow)), x);
    }

    [Fact]
    public void GradCheckUnbatchedPooling()
    {
        var x = RandnLeaf(14, 2, 5, 5);
        AssertGradCheck(t => t.MaxPool2d(2, 1) + t.AvgPool2d(2, 1) + t.AdaptiveAvgPool2d(4), x);
    }

    // ---- errors ------------------------------------------------------------------------------------------

    [Fact]
    public void PaddingAboveHalfTheKernelIsRejected()
    {
        var x = Tensor.Zeros([1, 1, 6, 6], DType.Float64);
        AssertMentions(Assert.Throws<ArgumentOutOfRangeException>(() => x.MaxPool2d(2, 2, 2)).Message, "MaxPool2d", "half the kernel");
        AssertMentions(Assert.Throws<ArgumentOutOfRangeException>(() => x.AvgPool2d(3, 1, 2)).Message, "AvgPool2d", "half the kernel");
    }

    [Fact]
    public void InputSmallerThanTheWindowIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros([1, 1, 2, 2], DType.Float64).MaxPool2d(3));
        AssertMentions(e.Message, "MaxPool2d", "[1, 1, 2, 2]", "too small");
    }

    [Fact]
    public void BadInputsAndArgumentsAreRejected()
    {
        AssertMentions(Assert.Throws<ArgumentException>(() => Tensor.Zeros([4, 4], DType.Float64).MaxPool2d(2)).Message, "3-D", "[4, 4]");
        AssertMentions(Assert.Throws<ArgumentException>(() => Tensor.Zeros([1, 4, 4], DType.Int64).AvgPool2d(2)).Message, "Int64");
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros([1, 4, 4], DType.Float64).MaxPool2d(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros([1, 4, 4], DType.Float64).MaxPool2d(2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros([1, 4, 4], DType.Float64).AvgPool2d(2, divisorOverride: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros([1, 4, 4], DType.Float64).AdaptiveAvgPool2d(0));
    }
}
