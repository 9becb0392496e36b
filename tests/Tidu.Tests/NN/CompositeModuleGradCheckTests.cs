using Tidu.Diagnostics;
using Tidu.NN;

namespace Tidu.Tests.NN;

/// <summary>Gradchecks of whole modules, with every parameter as an input of the check.</summary>
public class CompositeModuleGradCheckTests
{
    private static void CheckModule(Module module, Tensor input)
    {
        var parameters = module.Parameters().ToArray();
        var inputs = parameters.Prepend(input.RequiresGradInPlace()).ToArray();
        var r = GradCheck.Check(xs => module.Forward(xs[0]), inputs);
        Assert.True(r.Passed, r.ToString());
    }

    [Fact]
    public void ResidualSequentialOfLinearAndActivations()
    {
        Tensor.ManualSeed(1);
        var net = new Sequential(
            new Linear(3, 4, dtype: DType.Float64), new ELU(),
            new Residual(new Sequential(new Linear(4, 4, dtype: DType.Float64), new GELU(), new LayerNorm([4], dtype: DType.Float64))),
            new SELU(), new Linear(4, 2, dtype: DType.Float64), new LogSoftmax(1));
        CheckModule(net, Tensor.Randn([3, 3], DType.Float64));
    }

    [Fact]
    public void DropoutWithAFixedMaskIsDifferentiable()
    {
        // a fresh generator with the same seed per evaluation makes every forward draw the same mask
        var drop = new Dropout(0.3);
        var linear = new Linear(4, 3, dtype: DType.Float64);
        var net = new Sequential(linear, drop);
        var x = Tensor.Randn([5, 4], DType.Float64).RequiresGradInPlace();
        var r = GradCheck.Check(xs =>
        {
            drop.Generator = new Generator(42);
            return net.Forward(xs[0]);
        }, [x, linear.Weight, linear.Bias!]);
        Assert.True(r.Passed, r.ToString());
    }

    [Fact]
    public void SmallCnnWithBatchNormAndPooling()
    {
        Tensor.ManualSeed(2);
        var net = new Sequential(
            new Conv2d(2, 3, 3, padding: 1, dtype: DType.Float64), new BatchNorm2d(3, dtype: DType.Float64), new ReLU(),
            new MaxPool2d(2), new Flatten(), new Linear(3 * 2 * 2, 2, dtype: DType.Float64));
        CheckModule(net, Tensor.Randn([3, 2, 4, 4], DType.Float64));
    }
}
