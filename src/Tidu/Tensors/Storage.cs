using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Tidu;

/// <summary>
/// The flat buffer behind one or more tensors. Views (reshape, transpose, slices…) share a storage and
/// differ only in shape, strides and offset.
/// </summary>
/// <remarks>
/// A storage allocated inside a <see cref="TensorScope"/> leases its array from the thread's pool and is owned by
/// that scope (<see cref="Scope"/>) until the scope ends or the storage escapes to a long-lived owner
/// (<see cref="Promote"/>). Each lease is its own Storage object: ending the lease clears the buffer, so a tensor
/// that outlived its scope can never read the array's next tenant — every access goes through
/// <see cref="Buffer"/> or <see cref="As{T}"/>, which throw instead.
/// </remarks>
internal sealed class Storage
{
    private Array? buffer;
    internal readonly DType DType;

    /// <summary>The scope that returns this storage's array to the pool when it ends; null when the GC owns it.</summary>
    internal TensorScope? Scope;

    internal Storage(Array buffer, DType dtype)
    {
        this.buffer = buffer;
        DType = dtype;
    }

    /// <summary>An uninitialised storage: from the current scope's pool inside a <see cref="TensorScope"/>, else a new array.</summary>
    internal static Storage Allocate(DType dtype, int length) =>
        length > 0 && TensorScope.Current is { } scope ? scope.Lease(dtype, length, zeroed: false) : AllocateUnscoped(dtype, length);

    /// <summary>A zero-filled storage, pooled like <see cref="Allocate"/>.</summary>
    internal static Storage AllocateZeroed(DType dtype, int length) =>
        length > 0 && TensorScope.Current is { } scope ? scope.Lease(dtype, length, zeroed: true) : AllocateZeroedUnscoped(dtype, length);

    /// <summary>A storage the GC owns even inside a scope (long-lived state).</summary>
    internal static Storage AllocateUnscoped(DType dtype, int length) => new(NewArray(dtype, length), dtype);

    /// <summary>A zero-filled storage the GC owns even inside a scope (optimizer state).</summary>
    internal static Storage AllocateZeroedUnscoped(DType dtype, int length) => dtype switch
    {
        DType.Float32 => new Storage(new float[length], dtype),
        DType.Float64 => new Storage(new double[length], dtype),
        _ => new Storage(new long[length], dtype),
    };

    internal static Array NewArray(DType dtype, int length) => dtype switch
    {
        DType.Float32 => length == 0 ? Array.Empty<float>() : GC.AllocateUninitializedArray<float>(length),
        DType.Float64 => length == 0 ? Array.Empty<double>() : GC.AllocateUninitializedArray<double>(length),
        _ => length == 0 ? Array.Empty<long>() : GC.AllocateUninitializedArray<long>(length),
    };

    /// <summary>The array; throws <see cref="ObjectDisposedException"/> once the owning scope has ended.</summary>
    internal Array Buffer => buffer ?? throw Released();

    internal int Length => Buffer.Length;

    /// <summary>True once the scope that owned this storage ended and its array went back to the pool.</summary>
    internal bool IsReleased => buffer is null;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal T[] As<T>()
    {
        // the one check that keeps a released tensor from reading a recycled array: a null test per span, not per element
        var b = buffer;
        if (b is null) ThrowReleased();
        return Unsafe.As<T[]>(b);
    }

    /// <summary>
    /// Takes this storage out of scope management: it escaped to a long-lived owner (a gradient, optimizer state,
    /// a parameter or buffer, a tensor the user keeps) and the GC owns its array from now on.
    /// </summary>
    internal void Promote()
    {
        if (buffer is null) throw Released();
        Scope = null;
    }

    /// <summary>Ends the lease: the caller returns the array to the pool; every later access throws.</summary>
    internal Array Release()
    {
        var b = buffer!;
        buffer = null;
        Scope = null;
        return b;
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowReleased() => throw Released();

    internal static ObjectDisposedException Released() => new(nameof(Tensor),
        "This tensor was created inside a TensorScope that has ended, so its memory went back to the pool and may " +
        "now hold another tensor's values. Read what you need inside the scope (Item(), ToArray<T>()), or keep the " +
        "tensor beyond the scope with scope.Keep(tensor) (the GC then owns it) or tensor.MoveToOuterScope().");
}

/// <summary>
/// Counts in-place modifications of a storage, as PyTorch's version counter does. Shared by all views of a
/// tensor; a backward pass compares it with the version a saved tensor had when the forward op saved it.
/// </summary>
internal sealed class VersionCounter
{
    internal int Value;
}
