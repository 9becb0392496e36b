namespace Tidu.Training;

/// <summary>The figures of one finished epoch, as a Keras <c>History</c> row or a Lightning epoch log.</summary>
/// <param name="Epoch">The epoch's number, 1 for the first (the loader's epoch index plus one).</param>
/// <param name="TrainLoss">Mean training loss over the epoch's samples (with dropout and batch statistics, as trained).</param>
/// <param name="TrainAccuracy">Fraction of training samples classified correctly during the epoch, in [0, 1]; NaN when the outputs are not class scores.</param>
/// <param name="ValidationLoss">Mean loss on the validation loader in eval mode, or null without one.</param>
/// <param name="ValidationAccuracy">Validation accuracy in [0, 1], or null without a validation loader.</param>
/// <param name="Seconds">Wall-clock seconds of the epoch, training and validation (summed over the parts of an interrupted epoch).</param>
/// <param name="LearningRate">The first parameter group's learning rate at the epoch's last step.</param>
public sealed record EpochMetrics(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double Seconds,
    double LearningRate);

/// <summary>The result of <see cref="Trainer.Evaluate(Tidu.Data.DataLoader)"/>: mean loss, accuracy and the confusion matrix.</summary>
/// <param name="Loss">Mean loss over the samples.</param>
/// <param name="Accuracy">Fraction classified correctly, in [0, 1]; NaN when the outputs are not class scores.</param>
/// <param name="Samples">The number of samples evaluated.</param>
/// <param name="ConfusionMatrix">
/// <c>ConfusionMatrix[true class, predicted class]</c> counts (classes = the model's output width); empty when
/// the outputs are not class scores.
/// </param>
public sealed record EvaluationResult(double Loss, double Accuracy, int Samples, long[,] ConfusionMatrix)
{
    /// <summary>Accuracy of each true class (NaN for a class without samples).</summary>
    public double[] PerClassAccuracy()
    {
        int k = ConfusionMatrix.GetLength(0);
        var result = new double[k];
        for (int c = 0; c < k; c++)
        {
            long total = 0;
            for (int p = 0; p < ConfusionMatrix.GetLength(1); p++) total += ConfusionMatrix[c, p];
            result[c] = total == 0 ? double.NaN : (double)ConfusionMatrix[c, c] / total;
        }
        return result;
    }
}

/// <summary>Why <see cref="Trainer.Fit"/> returned.</summary>
public enum FitOutcome
{
    /// <summary>All requested epochs ran.</summary>
    Completed,

    /// <summary>A callback asked to stop (e.g. <see cref="EarlyStopping"/>) at the end of an epoch.</summary>
    Stopped,

    /// <summary>The cancellation token fired; training stopped at a batch boundary and can be resumed from there.</summary>
    Interrupted,
}

/// <summary>The epochs a trainer has finished (including those before a resume) and how the last fit ended.</summary>
public sealed class FitHistory : IReadOnlyList<EpochMetrics>
{
    private readonly EpochMetrics[] epochs;

    internal FitHistory(IEnumerable<EpochMetrics> epochs, FitOutcome outcome, string? stopReason)
    {
        this.epochs = epochs.ToArray();
        Outcome = outcome;
        StopReason = stopReason;
    }

    /// <summary>How the fit ended.</summary>
    public FitOutcome Outcome { get; }

    /// <summary>The reason a callback gave for stopping, if one did.</summary>
    public string? StopReason { get; }

    /// <inheritdoc/>
    public int Count => epochs.Length;

    /// <inheritdoc/>
    public EpochMetrics this[int index] => epochs[index];

    /// <inheritdoc/>
    public IEnumerator<EpochMetrics> GetEnumerator() => ((IEnumerable<EpochMetrics>)epochs).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
