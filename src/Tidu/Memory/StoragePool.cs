namespace Tidu;

/// <summary>
/// One thread's free arrays for <see cref="TensorScope"/>, in exact-length buckets per dtype: a warm training
/// step asks for the same sizes every time, so exact matches reuse everything without wasting a byte.
/// Bounded by <see cref="TensorScope.PoolLimitBytes"/>: when a returned array would go over, buckets that no
/// scope used since the current outermost scope began are dropped first (different shapes of an earlier phase),
/// then the array itself is left to the GC.
/// </summary>
internal sealed class StoragePool
{
    [ThreadStatic] private static StoragePool? forThread;

    private sealed class Bucket(long key, int elementBytes)
    {
        internal readonly Stack<Array> Free = new();
        internal readonly long Key = key;
        internal readonly int ElementBytes = elementBytes;
        internal long LastUsed;
    }

    private readonly Dictionary<long, Bucket> buckets = [];
    private readonly Stack<List<Storage>> spareLists = new();
    private long epoch;

    // Recently used buckets, at a slot picked by their key (a direct-mapped cache in front of the dictionary): a
    // step of small ops asks for a handful of sizes over and over, and one compare is cheaper than a dictionary
    // lookup on every tensor an op creates and every one a scope releases.
    private const int RecentSlots = 64;
    private readonly Bucket?[] recent = new Bucket?[RecentSlots];

    /// <summary>The pool of the calling thread (pools are never shared, so nothing here locks).</summary>
    internal static StoragePool ForThread => forThread ??= new StoragePool();

    /// <summary>The pool of the calling thread if it has one yet.</summary>
    internal static StoragePool? ExistingForThread => forThread;

    /// <summary>Bytes held in free arrays.</summary>
    internal long PooledBytes { get; private set; }

    /// <summary>Free arrays held.</summary>
    internal int PooledArrays { get; private set; }

    /// <summary>Rents that found no free array of their size (each then allocated a new one).</summary>
    internal long Misses { get; private set; }

    /// <summary>This pool's own limit instead of <see cref="TensorScope.PoolLimitBytes"/> (tests set it).</summary>
    internal long? LimitOverride { get; set; }

    /// <summary>Marks the start of an outermost scope: buckets not used from here on count as stale.</summary>
    internal void BeginEpoch() => epoch++;

    /// <summary>A free array of exactly this dtype and length, or null when the bucket is empty.</summary>
    internal Array? Rent(DType dtype, int length)
    {
        var bucket = BucketFor(dtype, length);
        bucket.LastUsed = epoch;
        if (!bucket.Free.TryPop(out var array))
        {
            Misses++;
            return null;
        }
        PooledBytes -= (long)array.Length * bucket.ElementBytes;
        PooledArrays--;
        return array;
    }

    /// <summary>Takes back an array whose lease ended; leaves it to the GC when the pool would exceed its limit.</summary>
    internal void Return(DType dtype, Array array)
    {
        if (array.Length == 0) return;
        long bytes = (long)array.Length * ElementBytes(dtype);
        long limit = LimitOverride ?? TensorScope.PoolLimitBytes;
        if (PooledBytes + bytes > limit)
        {
            DropStale();
            if (PooledBytes + bytes > limit) return;
        }
        BucketFor(dtype, array.Length).Free.Push(array);
        PooledBytes += bytes;
        PooledArrays++;
    }

    /// <summary>The bucket for arrays of this dtype and length, created (as used now) when there is none yet.</summary>
    private Bucket BucketFor(DType dtype, int length)
    {
        var key = Key(dtype, length);
        ref var slot = ref recent[(int)(key & (RecentSlots - 1))];
        if (slot is { } cached && cached.Key == key) return cached;
        if (!buckets.TryGetValue(key, out var bucket))
        {
            bucket = new Bucket(key, ElementBytes(dtype)) { LastUsed = epoch };
            buckets.Add(key, bucket);
        }
        slot = bucket;
        return bucket;
    }

    /// <summary>Drops every free array.</summary>
    internal void Trim()
    {
        buckets.Clear();
        Array.Clear(recent);
        PooledBytes = 0;
        PooledArrays = 0;
    }

    /// <summary>A cleared list for a new scope's leases (lists are reused so a scope costs no list growth).</summary>
    internal List<Storage> TakeList() => spareLists.TryPop(out var list) ? list : new List<Storage>(64);

    internal void GiveBack(List<Storage> list)
    {
        list.Clear();
        spareLists.Push(list);
    }

    private void DropStale()
    {
        List<long>? stale = null;
        foreach (var (key, bucket) in buckets)
            if (bucket.LastUsed < epoch) (stale ??= []).Add(key);
        if (stale is null) return;
        foreach (var key in stale)
        {
            var bucket = buckets[key];
            foreach (var array in bucket.Free) PooledBytes -= (long)array.Length * bucket.ElementBytes;
            PooledArrays -= bucket.Free.Count;
            buckets.Remove(key);
        }
        Array.Clear(recent);
    }


    private static long Key(DType dtype, int length) => ((long)length << 2) | (long)dtype;

    private static int ElementBytes(DType dtype) => dtype == DType.Float32 ? sizeof(float) : sizeof(long);
}
