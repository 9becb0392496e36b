namespace Tidu.Cli.Seed;

/// <summary>
/// Problem 1 again with the library's building blocks, as the post's second program: <c>nn.Linear(1, 1,
/// bias=False)</c> with its weight set to 1, <c>nn.MSELoss</c> and <c>optim.SGD(lr=1e-5, momentum=0)</c>. The
/// numbers equal the hand-written loop's.
/// </summary>
public sealed class Problem1Linear : SingleLinearProblem
{
    /// <inheritdoc />
    public override string Name => "problem1-linear";

    /// <inheritdoc />
    public override string Title => "Problem 1 (Linear, MSELoss, SGD): y = w·x, lr = 0.00001";

    /// <inheritdoc />
    protected override float[] Inputs => [100f];
}
