using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchSharpPeer;

/// <summary>
/// One training epoch on Fashion-MNIST, the same as Tidu.Bench's Epoch: the model of <c>tidu train</c> with its
/// defaults (batch 128, Adam lr 1e-3, cross-entropy), the 60,000 training images read from the IDX files and
/// normalised with mean 0.2860 and std 0.3530 before the clock starts, no augmentation, the order of
/// System.Random(seed).Shuffle and the last partial batch kept. Prints "epoch-KIND&lt;TAB&gt;seconds".
/// </summary>
internal static class Epoch
{
    private const int BatchSize = 128;
    private const string DefaultDirectory = "/usr/share/datasets/fashion-mnist"; // where Debian's dataset-fashion-mnist puts it

    internal static int Run(string[] args)
    {
        string kind = args.Length > 0 ? args[0] : "mlp";
        int limit = int.MaxValue;
        string directory = Environment.GetEnvironmentVariable("FASHION_MNIST_DIR") ?? DefaultDirectory;
        for (int i = 1; i < args.Length; i++)
            if (args[i] == "--batches" && i + 1 < args.Length) limit = int.Parse(args[++i], CultureInfo.InvariantCulture);

        var pixels = ReadIdx(Path.Combine(directory, "train-images-idx3-ubyte"), out int n);
        var labelBytes = ReadIdx(Path.Combine(directory, "train-labels-idx1-ubyte"), out _);
        var images = torch.tensor(pixels.Select(p => p / 255f).ToArray(), [n, 1, 28, 28]);
        images = (images - 0.2860) / 0.3530;
        var labels = torch.tensor(labelBytes.Select(b => (long)b).ToArray(), [n]);

        var model = Models.Create(kind);
        model.train();
        var optimizer = torch.optim.Adam(model.parameters(), lr: 1e-3);
        var lossFn = nn.CrossEntropyLoss();

        var order = Enumerable.Range(0, n).ToArray();
        new Random(1).Shuffle(order);
        int batches = Math.Min(limit, (n + BatchSize - 1) / BatchSize);
        double lossSum = 0;
        var sw = Stopwatch.StartNew();
        for (int b = 0; b < batches; b++)
        {
            using var scope = torch.NewDisposeScope();
            int start = b * BatchSize, count = Math.Min(BatchSize, n - start);
            var index = torch.tensor(order.AsSpan(start, count).ToArray().Select(i => (long)i).ToArray(), [count]);
            var x = images.index_select(0, index);
            var y = labels.index_select(0, index);
            var loss = lossFn.forward(model.forward(x), y);
            loss.backward();
            optimizer.step();
            optimizer.zero_grad();
            lossSum += loss.item<float>();
        }
        double seconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"epoch-{kind}\t{seconds.ToString("F3", CultureInfo.InvariantCulture)}");
        Console.Error.WriteLine($"torchsharp {kind}: {batches} batches of {BatchSize}, {seconds:F2}s, mean loss {lossSum / batches:F4}");
        return 0;
    }

    /// <summary>The payload of an IDX file (plain or .gz) and its first dimension.</summary>
    private static byte[] ReadIdx(string path, out int count)
    {
        using Stream file = File.Exists(path) ? File.OpenRead(path) : new GZipStream(File.OpenRead(path + ".gz"), CompressionMode.Decompress);
        using var memory = new MemoryStream();
        file.CopyTo(memory);
        var bytes = memory.ToArray();
        int dims = bytes[3];
        count = (bytes[4] << 24) | (bytes[5] << 16) | (bytes[6] << 8) | bytes[7];
        return bytes[(4 + 4 * dims)..];
    }
}
