using Tidu.NN;
using Tidu.Optim;

namespace Tidu.Tests.Memory;

/// <summary>
/// TensorScope: pooled storage is reused, released tensors refuse every access, escapes to long-lived owners
/// survive, scopes nest, the pool is bounded and belongs to one thread.
/// </summary>
public class TensorScopeTests
{
    [Fact]
    public void ASecondScopeReusesTheFirstScopesArrays()
    {
        var x = Tensor.Randn(8, 16);
        Array first, second;
        using (TensorScope.Begin())
        {
            var y = (x * 2).Relu();
            Assert.True(y.IsScoped);
            first = y.storage.Buffer;
        }
        using (TensorScope.Begin())
        {
            var y = (x * 3).Relu();
            second = y.storage.Buffer;
        }
        Assert.Same(first, second);
    }

    [Fact]
    public void OutsideAScopeNothingIsPooled()
    {
        var y = Tensor.Randn(4, 4) * 2;
        Assert.False(y.IsScoped);
        Assert.False(TensorScope.IsActive);
    }

    [Fact]
    public void AReleasedTensorThrowsOnEveryAccess()
    {
        Tensor y;
        using (TensorScope.Begin()) y = Tensor.Randn(3) + 1;
        Assert.True(y.IsReleased);
        var e = Assert.Throws<ObjectDisposedException>(() => y.ToArray<float>());
        Assert.Contains("TensorScope that has ended", e.Message);
        Assert.Contains("Keep(", e.Message);
        Assert.Throws<ObjectDisposedException>(() => y.Sum().Item());
        Assert.Throws<ObjectDisposedException>(() => y + 1);
        Assert.Throws<ObjectDisposedException>(() => y.MatMul(Tensor.Ones(3, 2)));
        Assert.Throws<ObjectDisposedException>(() => y.AddInPlace(Tensor.Ones(3)));
        Assert.Throws<ObjectDisposedException>(() => y.MoveToOuterScope());
        Assert.Contains("released", y.ToString());
    }

    [Fact]
    public void AReleasedScalarThrowsOnItem()
    {
        Tensor loss;
        using (TensorScope.Begin()) loss = (Tensor.Randn(5) * 2).Sum();
        Assert.Throws<ObjectDisposedException>(() => loss.Item());
    }

    [Fact]
    public void AReleasedTensorNeverSeesItsSuccessorsValues()
    {
        Tensor old;
        using (TensorScope.Begin()) old = Tensor.Zeros(64) + 1;
        using (TensorScope.Begin())
        {
            var next = Tensor.Zeros(64) + 7; // gets old's array
            Assert.Throws<ObjectDisposedException>(() => old.ToArray<float>());
            Assert.All(next.ToArray<float>(), v => Assert.Equal(7f, v));
        }
    }

    [Fact]
    public void KeptTensorsSurviveTheScope()
    {
        var x = Tensor.Randn(10);
        Tensor kept, view;
        using (var scope = TensorScope.Begin())
        {
            kept = scope.Keep(x * 2);
            view = kept.Reshape(2, 5);
            Assert.False(kept.IsScoped);
        }
        using (TensorScope.Begin()) _ = x * 5 + 1; // would reuse the array had it gone back
        Assert.Equal((x * 2).ToArray<float>(), kept.ToArray<float>());
        Assert.Equal(kept.ToArray<float>(), view.ToArray<float>());
    }

    [Fact]
    public void NestedScopesReleaseInnerTensorsFirst()
    {
        using var outer = TensorScope.Begin();
        var a = Tensor.Ones(4) * 2;
        Tensor b, moved;
        using (TensorScope.Begin())
        {
            b = a + 1;
            moved = (a + 2).MoveToOuterScope();
        }
        Assert.True(b.IsReleased);
        Assert.False(a.IsReleased);
        Assert.Equal([4f, 4f, 4f, 4f], moved.ToArray<float>());
        outer.Dispose();
        Assert.True(a.IsReleased);
        Assert.True(moved.IsReleased);
        Assert.False(TensorScope.IsActive);
    }

    [Fact]
    public void MovingOutOfTheOutermostScopeHandsTheTensorToTheGc()
    {
        Tensor t;
        using (TensorScope.Begin()) t = (Tensor.Ones(3) * 4).MoveToOuterScope();
        Assert.False(t.IsScoped);
        Assert.Equal([4f, 4f, 4f], t.ToArray<float>());
    }

    [Fact]
    public void EndingAnOuterScopeEndsTheInnerOnes()
    {
        var outer = TensorScope.Begin();
        var inner = TensorScope.Begin();
        var t = Tensor.Ones(2) * 3;
        outer.Dispose();
        Assert.True(inner.IsDisposed);
        Assert.True(t.IsReleased);
        Assert.False(TensorScope.IsActive);
        inner.Dispose(); // a second dispose does nothing
    }

    [Fact]
    public void GradientsAndOptimizerStateEscapeTheStep()
    {
        Tensor.ManualSeed(3);
        var model = new Sequential(new Linear(6, 5), new ReLU(), new Linear(5, 3));
        var optimizer = new Adam(model.Parameters(), lr: 0.01);
        var sgd = new SGD(model.Parameters(), lr: 0.01, momentum: 0.9);
        var x = Tensor.Randn(4, 6);
        var y = Tensor.From(new long[] { 0, 1, 2, 1 });
        using (TensorScope.Begin())
        {
            optimizer.ZeroGrad();
            new CrossEntropyLoss().Forward(model.Forward(x), y).Backward();
            optimizer.Step();
            sgd.Step(); // momentum buffer created from a scoped copy of the gradient
        }
        foreach (var p in model.Parameters())
        {
            Assert.False(p.IsScoped);
            Assert.NotNull(p.Grad);
            Assert.False(p.Grad!.IsReleased);
            Assert.All(p.Grad.ToArray<float>(), v => Assert.True(float.IsFinite(v)));
            foreach (var (_, s) in optimizer.GetState(p)) Assert.False(s.IsScoped || s.IsReleased);
            foreach (var (_, s) in sgd.GetState(p)) Assert.False(s.IsScoped || s.IsReleased);
        }
    }

    [Fact]
    public void AGradientAssignedByTheUserEscapes()
    {
        var w = Tensor.Zeros(3).RequiresGradInPlace();
        using (TensorScope.Begin()) w.Grad = Tensor.Ones(3) * 5;
        Assert.Equal([5f, 5f, 5f], w.Grad!.ToArray<float>());
    }

    [Fact]
    public void AGradientDiscardedInsideAScopeIsRecycledWithIt()
    {
        var w = Tensor.Ones(3).RequiresGradInPlace();
        (w * 2).Sum().Backward(); // outside any scope: the GC owns this gradient
        var old = w.Grad!;
        Tensor fresh;
        using (TensorScope.Begin())
        {
            w.Grad = null;
            Assert.True(old.IsScoped); // handed to the step's scope
            (w * 3).Sum().Backward();
            fresh = w.Grad!;
        }
        Assert.True(old.IsReleased);
        Assert.Equal([3f, 3f, 3f], fresh.ToArray<float>());
    }

    [Fact]
    public void ModulesBuiltInsideAScopeKeepTheirParametersAndBuffers()
    {
        Module model;
        using (TensorScope.Begin()) model = new Sequential(new Linear(3, 2), new BatchNorm1d(2));
        foreach (var p in model.Parameters()) Assert.False(p.IsReleased);
        foreach (var (_, b) in model.NamedBuffers()) Assert.False(b.IsReleased);
        using (TensorScope.Begin()) model.Forward(Tensor.Randn(4, 3)).Sum().Backward();
        foreach (var (_, b) in model.NamedBuffers()) _ = b.ToArray<double>();
    }

    [Fact]
    public void DataOfAParameterWithANewShapeEscapes()
    {
        var p = Tensor.Zeros(2).RequiresGradInPlace();
        using (TensorScope.Begin()) p.Data = Tensor.Ones(3) * 2;
        Assert.Equal([2f, 2f, 2f], p.ToArray<float>());
    }

    [Fact]
    public void ThePoolIsBoundedAndDropsSizesNoLongerUsed()
    {
        var pool = StoragePool.ForThread;
        pool.Trim();
        pool.LimitOverride = 1000;
        try
        {
            using (TensorScope.Begin())
            {
                for (int i = 0; i < 3; i++) _ = Tensor.Zeros(100) + i; // three 400-byte arrays
            }
            Assert.Equal(800, TensorScope.PooledBytes); // the third did not fit
            using (TensorScope.Begin()) _ = Tensor.Zeros(200) + 1; // an 800-byte array: the 400-byte size is stale
            Assert.Equal(800, TensorScope.PooledBytes);
            Assert.Equal(1, pool.PooledArrays);
            TensorScope.TrimPool();
            Assert.Equal(0, TensorScope.PooledBytes);
        }
        finally
        {
            pool.LimitOverride = null;
        }
    }

    [Fact]
    public void ZeroedLeasesAreZeroEvenOnARecycledArray()
    {
        using (TensorScope.Begin()) _ = Tensor.Ones(50) * 9;
        using (TensorScope.Begin())
        {
            var z = Tensor.Zeros(50);
            Assert.True(z.IsScoped);
            Assert.All(z.ToArray<float>(), v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void AScopeCoversOnlyTheThreadThatBeganIt()
    {
        using var scope = TensorScope.Begin();
        Tensor? fromOtherThread = null;
        var thread = new Thread(() => fromOtherThread = Tensor.Randn(4) * 2);
        thread.Start();
        thread.Join();
        scope.Dispose();
        Assert.False(fromOtherThread!.IsScoped);
        Assert.Equal(4, fromOtherThread.ToArray<float>().Length);
    }

    [Fact]
    public void AScopeMustEndOnItsOwnThread()
    {
        var scope = TensorScope.Begin();
        try
        {
            Exception? error = null;
            var thread = new Thread(() => error = Record.Exception(scope.Dispose));
            thread.Start();
            thread.Join();
            Assert.IsType<InvalidOperationException>(error);
        }
        finally
        {
            scope.Dispose();
        }
    }

    [Fact]
    public void BatchesPrefetchedInTheBackgroundAreNotScoped()
    {
        var loader = new Tidu.Data.DataLoader(new Tidu.Data.TensorDataset(Tensor.Randn(12, 3), Tensor.Randn(12)), batchSize: 4, prefetchBatches: 2);
        List<Tidu.Data.Batch> batches;
        using (TensorScope.Begin()) batches = loader.EnumerateEpoch(0).ToList();
        Assert.Equal(3, batches.Count);
        Assert.All(batches, b => Assert.Equal(12, b.Inputs.ToArray<float>().Length));
    }

    [Fact]
    public void KernelsOnWorkerThreadsAreUnaffected()
    {
        // a product big enough to run on the worker pool, inside a scope, equals the one outside
        var a = Tensor.Randn(96, 200);
        var b = Tensor.Randn(200, 128);
        var expected = a.MatMul(b).ToArray<float>();
        using (TensorScope.Begin())
        {
            for (int i = 0; i < 3; i++) Assert.Equal(expected, a.MatMul(b).ToArray<float>());
        }
    }
}
