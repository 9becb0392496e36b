#:project ../src/Tidu/Tidu.csproj
// Problem 2 of the seed blog post: the child's IQ from both parents, y = x1*w1 + x2*w2, with x = (100, 90)
// (father, mother), y = 110 and both weights starting at 1.0. Each step moves each weight against its own
// partial derivative: d loss / d w1 = 2 (pred - y) x1 and d loss / d w2 = 2 (pred - y) x2.
// Values are printed before the step. Run from the repository root: dotnet run examples/seed-problem2-two-parents.cs
using System.Globalization;
using Tidu;
using Tidu.NN;
using Tidu.Optim;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var x = Tensor.From(new float[] { 100f, 90f }); // x1 = father's IQ, x2 = mother's IQ
var y = Tensor.From(new float[] { 110f });
const double lr = 0.00001;

var model = new Linear(2, 1, bias: false);      // y = x1*w1 + x2*w2
model.Weight.Data = Tensor.From(new float[] { 1f, 1f }, 1, 2);
var optimizer = new SGD(model.Parameters(), lr: lr, momentum: 0);
var lossFunc = new MSELoss();

for (int i = 0; i < 10; i++)
{
    var pred = model.Forward(x);
    var loss = lossFunc.Forward(pred, y);
    loss.Backward();
    Console.WriteLine($"real {y.Item()} pred {pred.Item()} loss {loss.Item()}");
    Console.WriteLine($"w.data [{Join(model.Weight.Data)}] w.grad [{Join(model.Weight.Grad!)}]");
    optimizer.Step();
    optimizer.ZeroGrad();
}

static string Join(Tensor t) => string.Join(", ", t.ToArray<double>()); // the same digits as Item() prints
