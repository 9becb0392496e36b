using Tidu.Tests.Fixtures;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

using static FixtureGenerator.FixtureJson;

namespace FixtureGenerator;

/// <summary>
/// Writes tests/Tidu.Tests/Fixtures/torch_expressions.json (every expression of expressions.txt evaluated and
/// differentiated by libtorch in float64) and seed_problem1.json (the seed tutorial's hand-written loop in
/// float32). Usage: FixtureGenerator.dll &lt;repo-root&gt;.
/// </summary>
public static class Program
{
    /// <summary>Combined with each expression's name so that adding a line does not change the other inputs.</summary>
    private const int Seed = 20240611;

    public static int Main(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: FixtureGenerator <repo-root>");
            return 2;
        }
        string fixtures = Path.Combine(args[0], "tests", "Tidu.Tests", "Fixtures");
        string source = Path.Combine(fixtures, "expressions.txt");
        var cases = FixtureLine.ParseFile(File.ReadAllLines(source));

        var list = new List<JsonObject>();
        foreach (var c in cases)
        {
            try { list.Add(Generate(c)); }
            catch (Exception e)
            {
                Console.Error.WriteLine($"{c.Name}: {c.Expression}\n  {e.GetType().Name}: {e.Message}");
                return 1;
            }
        }
        var header = Header();
        header["seed"] = Seed;
        header["dtype"] = "float64";
        header["loss"] = "sum(output * weights); the weights are stored per expression";
        WriteJson(Path.Combine(fixtures, "torch_expressions.json"), header, "expressions", list);
        Console.WriteLine($"wrote {list.Count} expressions to {Path.Combine(fixtures, "torch_expressions.json")}");

        var seedHeader = Header();
        seedHeader["dtype"] = "float32";
        WriteJson(Path.Combine(fixtures, "seed_problem1.json"), seedHeader, "problems", [SeedProblem1()]);
        Console.WriteLine($"wrote {Path.Combine(fixtures, "seed_problem1.json")}");
        OptimFixtures.Write(fixtures);
        SeedProgramFixtures.Write(fixtures);
        ModuleFixtures.Write(fixtures);
        return 0;
    }

    private static JsonObject Header() => new()
    {
        ["generator"] = "tools/FixtureGenerator",
        ["torchSharpVersion"] = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
                                ?? typeof(torch).Assembly.GetName().Version?.ToString(),
        ["libtorchVersion"] = torch.__version__,
    };

    private static JsonObject Generate(FixtureLine c)
    {
        var rng = new Random(unchecked(Seed * 31 + StableHash(c.Name)));
        var inputs = new Dictionary<string, Tensor>();
        var inputJson = new JsonArray();
        foreach (var spec in c.Inputs)
        {
            var (tensor, data) = MakeInput(spec, rng);
            inputs[spec.Name] = tensor;
            inputJson.Add(new JsonObject
            {
                ["name"] = spec.Name,
                ["shape"] = Ints(spec.Shape),
                ["dtype"] = spec.IsInteger ? "int64" : "float64",
                ["requiresGrad"] = !spec.IsInteger,
                ["data"] = data,
            });
        }

        var output = TorchEvaluator.Evaluate(c.Expression, inputs);
        if (output.dtype != ScalarType.Float64)
            throw new InvalidOperationException($"the result is {output.dtype}; every expression must give a Float64 tensor.");
        int[] outShape = output.shape.Select(d => (int)d).ToArray();
        var weightValues = Randn(rng, Numel(outShape));
        var weights = torch.tensor(weightValues, outShape.Select(d => (long)d).ToArray(), ScalarType.Float64);
        var loss = (output * weights).sum();
        if (output.requires_grad) loss.backward();

        var grads = new JsonObject();
        foreach (var spec in c.Inputs)
        {
            if (spec.IsInteger) continue;
            var g = inputs[spec.Name].grad;
            // an input that does not reach the output gets no gradient in PyTorch; Tidu must then report none or zeros
            grads[spec.Name] = g is null ? Doubles(new double[Numel(spec.Shape)]) : Doubles(Values(g));
        }
        return new JsonObject
        {
            ["name"] = c.Name,
            ["inputSpec"] = c.InputText,
            ["expression"] = c.ExpressionText,
            ["inputs"] = inputJson,
            ["output"] = new JsonObject { ["shape"] = Ints(outShape), ["dtype"] = "float64", ["data"] = Doubles(Values(output)) },
            ["weights"] = Doubles(weightValues),
            ["grads"] = grads,
        };
    }

    private static (Tensor, JsonArray) MakeInput(InputSpec spec, Random rng)
    {
        int n = Numel(spec.Shape);
        long[] dims = spec.Shape.Select(d => (long)d).ToArray();
        if (spec.IsInteger)
        {
            var v = new long[n];
            for (int i = 0; i < n; i++) v[i] = rng.NextInt64(spec.Kind == "mask" ? 2 : spec.Bound);
            var arr = new JsonArray();
            foreach (long x in v) arr.Add(x);
            return (torch.tensor(v, dims, ScalarType.Int64), arr);
        }
        double[] d = spec.Kind switch
        {
            "randn" => Randn(rng, n),
            "pos" => Uniform(rng, n, 0.5, 2.0),
            "unit" => Uniform(rng, n, -0.9, 0.9),
            _ => throw new InvalidOperationException($"unknown input kind '{spec.Kind}'"),
        };
        return (torch.tensor(d, dims, ScalarType.Float64, requires_grad: true), Doubles(d));
    }

    /// <summary>
    /// The seed tutorial's problem 1 exactly as its PyTorch code runs it (float32): pred = x*w,
    /// loss = (pred-y)*(pred-y), backward, record, w.data = w.data - lr*w.grad, w.grad.zero_().
    /// </summary>
    private static JsonObject SeedProblem1()
    {
        var x = torch.tensor(new float[] { 100f });
        var y = torch.tensor(new float[] { 110f });
        var w = torch.tensor(new float[] { 1f }, requires_grad: true);
        const double lr = 0.00001;
        var iterations = new JsonArray();
        for (int i = 0; i < 10; i++)
        {
            var pred = x * w;
            var loss = (pred - y) * (pred - y);
            loss.backward();
            var grad = w.grad!;
            iterations.Add(new JsonObject
            {
                ["pred"] = (double)pred.item<float>(),
                ["loss"] = (double)loss.item<float>(),
                ["weights"] = new JsonArray((double)w.detach().item<float>()),
                ["grads"] = new JsonArray((double)grad.item<float>()),
            });
            using (torch.no_grad())
            {
                // w.data = w.data - lr * w.grad: float32 arithmetic, the new values written into w's storage
                var updated = w.detach() - lr * grad;
                w.detach().copy_(updated);
            }
            grad.zero_();
        }
        return new JsonObject
        {
            ["name"] = "problem1-hand-written",
            ["x"] = 100.0, ["y"] = 110.0, ["initialWeight"] = 1.0, ["lr"] = lr,
            ["iterations"] = iterations,
        };
    }

}
