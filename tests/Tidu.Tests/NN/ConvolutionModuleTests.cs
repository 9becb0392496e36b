using Tidu.NN;
using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.NN;

public class ConvolutionModuleTests
{
    [Fact]
    public void ContractCompilesAndShapesFlowThroughAConvNet()
    {
        var conv = new Conv2d(inChannels: 1, outChannels: 8, kernelSize: 3, stride: 1, padding: 1);
        var pool = new MaxPool2d(2);
        var y = pool.Forward(conv.Forward(Tensor.Randn(2, 1, 28, 28)));
        Assert.Equal([2, 8, 14, 14], y.Shape);
        Assert.Equal([8, 1, 3, 3], conv.Weight.Shape);
        Assert.Equal([8], conv.Bias!.Shape);
        Assert.Equal(["weight", "bias"], conv.NamedParameters().Select(p => p.Name).ToArray());
    }

    [Fact]
    public void TupleOverloadSetsEachDimension()
    {
        var conv = new Conv2d(4, 6, (3, 5), stride: (2, 1), padding: (1, 2), dilation: (1, 2), groups: 2, bias: false, dtype: DType.Float64);
        Assert.Equal([6, 2, 3, 5], conv.Weight.Shape);
        Assert.Null(conv.Bias);
        Assert.Single(conv.Parameters());
        Assert.Equal((2, 1), conv.Stride);
        Assert.Equal(DType.Float64, conv.Weight.DType);
        var x = Tensor.Randn([1, 4, 7, 9], DType.Float64, new Generator(1));
        var expected = x.Conv2d(conv.Weight, null, (2, 1), (1, 2), (1, 2), 2);
        AssertValues(expected.ToArray<double>(), expected.Shape, conv.Forward(x));
        Assert.Equal("Conv2d(4, 6, kernel_size=(3, 5), stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2, bias=False)", conv.ToString());
    }

    [Theory]
    [InlineData(3, 16, 3, 1)]
    [InlineData(8, 4, 5, 2)]
    [InlineData(6, 6, 3, 6)]
    public void DefaultInitIsKaimingUniformWithBoundOneOverSqrtFanIn(int inChannels, int outChannels, int k, int groups)
    {
        Tensor.ManualSeed(0);
        var conv = new Conv2d(inChannels, outChannels, k, groups: groups);
        double bound = 1 / Math.Sqrt(inChannels / groups * k * k);
        var w = conv.Weight.ToArray<double>();
        var b = conv.Bias!.ToArray<double>();
        Assert.All(w, v => Assert.InRange(Math.Abs(v), 0, bound));
        Assert.All(b, v => Assert.InRange(Math.Abs(v), 0, bound));
        // the draws fill the interval rather than sitting near zero
        Assert.True(w.Max(Math.Abs) > 0.75 * bound, $"largest |w| {w.Max(Math.Abs)} for bound {bound}");
        Assert.True(w.Any(v => v < 0) && w.Any(v => v > 0));
    }

    [Fact]
    public void GradCheckThroughTheModule()
    {
        var conv = new Conv2d(2, 3, 3, stride: 2, padding: 1, dtype: DType.Float64);
        var x = RandnLeaf(1, 2, 2, 5, 5);
        AssertGradCheck(xs => conv.Forward(xs[0]), x, conv.Weight, conv.Bias!);
    }

    [Fact]
    public void GradCheckThroughPoolingModules()
    {
        var x = RandnLeaf(2, 1, 2, 7, 6);
        AssertGradCheck(t => new MaxPool2d(3, 2, 1, ceilMode: true).Forward(t), x);
        AssertGradCheck(t => new AvgPool2d(3, 2, 1, countIncludePad: false).Forward(t), x);
        AssertGradCheck(t => new AdaptiveAvgPool2d((2, 3)).Forward(t), x);
    }

    [Fact]
    public void PoolingModulesMatchFunctional()
    {
        var x = Tensor.Randn([2, 3, 8, 7], DType.Float64, new Generator(3));
        AssertValues(Functional.MaxPool2d(x, 3, 2, 1, 1, true).ToArray<double>(), [2, 3, 5, 4], new MaxPool2d(3, 2, 1, ceilMode: true).Forward(x));
        AssertValues(Functional.MaxPool2d(x, (2, 3)).ToArray<double>(), [2, 3, 4, 2], new MaxPool2d((2, 3)).Forward(x));
        AssertValues(Functional.AvgPool2d(x, 2).ToArray<double>(), [2, 3, 4, 3], new AvgPool2d(2).Forward(x));
        AssertValues(Functional.AvgPool2d(x, (3, 2), (1, 2), (1, 1), countIncludePad: false).ToArray<double>(), [2, 3, 8, 4],
            new AvgPool2d((3, 2), (1, 2), (1, 1), countIncludePad: false).Forward(x));
        AssertValues(x.Mean([2, 3], keepDim: true).ToArray<double>(), [2, 3, 1, 1], new AdaptiveAvgPool2d(1).Forward(x), 1e-12);
        Assert.Equal((2, 2), new MaxPool2d(2).Stride);
        Assert.Equal((3, 1), new MaxPool2d((3, 1)).Stride);
    }

    [Fact]
    public void SmallConvNetBackpropagatesIntoEveryParameter()
    {
        Tensor.ManualSeed(1);
        var net = new Sequential(
            new Conv2d(1, 4, 3, padding: 1), new ReLU(), new MaxPool2d(2),
            new Conv2d(4, 8, 3, groups: 2), new ReLU(), new AdaptiveAvgPool2d(1),
            new Flatten(), new Linear(8, 2));
        var y = net.Forward(Tensor.Randn(3, 1, 10, 10));
        Assert.Equal([3, 2], y.Shape);
        y.Pow(2).Sum().Backward();
        Assert.All(net.Parameters(), p => Assert.NotNull(p.Grad));
    }

    [Fact]
    public void ConstructorRejectsBadArguments()
    {
        AssertMentions(Assert.Throws<ArgumentException>(() => new Conv2d(3, 6, 3, groups: 2)).Message, "in channels (3)", "groups (2)");
        AssertMentions(Assert.Throws<ArgumentException>(() => new Conv2d(4, 6, 3, groups: 4)).Message, "out channels (6)", "groups (4)");
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2d(0, 6, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2d(1, 6, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2d(1, 6, 3, stride: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2d(1, 6, 3, padding: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2d(1, 6, 3, dilation: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2d(1, 6, 3, groups: 0));
        Assert.Throws<ArgumentException>(() => new Conv2d(1, 6, 3, dtype: DType.Int64));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPool2d(2, padding: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPool2d(2, stride: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AvgPool2d(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveAvgPool2d((0, 2)));
    }

    [Fact]
    public void ForwardRejectsAChannelMismatchNamingBothShapes()
    {
        var conv = new Conv2d(3, 8, 3);
        var e = Assert.Throws<ArgumentException>(() => conv.Forward(Tensor.Zeros(2, 4, 8, 8)));
        AssertMentions(e.Message, "3 channels", "[2, 4, 8, 8]", "[8, 3, 3, 3]");
    }

    [Fact]
    public void ForwardRejectsAnInputTooSmallForTheKernel()
    {
        var conv = new Conv2d(1, 2, 5);
        var e = Assert.Throws<ArgumentException>(() => conv.Forward(Tensor.Zeros(1, 1, 3, 3)));
        AssertMentions(e.Message, "Conv2d", "(3 x 3)", "(5 x 5)");
    }
}
