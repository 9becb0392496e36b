using Tidu.Data;

namespace Tidu.Tests.Data;

public class DataLoaderTests
{
    /// <summary>n samples: inputs [n, 3] with row i = (i, i, i), targets i.</summary>
    private static TensorDataset Numbered(int n)
    {
        var x = new float[n * 3];
        for (int i = 0; i < x.Length; i++) x[i] = i / 3;
        return new TensorDataset(Tensor.From(x, n, 3), Tensor.Arange(n));
    }

    private static long[][] Targets(IEnumerable<Batch> batches) => batches.Select(b => b.Targets.ToArray<long>()).ToArray();

    [Fact]
    public void BatchesInOrderWithALastPartialBatch()
    {
        var loader = new DataLoader(Numbered(10), batchSize: 4);
        Assert.Equal(3, loader.Count);
        var batches = loader.ToList();
        Assert.Equal(3, batches.Count);
        Assert.Equal([4, 3], batches[0].Inputs.Shape);
        Assert.Equal([4], batches[0].Targets.Shape);
        Assert.Equal([2, 3], batches[2].Inputs.Shape);
        Assert.Equal([[0L, 1, 2, 3], [4L, 5, 6, 7], [8L, 9]], Targets(batches));
        Assert.Equal([8f, 8f, 8f, 9f, 9f, 9f], batches[2].Inputs.ToArray<float>());
    }

    [Fact]
    public void DropLastDropsThePartialBatch()
    {
        var loader = new DataLoader(Numbered(10), batchSize: 4, dropLast: true);
        Assert.Equal(2, loader.Count);
        Assert.Equal([[0L, 1, 2, 3], [4L, 5, 6, 7]], Targets(loader));
        Assert.Equal(2, new DataLoader(Numbered(8), batchSize: 4, dropLast: true).Count);
        Assert.Empty(new DataLoader(Numbered(3), batchSize: 4, dropLast: true));
    }

    [Fact]
    public void ShuffleVisitsEverySampleOncePerEpochInANewOrder()
    {
        var loader = new DataLoader(Numbered(50), batchSize: 8, shuffle: true, generator: new Generator(7));
        var epoch0 = Targets(loader).SelectMany(t => t).ToArray();
        var epoch1 = Targets(loader).SelectMany(t => t).ToArray();
        Assert.Equal(2, loader.Epoch);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), epoch0.Order());
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), epoch1.Order());
        Assert.NotEqual(epoch0, epoch1);
        Assert.NotEqual(Enumerable.Range(0, 50).Select(i => (long)i), epoch0);
    }

    [Fact]
    public void ShuffleOrderIsAFunctionOfSeedAndEpoch()
    {
        var a = new DataLoader(Numbered(30), batchSize: 4, shuffle: true, generator: new Generator(11));
        var b = new DataLoader(Numbered(30), batchSize: 4, shuffle: true, generator: new Generator(11));
        var c = new DataLoader(Numbered(30), batchSize: 4, shuffle: true, generator: new Generator(12));
        Assert.Equal(a.Seed, b.Seed);
        Assert.Equal(Targets(a), Targets(b));
        Assert.NotEqual(a.Order(0), c.Order(0));

        // resuming: epoch 3 is the same whether reached by iterating, by SetEpoch or by EnumerateEpoch
        var expected3 = a.Order(3);
        for (int e = 1; e < 3; e++) _ = Targets(a);
        Assert.Equal(3, a.Epoch);
        Assert.Equal(expected3, Targets(a).SelectMany(t => t).Select(t => (int)t));
        b.SetEpoch(3);
        Assert.Equal(expected3, Targets(b).SelectMany(t => t).Select(t => (int)t));
        var fresh = new DataLoader(Numbered(30), batchSize: 4, shuffle: true, generator: new Generator(11));
        var resumed = Targets(fresh.EnumerateEpoch(3, startBatch: 2)).SelectMany(t => t).Select(t => (int)t);
        Assert.Equal(expected3.Skip(8), resumed);
        Assert.Equal(0, fresh.Epoch);
    }

    [Fact]
    public void PrefetchOnAndOffGiveIdenticalBatches()
    {
        var ds = Numbered(37);
        DataLoader Make(int prefetch) => new(ds, batchSize: 5, shuffle: true, generator: new Generator(3),
            transform: new Lambda(x => x * 2), prefetchBatches: prefetch);
        var off = Make(0);
        foreach (int prefetch in new[] { 1, 2 })
        {
            var on = Make(prefetch);
            for (int epoch = 0; epoch < 3; epoch++)
            {
                var x = on.ToList();
                var y = off.EnumerateEpoch(epoch).ToList();
                Assert.Equal(y.Count, x.Count);
                for (int i = 0; i < x.Count; i++)
                {
                    Assert.Equal(y[i].Targets.ToArray<long>(), x[i].Targets.ToArray<long>());
                    Assert.Equal(y[i].Inputs.ToArray<float>(), x[i].Inputs.ToArray<float>());
                }
            }
        }
    }

    [Fact]
    public void TransformsApplyToInputsAndTargets()
    {
        var loader = new DataLoader(Numbered(4), batchSize: 2,
            transform: new Lambda(x => x + 100), targetTransform: new Lambda(t => t * 10));
        var first = loader.First();
        Assert.Equal([100f, 100f, 100f, 101f, 101f, 101f], first.Inputs.ToArray<float>());
        Assert.Equal([0L, 10L], first.Targets.ToArray<long>());
    }

    [Fact]
    public void BreakingEarlyStopsTheProducer()
    {
        int built = 0;
        var loader = new DataLoader(Numbered(1000), batchSize: 1, prefetchBatches: 2,
            transform: new Lambda(x => { Interlocked.Increment(ref built); return x; }));
        int seen = 0;
        foreach (var _ in loader)
        {
            Assert.Equal(1, loader.RunningProducers);
            if (++seen == 3) break;
        }
        Assert.Equal(0, loader.RunningProducers);
        int after = Volatile.Read(ref built);
        Assert.InRange(after, 3, 3 + 3); // the consumed batches plus at most the queue and one in progress
        Thread.Sleep(50);
        Assert.Equal(after, Volatile.Read(ref built));
    }

    [Fact]
    public void DisposingBeforeTheFirstBatchOrTwiceIsHarmless()
    {
        var loader = new DataLoader(Numbered(10), batchSize: 2);
        var e = loader.GetEnumerator();
        e.Dispose();
        e.Dispose();
        Assert.False(e.MoveNext());
        Assert.Equal(0, loader.RunningProducers);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void AnExceptionInATransformSurfacesAtItsBatch(int prefetch)
    {
        int calls = 0;
        var loader = new DataLoader(Numbered(20), batchSize: 2, prefetchBatches: prefetch,
            transform: new Lambda(x => ++calls == 4 ? throw new InvalidOperationException("bad batch") : x));
        var seen = new List<long>();
        var e = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var b in loader) seen.AddRange(b.Targets.ToArray<long>());
        });
        Assert.Equal("bad batch", e.Message);
        Assert.Equal([0L, 1, 2, 3, 4, 5], seen);
        Assert.Equal(0, loader.RunningProducers);
    }

    [Fact]
    public void ArgumentsAreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(Numbered(3), batchSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(Numbered(3), prefetchBatches: -1));
        var loader = new DataLoader(Numbered(3), batchSize: 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.SetEpoch(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.EnumerateEpoch(0, startBatch: 3));
        Assert.Empty(loader.EnumerateEpoch(0, startBatch: 2));
    }

    [Fact]
    public void SubsetsAndCustomDatasetsBatchToo()
    {
        var parts = Dataset.RandomSplit(Numbered(10), [6, 4], new Generator(5));
        var loader = new DataLoader(parts[1], batchSize: 3);
        Assert.Equal(parts[1].Indices.Select(i => (long)i), Targets(loader).SelectMany(t => t));
    }
}
