using Tidu.Diagnostics;
using Tidu.NN;
using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.NN;

public class ModuleTests
{
    private static Sequential Net() => new(new Linear(4, 8), new ReLU(), new Linear(8, 3));

    [Fact]
    public void NamedParametersUseDottedPyTorchNames()
    {
        var names = Net().NamedParameters().Select(p => p.Name).ToArray();
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], names);
    }

    [Fact]
    public void NestedModulesGetFullDottedNames()
    {
        var net = new Sequential(new Residual(new Sequential(new Linear(3, 3))), new Linear(3, 1, bias: false));
        Assert.Equal(["0.block.0.weight", "0.block.0.bias", "1.weight"], net.NamedParameters().Select(p => p.Name).ToArray());
        Assert.Equal(["", "0", "0.block", "0.block.0", "1"], net.NamedModules().Select(m => m.Name).ToArray());
    }

    [Fact]
    public void SharedParameterIsListedOnce()
    {
        var layer = new Linear(2, 2);
        var net = new Sequential(layer, layer);
        Assert.Equal(2, net.Parameters().Count());
    }

    [Fact]
    public void ParametersRequireGradAndFreezeStopsThem()
    {
        var net = Net();
        Assert.All(net.Parameters(), p => Assert.True(p.RequiresGrad));
        net.Freeze();
        Assert.All(net.Parameters(), p => Assert.False(p.RequiresGrad));
        net.Unfreeze();
        Assert.All(net.Parameters(), p => Assert.True(p.RequiresGrad));
    }

    [Fact]
    public void FrozenLayerGetsNoGradientWhileOthersDo()
    {
        var first = new Linear(4, 8);
        var net = new Sequential(first, new Tanh(), new Linear(8, 1));
        first.Freeze();
        net.Forward(Tensor.Randn(5, 4)).Sum().Backward();
        Assert.Null(first.Weight.Grad);
        Assert.NotNull(((Linear)net[2]).Weight.Grad);
    }

    [Fact]
    public void TrainAndEvalPropagateToChildren()
    {
        var net = Net();
        net.Eval();
        Assert.All(net.Modules(), m => Assert.False(m.Training));
        net.Train();
        Assert.All(net.Modules(), m => Assert.True(m.Training));
    }

    [Fact]
    public void ForwardHooksFireOnEveryForwardUntilRemoved()
    {
        var net = Net();
        var seen = new List<string>();
        var handles = net.NamedModules().Select(nm => nm.Module.RegisterForwardHook((m, i, o) => seen.Add($"{nm.Name}:{ShapeUtil.Format(o.Shape)}"))).ToList();
        net.Forward(Tensor.Randn(2, 4));
        Assert.Equal(["0:[2, 8]", "1:[2, 8]", "2:[2, 3]", ":[2, 3]"], seen);
        foreach (var h in handles) h.Dispose();
        seen.Clear();
        net.Forward(Tensor.Randn(2, 4));
        Assert.Empty(seen);
    }

    [Fact]
    public void StateDictRoundTripCopiesValuesExactly()
    {
        var a = Net();
        var b = Net();
        b.LoadStateDict(a.StateDict());
        foreach (var ((na, pa), (nb, pb)) in a.NamedParameters().Zip(b.NamedParameters()))
        {
            Assert.Equal(na, nb);
            Assert.Equal(pa.ToArray<float>(), pb.ToArray<float>());
            Assert.False(ReferenceEquals(pa, pb));
        }
    }

    [Fact]
    public void LoadStateDictNamesMissingUnexpectedAndMisshapenKeys()
    {
        var net = Net();
        var state = new Dictionary<string, Tensor>(net.StateDict());
        state.Remove("2.bias");
        state["extra"] = Tensor.Zeros(1);
        var ex = Assert.Throws<ArgumentException>(() => net.LoadStateDict(state));
        Assert.Contains("2.bias", ex.Message);
        Assert.Contains("extra", ex.Message);
        var loose = net.LoadStateDict(state, strict: false);
        Assert.Equal(["2.bias"], loose.MissingKeys);
        Assert.Equal(["extra"], loose.UnexpectedKeys);

        var bad = new Dictionary<string, Tensor>(net.StateDict()) { ["0.weight"] = Tensor.Zeros(3, 3) };
        var shapeEx = Assert.Throws<ArgumentException>(() => net.LoadStateDict(bad));
        Assert.Contains("0.weight", shapeEx.Message);
        Assert.Contains("[3, 3]", shapeEx.Message);
        Assert.Contains("[8, 4]", shapeEx.Message);
    }

    [Fact]
    public void DuplicateOrDottedNamesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new BadModule("w", "w"));
        Assert.Throws<ArgumentException>(() => new BadModule("a.b", "c"));
    }

    private sealed class BadModule : Module
    {
        public BadModule(string first, string second)
        {
            RegisterParameter(first, Tensor.Zeros(1));
            RegisterParameter(second, Tensor.Zeros(1));
        }

        protected override Tensor ForwardCore(Tensor input) => input;
    }
}

public class LinearTests
{
    [Fact]
    public void SeedContractLinearWithoutBias()
    {
        var model = new Linear(1, 1, bias: false);
        Assert.Null(model.Bias);
        model.Weight.Data = Tensor.From(new float[] { 1f }, 1, 1);
        var pred = model.Forward(Tensor.From(new float[] { 100f }));
        Assert.Equal([1], pred.Shape);
        Assert.Equal(100, pred.Item());
    }

    [Fact]
    public void DefaultInitIsUniformWithinOneOverSqrtFanIn()
    {
        Tensor.ManualSeed(1);
        var layer = new Linear(400, 300);
        double bound = 1 / Math.Sqrt(400);
        var w = layer.Weight.ToArray<float>();
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        Assert.True(w.Max() > 0.9 * bound && w.Min() < -0.9 * bound, "weights should fill the interval");
        // the variance of U(-b, b) is b²/3
        double variance = w.Select(v => (double)v * v).Average();
        Assert.InRange(variance, 0.9 * bound * bound / 3, 1.1 * bound * bound / 3);
        Assert.All(layer.Bias!.ToArray<float>(), v => Assert.InRange(v, -bound, bound));
    }

    [Fact]
    public void GradCheckThroughWeightBiasAndInput()
    {
        var layer = new Linear(3, 2, dtype: DType.Float64);
        var x = Tensor.Randn([4, 3], DType.Float64).RequiresGradInPlace();
        var r = GradCheck.Check(xs => Functional.Linear(xs[0], xs[1], xs[2]).Tanh(), [x, layer.Weight, layer.Bias!]);
        Assert.True(r.Passed, r.ToString());
    }

    [Fact]
    public void FusedLinearMatchesMatMulPlusBiasInValuesAndGradients()
    {
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            double tol = dtype == DType.Float64 ? 1e-12 : 1e-4;
            foreach (bool withBias in new[] { true, false })
            {
                foreach (bool inputGrad in new[] { true, false })
                {
                    foreach (int[] shape in new[] { new[] { 5, 7 }, new[] { 2, 3, 7 } })
                    {
                        var gen = new Generator(11);
                        var xv = Tensor.Randn(shape, dtype, gen);
                        var wv = Tensor.Randn([4, 7], dtype, gen);
                        var bv = Tensor.Randn([4], dtype, gen);
                        var (x1, w1, b1) = (xv.Clone(), wv.Clone().RequiresGradInPlace(), bv.Clone().RequiresGradInPlace());
                        var (x2, w2, b2) = (xv.Clone(), wv.Clone().RequiresGradInPlace(), bv.Clone().RequiresGradInPlace());
                        if (inputGrad) { x1.RequiresGradInPlace(); x2.RequiresGradInPlace(); }
                        var fused = Functional.Linear(x1, w1, withBias ? b1 : null);
                        var reference = x2.MatMul(w2.T());
                        if (withBias) reference = reference + b2;
                        AssertValues(reference.ToArray<double>(), reference.Shape, fused, tol);
                        var g = Tensor.Randn(reference.Shape, dtype, gen);
                        fused.Backward(g);
                        reference.Backward(g);
                        AssertValues(w2.Grad!.ToArray<double>(), [4, 7], w1.Grad!, tol);
                        if (withBias) AssertValues(b2.Grad!.ToArray<double>(), [4], b1.Grad!, tol);
                        else Assert.Null(b1.Grad);
                        if (inputGrad) AssertValues(x2.Grad!.ToArray<double>(), shape, x1.Grad!, tol);
                    }
                }
            }
        }
    }

    [Fact]
    public void FusedLinearGradCheckWithoutBiasAndOnATransposedInput()
    {
        var w = Tensor.Randn([2, 3], DType.Float64, new Generator(12)).RequiresGradInPlace();
        var x = Tensor.Randn([3, 4], DType.Float64, new Generator(13)).RequiresGradInPlace();
        // x.T() is a non-contiguous [4, 3] view
        var r = GradCheck.Check(xs => Functional.Linear(xs[0].T(), xs[1]).Tanh(), [x, w]);
        Assert.True(r.Passed, r.ToString());
    }

    [Fact]
    public void BatchedInputKeepsLeadingDims()
    {
        var layer = new Linear(3, 5);
        Assert.Equal([2, 4, 5], layer.Forward(Tensor.Randn(2, 4, 3)).Shape);
    }

    [Fact]
    public void WrongInputWidthNamesBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Linear(3, 2).Forward(Tensor.Zeros(4, 5)));
        Assert.Contains("[4, 5]", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
    }
}

public class SimpleModuleTests
{
    [Fact]
    public void DropoutScalesKeptValuesAndIsOffInEval()
    {
        var drop = new Dropout(0.25, new Generator(3));
        var x = Tensor.Ones(10000);
        var y = drop.Forward(x).ToArray<float>();
        Assert.All(y, v => Assert.True(v == 0 || Math.Abs(v - 1 / 0.75) < 1e-6));
        double kept = y.Count(v => v != 0) / 10000.0;
        Assert.InRange(kept, 0.73, 0.77);
        drop.Eval();
        Assert.Same(x, drop.Forward(x));
        Assert.All(new Dropout(1.0).Forward(x).ToArray<float>(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void DropoutGradientUsesTheSameMask()
    {
        var x = Tensor.Ones([100], DType.Float64).RequiresGradInPlace();
        var y = Functional.Dropout(x, 0.5, true, new Generator(5));
        y.Sum().Backward();
        Assert.Equal(y.ToArray<double>(), x.Grad!.ToArray<double>());
    }

    [Fact]
    public void EluAndSeluMatchTheirDefinitionsAndGradCheck()
    {
        var x = Tensor.From(new double[] { -2, -0.5, 0.5, 3 });
        var elu = new ELU(0.7).Forward(x).ToArray<double>();
        Assert.Equal(0.7 * (Math.Exp(-2) - 1), elu[0], 12);
        Assert.Equal(3, elu[3]);
        var selu = new SELU().Forward(x).ToArray<double>();
        Assert.Equal(1.0507009873554805 * 1.6732632423543772 * (Math.Exp(-0.5) - 1), selu[1], 12);
        Assert.Equal(1.0507009873554805 * 0.5, selu[2], 12);

        var xg = Tensor.From(new double[] { -2, -0.5, 0.5, 3, 800 }).RequiresGradInPlace();
        Assert.True(GradCheck.Check(t => t.Elu(0.7), xg).Passed);
        Assert.True(GradCheck.Check(t => t.Selu(), xg).Passed);
        xg.Elu().Sum().Backward();
        Assert.All(xg.Grad!.ToArray<double>(), g => Assert.True(double.IsFinite(g)));
    }

    [Fact]
    public void ResidualAddsTheInputAndRejectsShapeChanges()
    {
        var x = Tensor.From(new float[] { 1, 2 });
        var block = new Linear(2, 2, bias: false);
        block.Weight.Data = Tensor.Zeros(2, 2);
        Assert.Equal(new float[] { 1, 2 }, new Residual(block).Forward(x).ToArray<float>());
        var ex = Assert.Throws<InvalidOperationException>(() => new Residual(new Linear(2, 3)).Forward(x));
        Assert.Contains("[2]", ex.Message);
        Assert.Contains("[3]", ex.Message);
    }

    [Fact]
    public void ActivationModulesApplyTheirOps()
    {
        var x = Tensor.From(new float[] { -1, 0.5f }, 1, 2);
        Assert.Equal(x.Relu().ToArray<float>(), new ReLU().Forward(x).ToArray<float>());
        Assert.Equal(x.LeakyRelu(0.2).ToArray<float>(), new LeakyReLU(0.2).Forward(x).ToArray<float>());
        Assert.Equal(x.Gelu(GeluApproximation.Tanh).ToArray<float>(), new GELU(GeluApproximation.Tanh).Forward(x).ToArray<float>());
        Assert.Equal(x.Sigmoid().ToArray<float>(), new Sigmoid().Forward(x).ToArray<float>());
        Assert.Equal(x.Tanh().ToArray<float>(), new Tanh().Forward(x).ToArray<float>());
        Assert.Equal(x.Softmax(1).ToArray<float>(), new Softmax(1).Forward(x).ToArray<float>());
        Assert.Equal(x.LogSoftmax(1).ToArray<float>(), new LogSoftmax(1).Forward(x).ToArray<float>());
        Assert.Same(x, new Identity().Forward(x));
        Assert.Equal([2, 3 * 4], new Flatten().Forward(Tensor.Zeros(2, 3, 4)).Shape);
    }
}

public class InitTests
{
    [Fact]
    public void GainsMatchPyTorch()
    {
        Assert.Equal(Math.Sqrt(2), Init.CalculateGain(Nonlinearity.Relu));
        Assert.Equal(5.0 / 3, Init.CalculateGain(Nonlinearity.Tanh));
        Assert.Equal(Math.Sqrt(2 / (1 + 0.2 * 0.2)), Init.CalculateGain(Nonlinearity.LeakyRelu, 0.2));
        Assert.Equal(0.75, Init.CalculateGain(Nonlinearity.Selu));
    }

    [Fact]
    public void FansCountTheReceptiveField()
    {
        Assert.Equal((3 * 9, 8 * 9), Init.CalculateFanInAndFanOut(Tensor.Zeros(8, 3, 3, 3)));
        Assert.Throws<ArgumentException>(() => Init.CalculateFanInAndFanOut(Tensor.Zeros(3)));
    }

    [Theory]
    [InlineData("kaiming_normal", 0.0)]
    [InlineData("xavier_normal", 0.0)]
    [InlineData("lecun_normal", 0.0)]
    public void NormalInitialisersHaveTheDocumentedStd(string kind, double unused)
    {
        _ = unused;
        var w = Tensor.Zeros(200, 300);
        var g = new Generator(11);
        double expected = kind switch
        {
            "kaiming_normal" => Math.Sqrt(2) / Math.Sqrt(300),
            "xavier_normal" => Math.Sqrt(2.0 / 500),
            _ => 1 / Math.Sqrt(300),
        };
        _ = kind switch
        {
            "kaiming_normal" => Init.KaimingNormal(w, nonlinearity: Nonlinearity.Relu, generator: g),
            "xavier_normal" => Init.XavierNormal(w, generator: g),
            _ => Init.LeCunNormal(w, g),
        };
        double std = w.Double().Std().Item();
        Assert.InRange(std, 0.97 * expected, 1.03 * expected);
    }

    [Fact]
    public void XavierAndKaimingUniformStayWithinTheirBounds()
    {
        var w = Tensor.Zeros(50, 70);
        Init.XavierUniform(w, gain: 2);
        double a = 2 * Math.Sqrt(6.0 / 120);
        Assert.All(w.ToArray<float>(), v => Assert.InRange(v, -a, a));
        Init.KaimingUniform(w, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu);
        double b = Math.Sqrt(2) * Math.Sqrt(3.0 / 50);
        Assert.All(w.ToArray<float>(), v => Assert.InRange(v, -b, b));
    }
}

public class StateDictOrderTests
{
    [Fact]
    public void StateDictGoesModuleByModuleLikePyTorch()
    {
        var net = new Sequential(new BatchNorm1d(3), new Linear(3, 2));
        Assert.Equal(["0.weight", "0.bias", "0.running_mean", "0.running_var", "0.num_batches_tracked", "1.weight", "1.bias"],
            net.StateDict().Keys.ToArray());
    }
}
