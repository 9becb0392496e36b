namespace Tidu.Data;

/// <summary>Small generated data sets for tutorials, demos and tests, reproducible from a seed.</summary>
public static class SyntheticData
{
    /// <summary>
    /// Two interleaved half-moons in 2-D (in the spirit of scikit-learn's make_moons), two classes alternating so
    /// any slice holds both. Each feature is standardised (mean ≈ 0, std ≈ 1), gets Gaussian noise with standard
    /// deviation 0.1, and is then mapped to <paramref name="center"/> + <paramref name="scale"/>·x (for inputs
    /// "in raw units", as a measured quantity would come).
    /// </summary>
    /// <param name="count">Number of samples.</param>
    /// <param name="seed">Seed of the generator that draws positions and noise.</param>
    /// <param name="center">Mean of each feature after mapping.</param>
    /// <param name="scale">Spread of each feature after mapping.</param>
    /// <returns>Features [count, 2] (Float32) and class labels [count] (Int64, 0 or 1).</returns>
    public static (Tensor Features, Tensor Labels) TwoMoons(int count, long seed, double center = 0, double scale = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var g = new Generator(seed);
        var x = new float[count * 2];
        var y = new long[count];
        for (int i = 0; i < count; i++)
        {
            int c = i % 2;
            double t = Math.PI * g.NextDouble();
            double px = c == 0 ? Math.Cos(t) : 1 - Math.Cos(t), py = c == 0 ? Math.Sin(t) : 0.5 - Math.Sin(t);
            double fx = (px - 0.5) / 0.87 + 0.1 * g.NextNormal(), fy = (py - 0.25) / 0.5 + 0.1 * g.NextNormal();
            x[2 * i] = (float)(center + scale * fx);
            x[2 * i + 1] = (float)(center + scale * fy);
            y[i] = c;
        }
        return (Tensor.From(x, count, 2), Tensor.From(y, count));
    }
}
