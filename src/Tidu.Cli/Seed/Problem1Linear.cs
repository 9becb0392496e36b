using Tidu.NN;
using Tidu.Optim;

namespace Tidu.Cli.Seed;

/// <summary>
/// Problem 1 again with the library's building blocks, as the post's second program: <c>nn.Linear(1, 1,
/// bias=False)</c> with its weight set to 1, <c>nn.MSELoss</c> and <c>optim.SGD(lr=1e-5, momentum=0)</c>. The
/// numbers equal the hand-written loop's; weights and gradients are printed before the step, as there.
/// </summary>
public sealed class Problem1Linear : SeedProblem
{
    /// <inheritdoc />
    public override string Name => "problem1-linear";

    /// <inheritdoc />
    public override string Title => "Problem 1 (Linear, MSELoss, SGD): y = w·x, lr = 0.00001";

    /// <inheritdoc />
    public override IReadOnlyList<SeedIteration> Run()
    {
        var x = Tensor.From(new float[] { 100f });
        var y = Tensor.From(new float[] { 110f });
        var model = new Linear(1, 1, bias: false);
        model.Weight.Data = Tensor.From(new float[] { 1f }, 1, 1);
        var optimizer = new SGD(model.Parameters(), lr: 0.00001, momentum: 0);
        var lossFunc = new MSELoss();
        var iterations = new List<SeedIteration>();
        for (int i = 0; i < 10; i++)
        {
            var pred = model.Forward(x);
            var loss = lossFunc.Forward(pred, y);
            loss.Backward();
            iterations.Add(new SeedIteration(y.Item(), pred.Item(), loss.Item(), [ParameterSnapshot.Of("w", model.Weight)]));
            optimizer.Step();
            optimizer.ZeroGrad();
        }
        return iterations;
    }
}
