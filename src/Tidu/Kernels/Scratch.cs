namespace Tidu.Kernels;

/// <summary>
/// Per-thread scratch arrays for the convolution, pooling and normalisation kernels, grown on demand and reused
/// by every later call on the same thread, so a training step allocates no temporaries for them. Each slot is an
/// independent buffer; a kernel must not hold a slot across a call into another kernel that uses the same slot.
/// </summary>
internal static class Scratch<T> where T : unmanaged
{
    /// <summary>The number of independent buffers a thread has.</summary>
    internal const int Slots = 4;

    [ThreadStatic] private static T[]?[]? buffers;

    /// <summary>This thread's buffer <paramref name="slot"/> with at least <paramref name="length"/> elements (contents undefined).</summary>
    internal static T[] Get(int slot, int length)
    {
        var all = buffers ??= new T[]?[Slots];
        var buffer = all[slot];
        if (buffer is null || buffer.Length < length)
            all[slot] = buffer = GC.AllocateUninitializedArray<T>(Math.Max(length, 64), pinned: true);
        return buffer;
    }
}
