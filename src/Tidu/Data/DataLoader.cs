using System.Collections;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Tidu.Data;

/// <summary>
/// Iterates a <see cref="Dataset"/> in mini-batches (torch.utils.data.DataLoader): optional shuffling, the
/// last partial batch kept or dropped, a transform per batch, and the next batches prepared on a background
/// task while the caller trains on the current one.
/// </summary>
/// <remarks>
/// <para>
/// Each <c>foreach</c> over the loader is one epoch and advances <see cref="Epoch"/>. With shuffling, the
/// order of epoch e is a fixed function of <see cref="Seed"/> and e (as with DistributedSampler's
/// <c>set_epoch</c>), so a run that resumes with <see cref="SetEpoch"/> or <see cref="EnumerateEpoch"/> sees
/// exactly the batches it would have seen. The order does not depend on prefetching.
/// </para>
/// <para>
/// Prefetching runs one producer task per enumeration that fills a bounded queue of
/// <see cref="PrefetchBatches"/> batches. An exception in the dataset or a transform is rethrown to the caller
/// at the batch where it happened; leaving the loop early (break, exception) disposes the enumerator, which
/// cancels the producer and waits for it to finish. A loader is not meant to be enumerated by several threads
/// at once (random transforms share their generator).
/// </para>
/// </remarks>
public sealed class DataLoader : IEnumerable<Batch>
{
    private int running;

    /// <summary>Creates a loader over <paramref name="dataset"/>.</summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch (the last batch may be smaller unless <paramref name="dropLast"/>).</param>
    /// <param name="shuffle">Visit the samples in a new random order every epoch.</param>
    /// <param name="dropLast">Drop the last batch when it has fewer than <paramref name="batchSize"/> samples.</param>
    /// <param name="generator">
    /// Source of the shuffling seed: one 64-bit value is drawn from it here (from the default generator when
    /// null, so <see cref="Tensor.ManualSeed"/> makes runs repeatable). Not used without shuffling.
    /// </param>
    /// <param name="transform">Applied to each batch's inputs, e.g. <see cref="Compose"/> of augmentations.</param>
    /// <param name="targetTransform">Applied to each batch's targets.</param>
    /// <param name="prefetchBatches">
    /// How many batches a background task may prepare ahead (1–2 is plenty); 0 builds each batch on the
    /// caller's thread when it is requested.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">A batch size below 1 or a negative prefetch count.</exception>
    public DataLoader(Dataset dataset, int batchSize = 1, bool shuffle = false, bool dropLast = false, Generator? generator = null,
        Transform? transform = null, Transform? targetTransform = null, int prefetchBatches = 2)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"DataLoader: batchSize must be at least 1, got {batchSize}.");
        if (prefetchBatches < 0) throw new ArgumentOutOfRangeException(nameof(prefetchBatches), prefetchBatches, $"DataLoader: prefetchBatches must be 0 or more, got {prefetchBatches}.");
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Transform = transform;
        TargetTransform = targetTransform;
        PrefetchBatches = prefetchBatches;
        if (shuffle) Seed = (long)(generator ?? Generator.Default).NextUInt64();
    }

    /// <summary>The dataset being batched.</summary>
    public Dataset Dataset { get; }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch visits the samples in a new random order.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether a last batch smaller than <see cref="BatchSize"/> is dropped.</summary>
    public bool DropLast { get; }

    /// <summary>The transform applied to each batch's inputs, if any.</summary>
    public Transform? Transform { get; }

    /// <summary>The transform applied to each batch's targets, if any.</summary>
    public Transform? TargetTransform { get; }

    /// <summary>How many batches the background task prepares ahead; 0 means no background task.</summary>
    public int PrefetchBatches { get; }

    /// <summary>The seed the shuffling orders derive from (0 without shuffling); save it to resume a run.</summary>
    public long Seed { get; }

    /// <summary>The epoch the next enumeration will run; each enumeration advances it by one.</summary>
    public int Epoch { get; private set; }

    /// <summary>The number of batches per epoch (<c>len(loader)</c>).</summary>
    public int Count => DropLast ? Dataset.Count / BatchSize : (int)((Dataset.Count + (long)BatchSize - 1) / BatchSize);

    /// <summary>Makes the next enumeration run epoch <paramref name="epoch"/> (DistributedSampler.set_epoch).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative epoch.</exception>
    public void SetEpoch(int epoch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, $"DataLoader: epoch must be non-negative, got {epoch}.");
        Epoch = epoch;
    }

    /// <summary>
    /// The order in which epoch <paramref name="epoch"/> visits the samples: 0, 1, … without shuffling, else a
    /// permutation that depends only on <see cref="Seed"/> and the epoch. Batch b holds the entries from
    /// <c>b × BatchSize</c> on; with <see cref="DropLast"/> the trailing entries that do not fill a batch are skipped.
    /// </summary>
    public int[] Order(int epoch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, $"DataLoader: epoch must be non-negative, got {epoch}.");
        int n = Dataset.Count;
        return Shuffle ? Permutation.Random(n, new Generator(EpochSeed(Seed, epoch))) : Permutation.Identity(n);
    }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/> from batch <paramref name="startBatch"/> on, without
    /// changing <see cref="Epoch"/>: resumes a run mid-epoch with the batches it would have seen.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative epoch, or a start outside <c>[0, Count]</c>.</exception>
    public IEnumerable<Batch> EnumerateEpoch(int epoch, int startBatch = 0)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, $"DataLoader: epoch must be non-negative, got {epoch}.");
        if (startBatch < 0 || startBatch > Count)
            throw new ArgumentOutOfRangeException(nameof(startBatch), startBatch, $"DataLoader: startBatch must be in [0, {Count}], got {startBatch}.");
        return Iterate(epoch, startBatch);
    }

    private IEnumerable<Batch> Iterate(int epoch, int startBatch)
    {
        using var e = Start(epoch, startBatch);
        while (e.MoveNext()) yield return e.Current;
    }

    /// <summary>Runs the current <see cref="Epoch"/> and advances it.</summary>
    public IEnumerator<Batch> GetEnumerator() => Start(Epoch++, 0);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>How many producer tasks are running (for tests of early disposal).</summary>
    internal int RunningProducers => Volatile.Read(ref running);

    private IEnumerator<Batch> Start(int epoch, int startBatch)
    {
        var order = Order(epoch);
        return PrefetchBatches == 0 ? Synchronous(order, startBatch) : new PrefetchEnumerator(this, order, startBatch);
    }

    private IEnumerator<Batch> Synchronous(int[] order, int startBatch)
    {
        for (int b = startBatch, count = Count; b < count; b++) yield return MakeBatch(order, b);
    }

    private Batch MakeBatch(int[] order, int b)
    {
        int start = b * BatchSize;
        var batch = Dataset.GetBatch(order.AsSpan(start, Math.Min(BatchSize, order.Length - start)));
        if (Transform is not null) batch = batch with { Inputs = Transform.Apply(batch.Inputs) };
        if (TargetTransform is not null) batch = batch with { Targets = TargetTransform.Apply(batch.Targets) };
        return batch;
    }

    /// <summary>A seed for epoch e's generator: the loader's seed and the epoch mixed by SplitMix64's finaliser.</summary>
    private static long EpochSeed(long seed, int epoch)
    {
        ulong z = (ulong)seed + 0x9E3779B97F4A7C15UL * (ulong)(epoch + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (long)(z ^ (z >> 31));
    }

    /// <summary>
    /// One producer task builds the batches in order into a bounded channel; the consumer blocks on it.
    /// The producer awaits when the channel is full, so it holds no thread while the consumer trains.
    /// </summary>
    private sealed class PrefetchEnumerator : IEnumerator<Batch>
    {
        private readonly DataLoader loader;
        private readonly int[] order;
        private readonly int startBatch;
        private readonly Channel<Batch> channel;
        private readonly CancellationTokenSource cancel = new();
        private Task? producer;
        private ExceptionDispatchInfo? failure;
        private bool finished;
        private Batch current;

        internal PrefetchEnumerator(DataLoader loader, int[] order, int startBatch)
        {
            this.loader = loader;
            this.order = order;
            this.startBatch = startBatch;
            channel = Channel.CreateBounded<Batch>(new BoundedChannelOptions(loader.PrefetchBatches)
            {
                SingleReader = true,
                SingleWriter = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
        }

        public Batch Current => current;

        object IEnumerator.Current => current;

        public bool MoveNext()
        {
            if (finished) return false;
            producer ??= StartProducer();
            var reader = channel.Reader;
            while (!reader.TryRead(out current))
            {
                if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                {
                    finished = true;
                    current = default;
                    failure?.Throw();
                    return false;
                }
            }
            return true;
        }

        private Task StartProducer()
        {
            Interlocked.Increment(ref loader.running);
            var token = cancel.Token;
            var writer = channel.Writer;
            return Task.Run(async () =>
            {
                try
                {
                    for (int b = startBatch, count = loader.Count; b < count; b++)
                    {
                        token.ThrowIfCancellationRequested();
                        await writer.WriteAsync(loader.MakeBatch(order, b), token).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    // the consumer stopped early; nobody reads any more
                }
                catch (Exception e)
                {
                    // published before completing the channel, so the consumer sees it once the queue drains
                    failure = ExceptionDispatchInfo.Capture(e);
                }
                finally
                {
                    writer.TryComplete();
                    Interlocked.Decrement(ref loader.running);
                }
            }, CancellationToken.None);
        }

        public void Reset() => throw new NotSupportedException("DataLoader: an epoch cannot be restarted; enumerate the loader again or use EnumerateEpoch.");

        public void Dispose()
        {
            finished = true;
            if (producer is not null)
            {
                cancel.Cancel();
                // the producer catches everything itself, so waiting cannot throw
                producer.Wait();
                producer = null;
            }
            cancel.Dispose();
        }
    }
}
