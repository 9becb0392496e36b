using Tidu.Plots;

namespace Tidu.Tests.Plots;

public class LossCurveTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "tidu-plot-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void SaveWritesAPngOfTheRequestedSizeCreatingTheFolder()
    {
        string path = Path.Combine(dir, "nested", "curve.png");
        LossCurve.Save(path, [100, 64, 40.96, 26.2, 16.8], "test curve", width: 640, height: 400);

        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(PngSignature, bytes[..8]);
        // IHDR: width and height are big-endian 32-bit integers at bytes 16..23.
        Assert.Equal(640, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)));
        Assert.Equal(400, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4)));
        Assert.InRange(bytes.Length, 5_000, 2_000_000);
    }

    [Fact]
    public void SaveAcceptsASinglePoint()
    {
        string path = Path.Combine(dir, "one.png");
        LossCurve.Save(path, [3.5], "one point");
        Assert.True(new FileInfo(path).Length > 1000);
    }

    [Fact]
    public void SaveRejectsAnEmptySeries()
    {
        var e = Assert.Throws<ArgumentException>(() => LossCurve.Save(Path.Combine(dir, "empty.png"), [], "empty"));
        Assert.Contains("no losses", e.Message);
    }
}
