using Tidu.NN;
using Tidu.Optim;
using Tidu.Tests.Tensors;
using Xunit.Abstractions;

namespace Tidu.Tests.Memory;

/// <summary>
/// Training inside scopes is the same computation: bit-identical weights, and a warm step borrows all its tensor
/// memory from the pool.
/// </summary>
[Collection(DefaultGeneratorCollection.Name)]
public class ScopedTrainingTests(ITestOutputHelper output)
{
    private static (Module Model, Optimizer Optimizer) Build(string optimizer)
    {
        Tensor.ManualSeed(11);
        var model = new Sequential(new Linear(20, 32), new ReLU(), new Dropout(0.2), new Linear(32, 5));
        Optimizer o = optimizer == "adam"
            ? new Adam(model.Parameters(), lr: 1e-2, amsgrad: true, weightDecay: 1e-3)
            : new SGD(model.Parameters(), lr: 0.05, momentum: 0.9, nesterov: true);
        return (model, o);
    }

    private static float[][] Train(string optimizer, bool scoped, int steps)
    {
        var (model, o) = Build(optimizer);
        var data = new Generator(5);
        var loss = new CrossEntropyLoss();
        for (int i = 0; i < steps; i++)
        {
            var x = Tensor.Randn([16, 20], generator: data);
            var y = Tensor.RandInt(0, 5, [16], data);
            var scope = scoped ? TensorScope.Begin() : null;
            try
            {
                o.ZeroGrad();
                loss.Forward(model.Forward(x), y).Backward();
                o.Step();
            }
            finally
            {
                scope?.Dispose();
            }
        }
        return model.Parameters().Select(p => p.ToArray<float>()).ToArray();
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void ScopedStepsGiveBitIdenticalWeights(string optimizer)
    {
        var plain = Train(optimizer, scoped: false, steps: 12);
        var scoped = Train(optimizer, scoped: true, steps: 12);
        Assert.Equal(plain.Length, scoped.Length);
        for (int i = 0; i < plain.Length; i++) Assert.Equal(plain[i], scoped[i]);
    }

    [Fact]
    public void AWarmMlpStepAllocatesNoTensorStorage()
    {
        // MLP 784-256-10, batch 64, plain SGD: the figure the README quotes
        Tensor.ManualSeed(1);
        var model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
        var optimizer = new SGD(model.Parameters(), lr: 0.01);
        var loss = new CrossEntropyLoss();
        var x = Tensor.Randn(64, 784);
        var y = Tensor.RandInt(0, 10, [64]);

        var unscoped = StepAllocation.Measure(() => Step(scoped: false), warmSteps: 3, steps: 5);
        var scoped = StepAllocation.Measure(() => Step(scoped: true), warmSteps: 3, steps: 20);

        output.WriteLine($"MLP 784-256-10, batch 64, SGD: unscoped {unscoped}; scoped {scoped}");
        // the measurement sees storage: without a scope, a step allocates every activation and gradient afresh
        // (the weight gradient alone is 784 × 256 × 4 bytes)
        Assert.True(unscoped.BytesPerStep > 784 * 256 * 4, $"unscoped: {unscoped}");
        // warm scoped steps lease every array from the pool ...
        Assert.Equal(0, scoped.PoolMissesPerStep);
        // ... and what remains are small objects (tensors, shapes, graph nodes): 64 KB is the size of one
        // 64 × 256 activation, and about twice the measured figure
        Assert.True(scoped.BytesPerStep < 64 * 1024, $"scoped: {scoped}");

        void Step(bool scoped)
        {
            using var scope = scoped ? TensorScope.Begin() : null;
            optimizer.ZeroGrad();
            var l = loss.Forward(model.Forward(x), y);
            l.Backward();
            optimizer.Step();
            _ = l.Item();
        }
    }
}
