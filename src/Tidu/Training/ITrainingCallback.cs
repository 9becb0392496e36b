namespace Tidu.Training;

/// <summary>
/// Hooks into <see cref="Trainer.Fit"/> (Keras <c>Callback</c>, Lightning <c>Callback</c>): progress display,
/// early stopping, checkpoints, diagnostics such as the training doctor. Every method has an empty default, so
/// an implementation overrides only what it needs. Callbacks run on the training thread in the order they were
/// added; a callback stops training with <see cref="Trainer.RequestStop"/>.
/// </summary>
public interface ITrainingCallback
{
    /// <summary>Before the first epoch of a fit (also when it resumes mid-run: see <see cref="Trainer.Epoch"/> and <see cref="Trainer.BatchIndex"/>).</summary>
    void OnFitStart(Trainer trainer) { }

    /// <summary>Before the first batch of epoch <paramref name="epoch"/> (0-based) runs, or before the first remaining batch of a resumed epoch.</summary>
    /// <param name="trainer">The trainer.</param>
    /// <param name="epoch">The 0-based epoch index.</param>
    /// <param name="batches">The number of batches per epoch.</param>
    void OnEpochStart(Trainer trainer, int epoch, int batches) { }

    /// <summary>
    /// After the backward pass of a training step and before the optimizer steps: the gradients of this batch
    /// are in <see cref="Tensor.Grad"/> and the weights are not yet updated (where the training doctor looks).
    /// </summary>
    void OnAfterBackward(Trainer trainer, Tensor loss) { }

    /// <summary>
    /// After each optimizer step. The gradients of this step are still in the parameters' <see cref="Tensor.Grad"/>
    /// (they are cleared just before the next backward pass), so diagnostics can read them here.
    /// </summary>
    void OnBatchEnd(Trainer trainer, BatchResult batch) { }

    /// <summary>After an epoch, its validation and the scheduler step; <see cref="Trainer.Epoch"/> already counts it.</summary>
    void OnEpochEnd(Trainer trainer, EpochMetrics metrics) { }

    /// <summary>When the fit returns, however it ended (completed, stopped, interrupted).</summary>
    void OnFitEnd(Trainer trainer, FitHistory history) { }
}

/// <summary>What <see cref="ITrainingCallback.OnBatchEnd"/> learns about one training step.</summary>
/// <param name="Epoch">The 0-based epoch index.</param>
/// <param name="BatchIndex">The 0-based batch index within the epoch.</param>
/// <param name="Batches">The number of batches per epoch.</param>
/// <param name="GlobalStep">Optimizer steps taken so far in the run, this one included.</param>
/// <param name="Loss">This batch's loss.</param>
/// <param name="BatchSize">The number of samples in the batch.</param>
/// <param name="Correct">How many of the batch's samples the model classified correctly (0 when not a classifier).</param>
public readonly record struct BatchResult(int Epoch, int BatchIndex, int Batches, long GlobalStep, double Loss, int BatchSize, int Correct);
