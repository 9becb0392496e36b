using Tidu.Diagnostics;

namespace Tidu.Tests.Diagnostics;

/// <summary>The vectorised activation statistics against plain loops, on awkward sizes and special values.</summary>
public class ActivationStatsTests
{
    private static double[] Values(int n, int seed)
    {
        var rng = new System.Random(seed);
        var special = new[] { 0.0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 5.0, -5.0, 5.0000001, 1e-30, -1e-30 };
        return Enumerable.Range(0, n).Select(_ => rng.Next(6) == 0 ? special[rng.Next(special.Length)] : (rng.NextDouble() - 0.6) * 12).ToArray();
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 37)]
    [InlineData(64, 256)]
    [InlineData(3, 1000)]
    [InlineData(129, 17)]
    public void CountsAndDeadUnitsMatchPlainLoops(int batch, int units)
    {
        var v = Values(batch * units, batch * 31 + units);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var t = dtype == DType.Float32 ? Tensor.From(v.Select(x => (float)x).ToArray(), batch, units) : Tensor.From(v, batch, units);
            var x = t.ToArray<double>(); // the values as stored (rounded to float for Float32)
            double bound = 5;
            int nonPositive = x.Count(a => a <= 0), beyond = x.Count(a => a > bound || a < -bound);
            var (np, by, _, _) = TensorStats.Activation(t, bound);
            Assert.Equal((double)nonPositive / x.Length, np);
            Assert.Equal((double)beyond / x.Length, by);
            int dead = Enumerable.Range(0, units).Count(u => Enumerable.Range(0, batch).All(b => !(x[b * units + u] > 0)));
            Assert.Equal((double)dead / units, TensorStats.DeadUnitFraction(t));
        }
    }
}
