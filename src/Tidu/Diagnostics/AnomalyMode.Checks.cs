using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Tidu.Diagnostics;

/// <summary>
/// Where user code created an op: the first stack frame outside the Tidu assembly, and a short traceback of the
/// frames outside Tidu. Captured only in <see cref="AnomalyMode"/>.
/// </summary>
internal sealed class OpSite
{
    private const int TracebackFrames = 12;
    private static readonly string TiduAssembly = typeof(Tensor).Assembly.FullName ?? "Tidu";

    private OpSite(string? file, int line, string method, string traceback)
    {
        File = file;
        Line = line;
        Method = method;
        Traceback = traceback;
    }

    /// <summary>The full path of the source file, or null without a PDB.</summary>
    public string? File { get; }

    /// <summary>The 1-based line number, or 0 without a PDB.</summary>
    public int Line { get; }

    /// <summary>The method, as Namespace.Type.Method.</summary>
    public string Method { get; }

    /// <summary>The frames outside Tidu, most recent first, one "at Method in file:line N" per line.</summary>
    public string Traceback { get; }

    /// <summary>The caller of Tidu on the current stack.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // keeps the rare call out of Autograd.Attach
    public static OpSite Capture()
    {
        // System.Diagnostics.StackTrace reads file and line numbers from the portable PDB when one is present.
        var frames = new StackTrace(1, fNeedFileInfo: true).GetFrames();
        OpSite? first = null;
        var traceback = new StringBuilder();
        int shown = 0;
        foreach (var frame in frames)
        {
            // DiagnosticMethodInfo is the trimming/NativeAOT-safe way to name a frame's method (no reflection).
            var info = DiagnosticMethodInfo.Create(frame);
            if (info is not null && IsTidu(info.DeclaringAssemblyName)) continue;
            string method = info is null ? "<unknown method>" : $"{info.DeclaringTypeName}.{info.Name}";
            string? file = frame.GetFileName();
            int line = frame.GetFileLineNumber();
            first ??= new OpSite(file, line, method, "");
            if (shown++ < TracebackFrames)
            {
                traceback.Append("    at ").Append(method);
                if (file is not null) traceback.Append(" in ").Append(file).Append(":line ").Append(line.ToString(CultureInfo.InvariantCulture));
                traceback.Append('\n');
            }
        }
        if (first is null) return new OpSite(null, 0, "<inside Tidu>", "");
        return new OpSite(first.File, first.Line, first.Method, traceback.ToString().TrimEnd('\n'));
    }

    private static bool IsTidu(string assembly) =>
        assembly == TiduAssembly || assembly == "Tidu" || assembly.StartsWith("Tidu,", StringComparison.Ordinal);

    /// <summary>"File.cs:42 in Type.Method", or the method alone when there is no file information.</summary>
    public override string ToString() => File is null
        ? Method
        : string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(File)}:{Line} in {Method}");
}

/// <summary>The checks anomaly mode runs on op outputs and backward gradients, and the messages they give.</summary>
internal static class AnomalyChecks
{
    // The entry points the ops call are kept out of line and take their inputs one by one, so the ops themselves
    // build no span (whose GC-tracked slots the JIT would zero on every call, anomaly mode or not).

    /// <summary>Checks the output of a unary op while some thread is in anomaly mode.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void CheckForward(Tensor result, string op, Tensor input) => CheckForward(result, op, [input]);

    /// <summary>Checks the output of a binary op while some thread is in anomaly mode.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void CheckForward(Tensor result, string op, Tensor a, Tensor b) => CheckForward(result, op, [a, b]);

    /// <summary>Called by every op (recorded or not) while some thread is in anomaly mode.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void CheckForward(Tensor result, string op, ReadOnlySpan<Tensor> inputs)
    {
        if (!AnomalyMode.ChecksForwardNow || !result.DType.IsFloatingPoint()) return;
        var scan = Finiteness.Of(result);
        if (scan.NonFinite == 0) return;

        var site = OpSite.Capture();
        int[] first = ShapeUtil.Unravel(scan.First, result.shape);
        double firstValue = ValueAt(result, first);
        var m = new StringBuilder();
        m.Append(Invariant($"{op} produced {scan.Describe()} in its {result.DType} output of shape {ShapeUtil.Format(result.shape)}; "));
        m.Append(Invariant($"the first is at {ShapeUtil.Format(first)} ({Number(firstValue)}).\n"));
        m.Append("  created at ").Append(site).Append('\n');
        bool inputsFinite = true;
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            var s = Finiteness.Of(x);
            if (s.NonFinite > 0) inputsFinite = false;
            m.Append(Invariant($"  input {i} ({x.DType} {ShapeUtil.Format(x.shape)}): {s.Summary()}"));
            if (s.NonFinite > 0)
            {
                m.Append(Invariant($" — already non-finite before {op} (from data, a leaf, or an op run outside anomaly mode)"));
            }
            else if (BroadcastIndex(first, result.shape, x.shape) is { } at)
            {
                m.Append(Invariant($"; at {ShapeUtil.Format(first)} it is {Number(ValueAt(x, at))} → {op} gives {Number(firstValue)}"));
            }
            m.Append('\n');
        }
        if (inputsFinite && Hints.TryGetValue(op, out var hint)) m.Append("  Hint: ").Append(hint.Forward).Append('\n');
        AppendTraceback(m, op, site);
        throw new NonFiniteValueException(m.ToString().TrimEnd('\n'), op, inBackward: false, gradientIndex: -1,
            (int[])result.shape.Clone(), scan.NonFinite, first, firstValue, site.ToString());
    }

    /// <summary>Called by the engine in anomaly mode for the gradient a node returned for its input <paramref name="index"/>.</summary>
    internal static void CheckGradient(GradFn node, int index, Tensor gradient, Tensor incoming)
    {
        if (!gradient.DType.IsFloatingPoint()) return;
        var scan = Finiteness.Of(gradient);
        if (scan.NonFinite == 0) return;

        var site = node.Site;
        string where = site is null
            ? "created before anomaly mode was turned on (run the forward inside AnomalyMode.Enable() too, to see where)"
            : $"created at {site}";
        int[] first = ShapeUtil.Unravel(scan.First, gradient.shape);
        double firstValue = ValueAt(gradient, first);
        var m = new StringBuilder();
        m.Append(Invariant($"The gradient of {node.Name} {where} became non-finite: "));
        m.Append(Invariant($"Function '{node.Name}Backward' returned {scan.Describe()} in its {Ordinal(index)} output "));
        m.Append(Invariant($"(the gradient for input {index}, shape {ShapeUtil.Format(gradient.shape)}); the first is at {ShapeUtil.Format(first)} ({Number(firstValue)}).\n"));
        var incomingScan = Finiteness.Of(incoming);
        m.Append(Invariant($"  incoming gradient (of {node.Name}'s output, {ShapeUtil.Format(incoming.shape)}): {incomingScan.Summary()}\n"));
        if (node.Inputs[index] is { } input)
        {
            var s = Finiteness.Of(input);
            m.Append(Invariant($"  forward input {index} ({input.DType} {ShapeUtil.Format(input.shape)}, its current values): {s.Summary()}"));
            if (input.shape.AsSpan().SequenceEqual(gradient.shape))
                m.Append(Invariant($"; at {ShapeUtil.Format(first)} it is {Number(ValueAt(input, first))}"));
            m.Append('\n');
        }
        if (incomingScan.NonFinite == 0 && Hints.TryGetValue(node.Name, out var hint) && hint.Backward is not null)
            m.Append("  Hint: ").Append(hint.Backward).Append('\n');
        if (site is not null) AppendTraceback(m, node.Name, site);
        throw new NonFiniteValueException(m.ToString().TrimEnd('\n'), node.Name, inBackward: true, index,
            (int[])gradient.shape.Clone(), scan.NonFinite, first, firstValue, site?.ToString());
    }

    /// <summary>The error a node's backward raised, with the node's creation site (PyTorch prints the forward traceback).</summary>
    internal static Exception WithCreationSite(InvalidOperationException error, GradFn node) =>
        new InvalidOperationException(
            $"{error.Message}\n  The failing backward belongs to {node.Name}, created at {node.Site}.\n  Forward traceback of {node.Name} (most recent call first):\n{node.Site!.Traceback}",
            error);

    private static void AppendTraceback(StringBuilder m, string op, OpSite site)
    {
        if (site.Traceback.Length == 0) return;
        m.Append("  Forward traceback of ").Append(op).Append(" (most recent call first):\n").Append(site.Traceback);
    }

    // Why common ops go non-finite, forward and backward.
    private static readonly Dictionary<string, (string Forward, string? Backward)> Hints = new()
    {
        ["Log"] = ("log(x) is −∞ at x = 0 and NaN for x < 0: clamp the input (x.Clamp(min: 1e-12)) or add a small epsilon.",
            "d log(x)/dx = 1/x is ±∞ at x = 0."),
        ["Sqrt"] = ("sqrt(x) is NaN for x < 0: clamp the input to x ≥ 0.",
            "d sqrt(x)/dx = 1/(2·sqrt(x)) is +∞ at x = 0: add a small epsilon inside the root (e.g. (x + 1e-12).Sqrt()) to take norms."),
        ["Div"] = ("a/0 is ±∞ and 0/0 is NaN: check the divisor for zeros (add an epsilon or mask them).",
            "d(a/b)/db = −a/b² overflows when b is (close to) 0."),
        ["ScalarDiv"] = ("c/0 is ±∞: check the divisor for zeros.", "d(c/x)/dx = −c/x² is ±∞ at x = 0."),
        ["DivScalar"] = ("dividing by 0 gives ±∞ or NaN.", null),
        ["Exp"] = ("exp overflows above x ≈ 88.7 in Float32 (709.8 in Float64): subtract the maximum first (LogSumExp, LogSoftmax do).", null),
        ["Pow"] = ("x^p is NaN for x < 0 with a fractional p, and ±∞ at x = 0 with p < 0.",
            "d x^p/dx = p·x^(p−1) is ±∞ at x = 0 when p < 1."),
        ["PowTensor"] = ("x^y is NaN for x < 0 with a fractional y, and ±∞ at x = 0 with y < 0.",
            "the gradient of x^y involves log(x), which is −∞ at x = 0 and NaN for x < 0."),
        ["Mul"] = ("0·∞ is NaN and large products overflow.", null),
        ["MatMul"] = ("large products or sums overflow: check the scale of the inputs and of the initialisation.", null),
        ["Sum"] = ("the sum overflows.", null),
    };

    private static string Ordinal(int i) => i switch { 1 => "1st", 2 => "2nd", 3 => "3rd", _ => Invariant($"{i}th") };

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Number(double v) => v.ToString("G6", CultureInfo.InvariantCulture);


    /// <summary>
    /// The element of an input of <paramref name="shape"/> that broadcasting maps to <paramref name="outIndex"/> of
    /// an output of <paramref name="outShape"/>; null when the input does not broadcast to the output (reductions,
    /// matrix products…), where no single input element corresponds.
    /// </summary>
    private static int[]? BroadcastIndex(int[] outIndex, int[] outShape, int[] shape)
    {
        int lead = outShape.Length - shape.Length;
        if (lead < 0) return null;
        var index = new int[shape.Length];
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == outShape[lead + d]) index[d] = outIndex[lead + d];
            else if (shape[d] == 1) index[d] = 0;
            else return null;
        }
        return index;
    }

    private static double ValueAt(Tensor t, int[] index)
    {
        int at = t.offset;
        for (int d = 0; d < index.Length; d++) at += index[d] * t.strides[d];
        return t.GetAsDouble(at);
    }

    /// <summary>Counts of NaN, +∞ and −∞ and the range of the finite values.</summary>
    private readonly record struct Finiteness(int NaN, int PositiveInfinity, int NegativeInfinity, int First, double Min, double Max, int Count)
    {
        public int NonFinite => NaN + PositiveInfinity + NegativeInfinity;

        public static Finiteness Of(Tensor t)
        {
            var dense = t;
            if (!t.IsContiguous)
            {
                dense = Tensor.Empty(t.DType, t.shape);
                Kernels.Strided.CopyInto(t, dense);
            }
            return t.DType switch
            {
                DType.Float32 => Scan<float>(dense.ContiguousSpan<float>()),
                DType.Float64 => Scan<double>(dense.ContiguousSpan<double>()),
                _ => ScanInt(dense.ContiguousSpan<long>()),
            };
        }

        private static Finiteness Scan<T>(ReadOnlySpan<T> values) where T : System.Numerics.IFloatingPointIeee754<T>
        {
            int nan = 0, pos = 0, neg = 0, first = -1;
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            for (int i = 0; i < values.Length; i++)
            {
                T v = values[i];
                if (T.IsFinite(v))
                {
                    double d = double.CreateTruncating(v);
                    if (d < min) min = d;
                    if (d > max) max = d;
                    continue;
                }
                if (first < 0) first = i;
                if (T.IsNaN(v)) nan++;
                else if (T.IsPositive(v)) pos++;
                else neg++;
            }
            return new Finiteness(nan, pos, neg, first, min, max, values.Length);
        }

        private static Finiteness ScanInt(ReadOnlySpan<long> values)
        {
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            foreach (long v in values)
            {
                if (v < min) min = v;
                if (v > max) max = v;
            }
            return new Finiteness(0, 0, 0, -1, min, max, values.Length);
        }

        /// <summary>"2 non-finite values (1 NaN, 1 −∞) among 6".</summary>
        public string Describe()
        {
            var kinds = new List<string>();
            if (NaN > 0) kinds.Add(Invariant($"{NaN} NaN"));
            if (PositiveInfinity > 0) kinds.Add(Invariant($"{PositiveInfinity} +inf"));
            if (NegativeInfinity > 0) kinds.Add(Invariant($"{NegativeInfinity} -inf"));
            return Invariant($"{NonFinite} non-finite value{(NonFinite == 1 ? "" : "s")} ({string.Join(", ", kinds)}) among {Count}");
        }

        /// <summary>"all finite, min 0, max 2" or "3 non-finite values (…) among 6; finite ones in [a, b]".</summary>
        public string Summary()
        {
            string range = Count - NonFinite == 0 ? "" : Invariant($"min {Number(Min)}, max {Number(Max)}");
            if (NonFinite == 0) return Count == 0 ? "empty" : "all finite, " + range;
            return Describe() + (range.Length == 0 ? "" : "; finite ones have " + range);
        }
    }
}
