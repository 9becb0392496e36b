// TorchSharp's side of bench/run.sh: the same workloads as Tidu.Bench, same output format.
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

torch.set_num_threads(2);
var workloads = new (string Name, int Iterations, Action Body)[]
{
    ("add-10", 200_000, MakeAdd10()),
    ("tiny-forward-backward", 20_000, MakeTinyForwardBackward()),
};

foreach (var (name, iterations, body) in workloads)
{
    // warm up for at least half a second so the JIT has reached its optimised tier before timing
    var warm = Stopwatch.StartNew();
    while (warm.ElapsedMilliseconds < 500) for (int i = 0; i < iterations / 100 + 1; i++) body();
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < iterations; i++) body();
    Console.WriteLine($"{name}\t{sw.Elapsed.TotalNanoseconds / iterations:F1}");
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
