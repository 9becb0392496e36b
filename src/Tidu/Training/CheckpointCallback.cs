namespace Tidu.Training;

/// <summary>
/// Saves a resumable checkpoint (<see cref="Trainer.SaveCheckpoint"/>) to one file after every epoch, keeping
/// only the latest, and also when training is interrupted (Ctrl+C) so the run resumes from the batch it stopped
/// at. Each save is atomic: a crash during a save leaves the previous checkpoint intact.
/// </summary>
public sealed class CheckpointCallback : ITrainingCallback
{
    private readonly IReadOnlyDictionary<string, string>? metadata;

    /// <summary>Saves to <paramref name="path"/> with extra <paramref name="metadata"/> (e.g. the model kind).</summary>
    /// <param name="path">The checkpoint file, overwritten each time.</param>
    /// <param name="metadata">Extra string metadata stored with every save.</param>
    /// <param name="saveOnInterrupt">Also save when the fit ends interrupted (default true).</param>
    public CheckpointCallback(string path, IReadOnlyDictionary<string, string>? metadata = null, bool saveOnInterrupt = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        this.metadata = metadata;
        SaveOnInterrupt = saveOnInterrupt;
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }

    /// <summary>Whether an interrupted fit is saved too.</summary>
    public bool SaveOnInterrupt { get; }

    /// <summary>How many times a checkpoint was written.</summary>
    public int Saves { get; private set; }

    /// <inheritdoc/>
    public void OnEpochEnd(Trainer trainer, EpochMetrics metrics) => Save(trainer);

    /// <inheritdoc/>
    public void OnFitEnd(Trainer trainer, FitHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (SaveOnInterrupt && history.Outcome == FitOutcome.Interrupted) Save(trainer);
    }

    private void Save(Trainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        trainer.SaveCheckpoint(Path, metadata);
        Saves++;
    }
}
