using Tidu.Threading;

namespace Tidu.Kernels;

/// <summary>The work of one chunk of an element-wise kernel: elements [start, start + count).</summary>
internal interface IRangeKernel
{
    void Run(int start, int count);
}

/// <summary>
/// Runs an element-wise kernel over [0, length), split into contiguous chunks for the persistent workers when the
/// range is large enough to pay for waking them. Every element goes through the same code whichever chunk it lands
/// in (chunks start at multiples of 64 elements, so even the vector/scalar-tail split is the same for all but the
/// last chunk's tail), and elements are independent, so results do not depend on the thread count.
/// </summary>
internal static class ElementRanges
{
    /// <summary>
    /// Below this many elements one thread does it all: a wake-up of the workers costs a few µs, about what one
    /// thread needs for 64K float updates when they are in cache.
    /// </summary>
    internal const int ParallelThreshold = 1 << 17;

    // one contiguous chunk per thread: the caller still takes over a worker's chunk if the worker is slow to wake
    // (busy machine), and each core streams one long range. Four chunks per thread, claimed in turn, made the SGD
    // step of the 784-256-10 MLP (200K parameters) 41 µs instead of 26 µs on 2 threads (interleaved in one process;
    // 15 vs 14.5 µs when the machine was in its faster state): the cores kept taking over each other's cache lines.
    private const int MinChunk = 1 << 15;
    private const int ChunksPerThread = 1;
    private const int Alignment = 64; // elements: a multiple of every vector width

    internal static void Run<TKernel>(int length, TKernel kernel) where TKernel : struct, IRangeKernel
    {
        int tasks = length < ParallelThreshold || !WorkerPool.CanFork
            ? 1
            : Math.Min(length / MinChunk, ChunksPerThread * Parallelism.ThreadCount);
        if (tasks <= 1)
        {
            kernel.Run(0, length);
            return;
        }
        long perTask = ((long)length + tasks - 1) / tasks;
        int chunk = (int)((perTask + Alignment - 1) / Alignment * Alignment);
        tasks = (int)(((long)length + chunk - 1) / chunk);
        WorkerPool.Run(tasks, new Job<TKernel>(kernel, length, chunk), static (s, t) => ((Job<TKernel>)s).Run(t));
    }

    private sealed class Job<TKernel>(TKernel kernel, int length, int chunk) where TKernel : struct, IRangeKernel
    {
        private readonly TKernel kernel = kernel;

        internal void Run(int t)
        {
            int start = t * chunk;
            kernel.Run(start, Math.Min(chunk, length - start));
        }
    }
}
