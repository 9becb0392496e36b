using Tidu.NN;
using Tidu.Optim;

namespace Tidu.Cli.Seed;

/// <summary>
/// Problem 2: the child's IQ from both parents, y = x1·w1 + x2·w2 with x = (100, 90) (father, mother), y = 110,
/// both weights starting at 1: <c>Linear(2, 1, bias: false)</c>, MSELoss and SGD(lr = 1e-5). Each step moves
/// each weight against its own partial derivative; printed before the step.
/// </summary>
public sealed class Problem2TwoParents : SeedProblem
{
    /// <inheritdoc />
    public override string Name => "problem2-two-parents";

    /// <inheritdoc />
    public override string Title => "Problem 2 (both parents): y = x1·w1 + x2·w2, lr = 0.00001";

    /// <inheritdoc />
    public override IReadOnlyList<SeedIteration> Run()
    {
        var x = Tensor.From(new float[] { 100f, 90f });
        var y = Tensor.From(new float[] { 110f });
        var model = new Linear(2, 1, bias: false);
        model.Weight.Data = Tensor.From(new float[] { 1f, 1f }, 1, 2);
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
