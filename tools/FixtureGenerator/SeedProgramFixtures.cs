using System.Reflection;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FixtureGenerator;

/// <summary>
/// Writes tests/Tidu.Tests/Fixtures/seed_programs.json: the seed post's four programs run by libtorch in float32,
/// as Tidu's <c>tidu seed</c> runs them (x = 100 or (100, 90), y = 110, every weight 1.0, lr = 1e-5, 10
/// iterations), in the schema of <c>tidu seed --json</c>: <c>{"problems": [{"name", "iterations": [{"pred",
/// "loss", "weights", "grads"}]}]}</c>. Problems 1 and 2 record the values before the update (where the post
/// prints them); problem 3 records them after <c>optimizer.step()</c>, as the post prints them there.
/// </summary>
public static class SeedProgramFixtures
{
    private const double Lr = 0.00001;

    /// <summary>Writes seed_programs.json into <paramref name="fixtures"/>.</summary>
    public static void Write(string fixtures)
    {
        var header = new JsonObject
        {
            ["generator"] = "tools/FixtureGenerator (SeedProgramFixtures.cs)",
            ["torchSharpVersion"] = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
                                    ?? typeof(torch).Assembly.GetName().Version?.ToString(),
            ["libtorchVersion"] = torch.__version__,
            ["dtype"] = "float32",
        };
        var problems = new List<JsonObject>
        {
            Problem("problem1-hand-written", Problem1HandWritten()),
            Problem("problem1-linear", Problem1Linear()),
            Problem("problem2-two-parents", Problem2TwoParents()),
            Problem("problem3-two-layers", Problem3TwoLayers()),
        };
        string path = Path.Combine(fixtures, "seed_programs.json");
        FixtureJson.WriteJson(path, header, [("problems", problems)]);
        Console.WriteLine($"wrote {path}");
    }

    private static JsonObject Problem(string name, JsonArray iterations) => new() { ["name"] = name, ["iterations"] = iterations };

    private static JsonObject Iteration(Tensor pred, Tensor loss, params Tensor[] weights) => new()
    {
        ["pred"] = (double)pred.item<float>(),
        ["loss"] = (double)loss.item<float>(),
        ["weights"] = Values(weights.Select(w => w.detach())),
        ["grads"] = Values(weights.Select(w => w.grad!)),
    };

    private static JsonArray Values(IEnumerable<Tensor> tensors)
    {
        var a = new JsonArray();
        foreach (var t in tensors)
            foreach (float f in t.contiguous().data<float>().ToArray()) a.Add((double)f);
        return a;
    }

    /// <summary>pred = x*w; loss = (pred-y)*(pred-y); backward; print; w.data = w.data - lr*w.grad; w.grad.zero_().</summary>
    private static JsonArray Problem1HandWritten()
    {
        var x = torch.tensor(new float[] { 100f });
        var y = torch.tensor(new float[] { 110f });
        var w = torch.tensor(new float[] { 1f }, requires_grad: true);
        var iterations = new JsonArray();
        for (int i = 0; i < 10; i++)
        {
            var pred = x * w;
            var loss = (pred - y) * (pred - y);
            loss.backward();
            iterations.Add(Iteration(pred, loss, w));
            using (torch.no_grad())
            {
                var updated = w.detach() - Lr * w.grad!;
                w.detach().copy_(updated);
            }
            w.grad!.zero_();
        }
        return iterations;
    }

    /// <summary>Linear(1, 1, bias=False) with weight 1, MSELoss, SGD(lr, momentum=0); printed before the step.</summary>
    private static JsonArray Problem1Linear() => OneLayer(new float[] { 100f });

    /// <summary>Linear(2, 1, bias=False) with weights (1, 1) on x = (100, 90); printed before the step.</summary>
    private static JsonArray Problem2TwoParents() => OneLayer(new float[] { 100f, 90f });

    private static JsonArray OneLayer(float[] xs)
    {
        var x = torch.tensor(xs);
        var y = torch.tensor(new float[] { 110f });
        var model = nn.Linear(xs.Length, 1, hasBias: false);
        using (torch.no_grad()) model.weight!.fill_(1.0);
        var optimizer = optim.SGD(model.parameters(), Lr, momentum: 0);
        var lossFunc = nn.MSELoss();
        var iterations = new JsonArray();
        for (int i = 0; i < 10; i++)
        {
            var pred = model.forward(x);
            var loss = lossFunc.forward(pred, y);
            loss.backward();
            iterations.Add(Iteration(pred, loss, model.weight!));
            optimizer.step();
            optimizer.zero_grad();
        }
        return iterations;
    }

    /// <summary>
    /// Two Linear(1, 1, bias=False) layers (weights 1), pred = model2(model1(x)), one SGD over two parameter groups
    /// that inherit lr = 1e-5 (TorchSharp's typed ParamGroup does not inherit, so the lr is given to each group, as
    /// PyTorch's inheritance makes it); printed after the step.
    /// </summary>
    private static JsonArray Problem3TwoLayers()
    {
        var x = torch.tensor(new float[] { 100f });
        var y = torch.tensor(new float[] { 110f });
        var model1 = nn.Linear(1, 1, hasBias: false);
        var model2 = nn.Linear(1, 1, hasBias: false);
        using (torch.no_grad())
        {
            model1.weight!.fill_(1.0);
            model2.weight!.fill_(1.0);
        }
        var optimizer = optim.SGD(
            [new SGD.ParamGroup(model1.parameters(), lr: Lr, momentum: 0), new SGD.ParamGroup(model2.parameters(), lr: Lr, momentum: 0)],
            Lr, momentum: 0);
        var lossFunc = nn.MSELoss();
        var iterations = new JsonArray();
        for (int i = 0; i < 10; i++)
        {
            var pred = model2.forward(model1.forward(x));
            var loss = lossFunc.forward(pred, y);
            loss.backward();
            optimizer.step();
            iterations.Add(Iteration(pred, loss, model1.weight!, model2.weight!));
            optimizer.zero_grad();
        }
        return iterations;
    }
}
