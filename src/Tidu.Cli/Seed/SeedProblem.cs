namespace Tidu.Cli.Seed;

/// <summary>
/// One of the seed blog post's training examples (learning the child's IQ from the parent's, y = w·x), run with
/// Tidu the way the post runs it with PyTorch. Each run starts from the post's initial values, so it is repeatable.
/// </summary>
public abstract class SeedProblem
{
    /// <summary>A short identifier, also the loss-curve file name, e.g. <c>problem1-hand-written</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The loss-curve chart title.</summary>
    public abstract string Title { get; }

    /// <summary>Trains and returns what the post prints in each iteration.</summary>
    public abstract IReadOnlyList<SeedIteration> Run();
}

/// <summary>What one training iteration prints: the target, the prediction, the loss and every parameter.</summary>
/// <param name="Real">The target value y.</param>
/// <param name="Pred">The model's prediction.</param>
/// <param name="Loss">The loss of this prediction.</param>
/// <param name="Parameters">Each parameter's values and gradient after backward, before the update.</param>
public sealed record SeedIteration(double Real, double Pred, double Loss, IReadOnlyList<ParameterSnapshot> Parameters);

/// <summary>A parameter's values and gradient at one moment, flattened in row-major order.</summary>
/// <param name="Name">The name the post prints it under, e.g. <c>w</c> or <c>w1</c>.</param>
/// <param name="Data">The values (<c>w.data</c>).</param>
/// <param name="Grad">The gradient (<c>w.grad</c>).</param>
public sealed record ParameterSnapshot(string Name, double[] Data, double[] Grad)
{
    /// <summary>Snapshot of a leaf tensor that has a gradient.</summary>
    public static ParameterSnapshot Of(string name, Tensor parameter) =>
        new(name, parameter.Data.ToArray<double>(),
            (parameter.Grad ?? throw new InvalidOperationException($"Parameter {name} has no gradient; run Backward() first.")).ToArray<double>());
}
