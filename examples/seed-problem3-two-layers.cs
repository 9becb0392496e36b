#:project ../src/Tidu/Tidu.csproj
// Problem 3 of the seed blog post: a two-layer chain, grandmother -> father -> son, y = x*w1*w2 with x = 100,
// y = 110. Two Linear(1, 1, bias: false) layers are trained by one SGD over two parameter groups; the groups set
// no lr of their own, so both inherit lr = 1e-5 from the optimizer. As in the post, values are printed after
// Step(): the weights already updated, the gradients of this iteration (not yet cleared).
// The post keeps PyTorch's random initial weights; both start at 1.0 here so the run is repeatable.
// Run from the repository root: dotnet run examples/seed-problem3-two-layers.cs
using System.Globalization;
using Tidu;
using Tidu.NN;
using Tidu.Optim;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var x = Tensor.From(new float[] { 100f });
var y = Tensor.From(new float[] { 110f });
const double lr = 0.00001;

var model1 = new Linear(1, 1, bias: false); // grandmother -> father (w1)
var model2 = new Linear(1, 1, bias: false); // father -> son (w2)
model1.Weight.Data = Tensor.From(new float[] { 1f }, 1, 1);
model2.Weight.Data = Tensor.From(new float[] { 1f }, 1, 1);
// optimise both parameter groups at once
var optimizer = new SGD(new[] { new ParamGroup(model1.Parameters()), new ParamGroup(model2.Parameters()) }, lr: lr, momentum: 0);
var lossFunc = new MSELoss();

for (int i = 0; i < 10; i++)
{
    var pred = model2.Forward(model1.Forward(x));
    var loss = lossFunc.Forward(pred, y);
    loss.Backward();
    optimizer.Step();
    Console.WriteLine($"real {y.Item()} pred {pred.Item()} loss {loss.Item()}");
    Console.WriteLine($"w1.data {model1.Weight.Data.Item()} w1.grad {model1.Weight.Grad!.Item()}");
    Console.WriteLine($"w2.data {model2.Weight.Data.Item()} w2.grad {model2.Weight.Grad!.Item()}");
    optimizer.ZeroGrad();
}
