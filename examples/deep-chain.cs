#:project ../src/Tidu/Tidu.csproj
// The seed post's exploding and vanishing gradients: the gradient reaching the first layer of a deep network is
// a product of one factor per layer, so it explodes when the factors are above 1 and vanishes when they are
// below 1. A residual connection, x + block(x), adds an identity path that carries the gradient past each block.
// Run from the repository root: dotnet run examples/deep-chain.cs
using System.Globalization;
using Tidu;
using Tidu.NN;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
int[] depths = [5, 20, 50];

// Part 1: y = x * w1 * w2 * ... * wN, a chain of N Linear(1, 1, bias: false) with every weight 1.1 or 0.9.
// d y / d w1 = x * w^(N-1): 1.1^49 is about 107, 0.9^49 about 0.006.
Console.WriteLine("Part 1: a chain of N Linear(1, 1) layers, x = 1, loss = y");
Console.WriteLine("depth  |grad w1| (w = 1.1)  |grad w1| (w = 0.9)");
foreach (int depth in depths)
{
    Console.WriteLine($"{depth,5}  {FirstLayerGradNorm(ScalarChain(depth, 1.1f)),19:G6}  {FirstLayerGradNorm(ScalarChain(depth, 0.9f)),19:G6}");
}

// Part 2: a deep MLP, Linear(16, 16) + Tanh per layer with PyTorch's default initialisation, on a batch of 32
// random inputs: each layer multiplies the gradient by W^T * tanh' (norm well below 1), so it vanishes. Wrapping
// each Linear + Tanh in Residual adds the identity to every factor, and the gradient stays alive.
Console.WriteLine();
Console.WriteLine("Part 2: N blocks of Linear(16, 16) + Tanh, batch 32, loss = mean(y^2)");
Console.WriteLine("depth  |grad first Linear| plain  |grad first Linear| residual");
foreach (int depth in depths)
{
    Console.WriteLine($"{depth,5}  {FirstLayerGradNorm(Mlp(depth, residual: false)),25:G6}  {FirstLayerGradNorm(Mlp(depth, residual: true)),28:G6}");
}

static Sequential ScalarChain(int depth, float weight)
{
    var model = new Sequential();
    for (int i = 0; i < depth; i++)
    {
        var layer = new Linear(1, 1, bias: false);
        layer.Weight.Data = Tensor.Full([1, 1], weight);
        model.Add(layer);
    }
    return model;
}

static Sequential Mlp(int depth, bool residual)
{
    Tensor.ManualSeed(0); // the same weights for the plain and the residual model
    var model = new Sequential();
    for (int i = 0; i < depth; i++)
    {
        var block = new Sequential(new Linear(16, 16), new Tanh());
        model.Add(residual ? new Residual(block) : block);
    }
    return model;
}

// Runs forward and backward and returns the L2 norm of the first layer's weight gradient.
static double FirstLayerGradNorm(Sequential model)
{
    int width = model.Parameters().First().Shape[1];
    Tensor.ManualSeed(1);
    var x = width == 1 ? Tensor.Ones(1, 1) : Tensor.Randn(32, width);
    var y = model.Forward(x);
    var loss = width == 1 ? y.Sum() : y.Pow(2).Mean();
    loss.Backward();
    var first = model.Parameters().First(); // "0.weight", or "0.block.0.weight" with Residual
    return first.Grad!.Pow(2).Sum().Sqrt().Item();
}
