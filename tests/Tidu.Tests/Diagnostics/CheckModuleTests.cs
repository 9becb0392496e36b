using Tidu.Diagnostics;
using Tidu.NN;
using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Diagnostics;

public class CheckModuleTests
{
    private static Tensor Input(long seed, params int[] shape) => Tensor.Randn(shape, DType.Float64, new Generator(seed));

    private static void AssertPasses(Module module, Tensor input)
    {
        var r = GradCheck.CheckModule(module, input);
        Assert.True(r.Passed, r.ToString());
        Assert.NotNull(r.InputName);
    }

    [Fact]
    public void PassesForLinear()
    {
        var layer = new Linear(3, 2, dtype: DType.Float64);
        var r = GradCheck.CheckModule(layer, Input(1, 4, 3));
        Assert.True(r.Passed, r.ToString());
        // 8 outputs × (12 input + 6 weight + 2 bias elements)
        Assert.Equal(8 * 20, r.EntriesChecked);
    }

    [Fact]
    public void PassesForConv2d() =>
        AssertPasses(new Conv2d(2, 3, 3, padding: 1, dtype: DType.Float64), Input(2, 1, 2, 4, 4));

    [Fact]
    public void PassesForLayerNorm() => AssertPasses(new LayerNorm(4, dtype: DType.Float64), Input(3, 2, 4));

    [Fact]
    public void PassesForBatchNormInTrainingAndLeavesItsStateUnchanged()
    {
        var bn = new BatchNorm1d(3, dtype: DType.Float64);
        bn.Forward(Input(4, 5, 3)); // some running statistics to preserve
        var mean = bn.RunningMean!.ToArray<double>();
        var variance = bn.RunningVar!.ToArray<double>();
        Assert.Equal(1, bn.NumBatchesTracked!.Item());

        AssertPasses(bn, Input(5, 4, 3));

        Assert.True(bn.Training);
        Assert.Equal(mean, bn.RunningMean!.ToArray<double>());
        Assert.Equal(variance, bn.RunningVar!.ToArray<double>());
        Assert.Equal(1, bn.NumBatchesTracked!.Item());
    }

    [Fact]
    public void PassesForBatchNormInEvalModeAndKeepsEvalMode()
    {
        var bn = new BatchNorm1d(2, dtype: DType.Float64);
        bn.Eval();
        AssertPasses(bn, Input(6, 3, 2));
        Assert.False(bn.Training);
    }

    [Fact]
    public void PassesForSequentialWithDropoutAndRestoresTrainingFlags()
    {
        var dropout = new Dropout(0.5);
        var model = new Sequential(new Linear(3, 4, dtype: DType.Float64), new Tanh(), dropout, new Linear(4, 2, dtype: DType.Float64));
        AssertPasses(model, Input(7, 2, 3));
        Assert.All(model.Modules(), m => Assert.True(m.Training));

        // a mixed state (model in train mode, one child in eval) comes back exactly
        model[0].Eval();
        GradCheck.CheckModule(model, Input(8, 2, 3));
        Assert.True(model.Training);
        Assert.False(model[0].Training);
        Assert.True(dropout.Training);
    }

    [Fact]
    public void RestoresGradientsAndLeavesTheInputAlone()
    {
        var layer = new Linear(2, 2, dtype: DType.Float64);
        var previous = Tensor.Full([2, 2], 7.0, DType.Float64);
        layer.Weight.Grad = previous;
        var x = Input(9, 3, 2);
        var before = x.ToArray<double>();

        Assert.True(GradCheck.CheckModule(layer, x).Passed);

        Assert.Same(previous, layer.Weight.Grad);
        Assert.Null(layer.Bias!.Grad);
        Assert.Equal(before, x.ToArray<double>());
        Assert.False(x.RequiresGrad);
        Assert.Null(x.Grad);
    }

    /// <summary>y = input · w² whose "backward" for w² returns 3w instead of 2w.</summary>
    private sealed class WrongSquareScale : Module
    {
        public WrongSquareScale() => W = RegisterParameter("w", Tensor.From(new double[] { 0.5, -1.5 }, 2));

        public Tensor W { get; }

        protected override Tensor ForwardCore(Tensor input)
        {
            Tensor square;
            using (Tensor.NoGrad()) square = W.Detach() * W.Detach();
            square = global::Tidu.Autograd.Record(square, "WrongSquare", W, static (n, g) => [g * 3.0 * n.Saved(0)], saved: [W]);
            return input * square;
        }
    }

    [Fact]
    public void FailsForAModuleWithAWrongBackwardAndNamesTheParameter()
    {
        var r = GradCheck.CheckModule(new WrongSquareScale(), Input(10, 3, 2));
        Assert.False(r.Passed);
        Assert.Equal("w", r.InputName);
        Assert.Equal(1, r.InputIndex);
        AssertMentions(r.ToString(), "FAILED", "d w[");

        var nested = new Sequential(new Linear(2, 2, dtype: DType.Float64), new WrongSquareScale());
        var rn = GradCheck.CheckModule(nested, Input(11, 3, 2));
        Assert.False(rn.Passed);
        Assert.Equal("1.w", rn.InputName);
        Assert.Contains("d 1.w[", rn.ToString());
    }

    [Fact]
    public void RejectsFloat32WithAdviceToBuildInFloat64()
    {
        var e = Assert.Throws<ArgumentException>(() => GradCheck.CheckModule(new Linear(2, 2), Input(12, 1, 2)));
        AssertMentions(e.Message, "'weight'", "Float32", "dtype: DType.Float64");
        var e2 = Assert.Throws<ArgumentException>(() =>
            GradCheck.CheckModule(new Linear(2, 2, dtype: DType.Float64), Tensor.Randn(1, 2)));
        AssertMentions(e2.Message, "input is Float32", "Double()");
    }

    [Fact]
    public void AnIntegerInputChecksOnlyTheParameters()
    {
        var embedding = new Embedding(5, 2, dtype: DType.Float64);
        var r = GradCheck.CheckModule(embedding, Tensor.From(new long[] { 1, 3, 3 }, 3));
        Assert.True(r.Passed, r.ToString());
        Assert.Equal("weight", r.InputName);
    }
}
