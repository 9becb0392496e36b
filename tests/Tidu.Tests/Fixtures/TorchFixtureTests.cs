using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Tidu.Tests.Fixtures;

/// <summary>
/// Compares Tidu's forward values and gradients with PyTorch's for every expression of expressions.txt.
/// The PyTorch results are stored in torch_expressions.json (written by tools/FixtureGenerator with
/// TorchSharp/libtorch in float64), so these tests never need libtorch. Each case evaluates the expression,
/// backpropagates sum(output * weights) with the stored weights, and compares the output and the gradient of
/// every input with |tidu − torch| ≤ atol + rtol·|torch|.
/// </summary>
public class TorchFixtureTests
{
    private const double Atol = 1e-9;
    private const double Rtol = 1e-7;

    /// <summary>Every expression of the fixture file.</summary>
    public static TheoryData<string> Cases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var c in TorchFixtureFile.Cases) data.Add(c.Name);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExpressionMatchesPyTorch(string name) => Check(TorchFixtureFile.Get(name));

    [Fact]
    public void FixtureFileHoldsAtLeast100Expressions()
    {
        Assert.True(TorchFixtureFile.Cases.Count >= 100, $"torch_expressions.json holds only {TorchFixtureFile.Cases.Count} expressions.");
    }

    [Fact]
    public void EveryOpInTheFixtureIsKnownToTheInterpreter()
    {
        var unknown = TorchFixtureFile.Cases
            .SelectMany(c => FixtureInterpreter.OpsOf(c.Expression).Select(op => (op, c.Name)))
            .Where(p => !FixtureInterpreter.Ops.Contains(p.op))
            .Select(p => $"{p.op} (in {p.Name})").Distinct().ToList();
        Assert.True(unknown.Count == 0, "ops the interpreter does not know: " + string.Join(", ", unknown));
    }

    [Fact]
    public void FixtureFileMatchesExpressionsTxt()
    {
        // expressions.txt sits beside this source file; a stale JSON means the generator was not re-run.
        string source = Path.Combine(Path.GetDirectoryName(ThisSourceFile())!, "expressions.txt");
        if (!File.Exists(source)) return; // running from a build without the sources: nothing to compare
        var lines = File.ReadAllLines(source)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('|').Select(p => p.Trim()).ToArray())
            .Select(p => $"{p[0]} | {p[1]} | {p[2]}")
            .ToList();
        var stored = TorchFixtureFile.Cases.Select(c => $"{c.Name} | {c.InputSpec} | {c.Expression}").ToList();
        Assert.True(lines.SequenceEqual(stored),
            "torch_expressions.json is out of date with expressions.txt; regenerate it (tools/FixtureGenerator/README.md). First difference: "
            + lines.Zip(stored).Where(p => p.First != p.Second).Select(p => $"txt '{p.First}' vs json '{p.Second}'").FirstOrDefault()
            + $" ({lines.Count} lines, {stored.Count} stored)");
    }

    private static string ThisSourceFile([CallerFilePath] string path = "") => path;

    private static void Check(TorchCase c)
    {
        string what = $"{c.Name}: {c.Expression} [{c.InputSpec}]";
        var inputs = new Dictionary<string, Tensor>();
        foreach (var input in c.Inputs) inputs[input.Name] = input.ToTensor();

        Tensor output;
        try { output = FixtureInterpreter.Evaluate(c.Expression, inputs); }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{what}: Tidu threw {e.GetType().Name}: {e.Message}");
        }
        Assert.True(output.DType == DType.Float64, $"{what}: output dtype is {output.DType}, PyTorch's is Float64.");
        FixtureAssert.Close(Atol, Rtol, what, "output", c.OutputShape, c.OutputData, output.Shape, output.ToArray<double>());

        var weights = c.OutputShape.Length == 0 ? Tensor.Scalar(c.Weights[0]) : Tensor.From(c.Weights, c.OutputShape);
        try { (output * weights).Sum().Backward(); }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{what}: Tidu's backward threw {e.GetType().Name}: {e.Message}");
        }
        foreach (var input in c.Inputs)
        {
            if (!input.RequiresGrad) continue;
            var t = inputs[input.Name];
            // PyTorch leaves the gradient of an input that does not reach the output as None; the fixture stores zeros
            double[] grad = t.Grad is null ? new double[input.Data.Length] : t.Grad.ToArray<double>();
            int[] gradShape = t.Grad is null ? input.Shape : t.Grad.Shape;
            FixtureAssert.Close(Atol, Rtol, what, $"grad of {input.Name}", input.Shape, c.Grads[input.Name], gradShape, grad);
        }
    }

}

/// <summary>One input of a stored expression.</summary>
internal sealed record TorchInput(string Name, int[] Shape, bool IsInteger, bool RequiresGrad, double[] Data, long[] IntData)
{
    public Tensor ToTensor()
    {
        Tensor t = IsInteger
            ? (Shape.Length == 0 ? Tensor.Scalar(IntData[0]) : Tensor.From(IntData, Shape))
            : (Shape.Length == 0 ? Tensor.Scalar(Data[0]) : Tensor.From(Data, Shape));
        if (RequiresGrad) t.RequiresGrad = true;
        return t;
    }
}

/// <summary>One stored expression with PyTorch's output and gradients.</summary>
internal sealed record TorchCase(string Name, string InputSpec, string Expression, IReadOnlyList<TorchInput> Inputs,
    int[] OutputShape, double[] OutputData, double[] Weights, IReadOnlyDictionary<string, double[]> Grads);

/// <summary>torch_expressions.json, read once from the test output directory.</summary>
internal static class TorchFixtureFile
{
    private static readonly Lazy<IReadOnlyList<TorchCase>> cases = new(Load);

    public static IReadOnlyList<TorchCase> Cases => cases.Value;

    public static TorchCase Get(string name) => Cases.Single(c => c.Name == name);

    private static List<TorchCase> Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "torch_expressions.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var list = new List<TorchCase>();
        foreach (var e in doc.RootElement.GetProperty("expressions").EnumerateArray())
        {
            var inputs = new List<TorchInput>();
            foreach (var i in e.GetProperty("inputs").EnumerateArray())
            {
                bool isInt = i.GetProperty("dtype").GetString() == "int64";
                var data = i.GetProperty("data");
                inputs.Add(new TorchInput(
                    i.GetProperty("name").GetString()!,
                    Ints(i.GetProperty("shape")),
                    isInt,
                    i.GetProperty("requiresGrad").GetBoolean(),
                    isInt ? [] : Doubles(data),
                    isInt ? data.EnumerateArray().Select(x => x.GetInt64()).ToArray() : []));
            }
            var output = e.GetProperty("output");
            var grads = new Dictionary<string, double[]>();
            foreach (var g in e.GetProperty("grads").EnumerateObject()) grads[g.Name] = Doubles(g.Value);
            list.Add(new TorchCase(
                e.GetProperty("name").GetString()!,
                e.GetProperty("inputSpec").GetString()!,
                e.GetProperty("expression").GetString()!,
                inputs,
                Ints(output.GetProperty("shape")),
                Doubles(output.GetProperty("data")),
                Doubles(e.GetProperty("weights")),
                grads));
        }
        return list;
    }

    private static int[] Ints(JsonElement a) => a.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    private static double[] Doubles(JsonElement a) => a.EnumerateArray().Select(x => x.GetDouble()).ToArray();
}
