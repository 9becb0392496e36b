using System.Text;
using Tidu.Serialization;
using static Tidu.Tests.Serialization.SafeTensorsTestData;

namespace Tidu.Tests.Serialization;

/// <summary>Each malformation of the header or data raises InvalidDataException with a message naming the problem.</summary>
public class SafeTensorsHostileInputTests
{
    private const string A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    private static InvalidDataException Bad(byte[] bytes) => Assert.Throws<InvalidDataException>(() => LoadBytes(bytes));

    [Fact]
    public void WellFormedBaselineLoads() => Assert.Equal([2], LoadBytes(Raw("{" + A + "}", 8))["a"].Shape);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void FileShorterThanTheLengthPrefix(int length)
    {
        var ex = Bad(new byte[length]);
        Assert.Contains($"it is {length} bytes long, shorter than the 8-byte header-length prefix", ex.Message);
    }

    [Fact]
    public void HeaderLengthLargerThanTheFile()
    {
        var ex = Bad(Raw("{" + A + "}", 8, lengthPrefix: 1000));
        Assert.Contains("the header length prefix says 1000 bytes but only 62 bytes follow it", ex.Message);
    }

    [Theory]
    [InlineData(ulong.MaxValue)]
    [InlineData(1UL << 63)]
    [InlineData(100_000_001UL)]
    public void AbsurdHeaderLengthIsRejectedBeforeAllocating(ulong prefix)
    {
        var ex = Bad(Raw("{}", 0, lengthPrefix: prefix));
        Assert.Contains($"says {prefix} bytes, above the 100000000-byte limit", ex.Message);
    }

    [Fact]
    public void InvalidUtf8InTheHeader()
    {
        var header = Encoding.ASCII.GetBytes("{\"aX\":{}}");
        header[3] = 0xFF; // the X: a byte that never occurs in UTF-8
        var ex = Bad(Raw(header, []));
        Assert.Contains("the header is not valid UTF-8", ex.Message);
    }

    [Theory]
    // not JSON at all, or JSON with something after it
    [InlineData("{\"a\":", 0, null, "the header is not valid JSON")]
    [InlineData("", 0, null, "the header is not valid JSON")]
    [InlineData("{" + A + "} x", 8, null, "the header is not valid JSON")]
    [InlineData("{" + A + ",}", 8, null, "the header is not valid JSON")]
    [InlineData("{\"\\ud800\":{}}", 0, null, "the header is not valid JSON")]
    // not an object
    [InlineData("[]", 0, null, "the header must be a JSON object but is an array")]
    [InlineData("\"x\"", 0, null, "the header must be a JSON object but is a string")]
    [InlineData("42", 0, null, "the header must be a JSON object but is a number")]
    [InlineData("null", 0, null, "the header must be a JSON object but is null")]
    // entries that are not objects, missing, extra, repeated or ill-typed fields
    [InlineData("{\"a\":5}", 0, "a", "its entry must be an object with dtype, shape and data_offsets but is a number")]
    [InlineData("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "a", "its entry lacks \"dtype\"")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, "a", "its entry lacks \"shape\"")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "a", "its entry lacks \"data_offsets\"")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":1}}", 8, "a", "unexpected field \"extra\"")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "a", "\"dtype\" appears twice")]
    [InlineData("{\"a\":{\"dtype\":5,\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "a", "\"dtype\" must be a string but is a number")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8, "a", "\"shape\" must be an array of non-negative integers but is a string")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[true],\"data_offsets\":[0,8]}}", 8, "a", "\"shape\" must hold non-negative integers but holds a boolean")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":{}}}", 8, "a", "\"data_offsets\" must be an array of non-negative integers but is an object")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, "a", "\"data_offsets\" must hold 2 integers [begin, end] but holds 1")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", 8, "a", "\"data_offsets\" must hold 2 integers [begin, end] but holds 3")]
    [InlineData("{\"a\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "a", "dtype \"F33\" is not a safetensors dtype")]
    // shape entries
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "a", "\"shape\" holds the negative number -2")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", 8, "a", "\"shape\" holds 1.5, which is not an integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2e0],\"data_offsets\":[0,8]}}", 8, "a", "\"shape\" holds 2e0, which is not an integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}", 8, "a", "which is not an integer in 0…")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,8]}}", 8, "a", "shape [4294967296, 4294967296, 16] has more elements than fit in 64 bits")]
    [InlineData("{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,1073741824],\"data_offsets\":[0,8]}}", 8, "a", "shape [4294967296, 1073741824] of F64 needs more bytes than fit in 64 bits")]
    // byte ranges
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "a", "data_offsets [0, 8] span 8 bytes but shape [3] of F32 needs 12 bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "a", "data_offsets [8, 0] end before they begin")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, "a", "data_offsets [0, 16] reach past the end of the 8-byte data area")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[18446744073709551608,0]}}", 8, "a", "end before they begin")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "b", "data_offsets [4, 12] overlap tensor \"a\", which ends at 8")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "b", "overlap tensor \"a\"")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", 20, "b", "data_offsets [12, 20] leave a gap of 4 bytes after tensor \"a\", which ends at 8; the data must be packed without holes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "a", "leave a gap of 4 bytes after the start of the data area")]
    [InlineData("{" + A + "}", 12, null, "4 trailing bytes follow the tensor data (the data area is 12 bytes; the tensors cover 8)")]
    [InlineData("{}", 3, null, "3 trailing bytes follow the tensor data")]
    // names and metadata
    [InlineData("{" + A + "," + A + "}", 8, "a", "the name appears twice in the header")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"\\u0061\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}}", 8, "a", "the name appears twice")]
    [InlineData("{\"__metadata__\":{},\"__metadata__\":{}}", 0, null, "\"__metadata__\" appears twice in the header")]
    [InlineData("{\"__metadata__\":{\"k\":1}}", 0, null, "\"__metadata__\" entry \"k\" must be a string but is a number")]
    [InlineData("{\"__metadata__\":{\"k\":\"v\",\"k\":\"w\"}}", 0, null, "\"__metadata__\" has the key \"k\" twice")]
    [InlineData("{\"__metadata__\":[]}", 0, null, "\"__metadata__\" must be an object of strings but is an array")]
    public void MalformedHeaderIsRejectedWithAMessageNamingTheTensorAndProblem(string json, int dataBytes, string? tensor, string problem)
    {
        var ex = Bad(Raw(json, dataBytes));
        Assert.Contains(problem, ex.Message);
        Assert.StartsWith("Invalid safetensors data", ex.Message);
        if (tensor is not null)
        {
            Assert.Contains($"tensor \"{tensor}\"", ex.Message);
            Assert.Equal(tensor, ex.Data[SafeTensors.TensorNameDataKey]);
        }
    }

    [Theory]
    [InlineData("F16", 2)]
    [InlineData("BF16", 2)]
    [InlineData("I32", 4)]
    [InlineData("BOOL", 1)]
    [InlineData("U8", 1)]
    [InlineData("F8_E4M3", 1)]
    [InlineData("F4", 0)]
    public void UnsupportedDTypeNamesTheTensorAndDType(string dtype, int elementSize)
    {
        var json = $"{{\"x\":{{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}},\"half.weight\":{{\"dtype\":\"{dtype}\",\"shape\":[2],\"data_offsets\":[4,{4 + 2 * elementSize}]}}}}";
        var ex = Assert.Throws<NotSupportedException>(() => LoadBytes(Raw(json, 4 + 2 * elementSize)));
        Assert.Contains("tensor \"half.weight\"", ex.Message);
        Assert.Contains($"dtype {dtype} is not supported", ex.Message);
    }

    [Fact]
    public void StructuralErrorsWinOverAnUnsupportedDType()
    {
        // A corrupt file is reported as corrupt even when it also names a dtype Tidu lacks.
        var ex = Bad(Raw("{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,4]}}", 4));
        Assert.Contains("span 4 bytes but shape [3] of F16 needs 6 bytes", ex.Message);
    }

    [Fact]
    public void TensorTooLargeForTiduIsNotSupportedRatherThanAllocated()
    {
        // 2^31 zero-sized rows: well-formed, but more than a Tidu dimension holds.
        var ex = Assert.Throws<NotSupportedException>(() => LoadBytes(Raw("{\"big\":{\"dtype\":\"F32\",\"shape\":[2147483648,0],\"data_offsets\":[0,0]}}")));
        Assert.Contains("tensor \"big\"", ex.Message);
    }

    [Fact]
    public void MessageNamesTheFileWhenLoadingFromDisk()
    {
        using var dir = new TempDirectory();
        string path = dir.File("broken.safetensors");
        File.WriteAllBytes(path, Raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8));
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.StartsWith($"Invalid safetensors file '{path}', tensor \"w\": data_offsets [0, 8] span 8 bytes", ex.Message);
        Assert.Equal(path, ex.Data[SafeTensors.FilePathDataKey]);
    }

    [Fact]
    public void TruncatedFileOnDiskNamesTheFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("short.safetensors");
        var good = SaveToBytes(new Dictionary<string, Tensor> { ["w"] = Tensor.Ones(10) });
        File.WriteAllBytes(path, good[..^5]);
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains("reach past the end of the 35-byte data area", ex.Message);
    }

    [Fact]
    public void HugeNameIsClippedInTheMessage()
    {
        string name = new('n', 10_000);
        var ex = Bad(Raw($"{{\"{name}\":{{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}}}", 8));
        Assert.True(ex.Message.Length < 1000, ex.Message.Length.ToString());
        Assert.Equal(name, ex.Data[SafeTensors.TensorNameDataKey]);
    }

    [Fact]
    public void NullMetadataIsReadAsNone()
    {
        var loaded = LoadBytes(Raw("{\"__metadata__\":null," + A + "}", 8));
        Assert.Empty(loaded.Metadata);
    }
}
