#:project ../src/Tidu/Tidu.csproj
// Problem 1 of the seed blog post, written by hand with Tidu exactly as the post writes it with PyTorch:
// learn w in y = w * x from one (parent IQ, child IQ) pair, x = 100 and y = 110, starting from w = 1.
// Run from the repository root: dotnet run examples/seed-problem1.cs
using System.Globalization;
using Tidu;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture; // print 1.02, not 1,02

var x = Tensor.From(new float[] { 100f }); // data only: no gradient needed
var y = Tensor.From(new float[] { 110f });
var w = Tensor.From(new float[] { 1f });   // the model's parameter
w.RequiresGrad = true;
const double lr = 0.00001;                 // learning rate
var losses = new List<double>();

for (int i = 0; i < 10; i++)
{
    var pred = x * w;
    var loss = (pred - y) * (pred - y); // squared error
    loss.Backward();                    // compute d loss / d w into w.Grad
    Console.WriteLine($"real {y.Item()} pred {pred.Item()} loss {loss.Item()}");
    Console.WriteLine($"w.data {w.Data.Item()} w.grad {w.Grad!.Item()}");
    w.Data = w.Data - lr * w.Grad;      // step against the gradient
    w.ZeroGrad();                       // gradients accumulate until cleared
    losses.Add(loss.Item());
}

Console.WriteLine($"losses: {string.Join(", ", losses.Select(l => l.ToString("0.###")))}");
