using System.Text;
using Tidu.Serialization;
using static Tidu.Tests.Serialization.SafeTensorsTestData;

namespace Tidu.Tests.Serialization;

public class SafeTensorsRoundTripTests
{
    public static TheoryData<DType, int[]> DTypesAndShapes()
    {
        var data = new TheoryData<DType, int[]>();
        int[][] shapes = [[], [0], [1], [7], [2, 3], [2, 0, 3], [1, 1, 1, 5], [3, 4, 5]];
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int64 })
            foreach (var shape in shapes) data.Add(dtype, shape);
        return data;
    }

    /// <summary>A tensor whose bytes are random, so every bit pattern (NaN payloads included) can occur.</summary>
    private static Tensor RandomBits(DType dtype, int[] shape, int seed)
    {
        var rng = new System.Random(seed);
        int n = shape.Aggregate(1, (a, b) => a * b);
        var bytes = new byte[n * dtype.ElementSize()];
        rng.NextBytes(bytes);
        var t = dtype switch
        {
            DType.Float32 => Tensor.From(Enumerable.Range(0, n).Select(i => BitConverter.ToSingle(bytes, 4 * i)).ToArray()),
            DType.Float64 => Tensor.From(Enumerable.Range(0, n).Select(i => BitConverter.ToDouble(bytes, 8 * i)).ToArray()),
            _ => Tensor.From(Enumerable.Range(0, n).Select(i => BitConverter.ToInt64(bytes, 8 * i)).ToArray()),
        };
        return t.Reshape(shape); // Reshape() with no sizes gives the 0-d tensor From cannot
    }

    [Theory]
    [MemberData(nameof(DTypesAndShapes))]
    public void RoundTripIsBitExactForEveryDTypeAndShape(DType dtype, int[] shape)
    {
        var t = shape.Length == 0 && dtype == DType.Int64 ? Tensor.Scalar(-42L) : RandomBits(dtype, shape, 17);
        var loaded = LoadBytes(SaveToBytes(new Dictionary<string, Tensor> { ["t"] = t }))["t"];
        Assert.Equal(dtype, loaded.DType);
        Assert.Equal(shape, loaded.Shape);
        Assert.Equal(RawBytes(t), RawBytes(loaded));
        Assert.Equal(ShapeUtil.ContiguousStrides(shape), loaded.Strides);
        Assert.False(loaded.RequiresGrad);
    }

    [Fact]
    public void SpecialFloatingPointPayloadsSurviveBitForBit()
    {
        float[] floats =
        [
            float.NaN, -float.NaN, BitConverter.Int32BitsToSingle(0x7FC01234), BitConverter.Int32BitsToSingle(0x7F800001),
            BitConverter.Int32BitsToSingle(unchecked((int)0xFFBADBAD)), float.PositiveInfinity, float.NegativeInfinity,
            -0.0f, 0.0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue,
        ];
        double[] doubles =
        [
            double.NaN, BitConverter.Int64BitsToDouble(0x7FF0000000000001), BitConverter.Int64BitsToDouble(unchecked((long)0xFFF8DEADBEEF0001)),
            double.PositiveInfinity, double.NegativeInfinity, -0.0, double.Epsilon, double.MaxValue, double.MinValue,
        ];
        long[] longs = [long.MinValue, long.MaxValue, -1, 0, 1];
        var tensors = new Dictionary<string, Tensor>
        {
            ["f"] = Tensor.From(floats),
            ["d"] = Tensor.From(doubles),
            ["l"] = Tensor.From(longs),
            ["negzero"] = Tensor.Scalar(-0.0),
        };
        var loaded = LoadBytes(SaveToBytes(tensors));
        foreach (var (name, t) in tensors)
            Assert.Equal(RawBytes(t), RawBytes(loaded[name]));
        Assert.True(double.IsNegative(loaded["negzero"].Item()));
    }

    [Fact]
    public void MetadataAndUnusualNamesRoundTrip()
    {
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["note"] = "line\n\"quoted\" \\ 梯度 <tag> & 'x' \u0001",
            ["empty"] = "",
        };
        var tensors = new Dictionary<string, Tensor>
        {
            ["layer.0.weight"] = Tensor.Ones(2, 2),
            ["梯度/名前 \"quoted\""] = Tensor.Zeros(1),
            [""] = Tensor.Scalar(3L),
        };
        var loaded = LoadBytes(SaveToBytes(tensors, metadata));
        Assert.Equal(metadata.OrderBy(kv => kv.Key), loaded.Metadata.OrderBy(kv => kv.Key));
        Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), loaded.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(3.0, loaded[""].Item());
    }

    [Fact]
    public void FileWithoutMetadataLoadsWithEmptyMetadata()
    {
        var loaded = LoadBytes(SaveToBytes(new Dictionary<string, Tensor> { ["a"] = Tensor.Ones(1) }));
        Assert.Empty(loaded.Metadata);
    }

    [Fact]
    public void EmptyDictionaryRoundTrips()
    {
        var bytes = SaveToBytes(new Dictionary<string, Tensor>());
        Assert.Equal(Raw("{}      "), bytes);
        var loaded = LoadBytes(bytes);
        Assert.Empty(loaded.Tensors);
        Assert.Empty(loaded.Metadata);
    }

    [Fact]
    public void NonContiguousViewsAreWrittenContiguously()
    {
        var m = Tensor.From(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var transposed = m.Transpose(0, 1);       // strides [1, 3]
        var column = m.Select(1, 2);              // offset 2, stride 3
        Assert.False(transposed.IsContiguous);
        var loaded = LoadBytes(SaveToBytes(new Dictionary<string, Tensor> { ["t"] = transposed, ["c"] = column }));
        Assert.Equal([3, 2], loaded["t"].Shape);
        Assert.Equal(new double[] { 1, 4, 2, 5, 3, 6 }, loaded["t"].ToArray<double>());
        Assert.Equal(new double[] { 3, 6 }, loaded["c"].ToArray<double>());
    }

    [Fact]
    public void SavingATensorThatRequiresGradRecordsNoHistory()
    {
        var w = Tensor.From(new float[] { 1, 2, 3, 4 }, 2, 2).RequiresGradInPlace();
        var view = w.Transpose(0, 1);
        var loaded = LoadBytes(SaveToBytes(new Dictionary<string, Tensor> { ["w"] = view }));
        Assert.Equal(new float[] { 1, 3, 2, 4 }, loaded["w"].ToArray<float>());
        Assert.True(loaded["w"].IsLeaf);
        Assert.False(loaded["w"].RequiresGrad);
    }

    [Fact]
    public void BytesAreDeterministicRegardlessOfInsertionOrder()
    {
        var a = Tensor.From(new float[] { 1, 2 });
        var b = Tensor.From(new long[] { 3 });
        var first = SaveToBytes(new Dictionary<string, Tensor> { ["b"] = b, ["a"] = a }, new Dictionary<string, string> { ["y"] = "1", ["x"] = "2" });
        var second = SaveToBytes(new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b }, new Dictionary<string, string> { ["x"] = "2", ["y"] = "1" });
        Assert.Equal(first, second);
    }

    /// <summary>
    /// The exact bytes Python's <c>safetensors.torch.save({"a": torch.tensor([1., -2.])})</c> produces: compact JSON
    /// padded with spaces to a multiple of 8, then the little-endian floats.
    /// </summary>
    [Fact]
    public void TinyFileMatchesTheSpecByteForByte()
    {
        byte[] expected =
        [
            56, 0, 0, 0, 0, 0, 0, 0,                                              // header length 56, little-endian u64
            .. Encoding.ASCII.GetBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"), // 54 bytes
            (byte)' ', (byte)' ',                                                 // padding to 8-byte alignment
            0x00, 0x00, 0x80, 0x3F,                                               // 1.0f
            0x00, 0x00, 0x00, 0xC0,                                               // -2.0f
        ];
        Assert.Equal(72, expected.Length);
        var bytes = SaveToBytes(new Dictionary<string, Tensor> { ["a"] = Tensor.From(new float[] { 1f, -2f }) });
        Assert.Equal(expected, bytes);
        Assert.Equal(new float[] { 1f, -2f }, LoadBytes(expected)["a"].ToArray<float>());
    }

    [Fact]
    public void MetadataComesFirstInTheHeaderAsTheReferenceWriterPutsIt()
    {
        byte[] expected =
        [
            88, 0, 0, 0, 0, 0, 0, 0,
            .. Encoding.ASCII.GetBytes("{\"__metadata__\":{\"format\":\"pt\"},\"s\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}"), // 84 bytes
            (byte)' ', (byte)' ', (byte)' ', (byte)' ',
            0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,                        // -2L
        ];
        var bytes = SaveToBytes(new Dictionary<string, Tensor> { ["s"] = Tensor.Scalar(-2L) }, new Dictionary<string, string> { ["format"] = "pt" });
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void FileAndStreamOverloadsAgree()
    {
        using var dir = new TempDirectory();
        var tensors = new Dictionary<string, Tensor> { ["x"] = Tensor.Arange(6).Reshape(2, 3) };
        string path = dir.File("model.safetensors");
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["k"] = "v" });
        Assert.Equal(SaveToBytes(tensors, new Dictionary<string, string> { ["k"] = "v" }), File.ReadAllBytes(path));
        var loaded = SafeTensors.Load(path);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5 }, loaded["x"].ToArray<long>());
        Assert.Equal("v", loaded.Metadata["k"]);
    }

    [Fact]
    public void NonSeekableStreamsLoad()
    {
        var bytes = SaveToBytes(new Dictionary<string, Tensor> { ["x"] = Tensor.Ones(3) });
        var loaded = SafeTensors.Load(new ForwardOnlyStream(bytes));
        Assert.Equal(new float[] { 1, 1, 1 }, loaded["x"].ToArray<float>());
    }

    [Fact]
    public void ReservedNameIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => SaveToBytes(new Dictionary<string, Tensor> { ["__metadata__"] = Tensor.Ones(1) }));
        Assert.Contains("reserved", ex.Message);
    }

    [Fact]
    public void MissingTensorNameListsWhatIsThere()
    {
        var loaded = LoadBytes(SaveToBytes(new Dictionary<string, Tensor> { ["weight"] = Tensor.Ones(1) }));
        var ex = Assert.Throws<KeyNotFoundException>(() => loaded["bias"]);
        Assert.Contains("\"weight\"", ex.Message);
    }

    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 3));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
