namespace Tidu;

/// <summary>
/// A region of code whose tensors borrow their memory from a per-thread pool and give it back when the scope
/// ends, so a repeated computation — a training step — reuses the same arrays instead of allocating new ones
/// (and large ones no longer churn the large-object heap). PyTorch frees tensors by reference counting and has
/// no equivalent; TorchSharp's <c>DisposeScope</c> is the closest analogue.
/// </summary>
/// <example><code>
/// for (int step = 0; step &lt; steps; step++)
/// {
///     using var scope = TensorScope.Begin();
///     optimizer.ZeroGrad();
///     var loss = lossFn.Forward(model.Forward(x), y);
///     loss.Backward();
///     optimizer.Step();
///     losses.Add(loss.Item()); // read values inside the scope
/// }
/// </code></example>
/// <remarks>
/// <para>
/// Every tensor created on this thread while the scope is the innermost one belongs to it, unless its memory
/// escapes to a long-lived owner, which the library detects: a parameter's <see cref="Tensor.Grad"/> (set by
/// backward or by you), optimizer state, a module's registered parameters and buffers, a tensor given to
/// <see cref="Tensor.Data"/> of a tensor that is not scoped. Keep anything else with <see cref="Keep"/> (the GC
/// then owns it) or <see cref="Tensor.MoveToOuterScope"/>. Tensors created outside every scope, or on other
/// threads (a <c>DataLoader</c>'s background batches, kernel workers), are ordinary GC memory.
/// </para>
/// <para>
/// When the scope ends, its tensors are released: any later read or write of one throws
/// <see cref="ObjectDisposedException"/>; it can never see the values of the tensor that reuses its memory. The
/// autograd graph built inside dies with it too, so run <see cref="Tensor.Backward(bool)"/> inside the scope
/// that ran the forward pass. A gradient that <see cref="Optim.Optimizer.ZeroGrad"/> (or setting
/// <see cref="Tensor.Grad"/> to null) discards inside a scope is handed to that scope, so gradients cycle through
/// the pool too; clone or keep one you still need after the step.
/// </para>
/// <para>
/// Scopes nest (an inner scope's tensors are released when it ends; <see cref="Tensor.MoveToOuterScope"/> hands
/// one to the enclosing scope) and must end in reverse order on the thread that began them; ending an outer scope
/// first ends the inner ones. The pool keeps free arrays in exact-size buckets up to
/// <see cref="PoolLimitBytes"/> per thread.
/// </para>
/// </remarks>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? current;
    private static long poolLimitBytes = 512L << 20;

    private readonly TensorScope? outer;
    private readonly StoragePool pool; // the beginning thread's: also how Dispose recognises that thread
    private List<Storage>? leases;

    private TensorScope(TensorScope? outer, StoragePool pool)
    {
        this.outer = outer;
        this.pool = pool;
        leases = pool.TakeList();
    }

    /// <summary>
    /// Starts a scope on the calling thread; tensors created until it is disposed borrow pooled memory. Dispose
    /// it (a <c>using</c> statement) on the same thread.
    /// </summary>
    public static TensorScope Begin()
    {
        var pool = StoragePool.ForThread;
        if (current is null) pool.BeginEpoch();
        return current = new TensorScope(current, pool);
    }

    /// <summary>The innermost scope of the calling thread, or null outside every scope.</summary>
    internal static TensorScope? Current => current;

    /// <summary>True when the calling thread is inside a scope (new tensors are pooled).</summary>
    public static bool IsActive => current is not null;

    /// <summary>True once the scope has ended.</summary>
    public bool IsDisposed => leases is null;

    /// <summary>
    /// The most bytes of free arrays each thread's pool keeps (default 512 MiB). Arrays returned beyond it are
    /// left to the GC, after dropping sizes that no scope has used since the current outermost scope began.
    /// </summary>
    public static long PoolLimitBytes
    {
        get => Volatile.Read(ref poolLimitBytes);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(PoolLimitBytes));
            Volatile.Write(ref poolLimitBytes, value);
        }
    }

    /// <summary>Bytes of free arrays in the calling thread's pool.</summary>
    public static long PooledBytes => StoragePool.ExistingForThread?.PooledBytes ?? 0;

    /// <summary>Gives the calling thread's free arrays back to the GC (e.g. after training, or between phases).</summary>
    public static void TrimPool() => StoragePool.ExistingForThread?.Trim();

    /// <summary>
    /// Takes <paramref name="tensor"/> (its memory, with every view of it) out of scope management: it stays
    /// valid after this scope ends, owned by the GC like a tensor created outside any scope. Its autograd history
    /// is not kept alive: backward through it after the scope ends fails, so keep <see cref="Tensor.Detach"/>ed
    /// results. Returns the tensor.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The tensor's own scope has already ended.</exception>
    public Tensor Keep(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.storage.Promote();
        return tensor;
    }

    /// <summary>
    /// Ends the scope: the memory of every tensor it still owns goes back to the pool, and those tensors throw
    /// <see cref="ObjectDisposedException"/> when used. Ends inner scopes that are still open first.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called on a thread other than the one that began the scope.</exception>
    public void Dispose()
    {
        if (leases is null) return;
        // the innermost scope of this thread is certainly on its own thread; only otherwise is there more to check
        if (!ReferenceEquals(current, this))
        {
            if (!ReferenceEquals(StoragePool.ExistingForThread, pool))
                throw new InvalidOperationException(
                    "TensorScope: a scope must end on the thread that began it (its memory belongs to that thread's pool); " +
                    "do not await inside a scope, or begin a new scope after the await.");
            while (current is not null && !ReferenceEquals(current, this)) current.Dispose();
        }
        var list = leases;
        leases = null;
        // newest first, so the pool's stacks hand the arrays out in the order they were leased: the next step's
        // first tensor gets this step's first array
        for (int i = list.Count - 1; i >= 0; i--)
        {
            var storage = list[i];
            // a storage that escaped (Scope cleared) or moved to the outer scope is not ours to release
            if (ReferenceEquals(storage.Scope, this)) pool.Return(storage.DType, storage.Release());
        }
        pool.GiveBack(list);
        current = outer;
    }

    /// <summary>A new storage owned by this scope, on an array from the pool when one of this size is free.</summary>
    internal Storage Lease(DType dtype, int length, bool zeroed)
    {
        var array = pool.Rent(dtype, length);
        if (array is null) return Own(zeroed ? Storage.AllocateZeroedUnscoped(dtype, length) : Storage.AllocateUnscoped(dtype, length));
        if (zeroed) Array.Clear(array);
        return Own(new Storage(array, dtype));
    }

    /// <summary>
    /// Hands a storage the GC owned to the calling thread's innermost scope: a gradient the engine created, now
    /// discarded by <c>Grad = null</c>, so its array returns to the pool when the step ends.
    /// </summary>
    internal static void AdoptDiscarded(Storage storage)
    {
        if (current is { } scope && storage.Scope is null && !storage.IsReleased) scope.Own(storage);
    }

    /// <summary>Moves a storage this scope owns to the enclosing scope, or to the GC when there is none.</summary>
    internal void PassOutward(Storage storage)
    {
        storage.Scope = outer;
        outer?.leases!.Add(storage);
    }

    private Storage Own(Storage storage)
    {
        storage.Scope = this;
        leases!.Add(storage);
        return storage;
    }
}
