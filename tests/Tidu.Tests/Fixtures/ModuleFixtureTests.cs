using System.Globalization;
using System.Text;
using System.Text.Json;
using Tidu.NN;

namespace Tidu.Tests.Fixtures;

/// <summary>
/// Compares Tidu's nn modules and loss functions with libtorch's. torch_modules.json (written by
/// tools/FixtureGenerator/ModuleFixtures.cs with TorchSharp in float64) stores, per case, the module's options and
/// state dict (libtorch's own seeded initialisation), the input, the output, random weights w and the gradients of
/// sum(output * w) with respect to the input, the target (losses) and every parameter, and the buffers after the
/// forward (BatchNorm's running statistics). Each case builds the Tidu module with the same options in Float64,
/// loads the state dict strictly, runs forward and backward, and compares with |tidu − torch| ≤ atol + rtol·|torch|.
/// </summary>
public class ModuleFixtureTests
{
    private const double Atol = 1e-9;
    private const double Rtol = 1e-7;

    /// <summary>Every case of the fixture file.</summary>
    public static TheoryData<string> Cases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in ModuleFixtureFile.Names) data.Add(name);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = ModuleFixtureFile.Get(name);
        if (c.GetProperty("kind").GetString() == "module") CheckModule(name, c);
        else CheckLoss(name, c);
    }

    [Fact]
    public void FixtureFileHoldsAtLeast40Cases()
    {
        int modules = ModuleFixtureFile.Names.Count(n => ModuleFixtureFile.Get(n).GetProperty("kind").GetString() == "module");
        int losses = ModuleFixtureFile.Names.Count - modules;
        Assert.True(ModuleFixtureFile.Names.Count >= 40, $"torch_modules.json holds only {ModuleFixtureFile.Names.Count} cases.");
        Assert.True(modules >= 40 && losses >= 40, $"torch_modules.json holds {modules} module and {losses} loss cases; expected at least 40 of each.");
    }

    [Fact]
    public void CaseNamesAreUnique() =>
        Assert.Equal(ModuleFixtureFile.Names.Count, ModuleFixtureFile.Names.Distinct().Count());

    // ---- modules -----------------------------------------------------------------------------------------

    private static void CheckModule(string name, JsonElement c)
    {
        var layer = c.GetProperty("module");
        string what = $"{name} ({layer.GetProperty("type").GetString()})";
        var module = Build(layer);
        if (c.GetProperty("train").GetBoolean()) module.Train(); else module.Eval();

        var state = new Dictionary<string, Tensor>();
        foreach (var s in c.GetProperty("state").EnumerateArray()) state[s.GetProperty("name").GetString()!] = ToTensor(s);
        try { module.LoadStateDict(state, strict: true); }
        catch (ArgumentException e) { throw new Xunit.Sdk.XunitException($"{what}: LoadStateDict failed: {e.Message}"); }

        var inputJson = c.GetProperty("inputs")[0];
        var input = ToTensor(inputJson);
        bool inputGrad = inputJson.GetProperty("requiresGrad").GetBoolean();
        if (inputGrad) input.RequiresGrad = true;

        Tensor output;
        try { output = module.Forward(input); }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{what}: Tidu's forward threw {e.GetType().Name}: {e.Message}");
        }
        CompareOutputAndBackward(what, c, output);

        if (inputGrad) CompareGrad(what, "grad of input", input, Shape(inputJson), Doubles(c.GetProperty("grads").GetProperty("input")));
        var parameters = module.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var expectedNames = c.GetProperty("paramGrads").EnumerateObject().Select(p => p.Name).ToList();
        Assert.True(parameters.Keys.Order().SequenceEqual(expectedNames.Order()),
            $"{what}: Tidu's parameters [{string.Join(", ", parameters.Keys)}] differ from PyTorch's [{string.Join(", ", expectedNames)}].");
        foreach (var g in c.GetProperty("paramGrads").EnumerateObject())
            CompareGrad(what, $"grad of parameter {g.Name}", parameters[g.Name], parameters[g.Name].Shape, Doubles(g.Value));

        var buffers = module.NamedBuffers().ToDictionary(b => b.Name, b => b.Buffer);
        foreach (var b in c.GetProperty("buffersAfter").EnumerateArray())
        {
            string bname = b.GetProperty("name").GetString()!;
            Assert.True(buffers.ContainsKey(bname), $"{what}: Tidu has no buffer '{bname}'.");
            var actual = buffers[bname];
            if (b.GetProperty("dtype").GetString() == "int64")
            {
                long expected = b.GetProperty("data")[0].GetInt64();
                Assert.True(actual.ToArray<long>()[0] == expected, $"{what}: buffer {bname} after the forward is {actual.ToArray<long>()[0]}, PyTorch's is {expected}.");
            }
            else
            {
                FixtureAssert.Close(Atol, Rtol, what, $"buffer {bname} after the forward", Shape(b), Doubles(b.GetProperty("data")), actual.Shape, actual.ToArray<double>());
            }
        }
    }

    /// <summary>The Tidu module for a {"type", "options"} object of the fixture, in Float64.</summary>
    private static Module Build(JsonElement layer)
    {
        string type = layer.GetProperty("type").GetString()!;
        var o = layer.GetProperty("options");
        const DType f64 = DType.Float64;
        return type switch
        {
            "Linear" => new Linear(I(o, "in"), I(o, "out"), B(o, "bias"), f64),
            "Conv2d" => new Conv2d(I(o, "in"), I(o, "out"), P(o, "kernel"), P(o, "stride"), P(o, "padding"), P(o, "dilation"),
                I(o, "groups"), B(o, "bias"), f64),
            "MaxPool2d" => new MaxPool2d(P(o, "kernel"), P(o, "stride"), P(o, "padding"), P(o, "dilation"), B(o, "ceilMode")),
            "AvgPool2d" => new AvgPool2d(P(o, "kernel"), P(o, "stride"), P(o, "padding"), B(o, "ceilMode"), B(o, "countIncludePad")),
            "AdaptiveAvgPool2d" => new AdaptiveAvgPool2d(P(o, "outputSize")),
            "BatchNorm1d" => new BatchNorm1d(I(o, "features"), D(o, "eps"), D(o, "momentum"), B(o, "affine"), B(o, "trackRunningStats"), f64),
            "BatchNorm2d" => new BatchNorm2d(I(o, "features"), D(o, "eps"), D(o, "momentum"), B(o, "affine"), B(o, "trackRunningStats"), f64),
            "LayerNorm" => new LayerNorm(o.GetProperty("normalizedShape").EnumerateArray().Select(x => x.GetInt32()).ToArray(), D(o, "eps"),
                B(o, "elementwiseAffine"), B(o, "bias"), f64),
            "Embedding" => new Embedding(I(o, "num"), I(o, "dim"),
                o.GetProperty("paddingIdx").ValueKind == JsonValueKind.Null ? null : I(o, "paddingIdx"), f64),
            "ReLU" => new ReLU(),
            "LeakyReLU" => new LeakyReLU(D(o, "negativeSlope")),
            "ELU" => new ELU(D(o, "alpha")),
            "SELU" => new SELU(),
            "GELU" => new GELU(o.GetProperty("approximate").GetString() switch
            {
                "none" => GeluApproximation.None,
                "tanh" => GeluApproximation.Tanh,
                var a => throw new InvalidOperationException($"unknown GELU approximation {a}"),
            }),
            "Sigmoid" => new Sigmoid(),
            "Tanh" => new Tanh(),
            "Softmax" => new Softmax(I(o, "dim")),
            "LogSoftmax" => new LogSoftmax(I(o, "dim")),
            "Flatten" => new Flatten(I(o, "startDim"), I(o, "endDim")),
            "Dropout" => new Dropout(D(o, "p")),
            "Sequential" => new Sequential(o.GetProperty("layers").EnumerateArray().Select(Build).ToArray()),
            _ => throw new InvalidOperationException($"unknown module type {type}"),
        };
    }

    // ---- losses ------------------------------------------------------------------------------------------

    private static void CheckLoss(string name, JsonElement c)
    {
        var spec = c.GetProperty("loss");
        string type = spec.GetProperty("type").GetString()!;
        var o = spec.GetProperty("options");
        string what = $"{name} ({type}, {o.GetRawText()})";
        var reduction = o.GetProperty("reduction").GetString() switch
        {
            "mean" => Reduction.Mean,
            "sum" => Reduction.Sum,
            "none" => Reduction.None,
            var r => throw new InvalidOperationException($"unknown reduction {r}"),
        };
        Tensor? weight = o.TryGetProperty("weight", out var w) ? ToTensor(w) : null;
        Tensor? posWeight = o.TryGetProperty("posWeight", out var pw) ? ToTensor(pw) : null;
        Loss loss = type switch
        {
            "MSELoss" => new MSELoss(reduction),
            "L1Loss" => new L1Loss(reduction),
            "SmoothL1Loss" => new SmoothL1Loss(reduction, D(o, "beta")),
            "HuberLoss" => new HuberLoss(reduction, D(o, "delta")),
            "CrossEntropyLoss" => new CrossEntropyLoss(weight, I(o, "ignoreIndex"), reduction, D(o, "labelSmoothing")),
            "NLLLoss" => new NLLLoss(weight, I(o, "ignoreIndex"), reduction),
            "BCELoss" => new BCELoss(weight, reduction),
            "BCEWithLogitsLoss" => new BCEWithLogitsLoss(weight, reduction, posWeight),
            _ => throw new InvalidOperationException($"unknown loss {type}"),
        };

        var inputs = c.GetProperty("inputs").EnumerateArray().ToList();
        var input = ToTensor(inputs[0]);
        var target = ToTensor(inputs[1]);
        input.RequiresGrad = true;
        bool targetGrad = inputs[1].GetProperty("requiresGrad").GetBoolean();
        if (targetGrad) target.RequiresGrad = true;

        Tensor output;
        try { output = loss.Forward(input, target); }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{what}: Tidu's loss threw {e.GetType().Name}: {e.Message}");
        }
        CompareOutputAndBackward(what, c, output);
        var grads = c.GetProperty("grads");
        CompareGrad(what, "grad of input", input, Shape(inputs[0]), Doubles(grads.GetProperty("input")));
        if (targetGrad) CompareGrad(what, "grad of target", target, Shape(inputs[1]), Doubles(grads.GetProperty("target")));
    }

    // ---- comparisons -------------------------------------------------------------------------------------

    private static void CompareOutputAndBackward(string what, JsonElement c, Tensor output)
    {
        var outJson = c.GetProperty("output");
        int[] outShape = Shape(outJson);
        Assert.True(output.DType == DType.Float64, $"{what}: output dtype is {output.DType}, PyTorch's is Float64.");
        FixtureAssert.Close(Atol, Rtol, what, "output", outShape, Doubles(outJson.GetProperty("data")), output.Shape, output.ToArray<double>());

        var wv = Doubles(c.GetProperty("weights"));
        var weights = outShape.Length == 0 ? Tensor.Scalar(wv[0]) : Tensor.From(wv, outShape);
        if (!output.RequiresGrad) return; // e.g. an index lookup into a frozen table; nothing to backpropagate
        try { (output * weights).Sum().Backward(); }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{what}: Tidu's backward threw {e.GetType().Name}: {e.Message}");
        }
    }

    private static void CompareGrad(string what, string quantity, Tensor t, int[] shape, double[] expected)
    {
        // PyTorch leaves the gradient of a tensor that does not reach the output as None; the fixture stores zeros
        double[] actual = t.Grad is null ? new double[expected.Length] : t.Grad.ToArray<double>();
        int[] actualShape = t.Grad is null ? shape : t.Grad.Shape;
        FixtureAssert.Close(Atol, Rtol, what, quantity, shape, expected, actualShape, actual);
    }

    // ---- JSON helpers ------------------------------------------------------------------------------------

    /// <summary>A tensor from {"shape", "dtype" (float64 when absent), "data"}.</summary>
    private static Tensor ToTensor(JsonElement e)
    {
        int[] shape = Shape(e);
        var data = e.GetProperty("data");
        bool isInt = e.TryGetProperty("dtype", out var dt) && dt.GetString() == "int64";
        if (isInt)
        {
            var v = data.EnumerateArray().Select(x => x.GetInt64()).ToArray();
            return shape.Length == 0 ? Tensor.Scalar(v[0]) : Tensor.From(v, shape);
        }
        var d = Doubles(data);
        return shape.Length == 0 ? Tensor.Scalar(d[0]) : Tensor.From(d, shape);
    }

    private static int I(JsonElement o, string key) => o.GetProperty(key).GetInt32();
    private static double D(JsonElement o, string key) => o.GetProperty(key).GetDouble();
    private static bool B(JsonElement o, string key) => o.GetProperty(key).GetBoolean();

    private static (int, int) P(JsonElement o, string key)
    {
        var a = o.GetProperty(key);
        return (a[0].GetInt32(), a[1].GetInt32());
    }

    private static int[] Shape(JsonElement e) => e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray();

    private static double[] Doubles(JsonElement a) => a.EnumerateArray().Select(x => x.GetDouble()).ToArray();

}

/// <summary>torch_modules.json, read once from the test output directory.</summary>
internal static class ModuleFixtureFile
{
    private static readonly Lazy<(List<string> Names, Dictionary<string, JsonElement> Cases)> file = new(Load);

    public static IReadOnlyList<string> Names => file.Value.Names;

    public static JsonElement Get(string name) => file.Value.Cases[name];

    private static (List<string>, Dictionary<string, JsonElement>) Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "torch_modules.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var names = new List<string>();
        var cases = new Dictionary<string, JsonElement>();
        foreach (var e in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            string name = e.GetProperty("name").GetString()!;
            names.Add(name);
            cases[name] = e.Clone(); // outlives the document
        }
        return (names, cases);
    }
}
