using Tidu.Diagnostics;
using Tidu.NN;
using Tidu.Optim;

namespace Tidu.Cli.DoctorDemos;

/// <summary>
/// The demos of the seed post's gradient section: deep chains multiply, so weights below 1 vanish and above 1
/// explode; the remedies are normalised inputs, controlled initial weights, residual connections, normalisation
/// layers, clipping and a smaller learning rate. Each demo pairs the faulty set-up with those repairs.
/// </summary>
internal static class DoctorDemoCatalog
{
    private const int Samples = 256, Width = 16;

    internal static IReadOnlyList<Demo> All { get; } = [Vanishing(), Exploding(), SeedLr()];

    internal static Demo? Find(string name) => All.FirstOrDefault(d => d.Name == name);

    /// <summary>30 Linear layers with sigmoids: each layer multiplies the gradient by σ' ≤ 0.25 times a weight below 1.</summary>
    private static Demo Vanishing()
    {
        const int layers = 30;
        static TrainingSetup Setup(long seed, bool raw, Func<Generator, Module> model)
        {
            var (x, y) = DemoData.Moons(Samples, seed, raw);
            var m = model(new Generator(seed + 1));
            return new TrainingSetup(m, new SGD(m.Parameters(), lr: 0.1), x, y, Classification: true);
        }
        return new Demo("vanishing", $"a {layers}-layer plain sigmoid MLP: the gradient vanishes before it reaches the first layers",
            [FindingKind.VanishingGradient], DefaultSteps: 150,
        [
            new("plain", $"{layers} Linear+Sigmoid layers, default init, raw inputs (mean {DemoData.RawMean}, std {DemoData.RawStd}), SGD lr 0.1",
                seed => Setup(seed, raw: true, g => DemoModels.Mlp(2, 2, Width, layers, () => new Sigmoid(), WeightInit.Default, g))),
            new("normalised-inputs", "inputs standardised to mean 0, std 1",
                seed => Setup(seed, raw: false, g => DemoModels.Mlp(2, 2, Width, layers, () => new Sigmoid(), WeightInit.Default, g))),
            new("xavier-init", "Xavier (Glorot) init for the sigmoids, normalised inputs",
                seed => Setup(seed, raw: false, g => DemoModels.Mlp(2, 2, Width, layers, () => new Sigmoid(), WeightInit.Xavier, g))),
            new("relu-kaiming", "ReLU instead of Sigmoid with Kaiming init, normalised inputs",
                seed => Setup(seed, raw: false, g => DemoModels.Mlp(2, 2, Width, layers, () => new ReLU(), WeightInit.Kaiming, g))),
            new("residual", "residual connections x + σ(Wx + b) around the hidden layers, normalised inputs",
                seed => Setup(seed, raw: false, g => DemoModels.ResidualMlp(2, 2, Width, layers, () => new Sigmoid(), WeightInit.Default, g))),
            new("batchnorm", "BatchNorm1d before every sigmoid, normalised inputs",
                seed => Setup(seed, raw: false, g => DemoModels.Mlp(2, 2, Width, layers, () => new Sigmoid(), WeightInit.Default, g, batchNorm: true))),
        ]) { ExpectedParameter = "0.weight" };
    }

    /// <summary>A deep ReLU net whose initial weights are 10× too large: the signal and its gradient grow ~4× per layer.</summary>
    private static Demo Exploding()
    {
        const int layers = 8, scale = 10;
        static TrainingSetup Setup(long seed, Func<Generator, Module> model, double lr = 0.01, double? clip = null)
        {
            var (x, y) = DemoData.Moons(Samples, seed);
            var m = model(new Generator(seed + 1));
            return new TrainingSetup(m, new SGD(m.Parameters(), lr: lr), x, y, Classification: true) { ClipNorm = clip };
        }
        static Module Large(Generator g, bool batchNorm = false) =>
            DemoModels.Mlp(2, 2, 2 * Width, layers, () => new ReLU(), WeightInit.Default, g, batchNorm, weightScale: scale);
        return new Demo("exploding", $"an {layers}-layer ReLU net with initial weights {scale}× too large: activations and gradients explode",
            [FindingKind.ExplodingGradient, FindingKind.NonFiniteValue, FindingKind.DivergingLoss], DefaultSteps: 100,
        [
            new("large-init", $"{layers} Linear+ReLU layers, default init ×{scale}, SGD lr 0.01", seed => Setup(seed, g => Large(g))),
            new("kaiming-init", "Kaiming init instead of the ×10 weights",
                seed => Setup(seed, g => DemoModels.Mlp(2, 2, 2 * Width, layers, () => new ReLU(), WeightInit.Kaiming, g))),
            new("clip-grad-norm", "gradient norm clipped to 1.0 before each step (same ×10 weights)", seed => Setup(seed, g => Large(g), clip: 1.0)),
            new("batchnorm", "BatchNorm1d after every hidden Linear (same ×10 weights)", seed => Setup(seed, g => Large(g, batchNorm: true))),
            new("smaller-lr", "lr 1e-5 instead of 0.01 (same ×10 weights)", seed => Setup(seed, g => Large(g), lr: 1e-5)),
        ]) { ExpectedParameter = "0.weight" };
    }

    /// <summary>
    /// The seed's worked example y = w·x with x = 100, y = 110, w = 1: the squared error's curvature is 2x² = 20000,
    /// so SGD is stable only for lr &lt; 2/20000 = 1e-4. The post's lr 1e-5 converges; lr 1e-3 multiplies the
    /// error by 1 − 2·lr·x² = −19 every step.
    /// </summary>
    private static Demo SeedLr()
    {
        static TrainingSetup Setup(double lr, float x, float y, double? clip = null)
        {
            var model = new Linear(1, 1, bias: false);
            Init.Ones(model.Weight);
            var optimizer = new SGD(model.Parameters(), lr: lr);
            return new TrainingSetup(model, optimizer, Tensor.From([x], 1, 1), Tensor.From([y], 1, 1), Classification: false) { ClipNorm = clip };
        }
        return new Demo("seed-lr", "the seed's y = w·x with x = 100, y = 110 and a learning rate 100× larger than the post's",
            [FindingKind.LearningRateTooHigh], DefaultSteps: 60,
        [
            new("lr-1e-3", "y = w·x, x = 100, y = 110, w = 1, squared error, SGD lr 1e-3", _ => Setup(1e-3, 100, 110)),
            new("lr-1e-5", "the post's lr 1e-5", _ => Setup(1e-5, 100, 110)),
            new("clip-grad-norm", "lr 1e-3 with the gradient norm clipped to 1.0: stable, but w moves at most 1e-3 per step", _ => Setup(1e-3, 100, 110, clip: 1.0)),
            new("normalised-input", "lr 1e-3 with x and y divided by 100 (x = 1, y = 1.1): stable, and now lr up to 1 would be", _ => Setup(1e-3, 1, 1.1f)),
        ]);
    }
}
