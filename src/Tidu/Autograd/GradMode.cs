namespace Tidu;

/// <summary>
/// Whether operations are recorded for autograd. Thread-local, as PyTorch's grad mode is; changed through
/// <see cref="Tensor.NoGrad"/> and <see cref="Tensor.EnableGrad"/> scopes.
/// </summary>
public static class GradMode
{
    [ThreadStatic] private static bool disabled;

    /// <summary>True when new operations are recorded.</summary>
    public static bool IsEnabled
    {
        get => !disabled;
        set => disabled = !value;
    }
}

/// <summary>Restores the previous grad mode when disposed; returned by <see cref="Tensor.NoGrad"/>.</summary>
public readonly struct GradModeScope : IDisposable
{
    private readonly bool previous;

    internal GradModeScope(bool enabled)
    {
        previous = GradMode.IsEnabled;
        GradMode.IsEnabled = enabled;
    }

    /// <summary>Restores the grad mode that was in force when the scope began.</summary>
    public void Dispose() => GradMode.IsEnabled = previous;
}

public sealed partial class Tensor
{
    /// <summary>
    /// A scope in which no operation is recorded (PyTorch's <c>torch.no_grad()</c>): results do not require grad.
    /// <code>using (Tensor.NoGrad()) { w.SubInPlace(lr * w.Grad!); }</code>
    /// </summary>
    public static GradModeScope NoGrad() => new(false);

    /// <summary>A scope that turns recording back on inside a <see cref="NoGrad"/> scope.</summary>
    public static GradModeScope EnableGrad() => new(true);
}
