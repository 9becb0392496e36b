using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Tidu.Serialization;

// The reader. It follows the validation of the reference implementation (safetensors/src/tensor.rs,
// Metadata::validate): the header must be a JSON object of tensor entries with exactly dtype, shape and
// data_offsets; each entry's byte length must equal numel × element size; sorted by offset, the entries must
// tile the data area exactly, with no gap, overlap or trailing byte.
public static partial class SafeTensors
{
    /// <summary>Reads a safetensors file.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The tensors (each contiguous with its own storage) and the metadata.</returns>
    /// <exception cref="InvalidDataException">The file is malformed; the message names the file, the tensor and the
    /// problem (also in <see cref="Exception.Data"/> under <see cref="FilePathDataKey"/> and <see cref="TensorNameDataKey"/>).</exception>
    /// <exception cref="NotSupportedException">A tensor has a dtype Tidu has no equivalent for (F16, BF16, I32,
    /// BOOL…) or more elements than a Tidu tensor can hold.</exception>
    public static SafeTensorsFile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
        return Read(file, path);
    }

    /// <summary>
    /// Reads safetensors data from <paramref name="stream"/>, from its current position to its end (bytes after
    /// the last tensor are an error, as in a file). A stream that cannot seek is first copied into memory.
    /// </summary>
    /// <param name="stream">A readable stream; it is not closed.</param>
    /// <inheritdoc cref="Load(string)" path="/returns|/exception"/>
    public static SafeTensorsFile Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("SafeTensors.Load: the stream is not readable.", nameof(stream));
        if (stream.CanSeek) return Read(stream, null);
        // Without a length, sizes in the header could not be checked before allocating; a copy grows only with
        // the bytes that actually arrive.
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.Position = 0;
        return Read(copy, null);
    }

    private sealed class Entry(string name, int headerIndex)
    {
        public readonly string Name = name;
        public readonly int HeaderIndex = headerIndex;
        public string? DType;
        public int ElementSize;
        public List<long>? Shape;
        public ulong[]? Offsets;
        public ulong Begin => Offsets![0];
        public ulong End => Offsets![1];
    }

    private static SafeTensorsFile Read(Stream stream, string? file)
    {
        long available = stream.Length - stream.Position;
        if (available < 8)
            throw Fail(file, null, $"it is {available} bytes long, shorter than the 8-byte header-length prefix");
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(stream, prefix, file, null);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderLength)
            throw Fail(file, null, $"the header length prefix says {headerLength} bytes, above the {MaxHeaderLength}-byte limit (the prefix is corrupt or this is not a safetensors file)");
        if ((long)headerLength > available - 8)
            throw Fail(file, null, $"the header length prefix says {headerLength} bytes but only {available - 8} bytes follow it (the file is truncated or the prefix is corrupt)");

        var header = new byte[headerLength];
        ReadExactly(stream, header, file, null);
        ulong dataLength = (ulong)(available - 8) - headerLength;

        var (entries, metadata) = ParseHeader(header, file);
        Validate(entries, dataLength, file);
        CheckSupported(entries, file);

        // Validate tiled the data area in offset order, so the tensors are read front to back.
        var tensors = new Tensor[entries.Count];
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
            tensors[e.HeaderIndex] = ReadTensor(stream, e, file);
        var byName = new Dictionary<string, Tensor>(entries.Count, StringComparer.Ordinal);
        foreach (var e in entries) byName.Add(e.Name, tensors[e.HeaderIndex]);
        return new SafeTensorsFile(byName, metadata);
    }

    private static (List<Entry> Entries, Dictionary<string, string> Metadata) ParseHeader(byte[] header, string? file)
    {
        // Utf8JsonReader checks UTF-8 only lazily, inside strings it is asked to decode; check all of it up front.
        if (!Utf8.IsValid(header))
            throw Fail(file, null, "the header is not valid UTF-8");
        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        bool sawMetadata = false;
        string? current = null;
        var reader = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 });
        try
        {
            if (!reader.Read())
                throw Fail(file, null, "the header is empty");
            if (reader.TokenType != JsonTokenType.StartObject)
                throw Fail(file, null, $"the header must be a JSON object but is {Describe(reader.TokenType)}");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                current = reader.GetString()!;
                reader.Read();
                if (current == MetadataKey)
                {
                    if (sawMetadata) throw Fail(file, null, $"\"{MetadataKey}\" appears twice in the header");
                    sawMetadata = true;
                    ParseMetadata(ref reader, metadata, file);
                }
                else
                {
                    if (!names.Add(current)) throw Fail(file, current, "the name appears twice in the header");
                    entries.Add(ParseEntry(ref reader, current, entries.Count, file));
                }
                current = null;
            }
            // The loop ends at the header object's end; the reader rejects anything but whitespace after it.
            if (reader.Read())
                throw Fail(file, null, "the header has content after its JSON object");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw Fail(file, current, $"the header is not valid JSON ({ex.Message})", ex);
        }
        return (entries, metadata);
    }

    private static void ParseMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string? file)
    {
        if (reader.TokenType == JsonTokenType.Null) return; // the reference reader reads null as "no metadata"
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Fail(file, null, $"\"{MetadataKey}\" must be an object of strings but is {Describe(reader.TokenType)}");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw Fail(file, null, $"\"{MetadataKey}\" entry \"{Clip(key)}\" must be a string but is {Describe(reader.TokenType)}");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw Fail(file, null, $"\"{MetadataKey}\" has the key \"{Clip(key)}\" twice");
        }
    }

    private static Entry ParseEntry(ref Utf8JsonReader reader, string name, int index, string? file)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Fail(file, name, $"its entry must be an object with dtype, shape and data_offsets but is {Describe(reader.TokenType)}");
        var entry = new Entry(name, index);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string field = reader.GetString()!;
            reader.Read();
            switch (field)
            {
                case "dtype":
                    if (entry.DType is not null) throw Fail(file, name, "\"dtype\" appears twice");
                    if (reader.TokenType != JsonTokenType.String)
                        throw Fail(file, name, $"\"dtype\" must be a string but is {Describe(reader.TokenType)}");
                    entry.DType = reader.GetString()!;
                    break;
                case "shape":
                    if (entry.Shape is not null) throw Fail(file, name, "\"shape\" appears twice");
                    entry.Shape = [];
                    foreach (ulong d in ReadIntegerArray(ref reader, name, "shape", file))
                    {
                        if (d > long.MaxValue) throw Fail(file, name, $"\"shape\" entry {d} is too large");
                        entry.Shape.Add((long)d);
                    }
                    break;
                case "data_offsets":
                    if (entry.Offsets is not null) throw Fail(file, name, "\"data_offsets\" appears twice");
                    var offsets = ReadIntegerArray(ref reader, name, "data_offsets", file);
                    if (offsets.Count != 2)
                        throw Fail(file, name, $"\"data_offsets\" must hold 2 integers [begin, end] but holds {offsets.Count}");
                    entry.Offsets = [offsets[0], offsets[1]];
                    break;
                default:
                    throw Fail(file, name, $"its entry has an unexpected field \"{Clip(field)}\" (only dtype, shape and data_offsets are allowed)");
            }
        }
        if (entry.DType is null) throw Fail(file, name, "its entry lacks \"dtype\"");
        if (entry.Shape is null) throw Fail(file, name, "its entry lacks \"shape\"");
        if (entry.Offsets is null) throw Fail(file, name, "its entry lacks \"data_offsets\"");
        entry.ElementSize = ElementSize(entry.DType);
        if (entry.ElementSize < 0)
            throw Fail(file, name, $"dtype \"{Clip(entry.DType)}\" is not a safetensors dtype");
        if (entry.ElementSize == 0)
            throw Unsupported(file, name, entry.DType);
        return entry;
    }

    /// <summary>Reads a JSON array of non-negative integer literals (no fractions or exponents).</summary>
    private static List<ulong> ReadIntegerArray(ref Utf8JsonReader reader, string name, string field, string? file)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw Fail(file, name, $"\"{field}\" must be an array of non-negative integers but is {Describe(reader.TokenType)}");
        var values = new List<ulong>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number)
                throw Fail(file, name, $"\"{field}\" must hold non-negative integers but holds {Describe(reader.TokenType)}");
            if (!reader.TryGetUInt64(out ulong value))
            {
                string raw = Clip(Encoding.UTF8.GetString(reader.ValueSpan));
                throw Fail(file, name, raw.StartsWith('-')
                    ? $"\"{field}\" holds the negative number {raw}"
                    : $"\"{field}\" holds {raw}, which is not an integer in 0…{ulong.MaxValue}");
            }
            values.Add(value);
        }
        return values;
    }

    /// <summary>
    /// Bytes per element of every byte-sized safetensors dtype; 0 for the sub-byte ones (F4, F6…), −1 for
    /// strings that are not safetensors dtypes.
    /// </summary>
    private static int ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" or "C64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" or "F8_E8M0" => 1,
        "F4" or "F6_E2M3" or "F6_E3M2" => 0,
        _ => -1,
    };

    private static void Validate(List<Entry> entries, ulong dataLength, string? file)
    {
        foreach (var e in entries)
        {
            ulong numel = 1;
            foreach (long d in e.Shape!)
            {
                if (!TryMultiply(numel, (ulong)d, out numel))
                    throw Fail(file, e.Name, $"shape {FormatShape(e.Shape)} has more elements than fit in 64 bits");
            }
            if (!TryMultiply(numel, (ulong)e.ElementSize, out ulong bytes))
                throw Fail(file, e.Name, $"shape {FormatShape(e.Shape)} of {e.DType} needs more bytes than fit in 64 bits");
            if (e.End < e.Begin)
                throw Fail(file, e.Name, $"data_offsets [{e.Begin}, {e.End}] end before they begin");
            if (e.End - e.Begin != bytes)
                throw Fail(file, e.Name, $"data_offsets [{e.Begin}, {e.End}] span {e.End - e.Begin} bytes but shape {FormatShape(e.Shape)} of {e.DType} needs {bytes} bytes");
            if (e.End > dataLength)
                throw Fail(file, e.Name, $"data_offsets [{e.Begin}, {e.End}] reach past the end of the {dataLength}-byte data area");
        }

        // The spec requires the tensors to cover the data area exactly: sorted by offset, each begins where the
        // previous one ends, the first at 0 and the last at the end of the file.
        ulong covered = 0;
        Entry? previous = null;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin > covered)
                throw Fail(file, e.Name, $"data_offsets [{e.Begin}, {e.End}] leave a gap of {e.Begin - covered} bytes after {(previous is null ? "the start of the data area" : $"tensor \"{Clip(previous.Name)}\", which ends at {covered}")}; the data must be packed without holes");
            if (e.Begin < covered)
                throw Fail(file, e.Name, $"data_offsets [{e.Begin}, {e.End}] overlap tensor \"{Clip(previous!.Name)}\", which ends at {covered}");
            covered = e.End;
            previous = e;
        }
        if (covered != dataLength)
            throw Fail(file, null, $"{dataLength - covered} trailing bytes follow the tensor data (the data area is {dataLength} bytes; the tensors cover {covered})");
    }

    /// <summary>A well-formed file may still hold what Tidu has no tensor for; that is reported after validation.</summary>
    private static void CheckSupported(List<Entry> entries, string? file)
    {
        foreach (var e in entries)
            if (e.DType is not ("F32" or "F64" or "I64"))
                throw Unsupported(file, e.Name, e.DType!);
        foreach (var e in entries)
        {
            long numel = 1;
            foreach (long d in e.Shape!)
            {
                numel *= d; // cannot overflow: Validate bounded the byte count by the data length
                if (d > int.MaxValue || numel > int.MaxValue)
                    throw new NotSupportedException(
                        $"{Source(file)}, tensor \"{Clip(e.Name)}\": shape {FormatShape(e.Shape)} has more than {int.MaxValue} elements in total or in one dimension, more than a Tidu tensor holds.");
            }
        }
    }

    private static Tensor ReadTensor(Stream stream, Entry e, string? file)
    {
        var shape = e.Shape!.Select(d => (int)d).ToArray();
        var dtype = e.DType switch { "F32" => DType.Float32, "F64" => DType.Float64, _ => DType.Int64 };
        var storage = Storage.Allocate(dtype, ShapeUtil.Numel(shape));
        switch (dtype)
        {
            case DType.Float32: ReadElements<float>(stream, storage.As<float>(), file, e.Name); break;
            case DType.Float64: ReadElements<double>(stream, storage.As<double>(), file, e.Name); break;
            default: ReadElements<long>(stream, storage.As<long>(), file, e.Name); break;
        }
        return new Tensor(storage, shape, ShapeUtil.ContiguousStrides(shape), 0, new VersionCounter());
    }

    private static void ReadElements<T>(Stream stream, T[] values, string? file, string name) where T : unmanaged
    {
        int chunk = CopyChunkBytes / Unsafe.SizeOf<T>();
        for (int start = 0; start < values.Length; start += chunk)
        {
            var bytes = MemoryMarshal.AsBytes(values.AsSpan(start, Math.Min(chunk, values.Length - start)));
            ReadExactly(stream, bytes, file, name);
            if (!BitConverter.IsLittleEndian) ReverseEndianness(bytes, Unsafe.SizeOf<T>());
        }
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes; a stream that ends early is a format error.</summary>
    private static void ReadExactly(Stream stream, Span<byte> buffer, string? file, string? tensor)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException ex)
        {
            throw Fail(file, tensor, "the data ends before the length it announced", ex);
        }
    }

    private static bool TryMultiply(ulong a, ulong b, out ulong product)
    {
        product = unchecked(a * b);
        return a == 0 || product / a == b;
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private static string FormatShape(List<long> shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>Names and keys come from the file; a hostile one could be megabytes long.</summary>
    private static string Clip(string text) => text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "…");

    private static string Source(string? file) => file is null ? "Invalid safetensors data" : $"Invalid safetensors file '{file}'";

    /// <summary>
    /// The format error. <see cref="InvalidDataException"/> is sealed, so the file and tensor travel in the message
    /// and, for code, in <see cref="Exception.Data"/> under <see cref="FilePathDataKey"/> and <see cref="TensorNameDataKey"/>.
    /// </summary>
    private static InvalidDataException Fail(string? file, string? tensor, string problem, Exception? inner = null)
    {
        var ex = new InvalidDataException(
            tensor is null ? $"{Source(file)}: {problem}." : $"{Source(file)}, tensor \"{Clip(tensor)}\": {problem}.", inner);
        if (file is not null) ex.Data[FilePathDataKey] = file;
        if (tensor is not null) ex.Data[TensorNameDataKey] = tensor;
        return ex;
    }

    private static NotSupportedException Unsupported(string? file, string tensor, string dtype) =>
        new($"{(file is null ? "Safetensors data" : $"Safetensors file '{file}'")}, tensor \"{Clip(tensor)}\": dtype {dtype} is not supported; Tidu tensors hold F32, F64 or I64 (convert the tensor before saving, e.g. tensor.float() in PyTorch).");
}
