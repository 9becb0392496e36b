using System.Runtime.CompilerServices;

namespace Tidu;

/// <summary>
/// The flat buffer behind one or more tensors. Views (reshape, transpose, slices…) share a storage and
/// differ only in shape, strides and offset.
/// </summary>
internal sealed class Storage
{
    internal readonly Array Buffer;
    internal readonly DType DType;

    internal Storage(Array buffer, DType dtype)
    {
        Buffer = buffer;
        DType = dtype;
    }

    internal static Storage Allocate(DType dtype, int length) => dtype switch
    {
        DType.Float32 => new Storage(length == 0 ? Array.Empty<float>() : GC.AllocateUninitializedArray<float>(length), dtype),
        DType.Float64 => new Storage(length == 0 ? Array.Empty<double>() : GC.AllocateUninitializedArray<double>(length), dtype),
        _ => new Storage(length == 0 ? Array.Empty<long>() : GC.AllocateUninitializedArray<long>(length), dtype),
    };

    internal static Storage AllocateZeroed(DType dtype, int length) => dtype switch
    {
        DType.Float32 => new Storage(new float[length], dtype),
        DType.Float64 => new Storage(new double[length], dtype),
        _ => new Storage(new long[length], dtype),
    };

    internal int Length => Buffer.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal T[] As<T>() => Unsafe.As<T[]>(Buffer);
}

/// <summary>
/// Counts in-place modifications of a storage, as PyTorch's version counter does. Shared by all views of a
/// tensor; a backward pass compares it with the version a saved tensor had when the forward op saved it.
/// </summary>
internal sealed class VersionCounter
{
    internal int Value;
}
