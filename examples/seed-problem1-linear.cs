#:project ../src/Tidu/Tidu.csproj
// Problem 1 of the seed blog post with the library's building blocks, as the post's second program:
// Linear(1, 1, bias: false) with its weight set to 1.0, MSELoss and SGD(lr = 1e-5, momentum = 0).
// The numbers equal the hand-written loop's (examples/seed-problem1.cs). Values are printed before the step.
// Run from the repository root: dotnet run examples/seed-problem1-linear.cs
using System.Globalization;
using Tidu;
using Tidu.NN;
using Tidu.Optim;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture; // print 1.02, not 1,02

var x = Tensor.From(new float[] { 100f }); // data only: no gradient needed
var y = Tensor.From(new float[] { 110f });
const double lr = 0.00001;                 // learning rate

var model = new Linear(1, 1, bias: false);
model.Weight.Data = Tensor.From(new float[] { 1f }, 1, 1);             // model.weight.data.fill_(1.0)
var optimizer = new SGD(model.Parameters(), lr: lr, momentum: 0);      // the optimizer
var lossFunc = new MSELoss();                                          // mean squared error

for (int i = 0; i < 10; i++)
{
    var pred = model.Forward(x);        // model(x)
    var loss = lossFunc.Forward(pred, y);
    loss.Backward();                    // compute the gradient into model.Weight.Grad
    Console.WriteLine($"real {y.Item()} pred {pred.Item()} loss {loss.Item()}");
    Console.WriteLine($"w.data {model.Weight.Data.Item()} w.grad {model.Weight.Grad!.Item()}");
    optimizer.Step();                   // w = w - lr * grad
    optimizer.ZeroGrad();               // clear the gradients before the next backward
}
