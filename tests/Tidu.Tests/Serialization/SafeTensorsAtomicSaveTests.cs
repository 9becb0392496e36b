using Tidu.Serialization;
using static Tidu.Tests.Serialization.SafeTensorsTestData;

namespace Tidu.Tests.Serialization;

public class SafeTensorsAtomicSaveTests
{
    private static Dictionary<string, Tensor> Good() => new()
    {
        ["a"] = Tensor.From(new float[] { 1, 2, 3 }),
        ["b"] = Tensor.Ones([64, 64], DType.Float64),
    };

    private static Dictionary<string, Tensor> Replacement() => new()
    {
        ["a"] = Tensor.From(new float[] { 9, 9, 9 }),
        ["c"] = Tensor.Zeros([128, 128], DType.Float64),
    };

    /// <param name="failAfter">Bytes accepted before the injected failure; −1 fails the final flush instead.</param>
    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(70_000)]
    [InlineData(-1)]
    public void FailedSaveLeavesThePreviousFileByteIdenticalAndNoTempFile(long failAfter)
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafeTensors.Save(path, Good());
        var before = File.ReadAllBytes(path);

        var ex = Assert.Throws<IOException>(() =>
            SafeTensors.Save(path, Replacement(), null, wrapForTesting: s => new FailingStream(s, failAfter)));
        Assert.Contains("injected", ex.Message);

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["model.safetensors"], dir.Entries());
        Assert.Equal(new float[] { 1, 2, 3 }, SafeTensors.Load(path)["a"].ToArray<float>());
    }

    [Fact]
    public void FailedSaveToANewPathCreatesNothing()
    {
        using var dir = new TempDirectory();
        string path = dir.File("new.safetensors");
        Assert.Throws<IOException>(() => SafeTensors.Save(path, Good(), null, wrapForTesting: s => new FailingStream(s, 1000)));
        Assert.Empty(dir.Entries());
    }

    [Fact]
    public void UnwritableDTypeLeavesThePreviousFileAndNoTempFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafeTensors.Save(path, Good());
        var before = File.ReadAllBytes(path);
        // A dtype without a safetensors code, sorted after a good tensor so the save fails part-way through.
        var alien = new Tensor(new Storage(new float[2], (DType)42), [2], [1], 0, new VersionCounter());
        var tensors = new Dictionary<string, Tensor> { ["a"] = Tensor.Ones(2), ["z"] = alien };

        var ex = Assert.Throws<NotSupportedException>(() => SafeTensors.Save(path, tensors));
        Assert.Contains("\"z\"", ex.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["model.safetensors"], dir.Entries());
    }

    [Fact]
    public void NullTensorLeavesThePreviousFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafeTensors.Save(path, Good());
        var before = File.ReadAllBytes(path);
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a"] = null! }));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["model.safetensors"], dir.Entries());
    }

    [Fact]
    public void SuccessfulSaveReplacesTheFileAndLeavesNoTempFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafeTensors.Save(path, Good());
        SafeTensors.Save(path, Replacement(), new Dictionary<string, string> { ["epoch"] = "2" });
        Assert.Equal(["model.safetensors"], dir.Entries());
        var loaded = SafeTensors.Load(path);
        Assert.Equal(["a", "c"], loaded.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("2", loaded.Metadata["epoch"]);
    }

    /// <summary>Passes writes through until <c>failAfter</c> bytes, then throws (or throws on flush when −1).</summary>
    private sealed class FailingStream(Stream inner, long failAfter) : Stream
    {
        private long written;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
            if (failAfter < 0) throw new IOException("injected failure on flush");
            inner.Flush();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (failAfter >= 0 && written + buffer.Length > failAfter)
            {
                int allowed = (int)(failAfter - written);
                inner.Write(buffer[..allowed]);
                written = failAfter;
                throw new IOException($"injected failure after {failAfter} bytes");
            }
            inner.Write(buffer);
            written += buffer.Length;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
