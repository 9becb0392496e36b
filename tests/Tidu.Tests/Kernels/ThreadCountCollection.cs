namespace Tidu.Tests.Kernels;

/// <summary>
/// Tests that switch <see cref="Tidu.Threading.Parallelism.ThreadCount"/> (process-wide) run alone, outside the
/// parallel test run.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadCountCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "ThreadCount";

    /// <summary>Runs <paramref name="body"/> with the given thread count and restores the previous one.</summary>
    public static TResult With<TResult>(int threads, Func<TResult> body)
    {
        int saved = Tidu.Threading.Parallelism.ThreadCount;
        try
        {
            Tidu.Threading.Parallelism.ThreadCount = threads;
            return body();
        }
        finally
        {
            Tidu.Threading.Parallelism.ThreadCount = saved;
        }
    }
}
