using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tidu.Serialization;

/// <summary>
/// Reads and writes the safetensors format (https://huggingface.co/docs/safetensors), the format PyTorch and
/// Hugging Face users exchange weights in: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// describing each tensor (<c>dtype</c>, <c>shape</c>, <c>data_offsets</c>) plus optional string
/// <c>__metadata__</c>, then the tensors' little-endian bytes packed without gaps.
/// </summary>
/// <remarks>
/// Tidu reads and writes the dtypes it has: <c>F32</c>, <c>F64</c> and <c>I64</c>. Files written here load with
/// Python's <c>safetensors.torch.load_file</c>. The reader treats its input as hostile: every size in the header is
/// checked against the real length of the data before anything is allocated, and every malformation raises an
/// <see cref="InvalidDataException"/> naming the file, the tensor and the problem.
/// </remarks>
public static partial class SafeTensors
{
    /// <summary>
    /// The largest header accepted, in bytes (100 MB, the limit of the reference implementation); a larger
    /// length prefix means the file is corrupt or not safetensors.
    /// </summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The reserved header key that holds the string-to-string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>The <see cref="Exception.Data"/> key under which a format error records the file it was reading.</summary>
    public const string FilePathDataKey = "SafeTensors.FilePath";

    /// <summary>The <see cref="Exception.Data"/> key under which a format error records the tensor at fault.</summary>
    public const string TensorNameDataKey = "SafeTensors.TensorName";

    private const int CopyChunkBytes = 1 << 20;

    /// <summary>
    /// Writes <paramref name="tensors"/> (and optional <paramref name="metadata"/>) to <paramref name="path"/>
    /// atomically: the bytes go to a temporary file in the same directory, are flushed to disk and the temporary
    /// file then replaces <paramref name="path"/>. If anything fails, the temporary file is deleted and a file
    /// already at <paramref name="path"/> is left as it was.
    /// </summary>
    /// <param name="path">The destination file; its directory must exist.</param>
    /// <param name="tensors">Tensors by name. Non-contiguous tensors are written contiguously; names are written in
    /// ordinal order so equal inputs give identical bytes. The name <c>__metadata__</c> is reserved.</param>
    /// <param name="metadata">Free-form strings stored under <c>__metadata__</c> (e.g. <c>format = pt</c>).</param>
    /// <exception cref="ArgumentException">A name is reserved, or a tensor or metadata value is null.</exception>
    /// <exception cref="NotSupportedException">A tensor's dtype has no safetensors code.</exception>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Save(path, tensors, metadata, wrapForTesting: null);

    /// <summary>
    /// Writes <paramref name="tensors"/> (and optional <paramref name="metadata"/>) in safetensors format to
    /// <paramref name="stream"/> at its current position. Unlike <see cref="Save(string, IReadOnlyDictionary{string, Tensor}, IReadOnlyDictionary{string, string}?)"/>
    /// this is not atomic: a failure can leave part of a file in the stream.
    /// </summary>
    /// <param name="stream">A writable stream; it is flushed but not closed.</param>
    /// <param name="tensors">Tensors by name, written contiguously in ordinal name order.</param>
    /// <param name="metadata">Free-form strings stored under <c>__metadata__</c>.</param>
    /// <exception cref="ArgumentException">A name is reserved, or a tensor or metadata value is null.</exception>
    /// <exception cref="NotSupportedException">A tensor's dtype has no safetensors code.</exception>
    public static void Save(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite) throw new ArgumentException("SafeTensors.Save: the stream is not writable.", nameof(stream));
        var plan = Plan(tensors, metadata);
        Write(stream, plan);
        stream.Flush();
    }

    /// <summary>
    /// The atomic save, with a seam for tests: <paramref name="wrapForTesting"/> may wrap the temporary file's
    /// stream (e.g. to inject a failure midway).
    /// </summary>
    internal static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata,
        Func<Stream, Stream>? wrapForTesting)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // Everything that can be checked is checked before a file is created.
        var plan = Plan(tensors, metadata);
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)
            ?? throw new ArgumentException($"SafeTensors.Save: \"{path}\" names a directory root, not a file.", nameof(path));
        string temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                var target = wrapForTesting?.Invoke(file) ?? file;
                Write(target, plan);
                target.Flush();
                // The bytes must be on disk before the rename makes them the file's contents; otherwise a crash
                // right after the rename can leave an empty or partial file under the good name.
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, fullPath, overwrite: true); // a rename within one directory: atomic on POSIX and NTFS
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // best effort: the original exception is the one the caller needs to see
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed record PlannedTensor(string Name, Tensor Contiguous, string DTypeCode, long Begin, long End);

    private sealed record WritePlan(byte[] Header, PlannedTensor[] Tensors);

    /// <summary>Validates the inputs and lays out the header and the data offsets.</summary>
    private static WritePlan Plan(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var names = tensors.Keys.ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        var planned = new PlannedTensor[names.Length];
        long offset = 0;
        for (int i = 0; i < names.Length; i++)
        {
            string name = names[i] ?? throw new ArgumentException("SafeTensors.Save: a tensor name is null.", nameof(tensors));
            if (name == MetadataKey)
                throw new ArgumentException($"SafeTensors.Save: \"{MetadataKey}\" is reserved for the metadata and cannot name a tensor.", nameof(tensors));
            var tensor = tensors[name]
                ?? throw new ArgumentException($"SafeTensors.Save: tensor \"{name}\" is null.", nameof(tensors));
            string code = DTypeCode(tensor.DType, name);
            var contiguous = tensor.Detach().Contiguous(); // detached: copying a view must not record autograd history
            long bytes = (long)contiguous.NumberOfElements * tensor.DType.ElementSize();
            planned[i] = new PlannedTensor(name, contiguous, code, offset, offset + bytes);
            offset += bytes;
        }

        var json = new ArrayBufferWriter<byte>();
        // Relaxed escaping writes non-ASCII names as UTF-8, as the reference (serde_json) writer does.
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                // The reference writer puts __metadata__ first.
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    if (key is null || value is null)
                        throw new ArgumentException($"SafeTensors.Save: metadata key \"{key}\" has a null key or value; metadata holds strings only.", nameof(metadata));
                    writer.WriteString(key, value);
                }
                writer.WriteEndObject();
            }
            foreach (var t in planned)
            {
                writer.WriteStartObject(t.Name);
                writer.WriteString("dtype", t.DTypeCode);
                writer.WriteStartArray("shape");
                foreach (int d in t.Contiguous.shape) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(t.Begin);
                writer.WriteNumberValue(t.End);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }

        // Pad with spaces to a multiple of 8 so the data starts 8-byte aligned, as the reference writer does.
        int length = json.WrittenCount;
        int padded = length + (8 - length % 8) % 8;
        var header = new byte[padded];
        json.WrittenSpan.CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return new WritePlan(header, planned);
    }

    private static string DTypeCode(DType dtype, string name) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        DType.Int64 => "I64",
        _ => throw new NotSupportedException($"SafeTensors.Save: tensor \"{name}\" has dtype {dtype}, which has no safetensors code."),
    };

    private static void Write(Stream stream, WritePlan plan)
    {
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)plan.Header.Length);
        stream.Write(prefix);
        stream.Write(plan.Header);
        foreach (var t in plan.Tensors)
        {
            switch (t.Contiguous.DType)
            {
                case DType.Float32: WriteElements<float>(stream, t.Contiguous.ContiguousSpan<float>()); break;
                case DType.Float64: WriteElements<double>(stream, t.Contiguous.ContiguousSpan<double>()); break;
                default: WriteElements<long>(stream, t.Contiguous.ContiguousSpan<long>()); break;
            }
        }
    }

    /// <summary>Writes elements as little-endian bytes, in chunks (a byte span cannot exceed 2 GB).</summary>
    private static void WriteElements<T>(Stream stream, ReadOnlySpan<T> values) where T : unmanaged
    {
        int chunk = CopyChunkBytes / Unsafe.SizeOf<T>();
        byte[]? swapped = BitConverter.IsLittleEndian ? null : new byte[CopyChunkBytes];
        for (int start = 0; start < values.Length; start += chunk)
        {
            var bytes = MemoryMarshal.AsBytes(values.Slice(start, Math.Min(chunk, values.Length - start)));
            if (swapped is not null)
            {
                bytes.CopyTo(swapped);
                ReverseEndianness(swapped.AsSpan(0, bytes.Length), Unsafe.SizeOf<T>());
                bytes = swapped.AsSpan(0, bytes.Length);
            }
            stream.Write(bytes);
        }
    }

    private static void ReverseEndianness(Span<byte> bytes, int elementSize)
    {
        if (elementSize == 4)
        {
            var words = MemoryMarshal.Cast<byte, int>(bytes);
            BinaryPrimitives.ReverseEndianness(words, words);
        }
        else
        {
            var words = MemoryMarshal.Cast<byte, long>(bytes);
            BinaryPrimitives.ReverseEndianness(words, words);
        }
    }
}
