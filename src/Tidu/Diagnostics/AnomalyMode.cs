namespace Tidu.Diagnostics;

/// <summary>
/// Anomaly detection for autograd (PyTorch's <c>torch.autograd.detect_anomaly</c>). Inside
/// <c>using (AnomalyMode.Enable()) { … }</c>:
/// <list type="bullet">
/// <item>every op records where the user's code created it (file:line and method of the first stack frame outside
/// Tidu), so a failure in backward names the forward line that built the failing node;</item>
/// <item>every op checks its output, and throws <see cref="NonFiniteValueException"/> at the first NaN or ±∞ it
/// produces — naming the op, the element, its inputs and the creating line. This goes beyond PyTorch, which only
/// checks backward: in Tidu the forward line that first made a NaN is usually the answer. Ops that are not recorded
/// (no input requires grad, or inside <see cref="Tensor.NoGrad"/>) are checked too, since every op passes through
/// the same recording call; the ops run by backward itself are not (the backward check below covers them);</item>
/// <item>after each node's backward, the gradients it returns are checked, and a NaN or ±∞ throws
/// <see cref="NonFiniteValueException"/> naming the node's op and creation site (PyTorch: "Function
/// 'SqrtBackward0' returned nan values in its 0th output", with the forward traceback);</item>
/// <item>any other error a node's backward raises (e.g. a saved tensor modified in place) is rethrown with the
/// node's creation site appended.</item>
/// </list>
/// The mode is thread-local, like grad mode; scopes nest and restore the previous state when disposed. It is for
/// debugging only: capturing a stack trace per op and scanning every output is slow. Outside it, an op pays one
/// read of a static field. Values that are meant to be infinite (e.g. −∞ attention masks) trip the forward check;
/// pass <c>checkForward: false</c> there. File and line numbers need the portable PDB next to the assembly (the
/// default for Debug and Release builds); without it (or under NativeAOT) the method names alone are shown.
/// </summary>
public static class AnomalyMode
{
    [ThreadStatic] private static bool enabled;
    [ThreadStatic] private static bool checkForward;
    [ThreadStatic] private static bool checkBackward;
    [ThreadStatic] private static int backwardDepth;

    // How many threads are in anomaly mode. The op hot path reads only this plain static field (cheaper than a
    // thread-static read); the thread-local state is consulted only when some thread has the mode on.
    private static int activeThreads;

    /// <summary>True when some thread may be in anomaly mode: the one check every op pays.</summary>
    internal static bool MaybeActive => activeThreads != 0;

    /// <summary>True when anomaly mode is on for the current thread.</summary>
    public static bool IsEnabled => enabled;

    /// <summary>True when the current thread checks op outputs for NaN and ±∞ in the forward pass.</summary>
    public static bool ChecksForward => enabled && checkForward;

    /// <summary>True when the current thread checks the gradients each backward node returns for NaN and ±∞.</summary>
    public static bool ChecksBackward => enabled && checkBackward;

    /// <summary>True when op outputs must be checked now: forward checks on and not inside the backward engine.</summary>
    internal static bool ChecksForwardNow => enabled && checkForward && backwardDepth == 0;

    /// <summary>
    /// Turns anomaly mode on for the current thread until the returned scope is disposed.
    /// <code>using (AnomalyMode.Enable()) { var loss = model.Forward(x).Log().Mean(); loss.Backward(); }</code>
    /// </summary>
    /// <param name="checkForward">Throw when an op's output contains NaN or ±∞.</param>
    /// <param name="checkBackward">Throw when a backward node returns a gradient containing NaN or ±∞ (PyTorch's check_nan).</param>
    public static AnomalyModeScope Enable(bool checkForward = true, bool checkBackward = true) => new(true, checkForward, checkBackward);

    /// <summary>Turns anomaly mode off for the current thread until the returned scope is disposed (e.g. around code that uses −∞ masks).</summary>
    public static AnomalyModeScope Disable() => new(false, false, false);

    internal static void Set(bool on, bool forward, bool backward)
    {
        if (on != enabled) Interlocked.Add(ref activeThreads, on ? 1 : -1);
        enabled = on;
        checkForward = forward;
        checkBackward = backward;
    }

    /// <summary>
    /// Marks the current thread as running the backward engine until disposed: the ops that compute gradients are
    /// not checked as forward ops (their results are checked per node, with the node's name, instead).
    /// </summary>
    internal static BackwardScope EnterBackward()
    {
        backwardDepth++;
        return default;
    }

    internal readonly struct BackwardScope : IDisposable
    {
        public void Dispose() => backwardDepth--;
    }
}

/// <summary>Restores the previous anomaly mode of its thread when disposed; returned by <see cref="AnomalyMode.Enable"/>.</summary>
/// <remarks>Dispose it on the thread that created it, as a <c>using</c> block does.</remarks>
public sealed class AnomalyModeScope : IDisposable
{
    private readonly bool previousEnabled, previousForward, previousBackward;
    private bool disposed;

    internal AnomalyModeScope(bool enabled, bool checkForward, bool checkBackward)
    {
        previousEnabled = AnomalyMode.IsEnabled;
        previousForward = AnomalyMode.ChecksForward;
        previousBackward = AnomalyMode.ChecksBackward;
        AnomalyMode.Set(enabled, checkForward, checkBackward);
    }

    /// <summary>Restores the anomaly mode that was in force when the scope began (once; later calls do nothing).</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        AnomalyMode.Set(previousEnabled, previousForward, previousBackward);
    }
}
