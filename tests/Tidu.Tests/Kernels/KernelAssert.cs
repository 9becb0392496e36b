namespace Tidu.Tests.Kernels;

/// <summary>Compares a kernel's result with a plain-loop reference, naming the first element that differs.</summary>
internal static class KernelAssert
{
    /// <summary>Every element within <paramref name="tolerance"/>·(1 + |expected|) of the reference.</summary>
    internal static void Close(double[] expected, Tensor actual, double tolerance, string what)
    {
        var values = actual.ToArray<double>();
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(values[i] - expected[i]) <= tolerance * (1 + Math.Abs(expected[i]))))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {values[i]:R}");
    }
}
