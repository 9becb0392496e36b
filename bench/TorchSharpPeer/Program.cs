// TorchSharp's side of bench/run.sh: the same workloads as Tidu.Bench, same output format.
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

torch.set_num_threads(2);
var workloads = new (string Name, int Iterations, Action Body)[]
{
    ("add-10", 200_000, MakeAdd10()),
    ("tiny-forward-backward", 20_000, MakeTinyForwardBackward()),
    // GEMM workloads, named m×n×k: C [m,n] = A [m,k] · B [k,n], float32
    ("gemm-64x64x64", 50_000, MakeGemm(64, 64, 64)),
    ("gemm-256x256x256", 1_500, MakeGemm(256, 256, 256)),
    ("gemm-1024x1024x1024", 30, MakeGemm(1024, 1024, 1024)),
    ("gemm-2048x2048x2048", 5, MakeGemm(2048, 2048, 2048)),
    ("gemm-128x512x784", 800, MakeGemm(128, 512, 784)),
    ("gemm-128x128x512", 4_000, MakeGemm(128, 128, 512)),
    ("gemm-1x512x512", 20_000, MakeGemm(1, 512, 512)),
    ("gemm-512x2048x128", 300, MakeGemm(512, 2048, 128)),
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
