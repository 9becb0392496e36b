using Tidu.Data;
using Tidu.NN;
using Tidu.Optim;
using Tidu.Tests.Tensors;
using Tidu.Training;

namespace Tidu.Tests.Training;

// Generator.Default is global: these tests reseed it, so they must not run beside other tests that draw from it.
[Collection(DefaultGeneratorCollection.Name)]
public sealed class TrainerTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "tidu-trainer-tests-" + Guid.NewGuid().ToString("N"));

    public TrainerTests() => Directory.CreateDirectory(dir);

    public void Dispose()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    /// <summary>
    /// Everything a run is built from, constructed the same way each time as a fresh process would: images
    /// [100, 1, 8, 8] in 3 classes, a conv–BN–ReLU–pool–linear–dropout–linear model, Adam with StepLR, a shuffled
    /// loader with a random flip (prefetching, so the transform runs ahead of training) and a validation loader.
    /// </summary>
    private sealed record Setup(Trainer Trainer, DataLoader Train, DataLoader Validation)
    {
        internal static Setup Create()
        {
            var data = new Generator(123);
            var x = Tensor.Randn([100, 1, 8, 8], generator: data);
            var y = Tensor.RandInt(0, 3, [100], data);
            var valX = Tensor.Randn([30, 1, 8, 8], generator: data);
            var valY = Tensor.RandInt(0, 3, [30], data);

            Tensor.ManualSeed(7);
            var model = new Sequential(
                new Conv2d(1, 4, 3, padding: 1), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(4 * 4 * 4, 16), new ReLU(), new Dropout(0.3), new Linear(16, 3));
            var optimizer = new Adam(model.Parameters(), lr: 0.01);
            var scheduler = new StepLR(optimizer, stepSize: 1, gamma: 0.5);
            var train = new DataLoader(new TensorDataset(x, y), batchSize: 16, shuffle: true, generator: new Generator(11),
                transform: new RandomHorizontalFlip(0.5, new Generator(13)));
            var validation = new DataLoader(new TensorDataset(valX, valY), batchSize: 16);
            return new Setup(new Trainer(model, optimizer, new CrossEntropyLoss(), scheduler, seed: 42), train, validation);
        }
    }

    private static void AssertBitIdentical(Module expected, Module actual)
    {
        var a = expected.StateDict();
        var b = actual.StateDict();
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, t) in a)
        {
            var u = b[name];
            Assert.Equal(t.DType, u.DType);
            if (t.DType == DType.Int64) Assert.Equal(t.ToArray<long>(), u.ToArray<long>());
            else
            {
                var bitsA = t.ToArray<float>().Select(BitConverter.SingleToInt32Bits).ToArray();
                var bitsB = u.ToArray<float>().Select(BitConverter.SingleToInt32Bits).ToArray();
                Assert.True(bitsA.SequenceEqual(bitsB), $"'{name}' differs");
            }
        }
    }

    private static void AssertSameFigures(IReadOnlyList<EpochMetrics> expected, IReadOnlyList<EpochMetrics> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            // seconds differ between runs; everything else is exact
            Assert.Equal(expected[i] with { Seconds = 0 }, actual[i] with { Seconds = 0 });
        }
    }

    [Fact]
    public void ResumingAfterAnEpochGivesBitIdenticalWeightsToAnUninterruptedRun()
    {
        var straight = Setup.Create();
        var full = straight.Trainer.Fit(straight.Train, straight.Validation, 3);
        Assert.Equal(FitOutcome.Completed, full.Outcome);

        string path = Path.Combine(dir, "epoch1.safetensors");
        var first = Setup.Create();
        first.Trainer.Fit(first.Train, first.Validation, 1);
        first.Trainer.SaveCheckpoint(path);
        Tensor.ManualSeed(999); // a new process: nothing random carries over except through the checkpoint

        var resumed = Setup.Create();
        resumed.Trainer.Resume(path);
        Assert.Equal(1, resumed.Trainer.Epoch);
        Assert.Equal(0, resumed.Trainer.BatchIndex);
        Assert.Equal(7, resumed.Trainer.GlobalStep);
        var rest = resumed.Trainer.Fit(resumed.Train, resumed.Validation, 3);

        AssertBitIdentical(straight.Trainer.Model, resumed.Trainer.Model);
        AssertSameFigures(full, rest);
        Assert.Equal(straight.Trainer.Scheduler!.LastEpoch, resumed.Trainer.Scheduler!.LastEpoch);
        Assert.Equal(straight.Trainer.Optimizer.ParamGroups[0].Lr, resumed.Trainer.Optimizer.ParamGroups[0].Lr);
    }

    [Fact]
    public void ResumingFromACancellationMidEpochGivesBitIdenticalWeightsToAnUninterruptedRun()
    {
        var straight = Setup.Create();
        var full = straight.Trainer.Fit(straight.Train, straight.Validation, 3);

        string path = Path.Combine(dir, "interrupted.safetensors");
        var first = Setup.Create();
        using var cancel = new CancellationTokenSource();
        first.Trainer.Callbacks.Add(new CancelAt(10, cancel)); // epoch 1 (0-based), after its batch 2
        var checkpoints = new CheckpointCallback(path);
        first.Trainer.Callbacks.Add(checkpoints);
        var partial = first.Trainer.Fit(first.Train, first.Validation, 3, cancel.Token);
        Assert.Equal(FitOutcome.Interrupted, partial.Outcome);
        Assert.Single(partial);
        Assert.Equal(2, checkpoints.Saves); // after epoch 1 and on the interruption
        Assert.Equal((1, 3, 10L), (first.Trainer.Epoch, first.Trainer.BatchIndex, first.Trainer.GlobalStep));
        Tensor.ManualSeed(999);

        var resumed = Setup.Create();
        resumed.Trainer.Resume(path);
        Assert.Equal((1, 3, 10L), (resumed.Trainer.Epoch, resumed.Trainer.BatchIndex, resumed.Trainer.GlobalStep));
        var rest = resumed.Trainer.Fit(resumed.Train, resumed.Validation, 3);

        Assert.Equal(FitOutcome.Completed, rest.Outcome);
        AssertBitIdentical(straight.Trainer.Model, resumed.Trainer.Model);
        AssertSameFigures(full, rest);
    }

    [Fact]
    public void ContinuingInTheSameProcessAfterACancellationAlsoMatches()
    {
        var straight = Setup.Create();
        straight.Trainer.Fit(straight.Train, straight.Validation, 2);

        var run = Setup.Create();
        using var cancel = new CancellationTokenSource();
        run.Trainer.Callbacks.Add(new CancelAt(4, cancel));
        Assert.Equal(FitOutcome.Interrupted, run.Trainer.Fit(run.Train, run.Validation, 2, cancel.Token).Outcome);
        run.Trainer.Callbacks.Clear();
        run.Trainer.Fit(run.Train, run.Validation, 2);

        AssertBitIdentical(straight.Trainer.Model, run.Trainer.Model);
    }

    [Fact]
    public void ResumingWithADifferentlySeededLoaderIsRefused()
    {
        string path = Path.Combine(dir, "a.safetensors");
        var first = Setup.Create();
        first.Trainer.Fit(first.Train, null, 1);
        first.Trainer.SaveCheckpoint(path);

        var other = Setup.Create();
        other.Trainer.Resume(path);
        var loader = new DataLoader(other.Train.Dataset, batchSize: 16, shuffle: true, generator: new Generator(12), transform: other.Train.Transform);
        var e = Assert.Throws<InvalidOperationException>(() => other.Trainer.Fit(loader, null, 2));
        Assert.Contains("shuffling seed", e.Message);
    }

    [Fact]
    public void ResumeRefusesAPlainModelCheckpoint()
    {
        string path = Path.Combine(dir, "plain.safetensors");
        var run = Setup.Create();
        Tidu.Serialization.Checkpoint.Save(path, run.Trainer.Model, run.Trainer.Optimizer);
        var e = Assert.Throws<InvalidDataException>(() => run.Trainer.Resume(path));
        Assert.Contains("no training state", e.Message);
    }

    private sealed class CancelAt(long step, CancellationTokenSource cancel) : ITrainingCallback
    {
        public void OnBatchEnd(Trainer trainer, BatchResult batch)
        {
            if (batch.GlobalStep == step) cancel.Cancel();
        }
    }

    /// <summary>200 points in 4 dimensions; the class is the index of the largest of the first 3 coordinates.</summary>
    private static TensorDataset Separable(int n, long seed)
    {
        var g = new Generator(seed);
        var x = Tensor.Randn([n, 4], generator: g);
        return new TensorDataset(x, x.Narrow(1, 0, 3).ArgMax(1));
    }

    [Fact]
    public void FitReportsLossAccuracyAndTheScheduledLearningRatePerEpoch()
    {
        Tensor.ManualSeed(1);
        var model = new Sequential(new Linear(4, 32), new ReLU(), new Linear(32, 3));
        var optimizer = new Adam(model.Parameters(), lr: 0.02);
        var trainer = new Trainer(model, optimizer, new CrossEntropyLoss(), new StepLR(optimizer, 2, 0.1));
        var epochs = new List<int>();
        int batchesSeen = 0;
        trainer.Callbacks.Add(new Recorder(e => epochs.Add(e.Epoch), () => batchesSeen++));
        var train = new DataLoader(Separable(200, 3), batchSize: 20, shuffle: true, generator: new Generator(5));
        var validation = new DataLoader(Separable(100, 4), batchSize: 50);

        var history = trainer.Fit(train, validation, 4);

        Assert.Equal([1, 2, 3, 4], epochs);
        Assert.Equal(40, batchesSeen);
        Assert.Equal(40, trainer.GlobalStep);
        Assert.Equal([0.02, 0.02, 0.002, 0.002], history.Select(m => Math.Round(m.LearningRate, 10)));
        Assert.True(history[^1].TrainLoss < history[0].TrainLoss, "training loss falls");
        Assert.True(history[^1].TrainAccuracy > 0.85, $"train accuracy {history[^1].TrainAccuracy}");
        Assert.True(history[^1].ValidationAccuracy > 0.85, $"validation accuracy {history[^1].ValidationAccuracy}");
        Assert.All(history, m => Assert.True(m.Seconds >= 0));

        var eval = trainer.Evaluate(validation);
        Assert.Equal(history[^1].ValidationLoss, eval.Loss);
        Assert.Equal(100, eval.Samples);
        long[,] cm = eval.ConfusionMatrix;
        Assert.Equal(3, cm.GetLength(0));
        long total = 0, diagonal = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                total += cm[i, j];
                if (i == j) diagonal += cm[i, j];
            }
        Assert.Equal(100, total);
        Assert.Equal(eval.Accuracy, diagonal / 100.0);
    }

    [Fact]
    public void EvaluateRunsInEvalModeWithoutDropoutAndRestoresTrainingMode()
    {
        Tensor.ManualSeed(2);
        var model = new Sequential(new Linear(4, 3), new Dropout(0.9));
        var trainer = new Trainer(model, new SGD(model.Parameters(), lr: 0.1), new CrossEntropyLoss());
        var data = Separable(64, 8);
        var loader = new DataLoader(data, batchSize: 64);
        Assert.True(model.Training);

        var a = trainer.Evaluate(loader);
        var b = trainer.Evaluate(loader);

        Assert.True(model.Training, "Evaluate puts the model back in training mode");
        Assert.Equal(a.Loss, b.Loss); // dropout would make the two passes differ
        model.Eval();
        double expected;
        using (Tensor.NoGrad()) expected = new CrossEntropyLoss().Forward(model.Forward(data.Inputs), data.Targets).Item();
        Assert.Equal(expected, a.Loss, 6);
        Assert.False(Tensor.Randn(1).RequiresGrad);
    }

    [Fact]
    public void EarlyStoppingStopsAfterPatienceEpochsWithoutImprovement()
    {
        Tensor.ManualSeed(3);
        var model = new Sequential(new Linear(4, 3));
        // lr 0: the loss never changes, so no epoch after the first improves by minDelta
        var trainer = new Trainer(model, new SGD(model.Parameters(), lr: 0), new CrossEntropyLoss());
        var stopper = new EarlyStopping(TrainingMetric.TrainLoss, patience: 2, minDelta: 1e-3);
        trainer.Callbacks.Add(stopper);

        var history = trainer.Fit(new DataLoader(Separable(40, 9), batchSize: 10), null, 10);

        Assert.Equal(FitOutcome.Stopped, history.Outcome);
        Assert.Equal(3, history.Count);
        Assert.Equal(3, stopper.StoppedEpoch);
        Assert.Equal(1, stopper.BestEpoch);
        Assert.Contains("early stopping", history.StopReason);
    }

    [Fact]
    public void EarlyStoppingKeepsGoingWhileTheFigureImprovesAndNeedsValidationWhenItWatchesIt()
    {
        Tensor.ManualSeed(4);
        var model = new Sequential(new Linear(4, 32), new ReLU(), new Linear(32, 3));
        var trainer = new Trainer(model, new Adam(model.Parameters(), lr: 0.01), new CrossEntropyLoss());
        trainer.Callbacks.Add(new EarlyStopping(TrainingMetric.TrainAccuracy, patience: 3));
        var loader = new DataLoader(Separable(100, 10), batchSize: 10, shuffle: true, generator: new Generator(1));
        Assert.Equal(FitOutcome.Completed, trainer.Fit(loader, null, 3).Outcome);

        var watcher = new Trainer(model, new Adam(model.Parameters(), lr: 0.01), new CrossEntropyLoss());
        watcher.Callbacks.Add(new EarlyStopping());
        var e = Assert.Throws<InvalidOperationException>(() => watcher.Fit(loader, null, 1));
        Assert.Contains("validation loader", e.Message);
    }

    [Fact]
    public void SchedulerLoadStateContinuesTheSchedule()
    {
        var p = Tensor.Zeros(2);
        p.RequiresGrad = true;
        var a = new SGD([p], lr: 1);
        var sa = new StepLR(a, 2, 0.5);
        for (int i = 0; i < 3; i++) sa.Step();

        var q = Tensor.Zeros(2);
        q.RequiresGrad = true;
        var b = new SGD([q], lr: 1);
        var sb = new StepLR(b, 2, 0.5);
        b.LoadStateDict(a.StateDict());
        sb.LoadState(sa.LastEpoch);
        Assert.Equal(3, sb.LastEpoch);
        Assert.Equal(sa.GetLastLr(), sb.GetLastLr());
        sa.Step();
        sb.Step();
        Assert.Equal(a.ParamGroups[0].Lr, b.ParamGroups[0].Lr);
        Assert.Equal(0.25, b.ParamGroups[0].Lr);
    }

    [Fact]
    public void ComposeListsTheGeneratorsOfItsRandomTransformsOnce()
    {
        var g = new Generator(1);
        var h = new Generator(2);
        var t = new Compose(new RandomHorizontalFlip(0.5, g), new Normalize([0.5], [0.5]), new RandomCrop(4, 1, g), new RandomCrop(4, 1, h));
        Assert.Equal([g, h], t.Generators);
        Assert.Empty(new Normalize([0.5], [0.5]).Generators);
        Assert.Same(g, new RandomHorizontalFlip(0.5, g).Generator);
    }

    private sealed class Recorder(Action<EpochMetrics> onEpoch, Action onBatch) : ITrainingCallback
    {
        public void OnBatchEnd(Trainer trainer, BatchResult batch) => onBatch();

        public void OnEpochEnd(Trainer trainer, EpochMetrics metrics) => onEpoch(metrics);
    }
}

public sealed class DoctorCallbackTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("tidu-doctor-cb-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void DoctorSeesEveryStepAndWritesItsReport()
    {
        Tensor.ManualSeed(4);
        var x = Tensor.Randn(64, 3);
        var y = x.Select(1, 0).Gt(0.0);
        var model = new Tidu.NN.Sequential(new Tidu.NN.Linear(3, 8), new Tidu.NN.ReLU(), new Tidu.NN.Linear(8, 2));
        // no ZeroGrad between steps would be a finding; the trainer zeroes, so none is expected for it
        var trainer = new Trainer(model, new Tidu.Optim.Adam(model.Parameters(), lr: 1e-2), new Tidu.NN.CrossEntropyLoss());
        string report = Path.Combine(dir, "report.html");
        using var doctor = new DoctorCallback(report);
        trainer.Callbacks.Add(doctor);
        trainer.Fit(new Tidu.Data.DataLoader(new Tidu.Data.TensorDataset(x, y), batchSize: 16, shuffle: true, generator: new Generator(1)), null, 3, CancellationToken.None);
        Assert.Equal(12, doctor.Doctor!.Step);
        Assert.DoesNotContain(doctor.Doctor.Findings, f => f.Kind == Tidu.Diagnostics.FindingKind.GradientNotZeroed);
        Assert.True(File.Exists(report));
        Assert.Contains("Gradient norm per layer", File.ReadAllText(report));
    }
}
