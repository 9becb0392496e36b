using Tidu.Diagnostics;

namespace Tidu.Training;

/// <summary>
/// Runs the training doctor (<see cref="Doctor"/>) during <see cref="Trainer.Fit"/>: it watches every step, raises
/// findings as they appear (see <see cref="FindingRaised"/>) and writes the HTML report when the fit ends.
/// </summary>
public sealed class DoctorCallback : ITrainingCallback, IDisposable
{
    private readonly DoctorOptions? options;
    private readonly string? reportPath;
    private readonly string title;

    /// <summary>A doctor that writes its report to <paramref name="reportPath"/> (none when null) at the end of the fit.</summary>
    public DoctorCallback(string? reportPath, DoctorOptions? options = null, string title = "Tidu training report")
    {
        this.reportPath = reportPath;
        this.options = options;
        this.title = title;
    }

    /// <summary>The doctor of the current fit (null before the fit starts).</summary>
    public Doctor? Doctor { get; private set; }

    /// <summary>Raised once for each new finding (kind and parameter).</summary>
    public event Action<Finding>? FindingRaised;

    /// <inheritdoc/>
    public void OnFitStart(Trainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        Doctor?.Dispose();
        Doctor = new Doctor(trainer.Model, trainer.Optimizer, options);
        Doctor.FindingRaised += f => FindingRaised?.Invoke(f);
    }

    /// <inheritdoc/>
    public void OnAfterBackward(Trainer trainer, Tensor loss) => Doctor?.Observe(loss);

    /// <inheritdoc/>
    public void OnFitEnd(Trainer trainer, FitHistory history)
    {
        if (Doctor is not null && reportPath is not null) Doctor.WriteReport(reportPath, title);
    }

    /// <summary>Removes the doctor's hooks from the model and optimizer.</summary>
    public void Dispose() => Doctor?.Dispose();
}
