// Tidu's side of bench/run.sh: each workload is timed for one round and printed as "name<TAB>nanoseconds per
// iteration". run.sh alternates this program with the TorchSharp peer and takes medians over the rounds.
using System.Diagnostics;
using Tidu;

var workloads = new (string Name, int Iterations, Action Body)[]
{
    ("add-10", 2_000_000, MakeAdd10()),
    ("tiny-forward-backward", 100_000, MakeTinyForwardBackward()),
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
