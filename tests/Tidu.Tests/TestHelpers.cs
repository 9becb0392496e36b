using Tidu.Diagnostics;

namespace Tidu.Tests;

/// <summary>Builders for Float64 leaves and assertions shared by the tests.</summary>
internal static class TestHelpers
{
    /// <summary>A Float64 leaf with the given values that requires grad.</summary>
    public static Tensor Leaf(double[] values, params int[] shape) => Tensor.From(values, shape).RequiresGradInPlace();

    /// <summary>A 0-d Float64 leaf that requires grad.</summary>
    public static Tensor ScalarLeaf(double value) => Tensor.Scalar(value).RequiresGradInPlace();

    /// <summary>Standard-normal Float64 values from a fixed seed, as a leaf that requires grad.</summary>
    public static Tensor RandnLeaf(long seed, params int[] shape) =>
        Tensor.Randn(shape, DType.Float64, new Generator(seed)).RequiresGradInPlace();

    /// <summary>Float64 values uniform in [lo, hi) from a fixed seed, as a leaf that requires grad.</summary>
    public static Tensor UniformLeaf(long seed, double lo, double hi, params int[] shape)
    {
        Tensor t;
        using (Tensor.NoGrad()) t = Tensor.Rand(shape, DType.Float64, new Generator(seed)) * (hi - lo) + lo;
        return t.RequiresGradInPlace();
    }

    public static void AssertGradCheck(Func<Tensor, Tensor> f, Tensor x)
    {
        var r = GradCheck.Check(f, x);
        Assert.True(r.Passed, r.ToString());
    }

    public static void AssertGradCheck(Func<Tensor[], Tensor> f, params Tensor[] xs)
    {
        var r = GradCheck.Check(f, xs);
        Assert.True(r.Passed, r.ToString());
    }

    /// <summary>Asserts the shape and that every element equals the expected value within <paramref name="tolerance"/>.</summary>
    public static void AssertValues(double[] expected, int[] shape, Tensor actual, double tolerance = 0)
    {
        Assert.Equal(shape, actual.Shape);
        var values = actual.ToArray<double>();
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (tolerance == 0 ? values[i] != expected[i] && !(double.IsNaN(values[i]) && double.IsNaN(expected[i]))
                               : !(Math.Abs(values[i] - expected[i]) <= tolerance))
                Assert.Fail($"element {i}: expected {expected[i]:R}, got {values[i]:R} (tolerance {tolerance}); all: [{string.Join(", ", values)}]");
        }
    }

    /// <summary>Asserts that a message names every given fragment (op name, shapes…).</summary>
    public static void AssertMentions(string message, params string[] fragments)
    {
        foreach (var f in fragments) Assert.Contains(f, message);
    }
}
