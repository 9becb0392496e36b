namespace Tidu.Cli.Seed;

/// <summary>
/// Problem 2: the child's IQ from both parents, y = x1·w1 + x2·w2 with x = (100, 90) (father, mother), y = 110,
/// both weights starting at 1. Each step moves each weight against its own partial derivative.
/// </summary>
public sealed class Problem2TwoParents : SingleLinearProblem
{
    /// <inheritdoc />
    public override string Name => "problem2-two-parents";

    /// <inheritdoc />
    public override string Title => "Problem 2 (both parents): y = x1·w1 + x2·w2, lr = 0.00001";

    /// <inheritdoc />
    protected override float[] Inputs => [100f, 90f];
}
