using System.Diagnostics;
using Tidu.Data;

namespace Tidu.Tests.Data;

/// <summary>A fact that is skipped, with the install command as the reason, when Fashion-MNIST is not installed.</summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    public FashionMnistFactAttribute()
    {
        if (!FashionMnist.IsAvailable())
            Skip = $"Fashion-MNIST is not installed in {FashionMnist.DefaultDirectory}; run `{FashionMnist.InstallCommand}` (CI does).";
    }
}

public sealed class FashionMnistTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("tidu-fmnist-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [FashionMnistFact]
    public void LoadsTheInstalledDataset()
    {
        var sw = Stopwatch.StartNew();
        var (train, test) = FashionMnist.Load();
        Assert.Equal(60000, train.Count);
        Assert.Equal(10000, test.Count);
        Assert.Equal([60000, 1, 28, 28], train.Inputs.Shape);
        Assert.Equal([10000, 1, 28, 28], test.Inputs.Shape);
        Assert.Equal([60000], train.Targets.Shape);
        Assert.Equal(DType.Int64, train.Targets.DType);

        // the first training image is an ankle boot (label 9), the first test image too
        Assert.Equal(9, train[0].Target.Item());
        Assert.Equal("Ankle boot", FashionMnist.Classes[(int)train[0].Target.Item()]);
        Assert.Equal(9, test[0].Target.Item());

        Assert.Equal(0.0, train.Inputs.Min().Item());
        Assert.Equal(1.0, train.Inputs.Max().Item());
        var counts = new int[10];
        foreach (long y in train.Targets.ToArray<long>()) counts[y]++;
        Assert.All(counts, c => Assert.Equal(6000, c)); // Fashion-MNIST is balanced
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"loading took {sw.Elapsed}");
    }

    [Fact]
    public void MissingFilesSayHowToInstall()
    {
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(dir));
        TestHelpers.AssertMentions(e.Message, dir, "apt-get install dataset-fashion-mnist", "--data DIR", "train-images-idx3-ubyte");
        Assert.False(FashionMnist.IsAvailable(dir));
    }

    [Fact]
    public void WrongCountsAreRejected()
    {
        // a tiny but well-formed set of the four files: found, then rejected for its counts
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), IdxTests.IdxBytes(0x08, [2, 28, 28], new byte[2 * 28 * 28]));
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte.gz"), IdxTests.Gzip(IdxTests.IdxBytes(0x08, [2], [1, 2])));
        File.WriteAllBytes(Path.Combine(dir, "t10k-images.idx3-ubyte"), IdxTests.IdxBytes(0x08, [1, 28, 28], new byte[28 * 28]));
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), IdxTests.IdxBytes(0x08, [1], [3]));
        Assert.True(FashionMnist.IsAvailable(dir));
        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(dir));
        TestHelpers.AssertMentions(e.Message, "train-images-idx3-ubyte", "[2, 1, 28, 28]", "[60000, 1, 28, 28]");
    }
}
