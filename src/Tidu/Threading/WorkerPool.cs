namespace Tidu.Threading;

/// <summary>
/// The one place where Tidu decides how many threads its kernels use. Kernels hand a fixed number of independent
/// tasks to <see cref="WorkerPool.Run"/>; persistent workers (started on first use) pick them up, so a parallel
/// call costs a wake-up, not a thread start or a Parallel.For scheduling round.
/// </summary>
public static class Parallelism
{
    private static int threadCount = Environment.ProcessorCount;

    /// <summary>
    /// Threads that compute kernels (default <see cref="Environment.ProcessorCount"/>; 1 keeps everything on the
    /// calling thread). Results do not depend on it: kernels only split work over independent outputs.
    /// </summary>
    public static int ThreadCount
    {
        get => threadCount;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(ThreadCount));
            threadCount = value;
        }
    }
}

/// <summary>
/// Fork/join over persistent worker threads. The caller runs task 0 itself; workers spin briefly after a job
/// (back-to-back kernel calls are common) and then sleep on an event.
/// </summary>
internal static class WorkerPool
{
    private sealed class Worker
    {
        internal readonly ManualResetEventSlim Wake = new(false, spinCount: 0);
        internal volatile int Generation;
    }

    private static readonly object Gate = new();
    private static Worker[] workers = [];
    private static Action<object, int>? body;
    private static object? state;
    private static int taskCount;
    private static int nextTask;
    private static int pending;
    private static volatile int generation;
    private static Exception? failure;
    [ThreadStatic] private static bool inTask; // a task that itself calls Run gets a serial loop

    /// <summary>Whether a parallel call would use more than one thread right now (false inside a task).</summary>
    internal static bool CanFork => Parallelism.ThreadCount > 1 && !inTask;

    /// <summary>Runs <paramref name="work"/>(state, t) for t in [0, tasks); returns when all have finished.</summary>
    internal static void Run(int tasks, object workState, Action<object, int> work)
    {
        if (tasks <= 1 || !CanFork)
        {
            for (int t = 0; t < tasks; t++) work(workState, t);
            return;
        }
        // one job at a time; a nested or concurrent call runs serially on its own thread
        if (!Monitor.TryEnter(Gate))
        {
            for (int t = 0; t < tasks; t++) work(workState, t);
            return;
        }
        try
        {
            int helpers = Math.Min(tasks, Parallelism.ThreadCount) - 1;
            EnsureWorkers(helpers);
            body = work; state = workState; taskCount = tasks; nextTask = 0; failure = null;
            pending = helpers + 1;
            int gen = generation + 1;
            generation = gen;
            for (int w = 0; w < helpers; w++)
            {
                workers[w].Generation = gen;
                workers[w].Wake.Set();
            }
            Drain();
            Interlocked.Decrement(ref pending);
            var spin = new SpinWait();
            while (Volatile.Read(ref pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
            body = null; state = null;
            if (failure is not null) throw new AggregateException(failure);
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    private static void Drain()
    {
        var work = body!; var s = state!;
        int t;
        inTask = true;
        while ((t = Interlocked.Increment(ref nextTask) - 1) < taskCount)
        {
            try { work(s, t); }
            catch (Exception e) { Interlocked.CompareExchange(ref failure, e, null); }
        }
        inTask = false;
    }

    private static void EnsureWorkers(int count)
    {
        if (workers.Length >= count) return;
        var grown = new Worker[count];
        Array.Copy(workers, grown, workers.Length);
        for (int i = workers.Length; i < count; i++)
        {
            var w = grown[i] = new Worker();
            w.Generation = generation;
            new Thread(() => Loop(w)) { IsBackground = true, Name = $"Tidu worker {i + 1}" }.Start();
        }
        workers = grown;
    }

    private static void Loop(Worker self)
    {
        int seen = self.Generation;
        while (true)
        {
            // spin a little (about 50 µs) before sleeping so the next call of a burst finds us awake
            var spin = new SpinWait();
            for (int i = 0; i < 200 && self.Generation == seen; i++) spin.SpinOnce(sleep1Threshold: -1);
            if (self.Generation == seen)
            {
                self.Wake.Wait();
            }
            self.Wake.Reset();
            if (self.Generation == seen) continue;
            seen = self.Generation;
            Drain();
            Interlocked.Decrement(ref pending);
        }
    }
}
