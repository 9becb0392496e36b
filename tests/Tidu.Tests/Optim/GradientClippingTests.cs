using Tidu.Optim;
using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Optim;

public class GradientClippingTests
{
    private static (Tensor A, Tensor B) WithGrads(double[] a, double[] b)
    {
        var pa = Leaf(new double[a.Length], a.Length);
        var pb = Leaf(new double[b.Length], b.Length);
        pa.Grad = Tensor.From(a);
        pb.Grad = Tensor.From(b);
        return (pa, pb);
    }

    [Fact]
    public void ClipGradNormReturnsTheTotalNormAndScalesAllGradients()
    {
        var (a, b) = WithGrads([3, 4], [12]);
        double total = GradientClipping.ClipGradNorm([a, b], maxNorm: 6.5);
        Assert.Equal(13, total, 12);
        double coef = 6.5 / (13 + 1e-6);
        AssertValues([3 * coef, 4 * coef], [2], a.Grad!, 1e-15);
        AssertValues([12 * coef], [1], b.Grad!, 1e-15);
    }

    [Fact]
    public void ClipGradNormLeavesSmallGradientsAlone()
    {
        var (a, b) = WithGrads([3, 4], [12]);
        Assert.Equal(13, GradientClipping.ClipGradNorm([a, b], maxNorm: 100), 12);
        AssertValues([3, 4], [2], a.Grad!);
        AssertValues([12], [1], b.Grad!);
    }

    [Fact]
    public void ClipGradNormSupportsOtherNorms()
    {
        var (a, b) = WithGrads([3, -4], [-12]);
        Assert.Equal(12, GradientClipping.ClipGradNorm([a, b], 100, double.PositiveInfinity));
        Assert.Equal(19, GradientClipping.ClipGradNorm([a, b], 100, normType: 1), 12);
        var (c, d) = WithGrads([3, -4], [-12]);
        double total = Math.Pow(27 + 64 + 1728, 1.0 / 3);
        Assert.Equal(total, GradientClipping.ClipGradNorm([c, d], 1, normType: 3), 12);
        AssertValues([3 / (total + 1e-6), -4 / (total + 1e-6)], [2], c.Grad!, 1e-14);
    }

    [Fact]
    public void ClipGradNormSkipsParametersWithoutGradients()
    {
        var (a, _) = WithGrads([3, 4], [0]);
        var none = Leaf([1], 1);
        Assert.Equal(5, GradientClipping.ClipGradNorm([a, none], 1), 12);
        Assert.Null(none.Grad);
        Assert.Equal(0, GradientClipping.ClipGradNorm([none], 1));
    }

    [Fact]
    public void NonFiniteNormThrowsWhenAskedAndOtherwiseSpreads()
    {
        var (a, b) = WithGrads([double.NaN, 1], [2]);
        var e = Assert.Throws<InvalidOperationException>(() => GradientClipping.ClipGradNorm([a, b], 1, errorIfNonfinite: true));
        AssertMentions(e.Message, "non-finite", "errorIfNonfinite");
        AssertValues([double.NaN, 1], [2], a.Grad!); // untouched when it throws
        Assert.True(double.IsNaN(GradientClipping.ClipGradNorm([a, b], 1)));
        Assert.True(double.IsNaN(b.Grad!.Item()));

        var (c, d) = WithGrads([double.PositiveInfinity], [1]);
        Assert.Throws<InvalidOperationException>(() => GradientClipping.ClipGradNorm([c, d], 1, double.PositiveInfinity, errorIfNonfinite: true));
    }

    [Fact]
    public void ClipGradValueClampsEachElement()
    {
        var (a, b) = WithGrads([-3, 0.5, 2], [-0.2]);
        GradientClipping.ClipGradValue([a, b], 1);
        AssertValues([-1, 0.5, 1], [3], a.Grad!);
        AssertValues([-0.2], [1], b.Grad!);
        Assert.Throws<ArgumentException>(() => GradientClipping.ClipGradValue([a], -1));
    }

    [Fact]
    public void ClippingWorksOnFloat32Gradients()
    {
        var w = Tensor.Zeros(2).RequiresGradInPlace();
        w.Grad = Tensor.From(new float[] { 30f, 40f });
        Assert.Equal(50, GradientClipping.ClipGradNorm([w], 5), 5);
        Assert.Equal(DType.Float32, w.Grad!.DType);
        AssertValues([3, 4], [2], w.Grad!, 1e-5);
    }
}
