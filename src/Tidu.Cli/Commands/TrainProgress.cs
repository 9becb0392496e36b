using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Tidu.Training;

namespace Tidu.Cli.Commands;

/// <summary>
/// Shows training progress: on a terminal a Spectre.Console progress bar per epoch (batches, samples/s, running
/// loss, ETA); otherwise plain lines a CI log can keep (about ten per epoch, then one per finished epoch).
/// </summary>
internal sealed class TrainProgress(CliIO io, int totalEpochs) : ITrainingCallback
{
    private readonly Stopwatch clock = new();
    private ProgressContext? live;
    private ProgressTask? task;
    private double runningLoss;
    private long samples;
    private int batchesThisRun;
    private int reportEvery = 1;

    /// <summary>The Spectre progress context to draw into; null for plain output.</summary>
    internal ProgressContext? Live { set => live = value; }

    public void OnEpochStart(Trainer trainer, int epoch, int batches)
    {
        clock.Restart();
        samples = 0;
        batchesThisRun = 0;
        runningLoss = double.NaN;
        reportEvery = Math.Max(1, batches / 10);
        if (live is not null)
        {
            task = live.AddTask(Describe(epoch, double.NaN, 0), maxValue: batches);
            task.Value = trainer.BatchIndex;
        }
        else if (trainer.BatchIndex > 0)
            io.Out.WriteLine($"epoch {epoch + 1}/{totalEpochs}: resuming at batch {trainer.BatchIndex + 1}/{batches}");
    }

    public void OnBatchEnd(Trainer trainer, BatchResult batch)
    {
        // an exponential moving average, as Keras' progress bar shows a smoothed loss
        runningLoss = double.IsNaN(runningLoss) ? batch.Loss : 0.95 * runningLoss + 0.05 * batch.Loss;
        samples += batch.BatchSize;
        batchesThisRun++;
        double rate = samples / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
        if (task is not null)
        {
            task.Increment(1);
            task.Description = Describe(batch.Epoch, runningLoss, rate);
        }
        else if ((batch.BatchIndex + 1) % reportEvery == 0 || batch.BatchIndex + 1 == batch.Batches)
        {
            double remaining = (batch.Batches - batch.BatchIndex - 1) * clock.Elapsed.TotalSeconds / batchesThisRun;
            io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {batch.Epoch + 1}/{totalEpochs} batch {batch.BatchIndex + 1}/{batch.Batches} loss {runningLoss:F4} {rate:F0} samples/s ETA {remaining:F0}s"));
        }
    }

    public void OnEpochEnd(Trainer trainer, EpochMetrics m)
    {
        if (task is not null)
        {
            task.Value = task.MaxValue;
            task.StopTask();
        }
        string line = string.Create(CultureInfo.InvariantCulture,
            $"epoch {m.Epoch}/{totalEpochs}: train loss {m.TrainLoss:F4} acc {m.TrainAccuracy * 100:F2}% | test loss {m.ValidationLoss ?? double.NaN:F4} acc {(m.ValidationAccuracy ?? double.NaN) * 100:F2}% | {m.Seconds:F1}s lr {m.LearningRate:G3}");
        if (live is null) io.Out.WriteLine(line);
    }

    private string Describe(int epoch, double loss, double rate) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {epoch + 1}/{totalEpochs}  loss {(double.IsNaN(loss) ? "-" : loss.ToString("F4", CultureInfo.InvariantCulture))}  {rate:F0} samples/s");
}
