using System.Diagnostics;

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
/// Fork/join over persistent worker threads. Tasks are claimed from a shared counter, so the caller (which also
/// works) finishes a job alone when a worker is slow to wake, e.g. on a busy machine; it waits only for tasks that
/// were actually started. Workers spin briefly after a job (kernel calls come in bursts) and then sleep.
/// </summary>
internal static class WorkerPool
{
    private sealed class Job(int tasks, object state, Action<object, int> body)
    {
        internal readonly int Tasks = tasks;
        internal readonly object State = state;
        internal readonly Action<object, int> Body = body;
        internal int Next, Done;
        internal Exception? Failure;

        internal void Drain()
        {
            int t;
            inTask = true;
            while ((t = Interlocked.Increment(ref Next) - 1) < Tasks)
            {
                try { Body(State, t); }
                catch (Exception e) { Interlocked.CompareExchange(ref Failure, e, null); }
                Interlocked.Increment(ref Done);
            }
            inTask = false;
        }
    }

    private sealed class Worker
    {
        internal readonly ManualResetEventSlim Wake = new(false, spinCount: 0);
        internal Job? Job;
    }

    private static readonly object Gate = new();
    private static Worker[] workers = [];
    [ThreadStatic] private static bool inTask; // a task that itself calls Run gets a serial loop

    /// <summary>Whether a parallel call would use more than one thread right now (false inside a task).</summary>
    internal static bool CanFork => Parallelism.ThreadCount > 1 && !inTask;

    /// <summary>Runs <paramref name="work"/>(state, t) for t in [0, tasks); returns when all have finished.</summary>
    internal static void Run(int tasks, object workState, Action<object, int> work)
    {
        // one job at a time; a nested or concurrent call runs serially on its own thread
        if (tasks <= 1 || !CanFork || !Monitor.TryEnter(Gate))
        {
            for (int t = 0; t < tasks; t++) work(workState, t);
            return;
        }
        try
        {
            int helpers = Math.Min(tasks, Parallelism.ThreadCount) - 1;
            EnsureWorkers(helpers);
            var job = new Job(tasks, workState, work);
            for (int w = 0; w < helpers; w++)
            {
                Volatile.Write(ref workers[w].Job, job);
                workers[w].Wake.Set();
            }
            job.Drain();
            // wait for the tasks a worker started; never SpinWait's Thread.Sleep(1), which costs a millisecond
            // when a task takes a few µs longer than ours (it made mid-sized products slower on 2 threads than 1)
            var spin = new SpinWait();
            while (Volatile.Read(ref job.Done) < tasks) spin.SpinOnce(sleep1Threshold: -1);
            if (job.Failure is not null) throw new AggregateException(job.Failure);
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    private static void EnsureWorkers(int count)
    {
        if (workers.Length >= count) return;
        var grown = new Worker[count];
        Array.Copy(workers, grown, workers.Length);
        for (int i = workers.Length; i < count; i++)
        {
            var w = grown[i] = new Worker();
            new Thread(() => Loop(w)) { IsBackground = true, Name = $"Tidu worker {i + 1}" }.Start();
        }
        workers = grown;
    }

    /// <summary>How long an idle worker spins before it sleeps: 200 µs.</summary>
    private static readonly long IdleSpinTicks = Stopwatch.Frequency / 5000;

    private static void Loop(Worker self)
    {
        while (true)
        {
            // kernel calls come in bursts (a training step is dozens of them, with short serial gaps), and waking a
            // sleeping thread costs tens of µs, so stay awake for a while: spin on the CPU's pause instruction,
            // yielding now and then in case another thread wants this core, then sleep
            long deadline = Stopwatch.GetTimestamp() + IdleSpinTicks;
            for (int i = 1; Volatile.Read(ref self.Job) is null && Stopwatch.GetTimestamp() < deadline; i++)
            {
                if (i % 64 == 0) Thread.Yield();
                else Thread.SpinWait(20);
            }
            if (Volatile.Read(ref self.Job) is null) self.Wake.Wait();
            self.Wake.Reset();
            Interlocked.Exchange(ref self.Job, null)?.Drain();
        }
    }
}
