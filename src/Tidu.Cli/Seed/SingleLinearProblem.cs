using Tidu.NN;
using Tidu.Optim;

namespace Tidu.Cli.Seed;

/// <summary>
/// The post's library-based programs with one <c>nn.Linear(n, 1, bias=False)</c> whose weights start at 1:
/// MSELoss, SGD(lr = 1e-5, momentum = 0), 10 iterations, weights and gradients printed before the step.
/// </summary>
public abstract class SingleLinearProblem : SeedProblem
{
    /// <summary>The input: the parent IQs.</summary>
    protected abstract float[] Inputs { get; }

    /// <inheritdoc />
    public override IReadOnlyList<SeedIteration> Run()
    {
        var inputs = Inputs;
        var x = Tensor.From(inputs);
        var y = Tensor.From(new float[] { 110f });
        var model = new Linear(inputs.Length, 1, bias: false);
        model.Weight.Data = Tensor.Ones(1, inputs.Length);
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
