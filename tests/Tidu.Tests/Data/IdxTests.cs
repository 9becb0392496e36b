using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using Tidu.Data;

namespace Tidu.Tests.Data;

public sealed class IdxTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("tidu-idx-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>An IDX file's bytes: 00 00 type rank, big-endian dims, then <paramref name="data"/> as given.</summary>
    internal static byte[] IdxBytes(byte type, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    internal static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest)) gz.Write(bytes);
        return output.ToArray();
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Images(int n, int h, int w)
    {
        var data = new byte[n * h * w];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * 37 % 256);
        return data;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ImagesAndLabelsRoundTrip(bool gzip)
    {
        var pixels = Images(3, 4, 5);
        var imageFile = IdxBytes(0x08, [3, 4, 5], pixels);
        var labelFile = IdxBytes(0x08, [3], [9, 0, 255]);
        string images = Write("images", gzip ? Gzip(imageFile) : imageFile);
        string labels = Write("labels", gzip ? Gzip(labelFile) : labelFile);

        var x = Idx.ReadImages(images);
        Assert.Equal([3, 1, 4, 5], x.Shape);
        Assert.Equal(DType.Float32, x.DType);
        Assert.Equal(pixels.Select(p => p / 255f), x.ToArray<float>());
        var y = Idx.ReadLabels(labels);
        Assert.Equal(DType.Int64, y.DType);
        Assert.Equal([9L, 0L, 255L], y.ToArray<long>());

        var raw = Idx.Read(images);
        Assert.Equal([3, 4, 5], raw.Shape);
        Assert.Equal(DType.Int64, raw.DType);
        Assert.Equal(pixels.Select(p => (long)p), raw.ToArray<long>());
        Assert.Equal(pixels.Select(p => (float)p), Idx.Read(images, DType.Float32).ToArray<float>());
    }

    [Fact]
    public void EveryTypeCodeDecodesBigEndianValues()
    {
        Assert.Equal([-1L, 127L, -128L], Idx.Read(Write("s8", IdxBytes(0x09, [3], [0xFF, 0x7F, 0x80]))).ToArray<long>());
        Assert.Equal([-2L, 258L], Idx.Read(Write("i16", IdxBytes(0x0B, [2], [0xFF, 0xFE, 0x01, 0x02]))).ToArray<long>());
        Assert.Equal([16909060L, int.MinValue], Idx.Read(Write("i32", IdxBytes(0x0C, [2], [1, 2, 3, 4, 0x80, 0, 0, 0]))).ToArray<long>());

        var f32 = new byte[8];
        BinaryPrimitives.WriteSingleBigEndian(f32, 1.5f);
        BinaryPrimitives.WriteSingleBigEndian(f32.AsSpan(4), -0.25f);
        var t32 = Idx.Read(Write("f32", IdxBytes(0x0D, [2, 1], f32)));
        Assert.Equal(DType.Float32, t32.DType);
        Assert.Equal([2, 1], t32.Shape);
        Assert.Equal([1.5f, -0.25f], t32.ToArray<float>());

        var f64 = new byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(f64, Math.PI);
        var t64 = Idx.Read(Write("f64", IdxBytes(0x0E, [1], f64)));
        Assert.Equal(DType.Float64, t64.DType);
        Assert.Equal([Math.PI], t64.ToArray<double>());

        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(Write("f64b", IdxBytes(0x0E, [1], f64)), DType.Int64));
        TestHelpers.AssertMentions(e.Message, "f64b", "Int64");
    }

    public static TheoryData<string, byte[], string> HostileFiles() => new()
    {
        { "empty", [], "truncated header" },
        { "bad magic", [0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 7], "bad magic number 0x12340801" },
        { "unsupported type", IdxBytes(0x0A, [1], [1]), "unsupported type code 0x0A" },
        { "rank zero", [0, 0, 8, 0], "unsupported rank 0" },
        { "rank absurd", [0, 0, 8, 200], "unsupported rank 200" },
        { "dims cut", [0, 0, 8, 3, 0, 0, 0, 2, 0, 0], "truncated header" },
        { "zero dim", IdxBytes(0x08, [2, 0], []), "dimension 1 of [2, 0] is zero" },
        { "huge dim", [0, 0, 8, 1, 0xFF, 0xFF, 0xFF, 0xFF], "dimension 0 of [4294967295] is 4294967295" },
        { "product overflow", IdxBytes(0x08, [65536, 65536, 65536], []), "too many for a tensor" },
        { "truncated data", IdxBytes(0x08, [2, 3], [1, 2, 3, 4, 5]), "truncated data" },
        { "trailing bytes", IdxBytes(0x08, [2], [1, 2, 3]), "trailing bytes" },
        { "large declared, tiny file", IdxBytes(0x0E, [1 << 20, 64], []), "truncated data" },
    };

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void HostilePlainFilesAreRejectedNamingFileAndProblem(string name, byte[] bytes, string problem)
    {
        string path = Write(name.Replace(' ', '-'), bytes);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        TestHelpers.AssertMentions(e.Message, path, problem);
    }

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void HostileGzippedFilesAreRejectedNamingFileAndProblem(string name, byte[] bytes, string problem)
    {
        string path = Write(name.Replace(' ', '-') + ".gz", Gzip(bytes));
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        // a gzip file's data length is unknown up front, but no deflate stream expands more than 1032:1
        string expected = name == "large declared, tiny file" ? "more than a" : problem;
        TestHelpers.AssertMentions(e.Message, path, expected);
    }

    [Fact]
    public void GzipBombBeyondTheDeclaredSizeIsStoppedAfterOneByte()
    {
        // declares 4 bytes but decompresses to 16 MB of zeros; reading stops one byte past the declared data
        var bomb = new byte[16 << 20];
        IdxBytes(0x08, [4], [1, 2, 3, 4]).CopyTo(bomb, 0);
        string path = Write("bomb.gz", Gzip(bomb));
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        TestHelpers.AssertMentions(e.Message, path, "trailing bytes");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
    }

    [Fact]
    public void CorruptGzipStreamsAreInvalidData()
    {
        var gz = Gzip(IdxBytes(0x08, [50], Images(1, 5, 10)));
        gz[^6] ^= 0xFF; // the CRC-32 of the trailer
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(Write("crc.gz", gz)));
        TestHelpers.AssertMentions(e.Message, "crc.gz");
    }

    [Fact]
    public void ImagesAndLabelsRequireTheirShapes()
    {
        string labels = Write("labels", IdxBytes(0x08, [3], [1, 2, 3]));
        TestHelpers.AssertMentions(Assert.Throws<InvalidDataException>(() => Idx.ReadImages(labels)).Message, labels, "expected images", "[3]");
        string images = Write("images", IdxBytes(0x08, [1, 2, 2], [1, 2, 3, 4]));
        TestHelpers.AssertMentions(Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(images)).Message, images, "expected labels", "[1, 2, 2]");
        Assert.Throws<FileNotFoundException>(() => Idx.Read(Path.Combine(dir, "missing")));
    }

    [Fact]
    public void FuzzedFilesEitherReadOrFailWithInvalidData()
    {
        var valid = IdxBytes(0x08, [4, 3, 5], Images(4, 3, 5));
        var rng = new System.Random(20240601);
        var sw = Stopwatch.StartNew();
        int read = 0, rejected = 0;
        for (int k = 0; k < 1500; k++)
        {
            byte[] plain = (byte[])valid.Clone();
            switch (k % 5)
            {
                case 0: // truncation
                    plain = plain[..rng.Next(plain.Length)];
                    break;
                case 1: // byte flips in the header and dims
                    for (int f = rng.Next(1, 4); f > 0; f--) plain[rng.Next(16)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 2: // a random header over the valid data
                    rng.NextBytes(plain.AsSpan(0, 4 + 4 * rng.Next(0, 4)));
                    if (rng.Next(2) == 0) { plain[0] = 0; plain[1] = 0; }
                    if (rng.Next(2) == 0) plain[2] = (byte)(0x08 + rng.Next(7));
                    if (rng.Next(2) == 0) plain[3] = (byte)rng.Next(5);
                    break;
                case 3: // random bytes anywhere, sometimes extra bytes appended
                    for (int f = rng.Next(1, 6); f > 0; f--) plain[rng.Next(plain.Length)] = (byte)rng.Next(256);
                    if (rng.Next(3) == 0) plain = [.. plain, .. new byte[rng.Next(1, 9)]];
                    break;
                default: // an arbitrary short file
                    plain = new byte[rng.Next(0, 40)];
                    rng.NextBytes(plain);
                    if (plain.Length > 3 && rng.Next(2) == 0) { plain[0] = 0; plain[1] = 0; plain[2] = 8; plain[3] = (byte)rng.Next(1, 4); }
                    break;
            }
            byte[] bytes = plain;
            if (k % 2 == 1)
            {
                bytes = Gzip(plain);
                // sometimes corrupt or cut the compressed stream itself
                // (.NET writes nothing at all for empty input, hence the length guard)
                if (bytes.Length > 10 && rng.Next(3) == 0) bytes[rng.Next(10, bytes.Length)] ^= (byte)rng.Next(1, 256);
                else if (bytes.Length > 2 && rng.Next(3) == 0) bytes = bytes[..rng.Next(2, bytes.Length)];
            }
            // every tenth case goes through a real file; the rest through the same reader on a memory stream
            string path = k % 10 == 0 ? Write($"fuzz-{k}", bytes) : $"memory-{k}";
            try
            {
                var t = k % 10 == 0 ? Idx.Read(path) : Idx.ReadCore(new MemoryStream(bytes), path, null, 1, null);
                Assert.True(t.NumberOfElements > 0);
                read++;
            }
            catch (InvalidDataException e)
            {
                Assert.Contains(path, e.Message);
                rejected++;
            }
        }
        Assert.True(read > 0 && rejected > 1000, $"read {read}, rejected {rejected}");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"fuzzing took {sw.Elapsed}");
    }
}
