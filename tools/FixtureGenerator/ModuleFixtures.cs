using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

using static FixtureGenerator.FixtureJson;

namespace FixtureGenerator;

/// <summary>
/// Writes tests/Tidu.Tests/Fixtures/torch_modules.json: nn modules and loss functions run by libtorch (through
/// TorchSharp) in float64. A module case stores the module's options, its state dict (libtorch's own seeded
/// initialisation, or random values for the normalisation layers' affine parameters and running statistics),
/// the input, the output, the random weights w, and the gradients of sum(output * w) with respect to the input
/// and every parameter, plus the buffers after the forward (BatchNorm's running statistics). A loss case stores
/// the options (including class weights / pos_weight), input, target, the loss, w, and the gradients with
/// respect to the input and (where PyTorch differentiates it) the target.
/// The Tidu side (tests/Tidu.Tests/Fixtures/ModuleFixtureTests.cs) builds the same module from the options.
/// </summary>
public static class ModuleFixtures
{
    /// <summary>Combined with each case's name so that adding a case does not change the others' data.</summary>
    private const int Seed = 20240923;

    public static void Write(string fixturesDir)
    {
        var cases = new List<JsonObject>();
        var previous = torch.get_default_dtype();
        torch.set_default_dtype(ScalarType.Float64);
        // one thread and libtorch-owned inputs (see Owned): otherwise the last bit of a matrix product may depend on
        // the run and every regeneration would change the file
        torch.set_num_threads(1);
        try
        {
            foreach (var c in ModuleCases())
            {
                try { cases.Add(GenerateModule(c)); }
                catch (Exception e) { throw new InvalidOperationException($"module case {c.Name}: {e.Message}", e); }
            }
            foreach (var c in LossCases())
            {
                try { cases.Add(GenerateLoss(c)); }
                catch (Exception e) { throw new InvalidOperationException($"loss case {c.Name}: {e.Message}", e); }
            }
        }
        finally { torch.set_default_dtype(previous); }

        var names = new HashSet<string>();
        foreach (var c in cases)
            if (!names.Add((string)c["name"]!)) throw new InvalidOperationException($"duplicate case name {c["name"]}");

        var header = new JsonObject
        {
            ["generator"] = "tools/FixtureGenerator (ModuleFixtures.cs)",
            ["torchSharpVersion"] = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
                                    ?? typeof(torch).Assembly.GetName().Version?.ToString(),
            ["libtorchVersion"] = torch.__version__,
            ["seed"] = Seed,
            ["dtype"] = "float64",
            ["loss"] = "sum(output * weights); the weights are stored per case",
        };
        string path = Path.Combine(fixturesDir, "torch_modules.json");
        WriteJson(path, header, "cases", cases);
        Console.WriteLine($"wrote {cases.Count} module and loss cases to {path}");
    }

    // ---- case definitions --------------------------------------------------------------------------------

    /// <param name="Name">Unique case name.</param>
    /// <param name="Layer">{"type": ..., "options": {...}}; the Tidu side reads the same object.</param>
    /// <param name="InputShape">The input's shape.</param>
    /// <param name="Train">Training mode (else eval).</param>
    /// <param name="InputKind">"randn", or "index:N" for Int64 indices in [0, N).</param>
    /// <param name="RandomizeState">Overwrite the normalisation layers' weight, bias and running statistics with random values.</param>
    private sealed record ModuleCase(string Name, JsonObject Layer, int[] InputShape, bool Train = true, string InputKind = "randn", bool RandomizeState = false);

    private static JsonObject L(string type, JsonObject? options = null) => new() { ["type"] = type, ["options"] = options ?? new JsonObject() };

    private static JsonArray Pair(int h, int w) => new(h, w);

    private static JsonObject Linear(int i, int o, bool bias = true) => L("Linear", new() { ["in"] = i, ["out"] = o, ["bias"] = bias });

    private static JsonObject Conv(int i, int o, (int, int) k, (int, int) s, (int, int) p, (int, int) d, int groups, bool bias) =>
        L("Conv2d", new()
        {
            ["in"] = i, ["out"] = o, ["kernel"] = Pair(k.Item1, k.Item2), ["stride"] = Pair(s.Item1, s.Item2),
            ["padding"] = Pair(p.Item1, p.Item2), ["dilation"] = Pair(d.Item1, d.Item2), ["groups"] = groups, ["bias"] = bias,
        });

    private static JsonObject MaxPool((int, int) k, (int, int) s, (int, int) p, (int, int) d, bool ceil) =>
        L("MaxPool2d", new()
        {
            ["kernel"] = Pair(k.Item1, k.Item2), ["stride"] = Pair(s.Item1, s.Item2), ["padding"] = Pair(p.Item1, p.Item2),
            ["dilation"] = Pair(d.Item1, d.Item2), ["ceilMode"] = ceil,
        });

    private static JsonObject AvgPool((int, int) k, (int, int) s, (int, int) p, bool ceil, bool countIncludePad) =>
        L("AvgPool2d", new()
        {
            ["kernel"] = Pair(k.Item1, k.Item2), ["stride"] = Pair(s.Item1, s.Item2), ["padding"] = Pair(p.Item1, p.Item2),
            ["ceilMode"] = ceil, ["countIncludePad"] = countIncludePad,
        });

    private static JsonObject BatchNorm(string type, int features, double eps = 1e-5, double momentum = 0.1, bool affine = true) =>
        L(type, new() { ["features"] = features, ["eps"] = eps, ["momentum"] = momentum, ["affine"] = affine, ["trackRunningStats"] = true });

    private static JsonObject LayerNorm(int[] shape, double eps = 1e-5, bool affine = true, bool bias = true) =>
        L("LayerNorm", new() { ["normalizedShape"] = new JsonArray(shape.Select(s => (JsonNode)s).ToArray()), ["eps"] = eps, ["elementwiseAffine"] = affine, ["bias"] = bias });

    private static JsonObject Seq(params JsonObject[] layers) => L("Sequential", new() { ["layers"] = new JsonArray(layers) });

    private static IEnumerable<ModuleCase> ModuleCases()
    {
        yield return new("linear", Linear(5, 3), [4, 5]);
        yield return new("linear-no-bias", Linear(5, 3, bias: false), [4, 5]);
        yield return new("linear-3d-input", Linear(4, 6), [2, 3, 4]);
        yield return new("linear-1d-input", Linear(4, 2), [4]);

        yield return new("conv2d-basic", Conv(2, 3, (3, 3), (1, 1), (0, 0), (1, 1), 1, true), [2, 2, 6, 5]);
        yield return new("conv2d-stride2-padding1", Conv(3, 4, (3, 3), (2, 2), (1, 1), (1, 1), 1, true), [2, 3, 7, 6]);
        yield return new("conv2d-dilation2", Conv(2, 3, (3, 2), (1, 1), (1, 0), (2, 2), 1, true), [2, 2, 7, 6]);
        yield return new("conv2d-groups2-no-bias", Conv(4, 6, (3, 3), (1, 2), (1, 1), (1, 1), 2, false), [2, 4, 5, 6]);
        yield return new("conv2d-unbatched", Conv(2, 2, (2, 2), (1, 1), (0, 0), (1, 1), 1, true), [2, 4, 4]);

        yield return new("maxpool2d-2x2", MaxPool((2, 2), (2, 2), (0, 0), (1, 1), false), [2, 3, 6, 6]);
        yield return new("maxpool2d-3x3-stride2-padding1", MaxPool((3, 3), (2, 2), (1, 1), (1, 1), false), [2, 2, 7, 6]);
        yield return new("maxpool2d-ceil-mode", MaxPool((2, 2), (2, 2), (0, 0), (1, 1), true), [2, 2, 5, 7]);
        yield return new("maxpool2d-ceil-padding-dilation", MaxPool((3, 2), (2, 2), (1, 1), (2, 1), true), [1, 2, 8, 7]);

        yield return new("avgpool2d-2x2", AvgPool((2, 2), (2, 2), (0, 0), false, true), [2, 3, 6, 6]);
        yield return new("avgpool2d-padding-include-pad", AvgPool((3, 3), (2, 2), (1, 1), false, true), [2, 2, 7, 6]);
        yield return new("avgpool2d-padding-exclude-pad", AvgPool((3, 3), (2, 2), (1, 1), false, false), [2, 2, 7, 6]);
        yield return new("avgpool2d-ceil-exclude-pad", AvgPool((3, 2), (2, 2), (1, 1), true, false), [1, 2, 6, 7]);
        yield return new("avgpool2d-ceil-include-pad", AvgPool((2, 2), (2, 2), (1, 0), true, true), [1, 2, 5, 5]);

        yield return new("adaptiveavgpool2d-divisible", L("AdaptiveAvgPool2d", new() { ["outputSize"] = Pair(2, 3) }), [2, 2, 4, 6]);
        yield return new("adaptiveavgpool2d-non-divisible", L("AdaptiveAvgPool2d", new() { ["outputSize"] = Pair(3, 2) }), [2, 2, 7, 5]);
        yield return new("adaptiveavgpool2d-global", L("AdaptiveAvgPool2d", new() { ["outputSize"] = Pair(1, 1) }), [2, 3, 5, 4]);
        yield return new("adaptiveavgpool2d-upsample", L("AdaptiveAvgPool2d", new() { ["outputSize"] = Pair(5, 4) }), [1, 2, 3, 3]);

        yield return new("batchnorm1d-2d-train", BatchNorm("BatchNorm1d", 4), [6, 4], RandomizeState: true);
        yield return new("batchnorm1d-3d-train", BatchNorm("BatchNorm1d", 3, momentum: 0.3), [4, 3, 5], RandomizeState: true);
        yield return new("batchnorm1d-2d-eval", BatchNorm("BatchNorm1d", 4), [6, 4], Train: false, RandomizeState: true);
        yield return new("batchnorm1d-3d-eval", BatchNorm("BatchNorm1d", 3, eps: 1e-3), [4, 3, 5], Train: false, RandomizeState: true);
        yield return new("batchnorm1d-default-init-train", BatchNorm("BatchNorm1d", 3), [5, 3]);
        yield return new("batchnorm1d-no-affine-train", BatchNorm("BatchNorm1d", 3, affine: false), [5, 3], RandomizeState: true);
        yield return new("batchnorm2d-train", BatchNorm("BatchNorm2d", 3), [4, 3, 3, 4], RandomizeState: true);
        yield return new("batchnorm2d-eval", BatchNorm("BatchNorm2d", 3), [4, 3, 3, 4], Train: false, RandomizeState: true);
        yield return new("batchnorm2d-momentum-eps-train", BatchNorm("BatchNorm2d", 2, eps: 1e-2, momentum: 0.5), [3, 2, 4, 3], RandomizeState: true);

        yield return new("layernorm-1-dim", LayerNorm([5]), [3, 5], RandomizeState: true);
        yield return new("layernorm-2-dims", LayerNorm([3, 4], eps: 1e-3), [2, 2, 3, 4], RandomizeState: true);
        yield return new("layernorm-default-init", LayerNorm([6]), [2, 3, 6]);
        yield return new("layernorm-no-bias", LayerNorm([4], bias: false), [3, 4], RandomizeState: true);
        yield return new("layernorm-no-affine", LayerNorm([4], affine: false), [3, 4]);

        yield return new("embedding", L("Embedding", new() { ["num"] = 7, ["dim"] = 3, ["paddingIdx"] = null }), [2, 5], InputKind: "index:7");
        yield return new("embedding-padding-idx", L("Embedding", new() { ["num"] = 6, ["dim"] = 4, ["paddingIdx"] = 2 }), [3, 4], InputKind: "index:6");
        yield return new("embedding-negative-padding-idx", L("Embedding", new() { ["num"] = 5, ["dim"] = 2, ["paddingIdx"] = -1 }), [8], InputKind: "index:5");

        yield return new("relu", L("ReLU"), [3, 5]);
        yield return new("leakyrelu-default", L("LeakyReLU", new() { ["negativeSlope"] = 0.01 }), [3, 5]);
        yield return new("leakyrelu-0.2", L("LeakyReLU", new() { ["negativeSlope"] = 0.2 }), [3, 5]);
        yield return new("elu-default", L("ELU", new() { ["alpha"] = 1.0 }), [3, 5]);
        yield return new("elu-alpha-0.5", L("ELU", new() { ["alpha"] = 0.5 }), [3, 5]);
        yield return new("selu", L("SELU"), [3, 5]);
        yield return new("gelu-exact", L("GELU", new() { ["approximate"] = "none" }), [3, 5]);
        yield return new("gelu-tanh", L("GELU", new() { ["approximate"] = "tanh" }), [3, 5]);
        yield return new("sigmoid", L("Sigmoid"), [3, 5]);
        yield return new("tanh", L("Tanh"), [3, 5]);
        yield return new("softmax-dim1", L("Softmax", new() { ["dim"] = 1 }), [3, 5]);
        yield return new("softmax-dim0-3d", L("Softmax", new() { ["dim"] = 0 }), [3, 2, 4]);
        yield return new("logsoftmax-dim-last", L("LogSoftmax", new() { ["dim"] = -1 }), [2, 3, 4]);
        yield return new("logsoftmax-dim1", L("LogSoftmax", new() { ["dim"] = 1 }), [4, 5]);
        yield return new("flatten-default", L("Flatten", new() { ["startDim"] = 1, ["endDim"] = -1 }), [2, 3, 2, 2]);
        yield return new("flatten-0-1", L("Flatten", new() { ["startDim"] = 0, ["endDim"] = 1 }), [2, 3, 4]);
        yield return new("dropout-eval", L("Dropout", new() { ["p"] = 0.5 }), [3, 4], Train: false);
        yield return new("dropout-p0-train", L("Dropout", new() { ["p"] = 0.0 }), [3, 4]);

        yield return new("sequential-mlp-train",
            Seq(Linear(4, 8), L("ReLU"), Linear(8, 6), L("Tanh"), L("Dropout", new() { ["p"] = 0.0 }), Linear(6, 3)), [5, 4]);
        yield return new("sequential-mlp-batchnorm-train",
            Seq(Linear(4, 6), BatchNorm("BatchNorm1d", 6), L("GELU", new() { ["approximate"] = "none" }), Linear(6, 2)), [5, 4]);
        yield return new("sequential-cnn-train",
            Seq(Conv(2, 4, (3, 3), (1, 1), (1, 1), (1, 1), 1, true), BatchNorm("BatchNorm2d", 4), L("ReLU"),
                MaxPool((2, 2), (2, 2), (0, 0), (1, 1), false), L("Flatten", new() { ["startDim"] = 1, ["endDim"] = -1 }), Linear(4 * 3 * 3, 5)),
            [3, 2, 6, 6]);
        yield return new("sequential-cnn-eval",
            Seq(Conv(2, 4, (3, 3), (1, 1), (1, 1), (1, 1), 1, true), BatchNorm("BatchNorm2d", 4), L("ReLU"),
                AvgPool((2, 2), (2, 2), (0, 0), false, true), L("Flatten", new() { ["startDim"] = 1, ["endDim"] = -1 }), Linear(4 * 3 * 3, 5),
                L("LogSoftmax", new() { ["dim"] = 1 })),
            [3, 2, 6, 6], Train: false, RandomizeState: true);
    }

    // ---- module generation -------------------------------------------------------------------------------

    private static nn.Module<Tensor, Tensor> BuildTorch(JsonObject layer)
    {
        string type = (string)layer["type"]!;
        var o = (JsonObject)layer["options"]!;
        return type switch
        {
            "Linear" => nn.Linear(I(o, "in"), I(o, "out"), hasBias: B(o, "bias")),
            "Conv2d" => nn.Conv2d(I(o, "in"), I(o, "out"), P(o, "kernel"), stride: P(o, "stride"), padding: P(o, "padding"),
                dilation: P(o, "dilation"), groups: I(o, "groups"), bias: B(o, "bias")),
            "MaxPool2d" => nn.MaxPool2d(P(o, "kernel"), P(o, "stride"), P(o, "padding"), P(o, "dilation"), B(o, "ceilMode")),
            "AvgPool2d" => nn.AvgPool2d(P(o, "kernel"), P(o, "stride"), P(o, "padding"), B(o, "ceilMode"), B(o, "countIncludePad")),
            "AdaptiveAvgPool2d" => nn.AdaptiveAvgPool2d(P(o, "outputSize")),
            "BatchNorm1d" => nn.BatchNorm1d(I(o, "features"), D(o, "eps"), D(o, "momentum"), B(o, "affine"), B(o, "trackRunningStats")),
            "BatchNorm2d" => nn.BatchNorm2d(I(o, "features"), D(o, "eps"), D(o, "momentum"), B(o, "affine"), B(o, "trackRunningStats")),
            "LayerNorm" => nn.LayerNorm(((JsonArray)o["normalizedShape"]!).Select(n => Long(n!)).ToArray(), D(o, "eps"),
                B(o, "elementwiseAffine"), B(o, "bias")),
            "Embedding" => nn.Embedding(I(o, "num"), I(o, "dim"), padding_idx: o["paddingIdx"] is null ? null : I(o, "paddingIdx")),
            "ReLU" => nn.ReLU(),
            "LeakyReLU" => nn.LeakyReLU(D(o, "negativeSlope")),
            "ELU" => nn.ELU(D(o, "alpha")),
            "SELU" => nn.SELU(),
            "GELU" => (string)o["approximate"]! switch
            {
                "none" => nn.GELU(TorchSharp.Modules.GELU.Approximate.none),
                "tanh" => nn.GELU(TorchSharp.Modules.GELU.Approximate.tanh),
                var a => throw new InvalidOperationException($"GELU approximation {a}"),
            },
            "Sigmoid" => nn.Sigmoid(),
            "Tanh" => nn.Tanh(),
            "Softmax" => nn.Softmax(I(o, "dim")),
            "LogSoftmax" => nn.LogSoftmax(I(o, "dim")),
            "Flatten" => nn.Flatten(I(o, "startDim"), I(o, "endDim")),
            "Dropout" => nn.Dropout(D(o, "p")),
            "Sequential" => nn.Sequential(((JsonArray)o["layers"]!)
                .Select((l, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), BuildTorch((JsonObject)l!))).ToArray()),
            _ => throw new InvalidOperationException($"unknown module type {type}"),
        };
    }

    private static long I(JsonObject o, string key) => Long(o[key] ?? throw new InvalidOperationException($"missing option {key}"));
    private static double D(JsonObject o, string key) =>
        double.Parse((o[key] ?? throw new InvalidOperationException($"missing option {key}")).ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);
    private static long Long(JsonNode n) => long.Parse(n.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);
    private static bool B(JsonObject o, string key) => (bool)(o[key] ?? throw new InvalidOperationException($"missing option {key}"));
    private static (long, long) P(JsonObject o, string key)
    {
        var a = (JsonArray)(o[key] ?? throw new InvalidOperationException($"missing option {key}"));
        return (Long(a[0]!), Long(a[1]!));
    }

    private static JsonObject GenerateModule(ModuleCase c)
    {
        var rng = new Random(unchecked(Seed * 31 + StableHash(c.Name)));
        torch.manual_seed(unchecked((uint)(Seed + StableHash(c.Name))));
        var module = BuildTorch(c.Layer);

        if (c.RandomizeState)
        {
            using var _ = torch.no_grad();
            foreach (var (name, t) in module.state_dict())
            {
                if (t.dtype != ScalarType.Float64) continue;
                string leaf = name.Split('.')[^1];
                // only the normalisation layers' state; Linear/Conv weights keep libtorch's own initialisation
                if (!IsNormState(module, name)) continue;
                int n = (int)t.numel();
                double[] v = leaf switch
                {
                    "running_var" => Uniform(rng, n, 0.5, 2.0),
                    "weight" => Uniform(rng, n, 0.5, 1.5).Select((x, i) => i % 3 == 1 ? -x : x).ToArray(),
                    _ => Randn(rng, n),
                };
                t.copy_(Owned(torch.tensor(v, t.shape, ScalarType.Float64)));
            }
            foreach (var (name, t) in module.state_dict())
                if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal)) t.fill_(3);
        }

        if (c.Train) module.train(); else module.eval();

        var state = new JsonArray();
        foreach (var (name, t) in module.state_dict()) state.Add(TensorJson(name, t));

        Tensor input;
        JsonObject inputJson;
        int n0 = Numel(c.InputShape);
        long[] dims = c.InputShape.Select(d => (long)d).ToArray();
        if (c.InputKind.StartsWith("index:", StringComparison.Ordinal))
        {
            long bound = long.Parse(c.InputKind["index:".Length..], System.Globalization.CultureInfo.InvariantCulture);
            var v = new long[n0];
            for (int i = 0; i < n0; i++) v[i] = rng.NextInt64(bound);
            input = Owned(torch.tensor(v, dims, ScalarType.Int64));
            inputJson = new JsonObject { ["name"] = "input", ["shape"] = Ints(c.InputShape), ["dtype"] = "int64", ["requiresGrad"] = false, ["data"] = Longs(v) };
        }
        else
        {
            var v = Randn(rng, n0);
            input = Owned(torch.tensor(v, dims, ScalarType.Float64)).requires_grad_(true);
            inputJson = new JsonObject { ["name"] = "input", ["shape"] = Ints(c.InputShape), ["dtype"] = "float64", ["requiresGrad"] = true, ["data"] = Doubles(v) };
        }

        var output = module.call(input);
        if (output.dtype != ScalarType.Float64) throw new InvalidOperationException($"output dtype {output.dtype}");
        int[] outShape = output.shape.Select(d => (int)d).ToArray();
        var weightValues = Randn(rng, Numel(outShape));
        var weights = Owned(torch.tensor(weightValues, output.shape, ScalarType.Float64));
        var loss = (output * weights).sum();
        if (loss.requires_grad) loss.backward();

        var grads = new JsonObject();
        if (input.requires_grad)
            grads["input"] = input.grad is null ? Doubles(new double[n0]) : Doubles(Values(input.grad));
        var paramGrads = new JsonObject();
        foreach (var (name, p) in module.named_parameters())
            paramGrads[name] = p.grad is null ? Doubles(new double[p.numel()]) : Doubles(Values(p.grad));

        var after = new JsonArray();
        foreach (var (name, b) in module.named_buffers()) after.Add(TensorJson(name, b));

        return new JsonObject
        {
            ["name"] = c.Name,
            ["kind"] = "module",
            ["module"] = c.Layer.DeepClone(),
            ["train"] = c.Train,
            ["state"] = state,
            ["inputs"] = new JsonArray(inputJson),
            ["output"] = new JsonObject { ["shape"] = Ints(outShape), ["data"] = Doubles(Values(output)) },
            ["weights"] = Doubles(weightValues),
            ["grads"] = grads,
            ["paramGrads"] = paramGrads,
            ["buffersAfter"] = after,
        };
    }

    /// <summary>True for a state entry of a BatchNorm or LayerNorm submodule.</summary>
    private static bool IsNormState(nn.Module module, string name)
    {
        string prefix = name.Contains('.') ? name[..name.LastIndexOf('.')] : "";
        nn.Module owner = module;
        if (prefix.Length > 0)
            owner = module.named_modules().First(m => m.name == prefix).module;
        string t = owner.GetType().Name;
        return t is "BatchNorm1d" or "BatchNorm2d" or "LayerNorm";
    }

    // ---- losses ------------------------------------------------------------------------------------------

    /// <param name="Name">Unique case name.</param>
    /// <param name="Loss">MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss.</param>
    /// <param name="Reduction">"mean", "sum" or "none".</param>
    /// <param name="InputShape">The input's shape.</param>
    /// <param name="TargetKind">"randn", "ties" (randn, every third equal to the input), "unit01" (uniform [0, 1]), "binary" (0/1), "probs" (rows of class
    /// probabilities along dim 1), or "class:C" (Int64 indices in [0, C)).</param>
    /// <param name="TargetShape">The target's shape.</param>
    /// <param name="InputKind">"randn", "scaled" (2·randn), "large" (40·randn), "prob" (uniform [0.02, 0.98]) or
    /// "prob-edges" (probabilities with exact 0s and 1s).</param>
    /// <param name="ClassWeight">A per-class (or broadcast) weight shape, or null.</param>
    /// <param name="PosWeight">BCEWithLogits' pos_weight shape, or null.</param>
    /// <param name="IgnoreIndex">CrossEntropy/NLL ignore index; the target gets a few of these.</param>
    /// <param name="TargetGrad">Record the gradient with respect to a floating-point target.</param>
    private sealed record LossCase(string Name, string Loss, string Reduction, int[] InputShape, string TargetKind, int[] TargetShape,
        string InputKind = "randn", int[]? ClassWeight = null, int[]? PosWeight = null, int? IgnoreIndex = null,
        double LabelSmoothing = 0, double Beta = 1, double Delta = 1, bool TargetGrad = true);

    private static readonly string[] Reductions = ["mean", "sum", "none"];

    private static IEnumerable<LossCase> LossCases()
    {
        foreach (var r in Reductions)
        {
            yield return new($"mse-{r}", "MSELoss", r, [3, 4], "randn", [3, 4]);
            yield return new($"l1-{r}", "L1Loss", r, [3, 4], "randn", [3, 4]);
            yield return new($"smoothl1-{r}", "SmoothL1Loss", r, [3, 4], "randn", [3, 4]);
            yield return new($"huber-{r}", "HuberLoss", r, [3, 4], "randn", [3, 4]);
        }
        yield return new("mse-3d-mean", "MSELoss", "mean", [2, 3, 2], "randn", [2, 3, 2]);
        yield return new("smoothl1-beta0.5-mean", "SmoothL1Loss", "mean", [4, 5], "randn", [4, 5], Beta: 0.5);
        yield return new("smoothl1-beta2-none", "SmoothL1Loss", "none", [4, 5], "randn", [4, 5], Beta: 2);
        yield return new("smoothl1-beta0-sum", "SmoothL1Loss", "sum", [4, 5], "randn", [4, 5], Beta: 0);
        yield return new("huber-delta0.5-mean", "HuberLoss", "mean", [4, 5], "randn", [4, 5], Delta: 0.5);
        yield return new("huber-delta2-none", "HuberLoss", "none", [4, 5], "randn", [4, 5], Delta: 2);
        yield return new("l1-ties-sum", "L1Loss", "sum", [3, 4], "ties", [3, 4]);
        yield return new("smoothl1-ties-none", "SmoothL1Loss", "none", [3, 4], "ties", [3, 4]);
        yield return new("smoothl1-beta0-ties-none", "SmoothL1Loss", "none", [3, 4], "ties", [3, 4], Beta: 0);
        yield return new("huber-ties-none", "HuberLoss", "none", [3, 4], "ties", [3, 4]);

        foreach (var r in Reductions)
        {
            yield return new($"crossentropy-{r}", "CrossEntropyLoss", r, [5, 4], "class:4", [5]);
            yield return new($"crossentropy-weight-{r}", "CrossEntropyLoss", r, [5, 4], "class:4", [5], ClassWeight: [4]);
            yield return new($"crossentropy-probs-{r}", "CrossEntropyLoss", r, [5, 4], "probs", [5, 4]);
            yield return new($"crossentropy-kdim-{r}", "CrossEntropyLoss", r, [2, 3, 4, 2], "class:3", [2, 4, 2]);
            yield return new($"crossentropy-smoothing-{r}", "CrossEntropyLoss", r, [5, 4], "class:4", [5], LabelSmoothing: 0.1);
            yield return new($"nll-{r}", "NLLLoss", r, [5, 4], "class:4", [5]);
            yield return new($"bce-{r}", "BCELoss", r, [3, 4], "unit01", [3, 4], InputKind: "prob");
            yield return new($"bcewithlogits-{r}", "BCEWithLogitsLoss", r, [3, 4], "unit01", [3, 4], InputKind: "scaled");
        }
        yield return new("crossentropy-ignore-default-mean", "CrossEntropyLoss", "mean", [6, 4], "class:4", [6], IgnoreIndex: -100);
        yield return new("crossentropy-ignore-weight-mean", "CrossEntropyLoss", "mean", [6, 4], "class:4", [6], ClassWeight: [4], IgnoreIndex: -100);
        yield return new("crossentropy-ignore-class1-sum", "CrossEntropyLoss", "sum", [6, 4], "class:4", [6], IgnoreIndex: 1);
        yield return new("crossentropy-ignore-none", "CrossEntropyLoss", "none", [6, 4], "class:4", [6], IgnoreIndex: -100);
        yield return new("crossentropy-smoothing-weight-ignore-mean", "CrossEntropyLoss", "mean", [6, 4], "class:4", [6],
            ClassWeight: [4], IgnoreIndex: -100, LabelSmoothing: 0.2);
        yield return new("crossentropy-smoothing-weight-sum", "CrossEntropyLoss", "sum", [5, 4], "class:4", [5], ClassWeight: [4], LabelSmoothing: 0.3);
        yield return new("crossentropy-probs-weight-mean", "CrossEntropyLoss", "mean", [5, 4], "probs", [5, 4], ClassWeight: [4]);
        yield return new("crossentropy-probs-smoothing-mean", "CrossEntropyLoss", "mean", [5, 4], "probs", [5, 4], LabelSmoothing: 0.2);
        yield return new("crossentropy-probs-weight-smoothing-none", "CrossEntropyLoss", "none", [5, 4], "probs", [5, 4], ClassWeight: [4], LabelSmoothing: 0.1);
        yield return new("crossentropy-kdim-weight-ignore-mean", "CrossEntropyLoss", "mean", [2, 3, 4, 2], "class:3", [2, 4, 2], ClassWeight: [3], IgnoreIndex: -100);
        yield return new("crossentropy-kdim-smoothing-mean", "CrossEntropyLoss", "mean", [2, 3, 3], "class:3", [2, 3], LabelSmoothing: 0.15);
        yield return new("crossentropy-kdim-probs-mean", "CrossEntropyLoss", "mean", [2, 3, 4], "probs", [2, 3, 4]);
        yield return new("crossentropy-unbatched", "CrossEntropyLoss", "mean", [5], "class:5", []);
        yield return new("nll-weight-mean", "NLLLoss", "mean", [5, 4], "class:4", [5], ClassWeight: [4]);
        yield return new("nll-weight-none", "NLLLoss", "none", [5, 4], "class:4", [5], ClassWeight: [4]);
        yield return new("nll-kdim-mean", "NLLLoss", "mean", [2, 3, 4], "class:3", [2, 4]);
        yield return new("nll-kdim-weight-sum", "NLLLoss", "sum", [2, 3, 2, 2], "class:3", [2, 2, 2], ClassWeight: [3]);
        yield return new("bce-weight-broadcast-mean", "BCELoss", "mean", [3, 4], "unit01", [3, 4], InputKind: "prob", ClassWeight: [4]);
        yield return new("bce-weight-full-none", "BCELoss", "none", [3, 4], "binary", [3, 4], InputKind: "prob", ClassWeight: [3, 4]);
        // at x = 0 or 1 PyTorch's target gradient, −w·logit(x), is infinite (JSON cannot store it): input gradient only
        yield return new("bce-saturated-none", "BCELoss", "none", [3, 4], "unit01", [3, 4], InputKind: "prob-edges", TargetGrad: false);
        yield return new("bce-saturated-weight-sum", "BCELoss", "sum", [2, 6], "binary", [2, 6], InputKind: "prob-edges", ClassWeight: [6], TargetGrad: false);
        yield return new("bcewithlogits-large-logits-none", "BCEWithLogitsLoss", "none", [3, 4], "binary", [3, 4], InputKind: "large");
        yield return new("bcewithlogits-large-logits-posweight-mean", "BCEWithLogitsLoss", "mean", [3, 4], "unit01", [3, 4], InputKind: "large", PosWeight: [4]);
        yield return new("crossentropy-large-logits-mean", "CrossEntropyLoss", "mean", [4, 5], "class:5", [4], InputKind: "large");
        yield return new("bcewithlogits-weight-mean", "BCEWithLogitsLoss", "mean", [3, 4], "unit01", [3, 4], InputKind: "scaled", ClassWeight: [4]);
        yield return new("bcewithlogits-posweight-mean", "BCEWithLogitsLoss", "mean", [3, 4], "binary", [3, 4], InputKind: "scaled", PosWeight: [4]);
        yield return new("bcewithlogits-posweight-sum", "BCEWithLogitsLoss", "sum", [3, 4], "unit01", [3, 4], InputKind: "scaled", PosWeight: [4]);
        yield return new("bcewithlogits-weight-posweight-none", "BCEWithLogitsLoss", "none", [2, 3, 4], "unit01", [2, 3, 4], InputKind: "scaled",
            ClassWeight: [3, 1], PosWeight: [4]);
    }

    private static nn.Reduction TorchReduction(string r) => r switch
    {
        "mean" => nn.Reduction.Mean,
        "sum" => nn.Reduction.Sum,
        "none" => nn.Reduction.None,
        _ => throw new InvalidOperationException($"reduction {r}"),
    };

    private static Tensor TorchLoss(LossCase c, Tensor input, Tensor target, Tensor? weight, Tensor? posWeight)
    {
        var r = TorchReduction(c.Reduction);
        switch (c.Loss)
        {
            case "MSELoss": return nn.functional.mse_loss(input, target, r);
            case "L1Loss": return nn.functional.l1_loss(input, target, r);
            // Python's torch.nn.functional.smooth_l1_loss calls l1_loss for beta = 0; the ATen op that TorchSharp calls
            // directly would give the gradient −1 instead of 0 where input = target
            case "SmoothL1Loss": return c.Beta == 0 ? nn.functional.l1_loss(input, target, r) : nn.functional.smooth_l1_loss(input, target, r, c.Beta);
            case "HuberLoss": return nn.functional.huber_loss(input, target, c.Delta, r);
            case "CrossEntropyLoss":
                return nn.functional.cross_entropy(input, target, weight, c.IgnoreIndex ?? -100, r, c.LabelSmoothing);
            case "NLLLoss":
                if (c.IgnoreIndex is not null) throw new InvalidOperationException("TorchSharp's nll_loss has no ignore_index");
                return nn.functional.nll_loss(input, target, weight, r);
            case "BCELoss": return nn.functional.binary_cross_entropy(input, target, weight, r);
            case "BCEWithLogitsLoss": return nn.functional.binary_cross_entropy_with_logits(input, target, weight, r, posWeight);
            default: throw new InvalidOperationException($"unknown loss {c.Loss}");
        }
    }

    private static JsonObject GenerateLoss(LossCase c)
    {
        var rng = new Random(unchecked(Seed * 31 + StableHash(c.Name)));
        int nIn = Numel(c.InputShape), nT = Numel(c.TargetShape);
        double[] inputValues = c.InputKind switch
        {
            "randn" => Randn(rng, nIn),
            "scaled" => Randn(rng, nIn).Select(x => 2 * x).ToArray(),
            "prob" => Uniform(rng, nIn, 0.02, 0.98),
            // probabilities with exact 0s and 1s: PyTorch clamps each log to ≥ −100 and the gradient's denominator to ≥ 1e-12
            "prob-edges" => Uniform(rng, nIn, 0.02, 0.98).Select((x, i) => i % 4 == 0 ? 0.0 : i % 4 == 1 ? 1.0 : x).ToArray(),
            "large" => Randn(rng, nIn).Select(x => 40 * x).ToArray(),
            _ => throw new InvalidOperationException($"input kind {c.InputKind}"),
        };
        Tensor input = null!;
        var inputJson = new JsonObject
        {
            ["name"] = "input", ["shape"] = Ints(c.InputShape), ["dtype"] = "float64", ["requiresGrad"] = true, ["data"] = Doubles(inputValues),
        };

        bool indexTarget = c.TargetKind.StartsWith("class:", StringComparison.Ordinal);
        long[] targetIdx = [];
        double[] targetValues = [];
        if (indexTarget)
        {
            long classes = long.Parse(c.TargetKind["class:".Length..], System.Globalization.CultureInfo.InvariantCulture);
            targetIdx = new long[nT];
            for (int i = 0; i < nT; i++) targetIdx[i] = rng.NextInt64(classes);
            if (c.IgnoreIndex is int ig)
            {
                // a few ignored positions (not all): every third, starting at 1
                for (int i = 1; i < nT; i += 3) targetIdx[i] = ig;
                if (ig >= 0 && ig < classes && targetIdx.All(t => t == ig)) throw new InvalidOperationException("every target ignored");
            }
        }
        else
        {
            targetValues = c.TargetKind switch
            {
                "randn" => Randn(rng, nT),
                // every third target equals the input: |x − y| = 0, where PyTorch's L1 gradient is 0
                "ties" => Randn(rng, nT).Select((y, i) => i % 3 == 0 ? inputValues[i] : y).ToArray(),
                "unit01" => Uniform(rng, nT, 0, 1),
                "binary" => Enumerable.Range(0, nT).Select(_ => (double)rng.Next(2)).ToArray(),
                "probs" => Probabilities(rng, c.TargetShape),
                _ => throw new InvalidOperationException($"target kind {c.TargetKind}"),
            };
        }

        Tensor? weight = null, posWeight = null;
        var options = new JsonObject
        {
            ["reduction"] = c.Reduction,
        };
        if (c.Loss == "SmoothL1Loss") options["beta"] = c.Beta;
        if (c.Loss == "HuberLoss") options["delta"] = c.Delta;
        if (c.Loss is "CrossEntropyLoss" or "NLLLoss") options["ignoreIndex"] = c.IgnoreIndex ?? -100;
        if (c.Loss == "CrossEntropyLoss") options["labelSmoothing"] = c.LabelSmoothing;
        if (c.ClassWeight is { } ws)
        {
            var v = Uniform(rng, Numel(ws), 0.3, 2.0);
            weight = Owned(torch.tensor(v, ws.Select(d => (long)d).ToArray(), ScalarType.Float64));
            options["weight"] = new JsonObject { ["shape"] = Ints(ws), ["data"] = Doubles(v) };
        }
        if (c.PosWeight is { } ps)
        {
            var v = Uniform(rng, Numel(ps), 0.3, 3.0);
            posWeight = Owned(torch.tensor(v, ps.Select(d => (long)d).ToArray(), ScalarType.Float64));
            options["posWeight"] = new JsonObject { ["shape"] = Ints(ps), ["data"] = Doubles(v) };
        }

        // the target requires grad where it is floating point; if libtorch cannot differentiate it, it does not
        bool targetGrad = !indexTarget && c.TargetGrad;
        Tensor target = null!;
        Tensor output = null!;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            input = Owned(torch.tensor(inputValues, c.InputShape.Select(d => (long)d).ToArray(), ScalarType.Float64)).requires_grad_(true);
            target = indexTarget
                ? Owned(torch.tensor(targetIdx, ScalarType.Int64).reshape(c.TargetShape.Select(d => (long)d).ToArray()))
                : Owned(torch.tensor(targetValues, ScalarType.Float64).reshape(c.TargetShape.Select(d => (long)d).ToArray())).requires_grad_(targetGrad);
            output = TorchLoss(c, input, target, weight, posWeight);
            try
            {
                var w0 = OutputWeights(c, output);
                (output * w0).sum().backward();
                break;
            }
            catch (Exception e) when (targetGrad && attempt == 0)
            {
                Console.Error.WriteLine($"  {c.Name}: libtorch does not differentiate the target ({e.Message.Split('\n')[0]}); recording the input gradient only");
                targetGrad = false;
            }
        }
        if (output.dtype != ScalarType.Float64) throw new InvalidOperationException($"output dtype {output.dtype}");
        int[] outShape = output.shape.Select(d => (int)d).ToArray();
        var weightValues = OutputWeightValues(c, Numel(outShape));

        var targetJson = new JsonObject
        {
            ["name"] = "target",
            ["shape"] = Ints(c.TargetShape),
            ["dtype"] = indexTarget ? "int64" : "float64",
            ["requiresGrad"] = targetGrad,
            ["data"] = indexTarget ? Longs(targetIdx) : Doubles(targetValues),
        };
        var grads = new JsonObject { ["input"] = input.grad is null ? Doubles(new double[nIn]) : Doubles(Values(input.grad)) };
        if (targetGrad) grads["target"] = target.grad is null ? Doubles(new double[nT]) : Doubles(Values(target.grad));

        return new JsonObject
        {
            ["name"] = c.Name,
            ["kind"] = "loss",
            ["loss"] = new JsonObject { ["type"] = c.Loss, ["options"] = options },
            ["inputs"] = new JsonArray(inputJson, targetJson),
            ["output"] = new JsonObject { ["shape"] = Ints(outShape), ["data"] = Doubles(Values(output)) },
            ["weights"] = Doubles(weightValues),
            ["grads"] = grads,
        };
    }

    /// <summary>The weights w of sum(loss * w): drawn from their own generator so a retry draws the same values.</summary>
    private static double[] OutputWeightValues(LossCase c, int n) => Randn(new Random(unchecked(Seed * 17 + StableHash(c.Name))), n);

    private static Tensor OutputWeights(LossCase c, Tensor output) =>
        Owned(torch.tensor(OutputWeightValues(c, (int)output.numel()), ScalarType.Float64).reshape(output.shape));

    /// <summary>Non-negative values summing to 1 along dim 1 (or dim 0 for a 1-D shape).</summary>
    private static double[] Probabilities(Random rng, int[] shape)
    {
        int classDim = shape.Length == 1 ? 0 : 1;
        int c = shape[classDim];
        int inner = shape.Skip(classDim + 1).Aggregate(1, (a, b) => a * b);
        int outer = shape.Take(classDim).Aggregate(1, (a, b) => a * b);
        var v = Uniform(rng, Numel(shape), 0.05, 1.0);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double s = 0;
                for (int k = 0; k < c; k++) s += v[(o * c + k) * inner + i];
                for (int k = 0; k < c; k++) v[(o * c + k) * inner + i] /= s;
            }
        return v;
    }

    // ---- helpers (the same conventions as Program.cs) ----------------------------------------------------

    private static JsonObject TensorJson(string name, Tensor t)
    {
        var shape = t.shape.Select(d => (int)d).ToArray();
        var flat = t.detach().contiguous();
        return t.dtype switch
        {
            ScalarType.Float64 => new JsonObject { ["name"] = name, ["shape"] = Ints(shape), ["dtype"] = "float64", ["data"] = Doubles(flat.data<double>().ToArray()) },
            ScalarType.Int64 => new JsonObject { ["name"] = name, ["shape"] = Ints(shape), ["dtype"] = "int64", ["data"] = Longs(flat.data<long>().ToArray()) },
            _ => throw new InvalidOperationException($"state entry {name} has dtype {t.dtype}"),
        };
    }

    /// <summary>
    /// A copy in libtorch's own (64-byte aligned) memory: torch.tensor(array) may wrap the managed array, whose
    /// alignment differs from run to run, and MKL's matrix products then round differently in the last bit.
    /// </summary>
    private static Tensor Owned(Tensor t) => t.clone();

}
