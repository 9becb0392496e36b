using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace Tidu.Data;

/// <summary>
/// Reads IDX files, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): the magic
/// bytes <c>00 00 type rank</c>, then <c>rank</c> big-endian 32-bit dimensions, then the values in row-major
/// order, big-endian. Files may be gzipped (recognised by the <c>1F 8B</c> gzip magic).
/// </summary>
/// <remarks>
/// Files are treated as untrusted: a bad magic number, an unknown type code, a zero or absurd dimension, a
/// size that overflows, missing or trailing data, and corrupt or oversized gzip streams all raise
/// <see cref="InvalidDataException"/> naming the file and the problem. Nothing is allocated from a declared
/// size before it is checked against the file's length (a plain file must hold exactly the declared bytes; a
/// gzip stream cannot expand more than 1032:1), and at most one byte past the declared data is decompressed.
/// </remarks>
public static class Idx
{
    /// <summary>The largest rank accepted.</summary>
    public const int MaxRank = 16;

    /// <summary>Deflate's largest possible expansion (RFC 1951 stored-length codes): 258 bytes per 2 bits.</summary>
    private const long MaxGzipExpansion = 1032;

    /// <summary>
    /// The whole file as a tensor of the file's shape. Without <paramref name="dtype"/>, integer data (types
    /// 0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32) becomes Int64, 0x0D Float32 and 0x0E
    /// Float64. Integer data may be read as any dtype; floating-point data only as Float32 or Float64.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid IDX file, or holds floats and Int64 was asked for.</exception>
    public static Tensor Read(string path, DType? dtype = null) => ReadCore(path, dtype, divisor: 1, expected: null);

    /// <summary>
    /// Images from an unsigned-byte IDX file of shape [N, H, W] (e.g. <c>train-images-idx3-ubyte</c>) as
    /// Float32 [N, 1, H, W] scaled to [0, 1] (value / 255, as torchvision's ToTensor).
    /// </summary>
    /// <exception cref="InvalidDataException">An invalid file, or not unsigned bytes of rank 3.</exception>
    public static Tensor ReadImages(string path)
    {
        var t = ReadCore(path, DType.Float32, divisor: 255, expected: (3, "images: unsigned bytes (type 0x08) of shape [N, H, W]"));
        return t.Reshape(t.shape[0], 1, t.shape[1], t.shape[2]);
    }

    /// <summary>Class labels from an unsigned-byte IDX file of shape [N] (e.g. <c>train-labels-idx1-ubyte</c>) as Int64 [N].</summary>
    /// <exception cref="InvalidDataException">An invalid file, or not unsigned bytes of rank 1.</exception>
    public static Tensor ReadLabels(string path)
    {
        return ReadCore(path, DType.Int64, divisor: 1, expected: (1, "labels: unsigned bytes (type 0x08) of shape [N]"));
    }

    private static InvalidDataException Invalid(string path, string problem, Exception? inner = null) =>
        new($"IDX file '{path}': {problem}.", inner);

    private static int ElementSize(byte type) => type switch
    {
        0x08 or 0x09 => 1,
        0x0B => 2,
        0x0C or 0x0D => 4,
        0x0E => 8,
        _ => 0,
    };

    private static string TypeName(byte type) => type switch
    {
        0x08 => "unsigned bytes (0x08)",
        0x09 => "signed bytes (0x09)",
        0x0B => "int16 (0x0B)",
        0x0C => "int32 (0x0C)",
        0x0D => "float32 (0x0D)",
        0x0E => "float64 (0x0E)",
        _ => $"type 0x{type:X2}",
    };

    // expected: when given, the file must hold unsigned bytes of this rank (checked before the data is read)
    private static Tensor ReadCore(string path, DType? dtype, int divisor, (int Rank, string What)? expected)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return ReadCore(file, path, dtype, divisor, expected);
    }

    /// <summary>Reads an IDX file from a seekable stream; <paramref name="path"/> names it in errors.</summary>
    internal static Tensor ReadCore(Stream file, string path, DType? dtype, int divisor, (int Rank, string What)? expected)
    {
        long start = file.Position;
        long fileLength = file.Length - start;
        Span<byte> magic = stackalloc byte[2];
        bool gzip = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        file.Position = start;
        using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : file;

        // ---- header: 00 00 type rank, then rank big-endian uint32 dims ----
        var head = new byte[4 + 4 * MaxRank];
        int got = Fill(path, stream, head.AsSpan(0, 4));
        if (got < 4) throw Invalid(path, $"truncated header: {got} of 4 magic bytes");
        if (head[0] != 0 || head[1] != 0)
            throw Invalid(path, $"bad magic number 0x{head[0]:X2}{head[1]:X2}{head[2]:X2}{head[3]:X2}: an IDX file starts with two zero bytes, a type code and the rank");
        byte type = head[2];
        int size = ElementSize(type);
        if (size == 0)
            throw Invalid(path, $"unsupported type code 0x{type:X2} (supported: 0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)");
        int rank = head[3];
        if (rank == 0 || rank > MaxRank) throw Invalid(path, $"unsupported rank {rank} (expected 1 to {MaxRank} dimensions)");
        got = Fill(path, stream, head.AsSpan(4, 4 * rank));
        if (got < 4 * rank) throw Invalid(path, $"truncated header: the {rank} dimensions need {4 * rank} bytes but only {got} follow the magic number");
        var declared = new uint[rank];
        for (int i = 0; i < rank; i++) declared[i] = BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(4 + 4 * i));
        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = declared[i];
            if (d == 0) throw Invalid(path, $"dimension {i} of [{string.Join(", ", declared)}] is zero");
            if (d > int.MaxValue) throw Invalid(path, $"dimension {i} of [{string.Join(", ", declared)}] is {d}, larger than a tensor dimension can be ({int.MaxValue})");
            if (count > Array.MaxLength / d)
                throw Invalid(path, $"dimensions [{string.Join(", ", declared)}] hold more than {Array.MaxLength} values, too many for a tensor");
            dims[i] = (int)d;
            count *= d;
        }
        if (expected is { } e && (type != 0x08 || rank != e.Rank))
            throw Invalid(path, $"expected {e.What}, got {TypeName(type)} of shape {ShapeUtil.Format(dims)}");
        long headerBytes = 4 + 4L * rank;
        long dataBytes = count * size;

        // ---- the declared size must be possible before anything is allocated from it ----
        if (!gzip && headerBytes + dataBytes > fileLength)
            throw Invalid(path, $"truncated data: shape {ShapeUtil.Format(dims)} of {TypeName(type)} needs {dataBytes} bytes after the {headerBytes}-byte header but the file has only {fileLength - headerBytes}");
        if (!gzip && headerBytes + dataBytes < fileLength)
            throw Invalid(path, $"trailing bytes: shape {ShapeUtil.Format(dims)} of {TypeName(type)} needs {dataBytes} bytes after the {headerBytes}-byte header but the file has {fileLength - headerBytes}");
        if (gzip && headerBytes + dataBytes > fileLength * MaxGzipExpansion)
            throw Invalid(path, $"declares shape {ShapeUtil.Format(dims)} ({headerBytes + dataBytes} bytes), more than a {fileLength}-byte gzip file can expand to");

        bool floatData = type is 0x0D or 0x0E;
        var target = dtype ?? (type == 0x0D ? DType.Float32 : floatData ? DType.Float64 : DType.Int64);
        if (floatData && target == DType.Int64)
            throw Invalid(path, $"holds {TypeName(type)} values, which cannot be read as Int64");

        // ---- data, decoded in chunks straight into the tensor ----
        var result = Tensor.Empty(target, dims);
        var chunk = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            int chunkElements = (1 << 16) / size;
            long done = 0;
            while (done < count)
            {
                int n = (int)Math.Min(chunkElements, count - done);
                got = Fill(path, stream, chunk.AsSpan(0, n * size));
                if (got < n * size)
                    throw Invalid(path, $"truncated data: shape {ShapeUtil.Format(dims)} of {TypeName(type)} needs {dataBytes} bytes after the header but the data ends after {done * size + got}");
                Decode(chunk.AsSpan(0, n * size), type, result, (int)done, n, divisor);
                done += n;
            }
            // one byte more: data beyond the declared shape (and, for gzip, the end-of-stream checksum test)
            if (Fill(path, stream, chunk.AsSpan(0, 1)) != 0)
                throw Invalid(path, $"trailing bytes: more data follows the {dataBytes} bytes that shape {ShapeUtil.Format(dims)} of {TypeName(type)} declares");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return result;
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; corrupt gzip data becomes an error naming the file.</summary>
    private static int Fill(string path, Stream stream, Span<byte> buffer)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw Invalid(path, $"corrupt gzip data ({e.Message})", e);
        }
    }

    private static void Decode(ReadOnlySpan<byte> bytes, byte type, Tensor result, int start, int n, int divisor)
    {
        switch (result.DType)
        {
            case DType.Float32:
            {
                var dst = result.ContiguousSpan<float>().Slice(start, n);
                if (type == 0x08)
                {
                    float div = divisor;
                    for (int i = 0; i < n; i++) dst[i] = bytes[i] / div;
                }
                else
                {
                    for (int i = 0; i < n; i++) dst[i] = (float)(Value(bytes, type, i) / divisor);
                }
                break;
            }
            case DType.Float64:
            {
                var dst = result.ContiguousSpan<double>().Slice(start, n);
                for (int i = 0; i < n; i++) dst[i] = Value(bytes, type, i) / divisor;
                break;
            }
            default:
            {
                var dst = result.ContiguousSpan<long>().Slice(start, n);
                for (int i = 0; i < n; i++) dst[i] = (long)Value(bytes, type, i);
                break;
            }
        }
    }

    /// <summary>Element <paramref name="i"/> of a chunk; every IDX type is exact as a double.</summary>
    private static double Value(ReadOnlySpan<byte> bytes, byte type, int i) => type switch
    {
        0x08 => bytes[i],
        0x09 => (sbyte)bytes[i],
        0x0B => BinaryPrimitives.ReadInt16BigEndian(bytes[(2 * i)..]),
        0x0C => BinaryPrimitives.ReadInt32BigEndian(bytes[(4 * i)..]),
        0x0D => BinaryPrimitives.ReadSingleBigEndian(bytes[(4 * i)..]),
        _ => BinaryPrimitives.ReadDoubleBigEndian(bytes[(8 * i)..]),
    };
}
