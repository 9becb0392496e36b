namespace Tidu.Cli.DoctorDemos;

/// <summary>The small synthetic task every demo variant trains on, generated from a seed so runs repeat exactly.</summary>
internal static class DemoData
{
    /// <summary>
    /// Two interleaved half-moons, two classes, alternating so any slice of the batch holds both. The features are
    /// standardised (mean ≈ 0, std ≈ 1) unless <paramref name="raw"/>, which stores them in "raw units"
    /// (mean 20, std 8) as a measured quantity would come: the seed's advice to normalise inputs has something to fix.
    /// </summary>
    internal static (Tensor X, Tensor Y) Moons(int n, long seed, bool raw = false) =>
        raw ? Data.SyntheticData.TwoMoons(n, seed, RawMean, RawStd) : Data.SyntheticData.TwoMoons(n, seed);

    internal const double RawMean = 20, RawStd = 8;
}
