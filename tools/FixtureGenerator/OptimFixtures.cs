using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

using static FixtureGenerator.FixtureJson;

namespace FixtureGenerator;

/// <summary>
/// Writes tests/Tidu.Tests/Fixtures/torch_optim.json: optimizer trajectories, learning-rate schedules and gradient
/// clipping computed by libtorch through TorchSharp's optimizers and schedulers, in float32.
/// <para>
/// Each optimizer case trains the same small model (Sequential(Linear(3, 4), Tanh, Linear(4, 2)), MSELoss over a
/// fixed batch) from the same stored initial state for <see cref="Steps"/> steps and stores the loss before each
/// step and every parameter after it. A case's options list only what differs from PyTorch's defaults; where
/// TorchSharp's defaults or parameter-group handling differ from PyTorch's (AdamW's weight decay defaults to 0 in
/// TorchSharp, 0.01 in PyTorch; TorchSharp's typed ParamGroup does not inherit the optimizer's options), the
/// generator passes PyTorch's values explicitly, so the stored numbers follow PyTorch's documented behaviour.
/// </para>
/// </summary>
public static class OptimFixtures
{
    private const int Seed = 20240612;
    private const int Steps = 6;

    private static readonly string[] ParamNames = ["0.weight", "0.bias", "2.weight", "2.bias"];

    /// <summary>PyTorch's defaults of each algorithm (torch.optim, 2.x).</summary>
    private static readonly Dictionary<string, JsonObject> Defaults = new()
    {
        ["SGD"] = new() { ["lr"] = 1e-3, ["momentum"] = 0.0, ["dampening"] = 0.0, ["weight_decay"] = 0.0, ["nesterov"] = false },
        ["Adam"] = new() { ["lr"] = 1e-3, ["beta1"] = 0.9, ["beta2"] = 0.999, ["eps"] = 1e-8, ["weight_decay"] = 0.0, ["amsgrad"] = false },
        ["AdamW"] = new() { ["lr"] = 1e-3, ["beta1"] = 0.9, ["beta2"] = 0.999, ["eps"] = 1e-8, ["weight_decay"] = 1e-2, ["amsgrad"] = false },
        ["RMSprop"] = new() { ["lr"] = 1e-2, ["alpha"] = 0.99, ["eps"] = 1e-8, ["weight_decay"] = 0.0, ["momentum"] = 0.0, ["centered"] = false },
        ["Adagrad"] = new() { ["lr"] = 1e-2, ["lr_decay"] = 0.0, ["weight_decay"] = 0.0, ["initial_accumulator_value"] = 0.0, ["eps"] = 1e-10 },
    };

    /// <summary>Writes torch_optim.json into <paramref name="fixtures"/>.</summary>
    public static void Write(string fixtures)
    {
        var rng = new Random(Seed);
        var initial = new JsonObject
        {
            ["0.weight"] = TensorJson([4, 3], Float32Uniform(rng, 12, -0.6, 0.6)),
            ["0.bias"] = TensorJson([4], Float32Uniform(rng, 4, -0.6, 0.6)),
            ["2.weight"] = TensorJson([2, 4], Float32Uniform(rng, 8, -0.5, 0.5)),
            ["2.bias"] = TensorJson([2], Float32Uniform(rng, 2, -0.5, 0.5)),
        };
        var input = TensorJson([5, 3], Float32Uniform(rng, 15, -1.5, 1.5));
        var target = TensorJson([5, 2], Float32Uniform(rng, 10, -1.0, 1.0));

        var model = new JsonObject
        {
            ["layers"] = "Sequential(Linear(3, 4), Tanh(), Linear(4, 2))",
            ["loss"] = "MSELoss(reduction='mean')",
            ["step"] = "zero_grad(); loss = mse(model(input), target); loss.backward(); optimizer.step()",
            ["initialState"] = initial,
            ["input"] = input,
            ["target"] = target,
        };

        var optimizers = OptimizerCases().Select(c => RunOptimizer(c, model)).ToList();
        var schedulers = SchedulerCases().Select(RunScheduler).ToList();
        var clipping = ClippingCases(new Random(Seed + 1)).ToList();

        var header = new JsonObject
        {
            ["generator"] = "tools/FixtureGenerator (OptimFixtures.cs)",
            ["torchSharpVersion"] = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
                                    ?? typeof(torch).Assembly.GetName().Version?.ToString(),
            ["libtorchVersion"] = torch.__version__,
            ["dtype"] = "float32",
            ["note"] = "options list only what differs from PyTorch's defaults; groups without an option inherit the optimizer's",
            ["model"] = model,
        };
        string path = Path.Combine(fixtures, "torch_optim.json");
        WriteJson(path, header, [("optimizers", optimizers), ("schedulers", schedulers), ("clipping", clipping)]);
        Console.WriteLine($"wrote {optimizers.Count} optimizer, {schedulers.Count} scheduler and {clipping.Count} clipping cases to {path}");
    }

    // ---------------------------------------------------------------- optimizers

    private sealed record OptimCase(string Name, string Optimizer, JsonObject Options, JsonObject[]? Groups = null);

    private static IEnumerable<OptimCase> OptimizerCases()
    {
        yield return new("sgd-plain", "SGD", new() { ["lr"] = 0.1 });
        yield return new("sgd-momentum-dampening-weight-decay", "SGD", new() { ["lr"] = 0.05, ["momentum"] = 0.9, ["dampening"] = 0.1, ["weight_decay"] = 0.01 });
        yield return new("sgd-nesterov", "SGD", new() { ["lr"] = 0.05, ["momentum"] = 0.9, ["weight_decay"] = 0.001, ["nesterov"] = true });
        yield return new("adam-default", "Adam", new());
        yield return new("adam-lr", "Adam", new() { ["lr"] = 0.02 });
        yield return new("adam-amsgrad-weight-decay", "Adam", new() { ["lr"] = 0.01, ["beta1"] = 0.8, ["beta2"] = 0.99, ["eps"] = 1e-6, ["weight_decay"] = 0.05, ["amsgrad"] = true });
        yield return new("adamw-default", "AdamW", new());
        yield return new("adamw-weight-decay", "AdamW", new() { ["lr"] = 0.01, ["weight_decay"] = 0.1 });
        yield return new("adamw-amsgrad", "AdamW", new() { ["lr"] = 0.01, ["beta2"] = 0.95, ["amsgrad"] = true });
        yield return new("rmsprop-default", "RMSprop", new());
        yield return new("rmsprop-centered-momentum", "RMSprop", new() { ["lr"] = 0.01, ["alpha"] = 0.9, ["momentum"] = 0.5, ["centered"] = true, ["weight_decay"] = 0.01 });
        yield return new("rmsprop-momentum", "RMSprop", new() { ["lr"] = 0.005, ["momentum"] = 0.9 });
        yield return new("adagrad-default", "Adagrad", new());
        yield return new("adagrad-lr-decay", "Adagrad", new() { ["lr"] = 0.1, ["lr_decay"] = 0.05, ["weight_decay"] = 0.01, ["initial_accumulator_value"] = 0.1 });
        // two groups (the first layer, the second layer) that inherit everything from the optimizer
        yield return new("sgd-two-groups-inherit", "SGD", new() { ["lr"] = 0.1, ["momentum"] = 0.9 },
            [Group("0.weight", "0.bias"), Group("2.weight", "2.bias")]);
        // two groups, the second with its own lr and momentum
        yield return new("sgd-two-groups-per-group-lr", "SGD", new() { ["lr"] = 0.1, ["momentum"] = 0.9 },
            [Group("0.weight", "0.bias"), Group(new JsonObject { ["lr"] = 0.01, ["momentum"] = 0.5 }, "2.weight", "2.bias")]);
        yield return new("adam-two-groups-per-group-lr", "Adam", new() { ["lr"] = 0.01 },
            [Group(new JsonObject { ["lr"] = 0.03, ["weight_decay"] = 0.1 }, "0.weight", "0.bias"), Group("2.weight", "2.bias")]);
    }

    private static JsonObject Group(params string[] names) => Group(new JsonObject(), names);

    private static JsonObject Group(JsonObject options, params string[] names)
    {
        var g = new JsonObject { ["params"] = new JsonArray(names.Select(n => (JsonNode)n!).ToArray()) };
        foreach (var (k, v) in options) g[k] = v!.DeepClone();
        return g;
    }

    private static JsonObject RunOptimizer(OptimCase c, JsonObject model)
    {
        var net = nn.Sequential(("0", nn.Linear(3, 4)), ("1", nn.Tanh()), ("2", nn.Linear(4, 2)));
        var parameters = net.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (torch.no_grad())
        {
            foreach (var (name, node) in model["initialState"]!.AsObject())
                parameters[name].copy_(FromJson(node!.AsObject()));
        }
        var x = FromJson(model["input"]!.AsObject());
        var y = FromJson(model["target"]!.AsObject());

        var groups = c.Groups ?? [Group(ParamNames)];
        var optimizer = Create(c.Optimizer, c.Options, groups, parameters);
        var loss = nn.MSELoss();
        var steps = new JsonArray();
        for (int s = 0; s < Steps; s++)
        {
            optimizer.zero_grad();
            var l = loss.forward(net.forward(x), y);
            l.backward();
            optimizer.step();
            var values = new JsonObject();
            foreach (var name in ParamNames) values[name] = Doubles(Floats(parameters[name]));
            steps.Add(new JsonObject { ["loss"] = (double)l.item<float>(), ["params"] = values });
        }
        var result = new JsonObject { ["name"] = c.Name, ["optimizer"] = c.Optimizer, ["options"] = c.Options.DeepClone() };
        if (c.Groups is not null) result["groups"] = new JsonArray(c.Groups.Select(g => (JsonNode)g.DeepClone()).ToArray());
        result["steps"] = steps;
        return result;
    }

    /// <summary>
    /// A TorchSharp optimizer over <paramref name="groups"/>, each given every option explicitly: the group's own
    /// value, else the optimizer's, else PyTorch's default (PyTorch's param-group inheritance).
    /// </summary>
    private static optim.Optimizer Create(string kind, JsonObject options, JsonObject[] groups, Dictionary<string, Parameter> parameters)
    {
        double D(JsonObject g, string k) => (g[k] ?? options[k] ?? Defaults[kind][k])!.GetValue<double>();
        bool B(JsonObject g, string k) => (g[k] ?? options[k] ?? Defaults[kind][k])!.GetValue<bool>();
        Parameter[] Ps(JsonObject g) => g["params"]!.AsArray().Select(n => parameters[n!.GetValue<string>()]).ToArray();
        var top = new JsonObject();
        switch (kind)
        {
            case "SGD":
                return optim.SGD(groups.Select(g => new SGD.ParamGroup(Ps(g), D(g, "lr"), D(g, "momentum"), D(g, "dampening"), D(g, "weight_decay"), B(g, "nesterov"))),
                    D(top, "lr"), D(top, "momentum"), D(top, "dampening"), D(top, "weight_decay"), B(top, "nesterov"));
            case "Adam":
                return optim.Adam(groups.Select(g => new Adam.ParamGroup(Ps(g), D(g, "lr"), D(g, "beta1"), D(g, "beta2"), D(g, "eps"), D(g, "weight_decay"), B(g, "amsgrad"))),
                    D(top, "lr"), D(top, "beta1"), D(top, "beta2"), D(top, "eps"), D(top, "weight_decay"), B(top, "amsgrad"));
            case "AdamW":
                return optim.AdamW(groups.Select(g => new AdamW.ParamGroup(Ps(g), D(g, "lr"), D(g, "beta1"), D(g, "beta2"), D(g, "eps"), D(g, "weight_decay"), B(g, "amsgrad"))),
                    D(top, "lr"), D(top, "beta1"), D(top, "beta2"), D(top, "eps"), D(top, "weight_decay"), B(top, "amsgrad"));
            case "RMSprop":
                return optim.RMSProp(groups.Select(g => new RMSProp.ParamGroup(Ps(g), lr: D(g, "lr"), eps: D(g, "eps"), alpha: D(g, "alpha"), weight_decay: D(g, "weight_decay"), momentum: D(g, "momentum"), centered: B(g, "centered"))),
                    D(top, "lr"), D(top, "alpha"), D(top, "eps"), D(top, "weight_decay"), D(top, "momentum"), B(top, "centered"));
            case "Adagrad":
                return optim.Adagrad(groups.Select(g => new Adagrad.ParamGroup(Ps(g), D(g, "lr"), D(g, "lr_decay"), D(g, "weight_decay"), D(g, "initial_accumulator_value"), D(g, "eps"))),
                    D(top, "lr"), D(top, "lr_decay"), D(top, "weight_decay"), D(top, "initial_accumulator_value"), D(top, "eps"));
            default:
                throw new InvalidOperationException($"unknown optimizer {kind}");
        }
    }

    // ---------------------------------------------------------------- schedulers

    private sealed record SchedCase(string Name, string Scheduler, JsonObject Args, string Optimizer, JsonObject Options, double[] GroupLrs, int Steps, double[]? Metrics = null);

    private static IEnumerable<SchedCase> SchedulerCases()
    {
        var sgd = new JsonObject { ["momentum"] = 0.9 };
        yield return new("steplr", "StepLR", new() { ["step_size"] = 3 }, "SGD", sgd, [0.1], 12);
        yield return new("steplr-gamma-two-groups", "StepLR", new() { ["step_size"] = 2, ["gamma"] = 0.5 }, "SGD", sgd, [0.1, 0.03], 12);
        yield return new("multisteplr", "MultiStepLR", new() { ["milestones"] = new JsonArray(2, 5, 9) }, "SGD", sgd, [0.1], 12);
        yield return new("multisteplr-gamma", "MultiStepLR", new() { ["milestones"] = new JsonArray(1, 4, 6), ["gamma"] = 0.3 }, "SGD", sgd, [0.2, 0.05], 12);
        yield return new("exponentiallr", "ExponentialLR", new() { ["gamma"] = 0.9 }, "SGD", sgd, [0.1], 12);
        yield return new("exponentiallr-two-groups", "ExponentialLR", new() { ["gamma"] = 0.75 }, "SGD", sgd, [0.1, 1.0], 12);
        yield return new("cosineannealinglr", "CosineAnnealingLR", new() { ["T_max"] = 10 }, "SGD", sgd, [0.1], 12);
        yield return new("cosineannealinglr-eta-min-periodic", "CosineAnnealingLR", new() { ["T_max"] = 4, ["eta_min"] = 0.01 }, "SGD", sgd, [0.1, 0.05], 20);
        yield return new("linearlr", "LinearLR", new(), "SGD", sgd, [0.1], 12);
        yield return new("linearlr-decay", "LinearLR", new() { ["start_factor"] = 0.5, ["end_factor"] = 0.1, ["total_iters"] = 4 }, "SGD", sgd, [0.1, 0.02], 12);
        yield return new("onecyclelr", "OneCycleLR", new() { ["max_lr"] = 0.5, ["total_steps"] = 12 }, "SGD", sgd, [0.1], 12);
        yield return new("onecyclelr-three-phase-linear-adam", "OneCycleLR",
            new() { ["max_lr"] = 0.01, ["total_steps"] = 16, ["pct_start"] = 0.25, ["anneal_strategy"] = "linear", ["base_momentum"] = 0.8, ["max_momentum"] = 0.9, ["div_factor"] = 10.0, ["final_div_factor"] = 100.0, ["three_phase"] = true },
            "Adam", new(), [0.001], 16);
        yield return new("onecyclelr-no-momentum", "OneCycleLR", new() { ["max_lr"] = 1.0, ["total_steps"] = 10, ["pct_start"] = 0.4, ["cycle_momentum"] = false }, "SGD", sgd, [0.1], 10);
        yield return new("reducelronplateau", "ReduceLROnPlateau", new() { ["factor"] = 0.5, ["patience"] = 2 }, "SGD", sgd, [0.1],
            14, [1.0, 0.9, 0.95, 0.91, 0.92, 0.8, 0.85, 0.86, 0.87, 0.88, 0.79, 0.80, 0.81, 0.82]);
        yield return new("reducelronplateau-max-abs-cooldown-minlr", "ReduceLROnPlateau",
            new() { ["mode"] = "max", ["factor"] = 0.2, ["patience"] = 1, ["threshold"] = 0.05, ["threshold_mode"] = "abs", ["cooldown"] = 2, ["min_lr"] = 0.001 },
            "SGD", sgd, [0.1, 0.05], 16, [0.1, 0.2, 0.22, 0.24, 0.3, 0.31, 0.32, 0.33, 0.4, 0.41, 0.42, 0.43, 0.44, 0.45, 0.46, 0.47]);
        yield return new("reducelronplateau-rel-threshold", "ReduceLROnPlateau", new() { ["factor"] = 0.1, ["patience"] = 0, ["threshold"] = 0.1 }, "SGD", sgd, [1.0],
            10, [10.0, 9.5, 8.0, 7.9, 7.0, 6.9, 6.0, 5.0, 4.9, 4.8]);
    }

    private static JsonObject RunScheduler(SchedCase c)
    {
        var groups = c.GroupLrs.Select(lr => new JsonObject { ["lr"] = lr, ["params"] = new JsonArray() }).ToArray();
        var parameters = new Dictionary<string, Parameter>();
        for (int i = 0; i < groups.Length; i++)
        {
            string name = $"p{i}";
            parameters[name] = new Parameter(torch.zeros(1));
            groups[i]["params"]!.AsArray().Add(name);
        }
        var optimizer = Create(c.Optimizer, c.Options, groups, parameters);
        var a = c.Args;
        double D(string k, double d) => a[k]?.GetValue<double>() ?? d;
        int I(string k, int d) => a[k]?.GetValue<int>() ?? d;
        bool B(string k, bool d) => a[k]?.GetValue<bool>() ?? d;
        string S(string k, string d) => a[k]?.GetValue<string>() ?? d;
        var lrs = new JsonArray();
        var momentums = new JsonArray();
        void Record()
        {
            lrs.Add(Doubles(optimizer.ParamGroups.Select(g => g.LearningRate).ToArray()));
            if (c.Scheduler == "OneCycleLR" && B("cycle_momentum", true))
                momentums.Add(Doubles(optimizer.ParamGroups.Select(g => ((ParamGroup)g).Options switch
                {
                    SGD.Options o => o.momentum!.Value,
                    Adam.Options o => o.beta1!.Value,
                    _ => throw new InvalidOperationException("no momentum"),
                }).ToArray()));
        }

        if (c.Scheduler == "ReduceLROnPlateau")
        {
            var sched = optim.lr_scheduler.ReduceLROnPlateau(optimizer, S("mode", "min"), D("factor", 0.1), I("patience", 10),
                D("threshold", 1e-4), S("threshold_mode", "rel"), I("cooldown", 0),
                c.GroupLrs.Select(_ => D("min_lr", 0)).ToArray(), D("eps", 1e-8));
            foreach (double m in c.Metrics!)
            {
                sched.step(m);
                Record();
            }
        }
        else
        {
            optim.lr_scheduler.LRScheduler sched = c.Scheduler switch
            {
                "StepLR" => optim.lr_scheduler.StepLR(optimizer, I("step_size", 0), D("gamma", 0.1)),
                "MultiStepLR" => optim.lr_scheduler.MultiStepLR(optimizer, a["milestones"]!.AsArray().Select(n => n!.GetValue<int>()).ToList(), D("gamma", 0.1)),
                "ExponentialLR" => optim.lr_scheduler.ExponentialLR(optimizer, D("gamma", 0)),
                "CosineAnnealingLR" => optim.lr_scheduler.CosineAnnealingLR(optimizer, I("T_max", 0), D("eta_min", 0)),
                "LinearLR" => optim.lr_scheduler.LinearLR(optimizer, D("start_factor", 1.0 / 3), D("end_factor", 1.0), I("total_iters", 5)),
                "OneCycleLR" => optim.lr_scheduler.OneCycleLR(optimizer, D("max_lr", 0), I("total_steps", 0), pct_start: D("pct_start", 0.3),
                    anneal_strategy: S("anneal_strategy", "cos") == "cos" ? optim.lr_scheduler.impl.OneCycleLR.AnnealStrategy.Cos : optim.lr_scheduler.impl.OneCycleLR.AnnealStrategy.Linear,
                    cycle_momentum: B("cycle_momentum", true), base_momentum: D("base_momentum", 0.85), max_momentum: D("max_momentum", 0.95),
                    div_factor: D("div_factor", 25), final_div_factor: D("final_div_factor", 1e4), three_phase: B("three_phase", false)),
                _ => throw new InvalidOperationException($"unknown scheduler {c.Scheduler}"),
            };
            Record(); // after construction (epoch 0)
            for (int s = 1; s < c.Steps; s++)
            {
                optimizer.step();
                sched.step();
                Record();
            }
        }
        var result = new JsonObject
        {
            ["name"] = c.Name, ["scheduler"] = c.Scheduler, ["args"] = c.Args.DeepClone(),
            ["optimizer"] = c.Optimizer, ["options"] = c.Options.DeepClone(), ["groupLrs"] = Doubles(c.GroupLrs),
        };
        if (c.Metrics is not null) result["metrics"] = Doubles(c.Metrics);
        result["lrs"] = lrs;
        if (momentums.Count > 0) result["momentums"] = momentums;
        return result;
    }

    // ---------------------------------------------------------------- clipping

    private static IEnumerable<JsonObject> ClippingCases(Random rng)
    {
        int[][] shapes = [[4, 3], [4], [2, 4], [2]];
        var grads = shapes.Select(s => Float32Uniform(rng, s.Aggregate(1, (x, y) => x * y), -2.0, 2.0)).ToArray();
        var cases = new (string Name, string Kind, double Max, double Norm)[]
        {
            ("clip-grad-norm-2", "norm", 1.0, 2.0),
            ("clip-grad-norm-2-no-clip", "norm", 100.0, 2.0),
            ("clip-grad-norm-inf", "norm", 0.5, double.PositiveInfinity),
            ("clip-grad-norm-1", "norm", 2.0, 1.0),
            ("clip-grad-norm-3", "norm", 1.5, 3.0),
            ("clip-grad-value", "value", 0.75, 0),
        };
        foreach (var (name, kind, max, norm) in cases)
        {
            var ps = new List<Parameter>();
            for (int i = 0; i < shapes.Length; i++)
            {
                var p = new Parameter(torch.zeros(shapes[i].Select(d => (long)d).ToArray()));
                var g = torch.tensor(grads[i].Select(v => (float)v).ToArray(), shapes[i].Select(d => (long)d).ToArray());
                // p.grad = g exactly: d/dp sum(p * g) = g
                (p * g).sum().backward();
                ps.Add(p);
            }
            var result = new JsonObject { ["name"] = name, ["kind"] = kind };
            result["grads"] = new JsonArray(shapes.Select((s, i) => (JsonNode)TensorJson(s, grads[i])).ToArray());
            if (kind == "norm")
            {
                double total = nn.utils.clip_grad_norm_(ps, max, norm);
                result["maxNorm"] = max;
                result["normType"] = double.IsPositiveInfinity(norm) ? "inf" : norm;
                result["totalNorm"] = total;
            }
            else
            {
                nn.utils.clip_grad_value_(ps, max);
                result["clipValue"] = max;
            }
            result["clipped"] = new JsonArray(ps.Select(p => (JsonNode)Doubles(Floats(p.grad!))).ToArray());
            yield return result;
        }
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>float32-exact values (stored as doubles) from a uniform distribution.</summary>
    private static double[] Float32Uniform(Random rng, int n, double lo, double hi)
    {
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (float)(lo + (hi - lo) * rng.NextDouble());
        return v;
    }

    private static JsonObject TensorJson(int[] shape, double[] data) =>
        new() { ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()), ["data"] = Doubles(data) };

    private static Tensor FromJson(JsonObject t)
    {
        long[] shape = t["shape"]!.AsArray().Select(n => (long)n!.GetValue<int>()).ToArray();
        float[] data = t["data"]!.AsArray().Select(n => (float)n!.GetValue<double>()).ToArray();
        return torch.tensor(data, shape);
    }

    private static double[] Floats(Tensor t) => t.detach().contiguous().data<float>().ToArray().Select(f => (double)f).ToArray();

}
