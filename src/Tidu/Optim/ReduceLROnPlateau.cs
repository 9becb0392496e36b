namespace Tidu.Optim;

/// <summary>Whether <see cref="ReduceLROnPlateau"/> watches a quantity that should fall or rise.</summary>
public enum PlateauMode
{
    /// <summary>Lower is better (a loss).</summary>
    Min,

    /// <summary>Higher is better (an accuracy).</summary>
    Max,
}

/// <summary>How <see cref="ReduceLROnPlateau"/> measures a significant improvement.</summary>
public enum ThresholdMode
{
    /// <summary>Relative: better than best·(1 ∓ threshold).</summary>
    Rel,

    /// <summary>Absolute: better than best ∓ threshold.</summary>
    Abs,
}

/// <summary>
/// Multiplies the learning rate by <c>factor</c> when a metric has stopped improving for more than
/// <c>patience</c> epochs (torch.optim.lr_scheduler.ReduceLROnPlateau). Call <see cref="Step(double)"/> once per
/// epoch with the metric, e.g. the validation loss. Unlike the other schedulers it does not change the learning
/// rate on construction.
/// </summary>
public sealed class ReduceLROnPlateau
{
    private readonly PlateauMode mode;
    private readonly double factor;
    private readonly int patience;
    private readonly double threshold;
    private readonly ThresholdMode thresholdMode;
    private readonly int cooldown;
    private readonly double minLr;
    private readonly double eps;
    private int cooldownCounter;
    private double[] lastLr;

    /// <summary>Watches a metric for <paramref name="optimizer"/>'s groups.</summary>
    /// <param name="optimizer">The optimizer whose learning rates to reduce.</param>
    /// <param name="mode">Whether the metric should fall (Min) or rise (Max).</param>
    /// <param name="factor">new_lr = lr · factor; must be &lt; 1.</param>
    /// <param name="patience">Epochs without improvement tolerated before reducing.</param>
    /// <param name="threshold">The least change that counts as an improvement.</param>
    /// <param name="thresholdMode">Whether <paramref name="threshold"/> is relative or absolute.</param>
    /// <param name="cooldown">Epochs to wait after a reduction before counting bad epochs again.</param>
    /// <param name="minLr">The learning rate is never reduced below this.</param>
    /// <param name="eps">Reductions smaller than this are skipped.</param>
    public ReduceLROnPlateau(Optimizer optimizer, PlateauMode mode = PlateauMode.Min, double factor = 0.1,
        int patience = 10, double threshold = 1e-4, ThresholdMode thresholdMode = ThresholdMode.Rel, int cooldown = 0,
        double minLr = 0, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!(factor < 1)) throw new ArgumentException($"ReduceLROnPlateau: factor should be < 1.0; got {factor}.", nameof(factor));
        Optimizer = optimizer;
        this.mode = mode;
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.thresholdMode = thresholdMode;
        this.cooldown = cooldown;
        this.minLr = minLr;
        this.eps = eps;
        lastLr = optimizer.ParamGroups.Select(g => g.Lr).ToArray();
        Best = mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;
    }

    /// <summary>The optimizer whose learning rates this scheduler reduces.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The number of <see cref="Step(double)"/> calls so far (PyTorch's <c>last_epoch</c>).</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The best metric seen so far.</summary>
    public double Best { get; private set; }

    /// <summary>Consecutive epochs without a significant improvement.</summary>
    public int NumBadEpochs { get; private set; }

    /// <summary>The learning rate of each group after the last step.</summary>
    public IReadOnlyList<double> GetLastLr() => (double[])lastLr.Clone();

    /// <summary>Records one epoch's <paramref name="metric"/> and reduces the learning rates after a plateau.</summary>
    public void Step(double metric)
    {
        LastEpoch++;
        if (IsBetter(metric, Best))
        {
            Best = metric;
            NumBadEpochs = 0;
        }
        else
        {
            NumBadEpochs++;
        }
        if (cooldownCounter > 0)
        {
            cooldownCounter--;
            NumBadEpochs = 0; // bad epochs during cooldown do not count
        }
        if (NumBadEpochs > patience)
        {
            foreach (var group in Optimizer.ParamGroups)
            {
                double oldLr = group.Lr;
                double newLr = Math.Max(oldLr * factor, minLr);
                if (oldLr - newLr > eps) group.Lr = newLr;
            }
            cooldownCounter = cooldown;
            NumBadEpochs = 0;
        }
        lastLr = Optimizer.ParamGroups.Select(g => g.Lr).ToArray();
    }

    private bool IsBetter(double a, double best) => (mode, thresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Rel) => a < best * (1 - threshold),
        (PlateauMode.Min, ThresholdMode.Abs) => a < best - threshold,
        (PlateauMode.Max, ThresholdMode.Rel) => a > best * (threshold + 1),
        _ => a > best + threshold,
    };
}
