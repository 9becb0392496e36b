namespace Tidu.Optim;

/// <summary>
/// The base of the learning-rate schedulers that step on a schedule (PyTorch's
/// <c>torch.optim.lr_scheduler.LRScheduler</c>). Construction records each group's <see cref="ParamGroup.InitialLr"/>
/// and takes step 0, which may already set the learning rate; each <see cref="Step"/> (once per epoch, after
/// the optimizer's steps) advances <see cref="LastEpoch"/> and writes the new rate into every group.
/// </summary>
public abstract class LRScheduler
{
    private double[] lastLr = [];

    /// <summary>Binds the scheduler; a subclass sets its fields and then calls <see cref="InitialStep"/>.</summary>
    protected LRScheduler(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
    }

    /// <summary>The optimizer whose learning rates this scheduler sets.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The index of the last step taken: 0 after construction, then 1, 2… (PyTorch's <c>last_epoch</c>).</summary>
    public int LastEpoch { get; private set; } = -1;

    /// <summary>How many times <see cref="Step"/> has run, including the initial step (PyTorch's <c>_step_count</c>).</summary>
    protected int StepCount { get; private set; }

    /// <summary>Each group's <see cref="ParamGroup.InitialLr"/> (PyTorch's <c>base_lrs</c>).</summary>
    public IReadOnlyList<double> BaseLrs { get; private set; } = [];

    /// <summary>The learning rate of each group as set by the last step (PyTorch's <c>get_last_lr()</c>).</summary>
    public IReadOnlyList<double> GetLastLr() => (double[])lastLr.Clone();

    /// <summary>
    /// Records <see cref="ParamGroup.InitialLr"/> for groups that have none (keeping one a previous scheduler set)
    /// and takes step 0; called at the end of a subclass's constructor, as PyTorch calls <c>super().__init__</c> last.
    /// </summary>
    protected void InitialStep()
    {
        foreach (var group in Optimizer.ParamGroups) group.InitialLr ??= group.Lr;
        BaseLrs = Optimizer.ParamGroups.Select(group => group.InitialLr!.Value).ToArray();
        Step();
    }

    /// <summary>Advances one epoch and sets every group's learning rate.</summary>
    public void Step()
    {
        StepCount++;
        LastEpoch++;
        var lrs = ComputeLr();
        var groups = Optimizer.ParamGroups;
        for (int i = 0; i < groups.Count; i++) groups[i].Lr = lrs[i];
        lastLr = lrs;
    }

    /// <summary>
    /// Puts the scheduler back at step <paramref name="lastEpoch"/> (PyTorch's <c>load_state_dict</c> of
    /// <c>last_epoch</c>) when a run resumes from a checkpoint. Load the optimizer's state first: the learning
    /// rates it restores are the scheduler's starting point, so nothing is recomputed here and the next
    /// <see cref="Step"/> continues exactly as an uninterrupted run would.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative <paramref name="lastEpoch"/>.</exception>
    public void LoadState(int lastEpoch)
    {
        if (lastEpoch < 0) throw new ArgumentOutOfRangeException(nameof(lastEpoch), lastEpoch, $"{GetType().Name}.LoadState: lastEpoch must be non-negative, got {lastEpoch}.");
        LastEpoch = lastEpoch;
        StepCount = lastEpoch + 1;
        lastLr = CurrentLrs();
    }

    /// <summary>
    /// The learning rate of each group at <see cref="LastEpoch"/> (PyTorch's <c>get_lr()</c>), usually from the
    /// group's current <see cref="ParamGroup.Lr"/> in PyTorch's recursive form so that schedulers can be chained.
    /// </summary>
    protected abstract double[] ComputeLr();

    /// <summary>Every group's current learning rate, for steps that keep it.</summary>
    protected double[] CurrentLrs() => Optimizer.ParamGroups.Select(group => group.Lr).ToArray();

    /// <summary>Every group's current learning rate times <paramref name="factor"/>.</summary>
    protected double[] ScaledLrs(double factor) => Optimizer.ParamGroups.Select(group => group.Lr * factor).ToArray();
}
