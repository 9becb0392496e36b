using Tidu.NN;

namespace Tidu.Training;

/// <summary>A figure of <see cref="EpochMetrics"/> that a callback watches.</summary>
public enum TrainingMetric
{
    /// <summary><see cref="EpochMetrics.TrainLoss"/>.</summary>
    TrainLoss,

    /// <summary><see cref="EpochMetrics.TrainAccuracy"/>.</summary>
    TrainAccuracy,

    /// <summary><see cref="EpochMetrics.ValidationLoss"/>.</summary>
    ValidationLoss,

    /// <summary><see cref="EpochMetrics.ValidationAccuracy"/>.</summary>
    ValidationAccuracy,
}

/// <summary>Whether a watched figure should go down or up.</summary>
public enum MonitorMode
{
    /// <summary>Down for losses, up for accuracies.</summary>
    Auto,

    /// <summary>Smaller is better.</summary>
    Min,

    /// <summary>Larger is better.</summary>
    Max,
}

/// <summary>
/// Stops training when a figure has not improved for <see cref="Patience"/> epochs in a row (Keras and Lightning
/// <c>EarlyStopping</c>): an epoch improves when it beats the best so far by more than <see cref="MinDelta"/>.
/// Optionally puts the best epoch's weights back when it stops.
/// </summary>
public sealed class EarlyStopping : ITrainingCallback
{
    private Dictionary<string, Tensor>? bestWeights;

    /// <summary>Watches <paramref name="monitor"/>.</summary>
    /// <param name="monitor">The figure to watch (validation loss by default).</param>
    /// <param name="patience">Epochs without improvement after which training stops (as in Keras and Lightning; 0 and 1 both stop at the first).</param>
    /// <param name="minDelta">The smallest change that counts as an improvement.</param>
    /// <param name="mode">Whether smaller or larger is better; <see cref="MonitorMode.Auto"/> decides from the figure.</param>
    /// <param name="restoreBestWeights">When stopping, load the weights of the best epoch back into the model.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative patience or min delta.</exception>
    public EarlyStopping(TrainingMetric monitor = TrainingMetric.ValidationLoss, int patience = 0, double minDelta = 0,
        MonitorMode mode = MonitorMode.Auto, bool restoreBestWeights = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        if (!(minDelta >= 0)) throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, $"EarlyStopping: minDelta must be non-negative, got {minDelta}.");
        Monitor = monitor;
        Patience = patience;
        MinDelta = minDelta;
        Mode = mode != MonitorMode.Auto ? mode
            : monitor is TrainingMetric.TrainLoss or TrainingMetric.ValidationLoss ? MonitorMode.Min : MonitorMode.Max;
        RestoreBestWeights = restoreBestWeights;
    }

    /// <summary>The watched figure.</summary>
    public TrainingMetric Monitor { get; }

    /// <summary>Epochs without improvement after which training stops.</summary>
    public int Patience { get; }

    /// <summary>The smallest change that counts as an improvement.</summary>
    public double MinDelta { get; }

    /// <summary><see cref="MonitorMode.Min"/> or <see cref="MonitorMode.Max"/> (never Auto).</summary>
    public MonitorMode Mode { get; }

    /// <summary>Whether the best weights are restored on stopping.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>The best value seen, or null before the first epoch.</summary>
    public double? Best { get; private set; }

    /// <summary>The epoch number (1-based) of <see cref="Best"/>, or 0.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>Epochs since the last improvement.</summary>
    public int Wait { get; private set; }

    /// <summary>The epoch number (1-based) after which it stopped training, or 0.</summary>
    public int StoppedEpoch { get; private set; }

    /// <summary>The watched figure of <paramref name="metrics"/>, or null when it was not computed.</summary>
    public static double? Value(EpochMetrics metrics, TrainingMetric metric)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return metric switch
        {
            TrainingMetric.TrainLoss => metrics.TrainLoss,
            TrainingMetric.TrainAccuracy => metrics.TrainAccuracy,
            TrainingMetric.ValidationLoss => metrics.ValidationLoss,
            _ => metrics.ValidationAccuracy,
        };
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The watched figure is missing (e.g. validation without a validation loader).</exception>
    public void OnEpochEnd(Trainer trainer, EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        double value = Value(metrics, Monitor) ?? throw new InvalidOperationException(
            $"EarlyStopping: {Monitor} is not available at epoch {metrics.Epoch}; pass a validation loader to Fit or watch a training figure.");
        bool improved = Best is not { } best
            || (Mode == MonitorMode.Min ? value < best - MinDelta : value > best + MinDelta);
        if (improved)
        {
            Best = value;
            BestEpoch = metrics.Epoch;
            Wait = 0;
            if (RestoreBestWeights) bestWeights = trainer.Model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
            return;
        }
        Wait++;
        if (Wait >= Patience)
        {
            StoppedEpoch = metrics.Epoch;
            if (RestoreBestWeights && bestWeights is not null) trainer.Model.LoadStateDict(bestWeights);
            trainer.RequestStop($"early stopping: {Monitor} has not improved for {Wait} epoch(s) (best {Best:G6} at epoch {BestEpoch})");
        }
    }
}
