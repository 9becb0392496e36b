namespace Tidu.Tests.Memory;

/// <summary>Managed bytes and pool misses per call of a warm training step, on the calling thread.</summary>
internal readonly record struct StepAllocation(double BytesPerStep, double PoolMissesPerStep)
{
    /// <summary>
    /// Runs <paramref name="step"/> <paramref name="warmSteps"/> times to warm up (JIT, pool, lazily created state),
    /// then measures <paramref name="steps"/> more. Counts the calling thread's allocations, so tests running in
    /// parallel do not disturb the figure (the kernels' worker threads allocate no tensors).
    /// </summary>
    public static StepAllocation Measure(Action step, int warmSteps, int steps)
    {
        for (int i = 0; i < warmSteps; i++) step();
        var pool = StoragePool.ForThread;
        long misses = pool.Misses;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < steps; i++) step();
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        return new StepAllocation((double)bytes / steps, (double)(pool.Misses - misses) / steps);
    }

    public override string ToString() => $"{BytesPerStep:N0} bytes and {PoolMissesPerStep:N1} pool misses per step";
}
