using Tidu.Data;

namespace Tidu.Tests.Data;

public sealed class SyntheticDataTests
{
    [Fact]
    public void TwoMoonsAreStandardisedAlternatingAndReproducible()
    {
        var (x, y) = SyntheticData.TwoMoons(1000, 7);
        Assert.Equal([1000, 2], x.Shape);
        Assert.Equal([1000], y.Shape);
        var labels = y.ToArray<long>();
        for (int i = 0; i < labels.Length; i++) Assert.Equal(i % 2, labels[i]);
        var f = x.ToArray<float>();
        for (int d = 0; d < 2; d++)
        {
            var column = Enumerable.Range(0, 1000).Select(i => (double)f[2 * i + d]).ToArray();
            double mean = column.Average(), std = Math.Sqrt(column.Select(v => (v - mean) * (v - mean)).Average());
            Assert.InRange(mean, -0.15, 0.15);
            Assert.InRange(std, 0.8, 1.2);
        }
        Assert.Equal(f, SyntheticData.TwoMoons(1000, 7).Features.ToArray<float>());
        Assert.NotEqual(f, SyntheticData.TwoMoons(1000, 8).Features.ToArray<float>());
    }

    [Fact]
    public void CenterAndScaleMapTheStandardisedFeatures()
    {
        var standard = SyntheticData.TwoMoons(200, 3).Features.ToArray<float>();
        var raw = SyntheticData.TwoMoons(200, 3, center: 20, scale: 8).Features.ToArray<float>();
        for (int i = 0; i < raw.Length; i++) Assert.Equal(20 + 8 * standard[i], raw[i], 1e-4);
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticData.TwoMoons(-1, 0));
    }
}
