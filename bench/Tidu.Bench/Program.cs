// Tidu's side of bench/run.sh: each workload is timed for one round and printed as "name<TAB>nanoseconds per
// iteration". run.sh alternates this program with the TorchSharp peer and takes medians over the rounds.
// Two more kinds of line share stdout, told apart by a prefix on the name:
//   "bytes/NAME<TAB>B"   managed bytes allocated per warm iteration of a training step (all threads);
//   "peak/NAME<TAB>G"    the machine's FMA peak in GFLOP/s (float32, see FmaPeak.cs).
// Each iteration runs in a TensorScope (the peer: torch.NewDisposeScope); "unscoped/" rows time a few workloads
// without one, to show what the garbage collector costs a user who does not use scopes.
// `Tidu.Bench epoch mlp|cnn [--batches N]` instead trains one Fashion-MNIST epoch (see Epoch.cs, bench/epoch.sh).
using System.Diagnostics;
using Tidu;
using Tidu.Bench;
using Tidu.NN;
using Tidu.Optim;
using Tidu.Training;

if (args.Length > 0 && args[0] == "epoch") return Epoch.Run(args[1..]);
bool only = args.Length > 0;   // names to run, for quick checks; none runs everything

var workloads = new (string Name, int Iterations, Func<Action> Make)[]
{
    ("add-10", 2_000_000, MakeAdd10),
    ("tiny-forward-backward", 100_000, MakeTinyForwardBackward),
    // GEMM workloads, named m×n×k: C [m,n] = A [m,k] · B [k,n], float32
    ("gemm-64x64x64", 100_000, () => MakeGemm(64, 64, 64)),
    ("gemm-256x256x256", 3_000, () => MakeGemm(256, 256, 256)),
    ("gemm-1024x1024x1024", 60, () => MakeGemm(1024, 1024, 1024)),
    ("gemm-2048x2048x2048", 10, () => MakeGemm(2048, 2048, 2048)),
    ("gemm-128x512x784", 1_500, () => MakeGemm(128, 512, 784)),
    ("gemm-128x128x512", 8_000, () => MakeGemm(128, 128, 512)),
    ("gemm-1x512x512", 50_000, () => MakeGemm(1, 512, 512)),
    ("gemm-512x2048x128", 600, () => MakeGemm(512, 2048, 128)),
    // element-wise transcendental functions over 1,000,000 floats, out of place
    ("exp-1M", 1_000, () => MakeUnary(static x => x.Exp())),
    ("tanh-1M", 1_000, () => MakeUnary(static x => x.Tanh())),
    // training steps: forward, loss, backward, optimizer step, zero grad
    ("step-mlp-784-256-10-sgd-b64", 2_000, MakeMlpSmallStep),
    ("step-mlp-784-1024x2-10-adam-b128", 60, MakeMlpLargeStep),
    ("step-cnn-adam-b64", 20, MakeCnnStep),
};

foreach (var (name, iterations, make) in workloads)
{
    if (only && !args.Contains(name)) continue;
    var step = make();
    // every iteration runs in a TensorScope, as the peer's runs in a DisposeScope: the way each library is meant to
    // be used in a loop, its tensors' memory reused rather than left to the garbage collector
    Action body = () => { using var scope = TensorScope.Begin(); step(); };
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
    if (name is "exp-1M" or "step-mlp-784-1024x2-10-adam-b128")
    {
        for (int i = 0; i < iterations / 10 + 1; i++) step();
        var plain = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++) step();
        Console.WriteLine($"unscoped/{name}\t{plain.Elapsed.TotalNanoseconds / iterations:F1}");
    }
}

if (!only)
{
    Console.WriteLine($"peak/fma-1-thread\t{FmaPeak.Measure(1):F1}");
    Console.WriteLine($"peak/fma-2-threads\t{FmaPeak.Measure(2):F1}");
}
return 0;

static Action MakeAdd10()
{
    var a = Tensor.Rand(10);
    var b = Tensor.Rand(10);
    return () => _ = a + b;
}

// four ops forward (mul, tanh, add, sum) and their backward, as in the TorchSharp peer
static Action MakeTinyForwardBackward()
{
    var x = Tensor.Rand(10);
    var w = Tensor.Rand(10);
    w.RequiresGrad = true;
    return () =>
    {
        var loss = ((x * w).Tanh() + 1.0).Sum();
        loss.Backward();
        w.ZeroGrad();
    };
}

// C [m,n] = A [m,k] · B [k,n]
static Action MakeGemm(int m, int n, int k)
{
    var a = Tensor.Rand(m, k);
    var b = Tensor.Rand(k, n);
    return () => _ = a.MatMul(b);
}

// f over 1,000,000 standard-normal floats
static Action MakeUnary(Func<Tensor, Tensor> f)
{
    var x = Tensor.Randn(1_000_000);
    return () => _ = f(x);
}

static Action MakeMlpSmallStep()
{
    var model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
    return MakeStep(model, new SGD(model.Parameters(), lr: 0.01), [64, 784]);
}

static Action MakeMlpLargeStep()
{
    var model = new Sequential(new Linear(784, 1024), new ReLU(), new Linear(1024, 1024), new ReLU(), new Linear(1024, 10));
    return MakeStep(model, new Adam(model.Parameters(), lr: 1e-3), [128, 784]);
}

static Action MakeCnnStep()
{
    var model = FashionMnistModels.Cnn();
    return MakeStep(model, new Adam(model.Parameters(), lr: 1e-3), [64, 1, 28, 28]);
}

// one training step on a fixed random batch with random class targets in 0..9
static Action MakeStep(Module model, Optimizer optimizer, int[] inputShape)
{
    model.Train();
    var x = Tensor.Randn(inputShape);
    var y = Tensor.RandInt(0, 10, [inputShape[0]]);
    var lossFn = new CrossEntropyLoss();
    return () =>
    {
        var loss = lossFn.Forward(model.Forward(x), y);
        loss.Backward();
        optimizer.Step();
        optimizer.ZeroGrad();
    };
}
