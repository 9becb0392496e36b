using Tidu.NN;
using Tidu.Optim;

namespace Tidu.Cli.Seed;

/// <summary>
/// Problem 3: a two-layer chain, grandmother → father → son, y = x·w1·w2 with x = 100, y = 110 and both weights
/// starting at 1. Two <c>Linear(1, 1, bias: false)</c> layers are optimised by one SGD over two parameter groups
/// that inherit lr = 1e-5 from the optimizer. As in the post, values are printed after <c>Step()</c>: the
/// weights already updated, the gradients of this iteration.
/// </summary>
public sealed class Problem3TwoLayers : SeedProblem
{
    /// <inheritdoc />
    public override string Name => "problem3-two-layers";

    /// <inheritdoc />
    public override string Title => "Problem 3 (two layers, two parameter groups): y = x·w1·w2, lr = 0.00001";

    /// <inheritdoc />
    public override IReadOnlyList<SeedIteration> Run()
    {
        var x = Tensor.From(new float[] { 100f });
        var y = Tensor.From(new float[] { 110f });
        var model1 = new Linear(1, 1, bias: false);
        var model2 = new Linear(1, 1, bias: false);
        // the post leaves PyTorch's random initialisation in place; we start both weights at 1.0 so the run is repeatable
        model1.Weight.Data = Tensor.From(new float[] { 1f }, 1, 1);
        model2.Weight.Data = Tensor.From(new float[] { 1f }, 1, 1);
        var optimizer = new SGD([new ParamGroup(model1.Parameters()), new ParamGroup(model2.Parameters())], lr: 0.00001, momentum: 0);
        var lossFunc = new MSELoss();
        var iterations = new List<SeedIteration>();
        for (int i = 0; i < 10; i++)
        {
            var pred = model2.Forward(model1.Forward(x));
            var loss = lossFunc.Forward(pred, y);
            loss.Backward();
            optimizer.Step();
            iterations.Add(new SeedIteration(y.Item(), pred.Item(), loss.Item(),
                [ParameterSnapshot.Of("w1", model1.Weight), ParameterSnapshot.Of("w2", model2.Weight)]));
            optimizer.ZeroGrad();
        }
        return iterations;
    }
}
