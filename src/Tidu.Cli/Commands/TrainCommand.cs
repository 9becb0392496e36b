using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Tidu.Data;
using Tidu.NN;
using Tidu.Optim;
using Tidu.Plots;
using Tidu.Training;

namespace Tidu.Cli.Commands;

/// <summary>
/// <c>tidu train fashion-mnist --model mlp|cnn [--epochs N] [--batch-size B] [--lr X] [--optimizer sgd|adam]
/// [--seed S] [--out DIR] [--resume] [--data DIR] [--limit N] [--plain]</c>: trains a reference model on
/// Fashion-MNIST, shows progress, and writes a checkpoint (every epoch, and on Ctrl+C), <c>metrics.json</c> and
/// the loss and accuracy curves to the output folder.
/// </summary>
internal static class TrainCommand
{
    internal const string Dataset = "fashion-mnist";
    internal const string CheckpointFile = "checkpoint.safetensors";

    /// <summary>Exit code after Ctrl+C (128 + SIGINT), as shells report an interrupted program.</summary>
    internal const int Interrupted = 130;

    // metadata keys of the run's settings, so --resume, evaluate and predict rebuild the same model and pipeline
    internal const string ModelKey = "tidu.model";
    internal const string DatasetKey = "tidu.dataset";
    private const string OptimizerKey = "tidu.optimizer";
    private const string LrKey = "tidu.lr";
    private const string BatchSizeKey = "tidu.batch_size";
    private const string SeedKey = "tidu.seed";
    private const string EpochsKey = "tidu.epochs";
    private const string LimitKey = "tidu.limit";

    private static readonly string[] Valued = ["--model", "--epochs", "--batch-size", "--lr", "--optimizer", "--seed", "--out", "--data", "--limit"];
    private static readonly string[] Flags = ["--resume", "--plain"];

    /// <summary>The settings of one run.</summary>
    internal sealed record Settings(string Model, int Epochs, int BatchSize, double Lr, string Optimizer, long Seed, int? Limit)
    {
        internal Dictionary<string, string> ToMetadata() => new()
        {
            [DatasetKey] = Dataset,
            [ModelKey] = Model,
            [OptimizerKey] = Optimizer,
            [LrKey] = Lr.ToString("R", CultureInfo.InvariantCulture),
            [BatchSizeKey] = BatchSize.ToString(CultureInfo.InvariantCulture),
            [SeedKey] = Seed.ToString(CultureInfo.InvariantCulture),
            [EpochsKey] = Epochs.ToString(CultureInfo.InvariantCulture),
            [LimitKey] = Limit?.ToString(CultureInfo.InvariantCulture) ?? "",
        };
    }

    /// <summary>Default epochs per model: enough to pass the accuracy goals (MLP ≥ 89 %, CNN ≥ 92.5 %).</summary>
    internal static int DefaultEpochs(string model) => model == "cnn" ? 15 : 10;

    internal static int Run(string[] args, CliIO io) => Run(args, io, CancellationToken.None);

    /// <summary>Runs the command; <paramref name="externalCancel"/> acts like Ctrl+C (tests use it).</summary>
    internal static int Run(string[] args, CliIO io, CancellationToken externalCancel)
    {
        var o = OptionReader.Read("train", args, Valued, Flags);
        if (o.Help)
        {
            TiduCli.WriteUsage(io.OutConsole);
            return TiduCli.Success;
        }
        if (o.Error is null && o.Positionals.Count != 1) o.Fail(o.Positionals.Count == 0 ? "which dataset? expected 'tidu train fashion-mnist'" : $"unexpected argument '{o.Positionals[1]}'");
        if (o.Error is null && o.Positionals[0] != Dataset) o.Fail($"unknown dataset '{o.Positionals[0]}'; only '{Dataset}' is supported");
        string? model = o.Choice("--model", [.. FashionMnistModels.Kinds]);
        int? epochs = o.Int("--epochs", 1);
        int? batchSize = o.Int("--batch-size", 1);
        double? lr = o.PositiveDouble("--lr");
        string? optimizer = o.Choice("--optimizer", "sgd", "adam");
        long? seed = o.Long("--seed");
        int? limit = o.Int("--limit", 1, 60000);
        if (o.Error is not null) return o.Report(io);

        bool resume = o.Flag("--resume");
        string kind = model ?? "mlp";
        string outDir = o.String("--out") ?? Path.Combine("out", $"{Dataset}-{kind}");
        string checkpointPath = Path.Combine(outDir, CheckpointFile);
        var settings = new Settings(kind, epochs ?? DefaultEpochs(kind), batchSize ?? 128, lr ?? (optimizer == "sgd" ? 0.05 : 1e-3),
            optimizer ?? "adam", seed ?? 0, limit);

        if (resume)
        {
            if (!File.Exists(checkpointPath))
            {
                io.Error.WriteLine($"error: train: --resume: no checkpoint at {checkpointPath}");
                return TiduCli.Failure;
            }
            try
            {
                // the checkpoint's settings rebuild the same run; only --epochs may change (to train longer)
                var meta = Trainer.ReadMetadata(checkpointPath);
                var saved = FromMetadata(meta, epochs);
                if (model is not null && model != saved.Model)
                {
                    io.Error.WriteLine($"error: train: --model {model} differs from the checkpoint's model '{saved.Model}'");
                    return TiduCli.UsageError;
                }
                settings = saved;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or FormatException or KeyNotFoundException)
            {
                io.Error.WriteLine($"error: train: cannot resume from {checkpointPath}: {e.Message}");
                return TiduCli.Failure;
            }
        }

        TensorDataset trainSet, testSet;
        try
        {
            (trainSet, testSet) = FashionMnist.Load(o.String("--data"));
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            io.Error.WriteLine($"error: train: {e.Message}");
            return TiduCli.Failure;
        }
        Dataset train = settings.Limit is { } n ? new Subset(trainSet, Enumerable.Range(0, n).ToArray()) : trainSet;

        var run = Build(settings, train, testSet);
        var checkpoints = new CheckpointCallback(checkpointPath, settings.ToMetadata());
        if (resume)
        {
            try
            {
                run.Trainer.Resume(checkpointPath);
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                io.Error.WriteLine($"error: train: cannot resume from {checkpointPath}: {e.Message}");
                return TiduCli.Failure;
            }
        }
        run.Trainer.Callbacks.Add(checkpoints);
        // the training doctor watches every step and writes report.html when the fit ends
        using var doctor = new DoctorCallback(Path.Combine(outDir, "report.html"), new Tidu.Diagnostics.DoctorOptions { SampleEvery = 16 }, title: $"tidu train {Dataset} --model {settings.Model}");
        doctor.FindingRaised += f => io.Out.WriteLine($"doctor: {f}");
        run.Trainer.Callbacks.Add(doctor);

        bool live = !o.Flag("--plain") && ReferenceEquals(io.Out, Console.Out) && !Console.IsOutputRedirected;
        var progress = new TrainProgress(io, settings.Epochs);
        run.Trainer.Callbacks.Add(progress);

        io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"training {settings.Model} on {Dataset}: {train.Count} training and {testSet.Count} test images, {settings.Epochs} epochs, batch {settings.BatchSize}, {settings.Optimizer} lr {settings.Lr}, seed {settings.Seed}{(resume ? $", resuming at epoch {run.Trainer.Epoch + 1} batch {run.Trainer.BatchIndex + 1}" : "")}"));

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(externalCancel);
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            if (cancel.IsCancellationRequested) return; // a second Ctrl+C ends the process at once
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCtrlC;
        FitHistory history;
        try
        {
            if (live)
            {
                FitHistory? result = null;
                AnsiConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .Start(ctx =>
                    {
                        progress.Live = ctx;
                        result = run.Trainer.Fit(run.TrainLoader, run.TestLoader, settings.Epochs, cancel.Token);
                    });
                history = result!;
            }
            else history = run.Trainer.Fit(run.TrainLoader, run.TestLoader, settings.Epochs, cancel.Token);
        }
        catch (IOException e)
        {
            io.Error.WriteLine($"error: train: {e.Message}");
            return TiduCli.Failure;
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }

        WriteTable(io, history, live);
        // findings were printed as raised; a consequence can come before its cause, so end with them root cause first
        var findings = doctor.Doctor?.Findings ?? [];
        if (findings.Count > 0)
            io.Out.Write($"doctor: {findings.Count} finding(s), root causes first:\n{Tidu.Diagnostics.FindingOrder.Format(findings)}");
        bool interrupted = history.Outcome == FitOutcome.Interrupted;
        try
        {
            WriteOutputs(outDir, settings, history, interrupted, checkpointPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            io.Error.WriteLine($"error: train: could not write to {outDir}: {e.Message}");
            return TiduCli.Failure;
        }
        if (interrupted)
        {
            io.Out.WriteLine($"interrupted at epoch {run.Trainer.Epoch + 1} batch {run.Trainer.BatchIndex + 1}; checkpoint saved to {checkpointPath}");
            io.Out.WriteLine($"continue with: tidu train {Dataset} --out {outDir} --resume");
            return Interrupted;
        }
        if (history.Count > 0)
            io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy {history[^1].ValidationAccuracy * 100:F2}%"));
        io.Out.WriteLine($"wrote {Path.Combine(outDir, "metrics.json")}, {Path.Combine(outDir, "loss.png")}, {Path.Combine(outDir, "accuracy.png")}, {Path.Combine(outDir, "report.html")} and {checkpointPath}");
        return TiduCli.Success;
    }

    internal sealed record TrainRun(Trainer Trainer, DataLoader TrainLoader, DataLoader TestLoader);

    /// <summary>
    /// Builds model, optimizer, scheduler, pipeline and trainer in a fixed order from the settings, so a resumed
    /// run is built exactly as the original (the checkpoint then restores every state on top).
    /// </summary>
    internal static TrainRun Build(Settings s, Dataset train, Dataset test)
    {
        Tensor.ManualSeed(s.Seed);
        var model = FashionMnistModels.Create(s.Model);
        Optimizer optimizer = s.Optimizer == "sgd"
            ? new SGD(model.Parameters(), lr: s.Lr, momentum: 0.9, nesterov: true, weightDecay: 5e-4)
            : new Adam(model.Parameters(), lr: s.Lr);
        // cosine annealing to zero over the run: the last epochs fine-tune with a small step
        var scheduler = new CosineAnnealingLR(optimizer, tMax: s.Epochs);
        var trainLoader = new DataLoader(train, s.BatchSize, shuffle: true, generator: new Generator(s.Seed + 1),
            transform: FashionMnistModels.TrainTransform(s.Model, new Generator(s.Seed + 2)));
        // evaluation batches of 256: at 1000 the CNN's activations (100 MB per layer output) overflowed the per-thread
        // TensorScope pool (512 MiB), so every test batch allocated fresh memory and the test pass of an epoch took
        // longer than its training
        var testLoader = new DataLoader(test, FashionMnistModels.EvalBatchSize, transform: FashionMnistModels.EvalTransform());
        var trainer = new Trainer(model, optimizer, new CrossEntropyLoss(), scheduler, SchedulerInterval.Epoch, s.Seed);
        return new TrainRun(trainer, trainLoader, testLoader);
    }

    internal static Settings FromMetadata(IReadOnlyDictionary<string, string> meta, int? epochs)
    {
        if (!meta.TryGetValue(DatasetKey, out var dataset) || dataset != Dataset)
            throw new InvalidDataException($"not a '{Dataset}' checkpoint written by tidu train");
        var inv = CultureInfo.InvariantCulture;
        string limit = meta[LimitKey];
        return new Settings(
            meta[ModelKey],
            epochs ?? int.Parse(meta[EpochsKey], inv),
            int.Parse(meta[BatchSizeKey], inv),
            double.Parse(meta[LrKey], inv),
            meta[OptimizerKey],
            long.Parse(meta[SeedKey], inv),
            limit.Length == 0 ? null : int.Parse(limit, inv));
    }

    private static void WriteTable(CliIO io, FitHistory history, bool live)
    {
        if (history.Count == 0) return;
        var table = new Table().Border(live ? TableBorder.Rounded : TableBorder.Ascii)
            .AddColumn("epoch").AddColumn("train loss").AddColumn("train acc").AddColumn("test loss").AddColumn("test acc").AddColumn("time").AddColumn("lr");
        foreach (var m in history)
        {
            table.AddRow(
                m.Epoch.ToString(CultureInfo.InvariantCulture),
                m.TrainLoss.ToString("F4", CultureInfo.InvariantCulture),
                (m.TrainAccuracy * 100).ToString("F2", CultureInfo.InvariantCulture) + "%",
                m.ValidationLoss?.ToString("F4", CultureInfo.InvariantCulture) ?? "-",
                m.ValidationAccuracy is { } a ? (a * 100).ToString("F2", CultureInfo.InvariantCulture) + "%" : "-",
                m.Seconds.ToString("F1", CultureInfo.InvariantCulture) + "s",
                m.LearningRate.ToString("G3", CultureInfo.InvariantCulture));
        }
        (live ? AnsiConsole.Console : io.OutConsole).Write(table);
    }

    private static void WriteOutputs(string outDir, Settings s, FitHistory history, bool interrupted, string checkpointPath)
    {
        Directory.CreateDirectory(outDir);
        var epochs = history.Select(m => new EpochReport(m.Epoch, m.TrainLoss, m.TrainAccuracy, m.ValidationLoss, m.ValidationAccuracy, m.Seconds, m.LearningRate)).ToList();
        var last = history.Count > 0 ? history[^1] : null;
        var report = new TrainMetricsReport(Dataset, s.Model, s.Optimizer, s.Lr, s.BatchSize, s.Seed, s.Limit, epochs,
            last?.ValidationLoss, last?.ValidationAccuracy, history.Count > 0 ? history.Average(m => m.Seconds) : null, interrupted, checkpointPath);
        File.WriteAllText(Path.Combine(outDir, "metrics.json"), JsonSerializer.Serialize(report, TrainJsonContext.Default.TrainMetricsReport));
        if (history.Count == 0) return;
        TrainingCurves.Save(Path.Combine(outDir, "loss.png"), $"Fashion-MNIST {s.Model}: loss", "cross-entropy loss",
        [
            new CurveSeries("train", [.. history.Select(m => m.TrainLoss)]),
            new CurveSeries("test", [.. history.Select(m => m.ValidationLoss ?? double.NaN)]),
        ]);
        TrainingCurves.Save(Path.Combine(outDir, "accuracy.png"), $"Fashion-MNIST {s.Model}: accuracy", "accuracy (%)",
        [
            new CurveSeries("train", [.. history.Select(m => m.TrainAccuracy * 100)]),
            new CurveSeries("test", [.. history.Select(m => (m.ValidationAccuracy ?? double.NaN) * 100)]),
        ]);
    }

    /// <summary>
    /// Loads a checkpoint written by <c>tidu train</c> into a freshly built model of its kind (for evaluate and
    /// predict); throws <see cref="InvalidDataException"/> or <see cref="IOException"/> with a readable message.
    /// </summary>
    internal static (Sequential Model, string Kind) LoadModel(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no checkpoint at {path}", path);
        var meta = Trainer.ReadMetadata(path);
        if (!meta.TryGetValue(ModelKey, out var kind) || !FashionMnistModels.Kinds.Contains(kind))
            throw new InvalidDataException($"'{path}' is not a checkpoint written by tidu train (metadata '{ModelKey}' is missing)");
        var model = FashionMnistModels.Create(kind);
        Tidu.Serialization.Checkpoint.Load(path, model);
        model.Eval();
        return (model, kind);
    }
}
