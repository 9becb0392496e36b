// TorchSharp's side of bench/run.sh: the same workloads as Tidu.Bench, same output format ("name<TAB>ns per
// iteration", plus "bytes/NAME<TAB>B": managed bytes per training step, which for TorchSharp counts only the .NET
// wrappers, not libtorch's native buffers, so it is not comparable with Tidu's figure).
// `TorchSharpPeer epoch mlp|cnn [--batches N]` instead trains one Fashion-MNIST epoch (see Epoch.cs, bench/epoch.sh).
using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharpPeer;
using static TorchSharp.torch;

torch.set_num_threads(2);
if (args.Length > 0 && args[0] == "epoch") return Epoch.Run(args[1..]);
bool only = args.Length > 0;   // names to run, for quick checks; none runs everything

var workloads = new (string Name, int Iterations, Func<Action> Make)[]
{
    ("add-10", 200_000, MakeAdd10),
    ("tiny-forward-backward", 20_000, MakeTinyForwardBackward),
    // GEMM workloads, named m×n×k: C [m,n] = A [m,k] · B [k,n], float32
    ("gemm-64x64x64", 50_000, () => MakeGemm(64, 64, 64)),
    ("gemm-256x256x256", 1_500, () => MakeGemm(256, 256, 256)),
    ("gemm-1024x1024x1024", 30, () => MakeGemm(1024, 1024, 1024)),
    ("gemm-2048x2048x2048", 5, () => MakeGemm(2048, 2048, 2048)),
    ("gemm-128x512x784", 800, () => MakeGemm(128, 512, 784)),
    ("gemm-128x128x512", 4_000, () => MakeGemm(128, 128, 512)),
    ("gemm-1x512x512", 20_000, () => MakeGemm(1, 512, 512)),
    ("gemm-512x2048x128", 300, () => MakeGemm(512, 2048, 128)),
    // element-wise transcendental functions over 1,000,000 floats, out of place
    ("exp-1M", 1_000, () => MakeUnary(static x => x.exp())),
    ("tanh-1M", 1_000, () => MakeUnary(static x => x.tanh())),
    // training steps: forward, loss, backward, optimizer step, zero grad
    ("step-mlp-784-256-10-sgd-b64", 2_000, MakeMlpSmallStep),
    ("step-mlp-784-1024x2-10-adam-b128", 60, MakeMlpLargeStep),
    ("step-cnn-adam-b64", 20, MakeCnnStep),
};

foreach (var (name, iterations, make) in workloads)
{
    if (only && !args.Contains(name)) continue;
    var body = make();
    // warm up for at least a second and 50 iterations (the same rule on both sides), so the JIT has reached its
    // optimised tier before timing: .NET recompiles a method after 30 calls, and at 20–50 ms per CNN step half a
    // second was 10–25 calls, which left parts of the step in unoptimised code in some runs (1.3× instead of 2.9×)
    var warm = Stopwatch.StartNew();
    for (int w = 0; warm.ElapsedMilliseconds < 1000 || w < 50; w++) body();
    long bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < iterations; i++) body();
    double ns = sw.Elapsed.TotalNanoseconds / iterations;
    long bytes = GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
    Console.WriteLine($"{name}\t{ns:F1}");
    if (name.StartsWith("step-", StringComparison.Ordinal)) Console.WriteLine($"bytes/{name}\t{(double)bytes / iterations:F0}");
}
return 0;

static Action MakeAdd10()
{
    var a = torch.rand(10);
    var b = torch.rand(10);
    return () =>
    {
        using var scope = torch.NewDisposeScope();
        _ = a + b;
    };
}

static Action MakeTinyForwardBackward()
{
    var x = torch.rand(10);
    var w = torch.rand(10).requires_grad_();
    return () =>
    {
        using var scope = torch.NewDisposeScope();
        var loss = ((x * w).tanh() + 1.0).sum();
        loss.backward();
        w.grad!.zero_();
    };
}

// C [m,n] = A [m,k] · B [k,n]
static Action MakeGemm(int m, int n, int k)
{
    var a = torch.rand(m, k);
    var b = torch.rand(k, n);
    return () =>
    {
        using var scope = torch.NewDisposeScope();
        _ = a.matmul(b);
    };
}

// f over 1,000,000 standard-normal floats
static Action MakeUnary(Func<Tensor, Tensor> f)
{
    var x = torch.randn(1_000_000);
    return () =>
    {
        using var scope = torch.NewDisposeScope();
        _ = f(x);
    };
}

static Action MakeMlpSmallStep()
{
    var model = nn.Sequential(("fc1", nn.Linear(784, 256)), ("relu", nn.ReLU()), ("fc2", nn.Linear(256, 10)));
    return MakeStep(model, torch.optim.SGD(model.parameters(), learningRate: 0.01), [64, 784]);
}

static Action MakeMlpLargeStep()
{
    var model = nn.Sequential(("fc1", nn.Linear(784, 1024)), ("relu1", nn.ReLU()), ("fc2", nn.Linear(1024, 1024)),
        ("relu2", nn.ReLU()), ("fc3", nn.Linear(1024, 10)));
    return MakeStep(model, torch.optim.Adam(model.parameters(), lr: 1e-3), [128, 784]);
}

static Action MakeCnnStep()
{
    var model = Models.Cnn();
    return MakeStep(model, torch.optim.Adam(model.parameters(), lr: 1e-3), [64, 1, 28, 28]);
}

// one training step on a fixed random batch with random class targets in 0..9
static Action MakeStep(Sequential model, optim.Optimizer optimizer, long[] inputShape)
{
    model.train();
    var x = torch.randn(inputShape);
    var y = torch.randint(0, 10, [inputShape[0]], dtype: ScalarType.Int64);
    var lossFn = nn.CrossEntropyLoss();
    return () =>
    {
        using var scope = torch.NewDisposeScope();
        var loss = lossFn.forward(model.forward(x), y);
        loss.backward();
        optimizer.step();
        optimizer.zero_grad();
    };
}
