namespace Tidu.Cli.DoctorDemos;

/// <summary>The small synthetic task every demo variant trains on, generated from a seed so runs repeat exactly.</summary>
internal static class DemoData
{
    /// <summary>
    /// Two interleaved half-moons, two classes, alternating so any slice of the batch holds both. The features are
    /// standardised (mean ≈ 0, std ≈ 1) unless <paramref name="raw"/>, which stores them in "raw units"
    /// (mean 20, std 8) as a measured quantity would come: the seed's advice to normalise inputs has something to fix.
    /// </summary>
    internal static (Tensor X, Tensor Y) Moons(int n, long seed, bool raw = false)
    {
        var g = new Generator(seed);
        var x = new float[n * 2];
        var y = new long[n];
        for (int i = 0; i < n; i++)
        {
            int c = i % 2;
            double t = Math.PI * g.NextDouble();
            double px = c == 0 ? Math.Cos(t) : 1 - Math.Cos(t), py = c == 0 ? Math.Sin(t) : 0.5 - Math.Sin(t);
            double fx = (px - 0.5) / 0.87 + 0.1 * g.NextNormal(), fy = (py - 0.25) / 0.5 + 0.1 * g.NextNormal();
            x[2 * i] = (float)(raw ? RawMean + RawStd * fx : fx);
            x[2 * i + 1] = (float)(raw ? RawMean + RawStd * fy : fy);
            y[i] = c;
        }
        return (Tensor.From(x, n, 2), Tensor.From(y, n));
    }

    internal const double RawMean = 20, RawStd = 8;
}
