using System.Globalization;
using System.Text;

namespace Tidu.Tests.Fixtures;

/// <summary>Compares Tidu's values with PyTorch's stored ones, naming the case and the worst element on failure.</summary>
internal static class FixtureAssert
{
    /// <summary>Every element must satisfy |tidu − torch| ≤ atol + rtol·|torch|.</summary>
    public static void Close(double atol, double rtol, string what, string quantity, int[] expectedShape, double[] expected, int[] actualShape, double[] actual)
    {
        Assert.True(expectedShape.SequenceEqual(actualShape),
            $"{what}: {quantity} has shape {ShapeUtil.Format(actualShape)}, PyTorch's is {ShapeUtil.Format(expectedShape)}.");
        int worst = -1, bad = 0;
        double worstExcess = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(actual[i] - expected[i]);
            double tol = atol + rtol * Math.Abs(expected[i]);
            double excess = double.IsNaN(diff) ? double.PositiveInfinity : diff / tol;
            if (excess > 1) bad++;
            if (excess > worstExcess) { worstExcess = excess; worst = i; }
        }
        if (bad == 0) return;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{what}: {quantity}: {bad} of {expected.Length} elements differ from PyTorch ");
        sb.Append(CultureInfo.InvariantCulture, $"(atol {atol:g}, rtol {rtol:g}); worst at {ShapeUtil.Format(ShapeUtil.Unravel(worst, expectedShape))}: ");
        sb.Append(CultureInfo.InvariantCulture, $"Tidu {actual[worst]:R}, PyTorch {expected[worst]:R}, |diff| {Math.Abs(actual[worst] - expected[worst]):g3}.");
        if (expected.Length <= 24)
            sb.Append(CultureInfo.InvariantCulture, $"\n  Tidu:    [{string.Join(", ", actual.Select(v => v.ToString("g10", CultureInfo.InvariantCulture)))}]\n  PyTorch: [{string.Join(", ", expected.Select(v => v.ToString("g10", CultureInfo.InvariantCulture)))}]");
        throw new Xunit.Sdk.XunitException(sb.ToString());
    }
}
