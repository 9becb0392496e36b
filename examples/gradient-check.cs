#:project ../src/Tidu/Tidu.csproj
// The seed post's checklist: "if you implement the model by hand, verify that the gradient is right by the
// two-sided difference". Part 1 checks a gradient derived by hand; part 2 lets GradCheck.Check compare autograd's
// gradient of a hand-written model with two-sided differences, and shows it catching a real bug.
// Run from the repository root: dotnet run examples/gradient-check.cs
using System.Globalization;
using Tidu;
using Tidu.Diagnostics;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// Part 1: problem 1's loss L(w) = (x*w - y)^2 at x = 100, y = 110, w = 1.
// By the chain rule dL/dw = 2 * (x*w - y) * x. Compare it with (L(w + eps) - L(w - eps)) / (2 * eps).
const double x = 100, y = 110, w = 1, eps = 1e-6;
double Loss(double v) => (x * v - y) * (x * v - y);
double numerical = (Loss(w + eps) - Loss(w - eps)) / (2 * eps);
double handWritten = 2 * (x * w - y) * x;
double forgotTheTwo = (x * w - y) * x;      // a typical slip when deriving by hand
Console.WriteLine("Part 1: dL/dw of L(w) = (x*w - y)^2 at w = 1");
Console.WriteLine($"two-sided difference   {numerical:G8}");
Console.WriteLine($"2*(x*w - y)*x          {handWritten:G8}  relative error {RelativeError(handWritten, numerical):G3}");
Console.WriteLine($"(x*w - y)*x (wrong)    {forgotTheTwo:G8}  relative error {RelativeError(forgotTheTwo, numerical):G3}");

// Part 2: a two-layer network written by hand from tensor ops, and its squared-error loss.
// GradCheck needs Float64 leaves that require grad; it checks every input that does.
Tensor.ManualSeed(0);
var input = Tensor.Randn([4, 3], DType.Float64);
var target = Tensor.Randn([4, 1], DType.Float64);
var w1 = Leaf(Tensor.Randn([3, 5], DType.Float64));
var w2 = Leaf(Tensor.Randn([5, 1], DType.Float64));

Tensor Model(Tensor[] p) => (input.MatMul(p[0]).Tanh().MatMul(p[1]) - target).Pow(2).Mean();
Console.WriteLine();
Console.WriteLine("Part 2: GradCheck.Check on a hand-written model, mean((tanh(x W1) W2 - y)^2)");
Console.WriteLine(GradCheck.Check(Model, [w1, w2]));

// The same model with a bug: the hidden layer reads W1 through .Data, which cuts it out of the graph, so
// autograd's gradient for W1 is zero while the finite differences are not.
Tensor BuggyModel(Tensor[] p) => (input.MatMul(p[0].Data).Tanh().MatMul(p[1]) - target).Pow(2).Mean();
Console.WriteLine(GradCheck.Check(BuggyModel, [w1, w2]));

static Tensor Leaf(Tensor t)
{
    t.RequiresGrad = true;
    return t;
}

static double RelativeError(double a, double b) => Math.Abs(a - b) / Math.Max(Math.Abs(a), Math.Abs(b));
