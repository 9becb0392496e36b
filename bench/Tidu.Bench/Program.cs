// Tidu's side of bench/run.sh: each workload is timed for one round and printed as "name<TAB>nanoseconds per
// iteration". run.sh alternates this program with the TorchSharp peer and takes medians over the rounds.
using System.Diagnostics;
using Tidu;

var workloads = new (string Name, int Iterations, Action Body)[]
{
    ("add-10", 2_000_000, MakeAdd10()),
    ("tiny-forward-backward", 100_000, MakeTinyForwardBackward()),
    // GEMM workloads, named m×n×k: C [m,n] = A [m,k] · B [k,n], float32
    ("gemm-64x64x64", 100_000, MakeGemm(64, 64, 64)),
    ("gemm-256x256x256", 3_000, MakeGemm(256, 256, 256)),
    ("gemm-1024x1024x1024", 60, MakeGemm(1024, 1024, 1024)),
    ("gemm-2048x2048x2048", 10, MakeGemm(2048, 2048, 2048)),
    ("gemm-128x512x784", 1_500, MakeGemm(128, 512, 784)),
    ("gemm-128x128x512", 8_000, MakeGemm(128, 128, 512)),
    ("gemm-1x512x512", 50_000, MakeGemm(1, 512, 512)),
    ("gemm-512x2048x128", 600, MakeGemm(512, 2048, 128)),
};

foreach (var (name, iterations, body) in workloads)
{
    // warm up for at least half a second so the JIT has reached its optimised tier before timing
    var warm = Stopwatch.StartNew();
    while (warm.ElapsedMilliseconds < 500) for (int i = 0; i < iterations / 100 + 1; i++) body();
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < iterations; i++) body();
    double ns = sw.Elapsed.TotalNanoseconds / iterations;
    Console.WriteLine($"{name}\t{ns:F1}");
    if (name.StartsWith("gemm-", StringComparison.Ordinal))
    {
        var mnk = name["gemm-".Length..].Split('x').Select(long.Parse).ToArray();
        Console.Error.WriteLine($"{name}\t{2.0 * mnk[0] * mnk[1] * mnk[2] / ns:F1} GFLOP/s");
    }
}

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
