using System.Diagnostics;
using Tidu.Data;
using Tidu.NN;
using Tidu.Optim;
using Tidu.Serialization;

namespace Tidu.Training;

/// <summary>When <see cref="Trainer"/> steps its learning-rate scheduler.</summary>
public enum SchedulerInterval
{
    /// <summary>Once at the end of every epoch (StepLR, CosineAnnealingLR over epochs…).</summary>
    Epoch,

    /// <summary>After every optimizer step (OneCycleLR, warm-up over steps…).</summary>
    Batch,
}

/// <summary>
/// A small training loop in the spirit of Keras <c>fit</c> and PyTorch Lightning's <c>Trainer</c>: epochs over a
/// <see cref="DataLoader"/>, train/eval switching, loss and accuracy per epoch, validation, a learning-rate
/// scheduler, callbacks (<see cref="ITrainingCallback"/>) and checkpoints from which a run resumes to the
/// bit-identical result of an uninterrupted one.
/// </summary>
/// <remarks>
/// <para>
/// One step is PyTorch's usual <c>zero_grad → forward → loss → backward → step</c>. The loss is expected to
/// average over the batch (<see cref="Reduction.Mean"/>); epoch losses are weighted by batch size.
/// </para>
/// <para>
/// Each training step and each evaluation batch runs inside a <see cref="TensorScope"/>, so a warm step reuses
/// the previous step's tensor memory instead of allocating. <see cref="ITrainingCallback.OnAfterBackward"/> runs
/// inside the step's scope: the loss and any tensor a callback creates there are released when the step ends
/// (read values, or keep a tensor with <see cref="TensorScope.Keep"/>); gradients, parameters and optimizer
/// state stay valid, also in <see cref="ITrainingCallback.OnBatchEnd"/>.
/// </para>
/// <para>
/// Resuming exactly needs everything random to continue where it stopped. A checkpoint
/// (<see cref="SaveCheckpoint"/>) therefore holds, besides the model's and optimizer's tensors, the epoch and
/// batch position, the global step, the scheduler's <see cref="LRScheduler.LastEpoch"/>, the training loader's
/// shuffling seed and the states of every generator that training draws from: <see cref="Generator.Default"/>
/// (dropout without its own generator), the generators of <see cref="Dropout"/> modules that have one, and
/// those of the training loader's random transforms (<see cref="Transform.Generators"/>). Because the loader
/// builds batches ahead on a background task, a transform's generator may already be past the batch being
/// trained; the trainer therefore records transform states at the start of each epoch, and a run that resumes
/// mid-epoch rebuilds (without training on) the batches it already trained on so the augmentations line up.
/// Transforms that draw from other random sources (e.g. a <see cref="Lambda"/> around the default generator)
/// cannot be resumed exactly.
/// </para>
/// </remarks>
public sealed class Trainer
{
    private readonly List<EpochMetrics> history = [];
    private readonly List<ITrainingCallback> callbacks = [];

    // the running sums of the epoch in progress, kept across an interruption so a resumed epoch reports the same figures
    private double epochLossSum;
    private long epochCorrect;
    private long epochSamples;
    private double epochSeconds;
    private bool epochHasAccuracy = true;

    // transform generator states at the start of the current epoch (see the remarks) and states loaded by Resume
    private GeneratorState[]? epochStartTransformStates;
    private GeneratorState[]? resumedTransformStates;
    private long? resumedLoaderSeed;
    private long? lastLoaderSeed;
    private string? stopReason;

    /// <summary>Creates a trainer.</summary>
    /// <param name="model">The model; <see cref="Module.Train"/> and <see cref="Module.Eval"/> are switched as needed.</param>
    /// <param name="optimizer">The optimizer over the model's parameters.</param>
    /// <param name="loss">The loss, e.g. <see cref="CrossEntropyLoss"/> (mean reduction).</param>
    /// <param name="scheduler">An optional learning-rate scheduler, stepped by the trainer.</param>
    /// <param name="schedulerInterval">Step the scheduler per epoch (default) or per batch.</param>
    /// <param name="seed">
    /// When set, a fresh <see cref="Fit"/> (nothing trained yet) reseeds <see cref="Generator.Default"/> with it,
    /// so dropout is a function of the seed; recorded in checkpoints. Seed the model's initialisation and the
    /// loader yourself (e.g. <see cref="Tensor.ManualSeed"/> before building them).
    /// </param>
    public Trainer(Module model, Optimizer optimizer, Loss loss, LRScheduler? scheduler = null,
        SchedulerInterval schedulerInterval = SchedulerInterval.Epoch, long? seed = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        if (scheduler is not null && !ReferenceEquals(scheduler.Optimizer, optimizer))
            throw new ArgumentException("Trainer: the scheduler was built for a different optimizer.", nameof(scheduler));
        Model = model;
        Optimizer = optimizer;
        Loss = loss;
        Scheduler = scheduler;
        SchedulerInterval = schedulerInterval;
        Seed = seed;
    }

    /// <summary>The model being trained.</summary>
    public Module Model { get; }

    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The loss function.</summary>
    public Loss Loss { get; }

    /// <summary>The learning-rate scheduler, if any.</summary>
    public LRScheduler? Scheduler { get; }

    /// <summary>When the scheduler is stepped.</summary>
    public SchedulerInterval SchedulerInterval { get; }

    /// <summary>The seed given at construction, if any.</summary>
    public long? Seed { get; }

    /// <summary>The callbacks, run in order; add to it before <see cref="Fit"/>.</summary>
    public IList<ITrainingCallback> Callbacks => callbacks;

    /// <summary>The 0-based index of the epoch in progress or next to run (the number of finished epochs).</summary>
    public int Epoch { get; private set; }

    /// <summary>The next batch to train within <see cref="Epoch"/>; non-zero only after an interruption mid-epoch.</summary>
    public int BatchIndex { get; private set; }

    /// <summary>Optimizer steps taken in the whole run.</summary>
    public long GlobalStep { get; private set; }

    /// <summary>The finished epochs, including those of the run before a resume.</summary>
    public IReadOnlyList<EpochMetrics> History => history;

    /// <summary>True once a callback called <see cref="RequestStop"/> during the current fit.</summary>
    public bool StopRequested { get; private set; }

    /// <summary>Asks the trainer to stop after the current epoch (Keras's <c>model.stop_training = True</c>).</summary>
    public void RequestStop(string? reason = null)
    {
        StopRequested = true;
        stopReason ??= reason;
    }

    /// <summary>
    /// Trains until <paramref name="epochs"/> epochs are finished in total (like Keras's <c>epochs</c> with
    /// <c>initial_epoch</c>: a trainer restored by <see cref="Resume"/> continues where it stopped), validating
    /// after each epoch when <paramref name="validation"/> is given.
    /// </summary>
    /// <param name="train">The training batches; shuffle it for SGD. After a resume it must have the same shuffling seed.</param>
    /// <param name="validation">Evaluated in eval mode after each epoch, or null.</param>
    /// <param name="epochs">The total number of epochs to reach.</param>
    /// <param name="cancellationToken">
    /// Stops training at the next batch boundary (Ctrl+C); the result's <see cref="FitHistory.Outcome"/> is
    /// <see cref="FitOutcome.Interrupted"/> and <see cref="SaveCheckpoint"/> then saves a resumable state.
    /// </param>
    /// <returns>Every finished epoch (also those before a resume) and how the fit ended.</returns>
    /// <exception cref="InvalidOperationException">The loader's shuffling seed differs from the resumed run's.</exception>
    public FitHistory Fit(DataLoader train, DataLoader? validation, int epochs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        if (resumedLoaderSeed is { } seed && train.Seed != seed)
            throw new InvalidOperationException(
                $"Trainer.Fit: the checkpoint was trained with a loader whose shuffling seed is {seed}, but this loader's is {train.Seed}; " +
                "build it the same way (e.g. with new DataLoader(..., generator: new Generator(seed))) to resume exactly.");
        var transformGenerators = TransformGenerators(train);
        if (resumedTransformStates is { } restored)
        {
            if (restored.Length != transformGenerators.Length)
                throw new InvalidOperationException(
                    $"Trainer.Fit: the checkpoint holds {restored.Length} transform generator state(s), but this loader's transforms use {transformGenerators.Length}; use the same transforms to resume.");
            for (int i = 0; i < restored.Length; i++) transformGenerators[i].SetState(restored[i]);
            epochStartTransformStates = restored;
            resumedTransformStates = null;
        }
        if (Seed is { } s && Epoch == 0 && BatchIndex == 0 && GlobalStep == 0) Generator.Default.ManualSeed(s);

        StopRequested = false;
        stopReason = null;
        var outcome = FitOutcome.Completed;
        foreach (var c in callbacks) c.OnFitStart(this);
        int batches = train.Count;
        while (Epoch < epochs)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                outcome = FitOutcome.Interrupted;
                break;
            }
            int epoch = Epoch;
            if (BatchIndex == 0)
            {
                ResetEpochSums();
                epochStartTransformStates = Snapshot(transformGenerators);
            }
            else if (epochStartTransformStates is { } start)
            {
                for (int i = 0; i < start.Length; i++) transformGenerators[i].SetState(start[i]);
            }
            foreach (var c in callbacks) c.OnEpochStart(this, epoch, batches);

            Model.Train();
            var clock = Stopwatch.StartNew();
            // a mid-epoch resume with random transforms rebuilds the batches already trained on, so the transforms'
            // generators advance exactly as in the uninterrupted run (the batches themselves are discarded)
            var source = transformGenerators.Length > 0 && BatchIndex > 0
                ? train.EnumerateEpoch(epoch, 0).Skip(BatchIndex)
                : train.EnumerateEpoch(epoch, BatchIndex);
            bool interrupted = false;
            foreach (var batch in source)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    interrupted = true;
                    break;
                }
                var result = TrainStep(batch, epoch, batches);
                foreach (var c in callbacks) c.OnBatchEnd(this, result);
            }
            if (interrupted)
            {
                epochSeconds += clock.Elapsed.TotalSeconds;
                outcome = FitOutcome.Interrupted;
                break;
            }

            double lr = Optimizer.ParamGroups[0].Lr;
            EvaluationResult? validated = validation is null ? null : Evaluate(validation);
            if (Scheduler is not null && SchedulerInterval == SchedulerInterval.Epoch) Scheduler.Step();
            var metrics = new EpochMetrics(
                epoch + 1,
                epochSamples == 0 ? double.NaN : epochLossSum / epochSamples,
                epochSamples == 0 || !epochHasAccuracy ? double.NaN : (double)epochCorrect / epochSamples,
                validated?.Loss,
                validated?.Accuracy,
                epochSeconds + clock.Elapsed.TotalSeconds,
                lr);
            history.Add(metrics);
            Epoch = epoch + 1;
            BatchIndex = 0;
            ResetEpochSums();
            epochStartTransformStates = Snapshot(transformGenerators);
            foreach (var c in callbacks) c.OnEpochEnd(this, metrics);
            if (StopRequested)
            {
                outcome = FitOutcome.Stopped;
                break;
            }
        }
        // the steps' pooled memory is not needed until the next fit
        TensorScope.TrimPool();
        var outcomeHistory = new FitHistory(history, outcome, stopReason);
        foreach (var c in callbacks) c.OnFitEnd(this, outcomeHistory);
        return outcomeHistory;
    }

    private BatchResult TrainStep(Batch batch, int epoch, int batches)
    {
        double value;
        int? correct;
        // the step's activations, saved tensors and discarded gradients go back to the pool at its end, so a warm
        // step allocates no tensor memory; what the metrics need is read out before the scope ends
        using (TensorScope.Begin())
        {
            Optimizer.ZeroGrad();
            var output = Model.Forward(batch.Inputs);
            var loss = Loss.Forward(output, batch.Targets);
            loss.Backward();
            foreach (var c in callbacks) c.OnAfterBackward(this, loss);
            Optimizer.Step();

            value = loss.Item();
            correct = CountCorrect(output, batch.Targets, null);
        }
        int n = batch.Inputs.Shape[0];
        epochLossSum += value * n;
        epochSamples += n;
        if (correct is { } k) epochCorrect += k;
        else epochHasAccuracy = false;

        int index = BatchIndex;
        BatchIndex++;
        GlobalStep++;
        if (Scheduler is not null && SchedulerInterval == SchedulerInterval.Batch) Scheduler.Step();
        return new BatchResult(epoch, index, batches, GlobalStep, value, n, correct ?? 0);
    }

    /// <summary>
    /// The mean loss and accuracy of the model on <paramref name="loader"/> (one pass in its order), in eval mode
    /// (dropout off, batch-norm running statistics) and without recording gradients; the model's previous mode is
    /// restored afterwards. Accuracy and the confusion matrix need class scores [N, K] and Int64 targets [N].
    /// </summary>
    public EvaluationResult Evaluate(DataLoader loader) => Evaluate(Model, Loss, loader);

    /// <summary>
    /// <see cref="Evaluate(DataLoader)"/> for a model without a trainer (e.g. one loaded from a checkpoint):
    /// eval mode, no gradients, the previous mode restored afterwards.
    /// </summary>
    public static EvaluationResult Evaluate(Module model, Loss loss, DataLoader loader)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(loader);
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            double lossSum = 0;
            long correct = 0;
            int samples = 0;
            bool classifier = true;
            long[,]? confusion = null;
            using (Tensor.NoGrad())
            {
                foreach (var batch in loader.EnumerateEpoch(0))
                {
                    using var scope = TensorScope.Begin(); // each batch reuses the previous batch's memory
                    var output = model.Forward(batch.Inputs);
                    int n = batch.Inputs.Shape[0];
                    lossSum += loss.Forward(output, batch.Targets).Item() * n;
                    samples += n;
                    if (classifier && output.Rank == 2)
                        confusion ??= new long[output.Shape[1], output.Shape[1]];
                    int? k = classifier ? CountCorrect(output, batch.Targets, confusion) : null;
                    if (k is { } c) correct += c;
                    else classifier = false;
                }
            }
            return new EvaluationResult(
                samples == 0 ? double.NaN : lossSum / samples,
                samples == 0 || !classifier ? double.NaN : (double)correct / samples,
                samples,
                classifier && confusion is not null ? confusion : new long[0, 0]);
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    /// <summary>Correct predictions of class scores [N, K] against Int64 targets [N]; null when the shapes are not a classifier's.</summary>
    private static int? CountCorrect(Tensor output, Tensor targets, long[,]? confusion)
    {
        if (output.Rank != 2 || targets.Rank != 1 || targets.DType != DType.Int64 || output.Shape[0] != targets.Shape[0]) return null;
        long[] predicted;
        using (Tensor.NoGrad()) predicted = output.Detach().ArgMax(1).ToArray<long>();
        var truth = targets.ToArray<long>();
        int k = output.Shape[1], correct = 0;
        for (int i = 0; i < predicted.Length; i++)
        {
            if (predicted[i] == truth[i]) correct++;
            if (confusion is not null && (ulong)truth[i] < (ulong)k) confusion[truth[i], predicted[i]]++;
        }
        return correct;
    }

    private void ResetEpochSums()
    {
        epochLossSum = 0;
        epochCorrect = 0;
        epochSamples = 0;
        epochSeconds = 0;
        epochHasAccuracy = true;
    }

    /// <summary>
    /// Saves a resumable training checkpoint (model, optimizer and the state described in the class remarks,
    /// plus <paramref name="metadata"/>, e.g. the model kind) with <see cref="Checkpoint.Save"/>: atomically, so an
    /// interrupted save leaves the previous file intact. Call it between batches: from a callback, or after
    /// <see cref="Fit"/> returned.
    /// </summary>
    /// <param name="path">The checkpoint file (conventionally <c>.safetensors</c>).</param>
    /// <param name="metadata">Extra string metadata stored alongside; keys starting with <c>trainer.</c> are reserved.</param>
    /// <param name="train">
    /// The training loader, when the trainer has not run <see cref="Fit"/> with it yet; otherwise the seed and
    /// transform states recorded by the last fit are used.
    /// </param>
    public void SaveCheckpoint(string path, IReadOnlyDictionary<string, string>? metadata = null, DataLoader? train = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var meta = new Dictionary<string, string>();
        if (metadata is not null)
        {
            foreach (var (k, v) in metadata)
            {
                if (k.StartsWith(TrainingState.Prefix, StringComparison.Ordinal))
                    throw new ArgumentException($"Trainer.SaveCheckpoint: metadata key '{k}' is reserved for the trainer.", nameof(metadata));
                meta[k] = v;
            }
        }
        var transformStates = train is not null && Epoch == 0 && BatchIndex == 0 && GlobalStep == 0
            ? Snapshot(TransformGenerators(train))
            : epochStartTransformStates ?? resumedTransformStates ?? (train is null ? [] : Snapshot(TransformGenerators(train)));
        var state = new TrainingState
        {
            Epoch = Epoch,
            BatchIndex = BatchIndex,
            GlobalStep = GlobalStep,
            SchedulerLastEpoch = Scheduler?.LastEpoch,
            LoaderSeed = train?.Seed ?? lastLoaderSeed ?? resumedLoaderSeed,
            Seed = Seed,
            DefaultGenerator = Generator.Default.GetState(),
            DropoutGenerators = DropoutGenerators().Select(g => g.GetState()).ToArray(),
            TransformGenerators = transformStates,
            History = history.ToArray(),
            EpochLossSum = epochLossSum,
            EpochCorrect = epochCorrect,
            EpochSamples = epochSamples,
            EpochSeconds = epochSeconds,
            EpochHasAccuracy = epochHasAccuracy,
        };
        state.WriteTo(meta);
        Checkpoint.Save(path, Model, Optimizer, meta);
    }

    /// <summary>
    /// Restores a checkpoint written by <see cref="SaveCheckpoint"/> into this trainer, whose model, optimizer,
    /// scheduler and loader must be built as in the saved run: weights and buffers, optimizer state, position
    /// (epoch, batch, global step), history, scheduler step and every generator state. The next <see cref="Fit"/>
    /// continues the run exactly. Returns the checkpoint's metadata (e.g. to read keys the caller stored).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a training checkpoint, or does not fit the model or optimizer.</exception>
    public IReadOnlyDictionary<string, string> Resume(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var meta = Checkpoint.Load(path, Model, Optimizer);
        var state = TrainingState.ReadFrom(meta, path);
        var dropouts = DropoutGenerators();
        if (state.DropoutGenerators.Length != dropouts.Length)
            throw new InvalidDataException($"Checkpoint '{path}' holds {state.DropoutGenerators.Length} dropout generator state(s), but the model has {dropouts.Length} dropout generator(s).");
        if (Scheduler is not null)
        {
            if (state.SchedulerLastEpoch is not { } last)
                throw new InvalidDataException($"Checkpoint '{path}' was saved without a learning-rate scheduler, but this trainer has one.");
            Scheduler.LoadState(last);
        }
        Generator.Default.SetState(state.DefaultGenerator);
        for (int i = 0; i < dropouts.Length; i++) dropouts[i].SetState(state.DropoutGenerators[i]);
        Epoch = state.Epoch;
        BatchIndex = state.BatchIndex;
        GlobalStep = state.GlobalStep;
        history.Clear();
        history.AddRange(state.History);
        epochLossSum = state.EpochLossSum;
        epochCorrect = state.EpochCorrect;
        epochSamples = state.EpochSamples;
        epochSeconds = state.EpochSeconds;
        epochHasAccuracy = state.EpochHasAccuracy;
        resumedTransformStates = state.TransformGenerators;
        epochStartTransformStates = null;
        resumedLoaderSeed = state.LoaderSeed;
        return meta;
    }

    /// <summary>Reads the metadata of a training checkpoint without loading it into a model (e.g. to rebuild the right model first).</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path) => SafeTensors.Load(path).Metadata;

    private Generator[] DropoutGenerators() =>
        Model.Modules().OfType<Dropout>().Select(d => d.Generator).OfType<Generator>().Distinct(ReferenceEqualityComparer.Instance).Cast<Generator>().ToArray();

    private Generator[] TransformGenerators(DataLoader train)
    {
        lastLoaderSeed = train.Seed;
        var list = new List<Generator>();
        if (train.Transform is { } t) list.AddRange(t.Generators);
        if (train.TargetTransform is { } tt) list.AddRange(tt.Generators);
        return list.Distinct(ReferenceEqualityComparer.Instance).Cast<Generator>().ToArray();
    }

    private static GeneratorState[] Snapshot(Generator[] generators) => generators.Select(g => g.GetState()).ToArray();
}
