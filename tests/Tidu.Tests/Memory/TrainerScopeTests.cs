using Tidu.Data;
using Tidu.NN;
using Tidu.Optim;
using Tidu.Tests.Tensors;
using Tidu.Training;

namespace Tidu.Tests.Memory;

/// <summary>The trainer runs each step in a <see cref="TensorScope"/>; what callbacks see stays valid where documented.</summary>
[Collection(DefaultGeneratorCollection.Name)]
public class TrainerScopeTests
{
    private sealed class Probe : ITrainingCallback
    {
        public readonly List<bool> ScopedDuringBackward = [];
        public readonly List<double> GradNorms = [];
        public Tensor? LossKeptPastTheStep;

        public void OnAfterBackward(Trainer trainer, Tensor loss)
        {
            ScopedDuringBackward.Add(TensorScope.IsActive && loss.IsScoped);
            LossKeptPastTheStep = loss;
        }

        // after the step's scope ended: gradients and parameters are long-lived
        public void OnBatchEnd(Trainer trainer, BatchResult batch) =>
            GradNorms.Add(trainer.Model.Parameters().Sum(p => p.Grad!.Pow(2).Sum().Item()));
    }

    [Fact]
    public void StepsRunInScopesAndGradientsOutliveThem()
    {
        var data = new Generator(2);
        var x = Tensor.Randn([64, 8], generator: data);
        var y = Tensor.RandInt(0, 3, [64], data);
        Tensor.ManualSeed(4);
        var model = new Sequential(new Linear(8, 16), new ReLU(), new Linear(16, 3));
        var optimizer = new Adam(model.Parameters(), lr: 1e-2);
        var trainer = new Trainer(model, optimizer, new CrossEntropyLoss());
        var probe = new Probe();
        trainer.Callbacks.Add(probe);
        var loader = new DataLoader(new TensorDataset(x, y), batchSize: 16);

        var history = trainer.Fit(loader, loader, epochs: 2);

        Assert.All(probe.ScopedDuringBackward, Assert.True);
        Assert.Equal(8, probe.GradNorms.Count);
        Assert.All(probe.GradNorms, n => Assert.True(double.IsFinite(n) && n > 0));
        Assert.True(double.IsFinite(history[^1].ValidationLoss!.Value));
        // the loss a callback held on to was released with its step, and says so
        Assert.Throws<ObjectDisposedException>(() => probe.LossKeptPastTheStep!.Item());
        foreach (var p in model.Parameters()) Assert.False(p.IsScoped || p.Grad!.IsReleased);
        foreach (var p in model.Parameters())
            foreach (var (_, s) in optimizer.GetState(p)) Assert.False(s.IsReleased);
        Assert.False(TensorScope.IsActive);
        Assert.Equal(0, TensorScope.PooledBytes); // trimmed when the fit ended
    }
}
