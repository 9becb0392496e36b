namespace Tidu.Cli.Seed;

/// <summary>
/// Problem 1 with everything written by hand: the model <c>pred = x * w</c>, the squared error and the update
/// <c>w.data = w.data - lr * w.grad</c>, line for line as in the post's PyTorch program.
/// </summary>
public sealed class Problem1HandWritten : SeedProblem
{
    /// <inheritdoc />
    public override string Name => "problem1-hand-written";

    /// <inheritdoc />
    public override string Title => "Problem 1 (hand-written loop): y = w·x, lr = 0.00001";

    /// <inheritdoc />
    public override IReadOnlyList<SeedIteration> Run()
    {
        var iterations = new List<SeedIteration>();
        var x = Tensor.From(new float[] { 100f });
        var y = Tensor.From(new float[] { 110f });
        var w = Tensor.From(new float[] { 1f });
        w.RequiresGrad = true;
        const double lr = 0.00001;
        for (int i = 0; i < 10; i++)
        {
            var pred = x * w;
            var loss = (pred - y) * (pred - y); // squared error
            loss.Backward();
            // Where the post prints "real … pred … loss …" and "w.data … w.grad …".
            iterations.Add(new SeedIteration(y.Item(), pred.Item(), loss.Item(), [ParameterSnapshot.Of("w", w)]));
            w.Data = w.Data - lr * w.Grad!;
            w.ZeroGrad(); // gradients accumulate until cleared
        }
        return iterations;
    }
}
