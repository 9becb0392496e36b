using System.Buffers.Binary;
using System.Text;
using Tidu.Serialization;

namespace Tidu.Tests.Serialization;

/// <summary>Builders for hand-assembled safetensors bytes and helpers shared by the serialization tests.</summary>
internal static class SafeTensorsTestData
{
    /// <summary>A length prefix, the header text and the data, without the padding a writer would add.</summary>
    public static byte[] Raw(string headerJson, int dataBytes = 0, ulong? lengthPrefix = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        return Raw(header, new byte[dataBytes], lengthPrefix);
    }

    public static byte[] Raw(byte[] header, byte[] data, ulong? lengthPrefix = null)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, lengthPrefix ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    public static byte[] SaveToBytes(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var ms = new MemoryStream();
        SafeTensors.Save(ms, tensors, metadata);
        return ms.ToArray();
    }

    public static SafeTensorsFile LoadBytes(byte[] bytes) => SafeTensors.Load(new MemoryStream(bytes, writable: false));

    /// <summary>The elements' raw bytes in row-major order, for bit-exact comparison (NaN payloads, −0.0).</summary>
    public static byte[] RawBytes(Tensor t) => t.DType switch
    {
        DType.Float32 => t.ToArray<float>().SelectMany(BitConverter.GetBytes).ToArray(),
        DType.Float64 => t.ToArray<double>().SelectMany(BitConverter.GetBytes).ToArray(),
        _ => t.ToArray<long>().SelectMany(BitConverter.GetBytes).ToArray(),
    };

    /// <summary>A fresh empty directory, deleted when disposed.</summary>
    public sealed class TempDirectory : IDisposable
    {
        public TempDirectory()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tidu-st-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public string[] Entries() => Directory.GetFileSystemEntries(Path).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}
