#:project ../src/Tidu/Tidu.csproj
// Building a model: a small MLP classifier trained with CrossEntropyLoss and Adam on random data.
// Run from the repository root: dotnet run examples/quick-start.cs
using System.Globalization;
using Tidu;
using Tidu.NN;
using Tidu.Optim;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
Tensor.ManualSeed(0);
var inputs = Tensor.Randn(64, 10);          // 64 samples, 10 features
var labels = Tensor.RandInt(0, 3, [64]);    // 3 classes, Int64 class indices

var model = new Sequential(
    new Linear(10, 32),
    new ReLU(),
    new Linear(32, 3));
var lossFunc = new CrossEntropyLoss();
var optimizer = new Adam(model.Parameters(), lr: 0.01);

for (int step = 1; step <= 50; step++)
{
    var logits = model.Forward(inputs);
    var loss = lossFunc.Forward(logits, labels);
    optimizer.ZeroGrad();
    loss.Backward();
    optimizer.Step();
    if (step % 10 == 0) Console.WriteLine($"step {step}  loss {loss.Item():F4}");
}

model.Eval();
using (Tensor.NoGrad())
{
    var predicted = model.Forward(inputs).ArgMax(1);
    double accuracy = predicted.Eq(labels).Double().Mean().Item();
    Console.WriteLine($"training accuracy {accuracy * 100:F0}%");
}
