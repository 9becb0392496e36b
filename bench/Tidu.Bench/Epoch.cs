using System.Diagnostics;
using System.Globalization;
using Tidu.Data;
using Tidu.NN;
using Tidu.Optim;
using Tidu.Training;

namespace Tidu.Bench;

/// <summary>
/// One training epoch on Fashion-MNIST, as bench/epoch.sh runs it against the TorchSharp peer: the model of
/// <c>tidu train</c> (<see cref="FashionMnistModels.Create"/>) with its defaults (batch 128, Adam lr 1e-3,
/// cross-entropy), the 60,000 training images normalised with mean 0.2860 and std 0.3530 once before the clock
/// starts, no augmentation, a shuffled order (System.Random(seed).Shuffle, as in the peer) and the last
/// partial batch kept. Prints "epoch-KIND&lt;TAB&gt;seconds" (for the batches run) and, on stderr, the batch
/// count and the mean loss.
/// </summary>
internal static class Epoch
{
    internal const int BatchSize = 128;

    internal static int Run(string[] args)
    {
        string kind = args.Length > 0 ? args[0] : "mlp";
        int limit = int.MaxValue;
        for (int i = 1; i < args.Length; i++)
            if (args[i] == "--batches" && i + 1 < args.Length) limit = int.Parse(args[++i], CultureInfo.InvariantCulture);

        var (train, _) = FashionMnist.Load();
        var images = (train.Inputs - FashionMnistModels.Mean) / FashionMnistModels.Std;
        var labels = train.Targets;
        var model = FashionMnistModels.Create(kind);
        model.Train();
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        var lossFn = new CrossEntropyLoss();

        int n = images.Size(0);
        var order = Enumerable.Range(0, n).ToArray();
        new Random(1).Shuffle(order);
        int batches = Math.Min(limit, (n + BatchSize - 1) / BatchSize);
        double lossSum = 0;
        var sw = Stopwatch.StartNew();
        for (int b = 0; b < batches; b++)
        {
            using var scope = TensorScope.Begin(); // as the peer's DisposeScope: the batch's tensors go back to the pool
            int start = b * BatchSize, count = Math.Min(BatchSize, n - start);
            var index = Tensor.From(order.AsSpan(start, count).ToArray().Select(i => (long)i).ToArray(), count);
            var x = images.IndexSelect(0, index);
            var y = labels.IndexSelect(0, index);
            var loss = lossFn.Forward(model.Forward(x), y);
            loss.Backward();
            optimizer.Step();
            optimizer.ZeroGrad();
            lossSum += loss.Item();
        }
        double seconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"epoch-{kind}\t{seconds.ToString("F3", CultureInfo.InvariantCulture)}");
        Console.Error.WriteLine($"tidu {kind}: {batches} batches of {BatchSize}, {seconds:F2}s, mean loss {lossSum / batches:F4}");
        return 0;
    }
}
