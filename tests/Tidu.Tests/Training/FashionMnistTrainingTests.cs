using Tidu.Data;
using Tidu.NN;
using Tidu.Optim;
using Tidu.Tests.Data;
using Tidu.Tests.Tensors;
using Tidu.Training;

namespace Tidu.Tests.Training;

/// <summary>Training on the real Fashion-MNIST (skipped when the dataset is not installed; CI installs it).</summary>
[Collection(DefaultGeneratorCollection.Name)]
public class FashionMnistTrainingTests
{
    [FashionMnistFact]
    public void ThreeHundredStepsOfTheMlpReachFarAboveChanceOnTheTestSet()
    {
        // about 25 s in a Debug build on 2 cores: loading, 300 steps and evaluating 10,000 images
        var (train, test) = FashionMnist.Load();
        Tensor.ManualSeed(0);
        var model = FashionMnistModels.Mlp();
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        var trainer = new Trainer(model, optimizer, new CrossEntropyLoss(), seed: 0);
        const int steps = 300, batch = 128;
        var subset = new Subset(train, Enumerable.Range(0, steps * batch).ToArray());
        var loader = new DataLoader(subset, batch, shuffle: true, generator: new Generator(1), transform: FashionMnistModels.EvalTransform());
        var testLoader = new DataLoader(test, 1000, transform: FashionMnistModels.EvalTransform());

        var history = trainer.Fit(loader, null, 1);
        var result = trainer.Evaluate(testLoader);

        Assert.Equal(steps, trainer.GlobalStep);
        Assert.Equal(10000, result.Samples);
        // chance is 10 %; 300 Adam steps of the MLP give about 83 %
        Assert.True(result.Accuracy > 0.70, $"test accuracy {result.Accuracy:P2} after {steps} steps (train accuracy {history[0].TrainAccuracy:P2})");
    }
}
