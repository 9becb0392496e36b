using Tidu.Optim;

namespace Tidu.Tests.Optim;

/// <summary>
/// A small fixed problem for optimizer tests: two Float64 parameters (shapes [3] and [2, 2]) and a smooth loss
/// whose gradient 2c(θ − t) + 0.3θ³ is written into Grad directly, so a test's reference implementation can
/// compute exactly the same gradient in plain doubles. Every optimizer is element-wise, so the reference treats
/// the seven elements as one vector.
/// </summary>
internal sealed class OptimTestProblem
{
    public static readonly double[] Initial = [0.5, -1.25, 2.0, 0.75, -0.3, 1.5, -2.2];
    private static readonly double[] C = [1.0, 0.5, 2.0, 0.25, 1.5, 0.8, 0.1];
    private static readonly double[] T = [1.0, 2.0, -1.0, 0.5, 0.0, -0.7, 3.0];

    public Tensor A { get; }
    public Tensor B { get; }
    public Tensor[] Parameters => [A, B];

    public OptimTestProblem(DType dtype = DType.Float64, double[]? values = null)
    {
        values ??= Initial;
        A = Tensor.From(values[..3], 3).To(dtype).RequiresGradInPlace();
        B = Tensor.From(values[3..], 2, 2).To(dtype).RequiresGradInPlace();
    }

    /// <summary>The gradient at θ, element by element.</summary>
    public static double Gradient(int i, double theta) => 2 * C[i] * (theta - T[i]) + 0.3 * theta * theta * theta;

    /// <summary>All seven values, A then B.</summary>
    public double[] Values() => [.. A.ToArray<double>(), .. B.ToArray<double>()];

    /// <summary>Writes the gradient at the current values into A.Grad and B.Grad (as a Backward would).</summary>
    public void SetGradients()
    {
        var v = Values();
        var g = new double[v.Length];
        for (int i = 0; i < v.Length; i++) g[i] = Gradient(i, v[i]);
        A.Grad = Tensor.From(g[..3], 3).To(A.DType);
        B.Grad = Tensor.From(g[3..], 2, 2).To(B.DType);
    }

    /// <summary>Runs <paramref name="steps"/> steps of <paramref name="optimizer"/> against the reference update, checking after each.</summary>
    public void RunAgainst(Optimizer optimizer, Action<double[], double[], int> referenceStep, int steps = 8, double tolerance = 1e-13)
    {
        var theta = Values();
        for (int t = 1; t <= steps; t++)
        {
            SetGradients();
            var g = new double[theta.Length];
            for (int i = 0; i < g.Length; i++) g[i] = Gradient(i, theta[i]);
            optimizer.Step();
            referenceStep(theta, g, t);
            AssertClose(theta, Values(), tolerance, $"step {t}");
        }
    }

    public static void AssertClose(double[] expected, double[] actual, double tolerance, string where)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double scale = Math.Max(1, Math.Abs(expected[i]));
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance * scale))
                Assert.Fail($"{where}, element {i}: expected {expected[i]:R}, got {actual[i]:R}; all: [{string.Join(", ", actual)}]");
        }
    }
}
