using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tidu.Diagnostics;

/// <summary>The loss of one optimizer step (the mean over the backward passes of that step) and the learning rate used.</summary>
/// <param name="Step">The optimizer step, counting from 0.</param>
/// <param name="Loss">The data loss.</param>
/// <param name="LearningRate">The learning rate of the first parameter group during the step.</param>
public sealed record LossRecord(int Step, double Loss, double LearningRate);

/// <summary>Statistics of one parameter at one sampled step.</summary>
/// <param name="Step">The optimizer step, counting from 0.</param>
/// <param name="Name">The dotted parameter name (<c>0.weight</c>).</param>
/// <param name="Layer">The dotted name of the module that owns it (<c>0</c>; <c>(root)</c> for the model itself).</param>
/// <param name="HasGrad">Whether the parameter had a gradient before the step.</param>
/// <param name="GradMean">Mean of the gradient's elements.</param>
/// <param name="GradVariance">Population variance of the gradient's elements.</param>
/// <param name="GradNorm">L2 norm of the gradient (NaN when it holds a non-finite value).</param>
/// <param name="GradMaxAbs">Largest |g|.</param>
/// <param name="GradZeroFraction">Fraction of gradient elements that are exactly zero.</param>
/// <param name="WeightNorm">L2 norm of the parameter after the step.</param>
/// <param name="DistanceFromInit">‖w − w₀‖ after the step, w₀ being the values when monitoring started.</param>
/// <param name="UpdateRatio">‖Δw‖ / ‖w‖ of this step (NaN when the monitor did not see the update).</param>
public sealed record ParameterRecord(int Step, string Name, string Layer, bool HasGrad, double GradMean, double GradVariance,
    double GradNorm, double GradMaxAbs, double GradZeroFraction, double WeightNorm, double DistanceFromInit, double UpdateRatio);

/// <summary>Per-layer aggregate of the parameters of one module at one sampled step.</summary>
/// <param name="Step">The optimizer step, counting from 0.</param>
/// <param name="Layer">The dotted module name.</param>
/// <param name="GradNorm">L2 norm of all the module's own parameter gradients together.</param>
/// <param name="WeightNorm">L2 norm of all its parameters together.</param>
/// <param name="UpdateRatio">‖Δw‖ / ‖w‖ over all its parameters together.</param>
public sealed record LayerRecord(int Step, string Layer, double GradNorm, double WeightNorm, double UpdateRatio);

/// <summary>Health of one activation module's values at one sampled step (the first forward of the step).</summary>
/// <param name="Step">The optimizer step, counting from 0.</param>
/// <param name="Module">The dotted module name.</param>
/// <param name="Kind">The activation: <c>ReLU</c>, <c>Sigmoid</c> or <c>Tanh</c>.</param>
/// <param name="Count">Number of values seen.</param>
/// <param name="NonPositiveFraction">Fraction of outputs ≤ 0 (for ReLU: units that pass no gradient).</param>
/// <param name="SaturatedFraction">Fraction of inputs (pre-activations) with |x| beyond the saturation bound (Sigmoid/Tanh).</param>
/// <param name="OutputMean">Mean of the outputs.</param>
/// <param name="OutputStd">Population standard deviation of the outputs.</param>
public sealed record ActivationRecord(int Step, string Module, string Kind, int Count, double NonPositiveFraction,
    double SaturatedFraction, double OutputMean, double OutputStd);

/// <summary>
/// What a <see cref="GradientMonitor"/> (or a <see cref="Doctor"/>) recorded during training, as plain lists for
/// plots and reports. Each list is bounded: only the most recent records are kept (see
/// <see cref="MonitorOptions.HistoryCapacity"/>). Export with <see cref="WriteJson(Stream)"/> or
/// <see cref="WriteCsv(string)"/>; read back with <see cref="ReadJson(Stream)"/> and <see cref="ReadCsv(string, int)"/>.
/// </summary>
public sealed class TrainingHistory
{
    private readonly RingBuffer<LossRecord> losses;
    private readonly RingBuffer<ParameterRecord> parameters;
    private readonly RingBuffer<LayerRecord> layers;
    private readonly RingBuffer<ActivationRecord> activations;

    /// <summary>An empty history keeping at most <paramref name="capacity"/> records of each list.</summary>
    public TrainingHistory(int capacity = 100_000)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "TrainingHistory: capacity must be at least 1.");
        Capacity = capacity;
        losses = new(capacity);
        parameters = new(capacity);
        layers = new(capacity);
        activations = new(capacity);
    }

    /// <summary>The largest number of records each list keeps; older ones are dropped.</summary>
    public int Capacity { get; }

    /// <summary>The loss and learning rate per optimizer step, oldest first.</summary>
    public IReadOnlyList<LossRecord> Losses => losses;

    /// <summary>Per-parameter gradient and weight statistics per sampled step, oldest first.</summary>
    public IReadOnlyList<ParameterRecord> Parameters => parameters;

    /// <summary>Per-layer gradient norm, weight norm and update ratio per sampled step, oldest first.</summary>
    public IReadOnlyList<LayerRecord> Layers => layers;

    /// <summary>Activation health (ReLU, Sigmoid, Tanh) per sampled step, oldest first.</summary>
    public IReadOnlyList<ActivationRecord> Activations => activations;

    /// <summary>Appends a loss record.</summary>
    public void Add(LossRecord record) => losses.Add(record ?? throw new ArgumentNullException(nameof(record)));

    /// <summary>Appends a parameter record.</summary>
    public void Add(ParameterRecord record) => parameters.Add(record ?? throw new ArgumentNullException(nameof(record)));

    /// <summary>Appends a layer record.</summary>
    public void Add(LayerRecord record) => layers.Add(record ?? throw new ArgumentNullException(nameof(record)));

    /// <summary>Appends an activation record.</summary>
    public void Add(ActivationRecord record) => activations.Add(record ?? throw new ArgumentNullException(nameof(record)));

    // ---- JSON (Utf8JsonWriter / JsonDocument: no reflection, trimming-safe) ------------------------------

    /// <summary>
    /// Writes the history as one JSON object <c>{"capacity":…,"losses":[…],"parameters":[…],"layers":[…],"activations":[…]}</c>
    /// whose records use camelCase property names; NaN and infinities are written as the strings "NaN", "Infinity", "-Infinity".
    /// </summary>
    public void WriteJson(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        w.WriteStartObject();
        w.WriteNumber("capacity", Capacity);
        w.WriteStartArray("losses");
        foreach (var r in losses)
        {
            w.WriteStartObject();
            w.WriteNumber("step", r.Step);
            Num(w, "loss", r.Loss);
            Num(w, "learningRate", r.LearningRate);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("parameters");
        foreach (var r in parameters)
        {
            w.WriteStartObject();
            w.WriteNumber("step", r.Step);
            w.WriteString("name", r.Name);
            w.WriteString("layer", r.Layer);
            w.WriteBoolean("hasGrad", r.HasGrad);
            Num(w, "gradMean", r.GradMean);
            Num(w, "gradVariance", r.GradVariance);
            Num(w, "gradNorm", r.GradNorm);
            Num(w, "gradMaxAbs", r.GradMaxAbs);
            Num(w, "gradZeroFraction", r.GradZeroFraction);
            Num(w, "weightNorm", r.WeightNorm);
            Num(w, "distanceFromInit", r.DistanceFromInit);
            Num(w, "updateRatio", r.UpdateRatio);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("layers");
        foreach (var r in layers)
        {
            w.WriteStartObject();
            w.WriteNumber("step", r.Step);
            w.WriteString("layer", r.Layer);
            Num(w, "gradNorm", r.GradNorm);
            Num(w, "weightNorm", r.WeightNorm);
            Num(w, "updateRatio", r.UpdateRatio);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("activations");
        foreach (var r in activations)
        {
            w.WriteStartObject();
            w.WriteNumber("step", r.Step);
            w.WriteString("module", r.Module);
            w.WriteString("kind", r.Kind);
            w.WriteNumber("count", r.Count);
            Num(w, "nonPositiveFraction", r.NonPositiveFraction);
            Num(w, "saturatedFraction", r.SaturatedFraction);
            Num(w, "outputMean", r.OutputMean);
            Num(w, "outputStd", r.OutputStd);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The history as a JSON string (see <see cref="WriteJson(Stream)"/>).</summary>
    public string ToJson()
    {
        using var ms = new MemoryStream();
        WriteJson(ms);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Reads a history written by <see cref="WriteJson(Stream)"/>.</summary>
    public static TrainingHistory ReadJson(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var doc = JsonDocument.Parse(stream);
        var root = doc.RootElement;
        var h = new TrainingHistory(root.GetProperty("capacity").GetInt32());
        foreach (var e in root.GetProperty("losses").EnumerateArray())
            h.Add(new LossRecord(e.GetProperty("step").GetInt32(), Num(e, "loss"), Num(e, "learningRate")));
        foreach (var e in root.GetProperty("parameters").EnumerateArray())
            h.Add(new ParameterRecord(e.GetProperty("step").GetInt32(), e.GetProperty("name").GetString()!, e.GetProperty("layer").GetString()!,
                e.GetProperty("hasGrad").GetBoolean(), Num(e, "gradMean"), Num(e, "gradVariance"), Num(e, "gradNorm"), Num(e, "gradMaxAbs"),
                Num(e, "gradZeroFraction"), Num(e, "weightNorm"), Num(e, "distanceFromInit"), Num(e, "updateRatio")));
        foreach (var e in root.GetProperty("layers").EnumerateArray())
            h.Add(new LayerRecord(e.GetProperty("step").GetInt32(), e.GetProperty("layer").GetString()!, Num(e, "gradNorm"), Num(e, "weightNorm"), Num(e, "updateRatio")));
        foreach (var e in root.GetProperty("activations").EnumerateArray())
            h.Add(new ActivationRecord(e.GetProperty("step").GetInt32(), e.GetProperty("module").GetString()!, e.GetProperty("kind").GetString()!,
                e.GetProperty("count").GetInt32(), Num(e, "nonPositiveFraction"), Num(e, "saturatedFraction"), Num(e, "outputMean"), Num(e, "outputStd")));
        return h;
    }

    /// <summary>Reads a history from a JSON string written by <see cref="ToJson"/>.</summary>
    public static TrainingHistory FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var ms = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return ReadJson(ms);
    }

    private static void Num(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
    }

    private static double Num(JsonElement e, string name)
    {
        var p = e.GetProperty(name);
        return p.ValueKind == JsonValueKind.String ? double.Parse(p.GetString()!, CultureInfo.InvariantCulture) : p.GetDouble();
    }

    // ---- CSV ---------------------------------------------------------------------------------------------

    private const string LossHeader = "step,loss,learning_rate";
    private const string ParameterHeader = "step,name,layer,has_grad,grad_mean,grad_variance,grad_norm,grad_max_abs,grad_zero_fraction,weight_norm,distance_from_init,update_ratio";
    private const string LayerHeader = "step,layer,grad_norm,weight_norm,update_ratio";
    private const string ActivationHeader = "step,module,kind,count,non_positive_fraction,saturated_fraction,output_mean,output_std";

    /// <summary>
    /// Writes four CSV files with a header row into <paramref name="directory"/> (created if needed):
    /// <c>losses.csv</c>, <c>parameters.csv</c>, <c>layers.csv</c> and <c>activations.csv</c>; numbers use the
    /// invariant culture and round-trip exactly.
    /// </summary>
    public void WriteCsv(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        Write(Path.Combine(directory, "losses.csv"), LossHeader, losses, r => $"{r.Step},{F(r.Loss)},{F(r.LearningRate)}");
        Write(Path.Combine(directory, "parameters.csv"), ParameterHeader, parameters, r =>
            $"{r.Step},{r.Name},{r.Layer},{(r.HasGrad ? 1 : 0)},{F(r.GradMean)},{F(r.GradVariance)},{F(r.GradNorm)},{F(r.GradMaxAbs)},{F(r.GradZeroFraction)},{F(r.WeightNorm)},{F(r.DistanceFromInit)},{F(r.UpdateRatio)}");
        Write(Path.Combine(directory, "layers.csv"), LayerHeader, layers, r => $"{r.Step},{r.Layer},{F(r.GradNorm)},{F(r.WeightNorm)},{F(r.UpdateRatio)}");
        Write(Path.Combine(directory, "activations.csv"), ActivationHeader, activations, r =>
            $"{r.Step},{r.Module},{r.Kind},{r.Count},{F(r.NonPositiveFraction)},{F(r.SaturatedFraction)},{F(r.OutputMean)},{F(r.OutputStd)}");
    }

    /// <summary>Reads the four CSV files written by <see cref="WriteCsv"/>.</summary>
    public static TrainingHistory ReadCsv(string directory, int capacity = 100_000)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var h = new TrainingHistory(capacity);
        foreach (var c in Read(Path.Combine(directory, "losses.csv"), LossHeader))
            h.Add(new LossRecord(I(c[0]), D(c[1]), D(c[2])));
        foreach (var c in Read(Path.Combine(directory, "parameters.csv"), ParameterHeader))
            h.Add(new ParameterRecord(I(c[0]), c[1], c[2], c[3] == "1", D(c[4]), D(c[5]), D(c[6]), D(c[7]), D(c[8]), D(c[9]), D(c[10]), D(c[11])));
        foreach (var c in Read(Path.Combine(directory, "layers.csv"), LayerHeader))
            h.Add(new LayerRecord(I(c[0]), c[1], D(c[2]), D(c[3]), D(c[4])));
        foreach (var c in Read(Path.Combine(directory, "activations.csv"), ActivationHeader))
            h.Add(new ActivationRecord(I(c[0]), c[1], c[2], I(c[3]), D(c[4]), D(c[5]), D(c[6]), D(c[7])));
        return h;
    }

    private static void Write<T>(string path, string header, IEnumerable<T> rows, Func<T, string> format)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false));
        w.WriteLine(header);
        foreach (var r in rows) w.WriteLine(format(r));
    }

    private static IEnumerable<string[]> Read(string path, string header)
    {
        using var r = new StreamReader(path);
        string? first = r.ReadLine();
        if (first != header)
            throw new FormatException($"TrainingHistory.ReadCsv: {Path.GetFileName(path)} should start with the header '{header}'; it starts with '{first}'.");
        int columns = header.Split(',').Length;
        string? line;
        while ((line = r.ReadLine()) is not null)
        {
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            if (cells.Length != columns)
                throw new FormatException($"TrainingHistory.ReadCsv: a row of {Path.GetFileName(path)} has {cells.Length} cells instead of {columns}: '{line}'.");
            yield return cells;
        }
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static int I(string s) => int.Parse(s, CultureInfo.InvariantCulture);
}
