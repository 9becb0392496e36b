using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Autograd;

public class EngineTests
{
    [Fact]
    public void GradientsAccumulateAcrossBackwardCallsUntilZeroGrad()
    {
        var x = Leaf([1, 2], 2);
        (x * 3.0).Sum().Backward();
        (x * 3.0).Sum().Backward();
        AssertValues([6, 6], [2], x.Grad!);
        var grad = x.Grad;
        x.ZeroGrad();
        Assert.Same(grad, x.Grad); // zeroed in place, not replaced
        AssertValues([0, 0], [2], x.Grad!);
        (x * x).Sum().Backward();
        AssertValues([2, 4], [2], x.Grad!);
    }

    [Fact]
    public void ZeroGradWithoutAGradientDoesNothing()
    {
        var x = Leaf([1], 1);
        x.ZeroGrad();
        Assert.Null(x.Grad);
    }

    [Fact]
    public void LeavesHaveNoGradFnAndResultsNameTheirOp()
    {
        var x = Leaf([1, 2], 2);
        var c = Tensor.From(new double[] { 3, 4 });
        var y = x * c;
        Assert.True(x.IsLeaf);
        Assert.Null(x.GradFn);
        Assert.True(c.IsLeaf);
        Assert.False(y.IsLeaf);
        Assert.True(y.RequiresGrad);
        Assert.Equal("Mul", y.GradFn!.Name);
        Assert.Equal("MulBackward", y.GradFn.ToString());
        Assert.Equal("Sum", y.Sum().GradFn!.Name);
        // a result of ops on tensors that do not require grad is a leaf
        var z = c * c;
        Assert.True(z.IsLeaf);
        Assert.False(z.RequiresGrad);
    }

    [Fact]
    public void NonLeafGradStaysNullUnlessRetainGrad()
    {
        var x = Leaf([1, 2], 2);
        var y = x * 2.0;
        var z = x * 3.0;
        z.RetainGrad();
        Assert.False(y.RetainsGrad);
        Assert.True(z.RetainsGrad);
        (y * z).Sum().Backward();
        Assert.Null(y.Grad);
        AssertValues([2, 4], [2], z.Grad!); // d(y·z)/dz = y
        AssertValues([12, 24], [2], x.Grad!); // 2·z + 3·y = 12x
    }

    [Fact]
    public void RetainGradOnATensorThatDoesNotRequireGradThrows() =>
        Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(2).RetainGrad());

    [Fact]
    public void DetachSharesStorageAndVersionButHasNoHistory()
    {
        var x = Leaf([1, 2], 2);
        var y = x * 2.0;
        var d = y.Detach();
        Assert.True(d.SharesStorageWith(y));
        Assert.False(d.RequiresGrad);
        Assert.True(d.IsLeaf);
        Assert.Null(d.Grad);
        d.FillInPlace(5);
        AssertValues([5, 5], [2], y);
        Assert.Equal(1, y.Version);
    }

    [Fact]
    public void DataSharesStorageWithoutHistory()
    {
        var w = Leaf([1, 2], 2);
        var data = w.Data;
        Assert.True(data.SharesStorageWith(w));
        Assert.False(data.RequiresGrad);
        Assert.Null(data.GradFn);
        var y = data * 2.0;
        Assert.False(y.RequiresGrad);
        data.FillInPlace(3); // allowed: Data is not tracked, and its changes do not bump w's version
        AssertValues([3, 3], [2], w);
        Assert.Equal(0, w.Version);
    }

    [Fact]
    public void AssigningDataReplacesValuesInPlaceKeepingTheTensorAndRequiresGrad()
    {
        var w = Leaf([1, 2], 2);
        var view = w.Detach();
        w.Data = Tensor.From(new double[] { 7, 8 });
        AssertValues([7, 8], [2], w);
        AssertValues([7, 8], [2], view); // the same storage was written
        Assert.True(w.RequiresGrad);
        Assert.True(w.IsLeaf);
        (w * w).Sum().Backward();
        AssertValues([14, 16], [2], w.Grad!);
    }

    [Fact]
    public void AssigningDataOfAnotherDTypeThrows()
    {
        var w = Leaf([1, 2], 2);
        var ex = Assert.Throws<ArgumentException>(() => w.Data = Tensor.From(new float[] { 1, 2 }));
        AssertMentions(ex.Message, "Data", "Float32", "Float64");
    }

    [Fact]
    public void NoGradScopeRecordsNothingAndNestsAndRestores()
    {
        var x = Leaf([1, 2], 2);
        Assert.True(GradMode.IsEnabled);
        using (Tensor.NoGrad())
        {
            Assert.False(GradMode.IsEnabled);
            var y = x * 2.0;
            Assert.False(y.RequiresGrad);
            Assert.Null(y.GradFn);
            using (Tensor.NoGrad()) Assert.False(GradMode.IsEnabled);
            Assert.False(GradMode.IsEnabled); // the inner scope restored "disabled", not "enabled"
            using (Tensor.EnableGrad())
            {
                Assert.True(GradMode.IsEnabled);
                Assert.True((x * 2.0).RequiresGrad);
            }
            Assert.False(GradMode.IsEnabled);
        }
        Assert.True(GradMode.IsEnabled);
        Assert.True((x * 2.0).RequiresGrad);
    }

    [Fact]
    public void SecondBackwardThroughAFreedGraphThrowsAClearError()
    {
        var x = Leaf([1, 2], 2);
        var loss = (x * x).Sum();
        loss.Backward();
        Assert.True(loss.GradFn!.IsFreed);
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        AssertMentions(ex.Message, "second time", "retainGraph");
    }

    [Fact]
    public void RetainGraphAllowsASecondBackwardThatDoublesTheGradient()
    {
        var x = Leaf([1, 2], 2);
        var loss = (x * x).Exp().Sum();
        loss.Backward(retainGraph: true);
        Assert.False(loss.GradFn!.IsFreed);
        var once = x.Grad!.ToArray<double>();
        loss.Backward();
        AssertValues(once.Select(g => 2 * g).ToArray(), [2], x.Grad!);
        AssertValues([2 * 2 * Math.E, 2 * 4 * Math.Exp(4)], [2], x.Grad!, 1e-12);
    }

    [Fact]
    public void BackwardWithAGradientWorksForNonScalars()
    {
        var x = Leaf([1, 2, 3], 3);
        var y = x * x;
        y.Backward(Tensor.From(new double[] { 1, 0.5, -1 }));
        AssertValues([2, 2, -6], [3], x.Grad!);
    }

    [Fact]
    public void BackwardOnANonScalarWithoutAGradientThrowsNamingTheShape()
    {
        var y = Leaf([1, 2, 3], 3) * 2.0;
        var ex = Assert.Throws<InvalidOperationException>(() => y.Backward());
        AssertMentions(ex.Message, "Backward", "[3]");
    }

    [Fact]
    public void BackwardWithAGradientOfTheWrongShapeThrowsNamingBothShapes()
    {
        var y = Leaf([1, 2, 3], 3) * 2.0;
        var ex = Assert.Throws<ArgumentException>(() => y.Backward(Tensor.Ones([2], DType.Float64)));
        AssertMentions(ex.Message, "Backward", "[2]", "[3]");
    }

    [Fact]
    public void BackwardOnATensorThatDoesNotRequireGradThrows()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Tensor.Scalar(1.0).Backward());
        Assert.Contains("Backward", ex.Message);
    }

    [Fact]
    public void BackwardOnAOneElementNonZeroDimTensorIsAllowed()
    {
        var x = Leaf([3], 1, 1);
        (x * x).Backward();
        AssertValues([6], [1, 1], x.Grad!);
    }

    [Fact]
    public void BackwardFromALeafSeedsItsOwnGradient()
    {
        var x = ScalarLeaf(5);
        x.Backward();
        Assert.Equal(1, x.Grad!.Item());
    }

    [Fact]
    public void TheSameTensorUsedTwiceGetsBothContributions()
    {
        var x = Leaf([1, 2, 3], 3);
        (x * x).Sum().Backward();
        AssertValues([2, 4, 6], [3], x.Grad!);
        x.ZeroGrad();
        (x + x).Sum().Backward();
        AssertValues([2, 2, 2], [3], x.Grad!);
    }

    [Fact]
    public void NonLeafUsedTwiceSumsItsGradientsBeforeItsBackward()
    {
        var x = Leaf([1, 2], 2);
        var y = x * 3.0;
        (y * y).Sum().Backward();    // d/dx (3x)² = 18x
        AssertValues([18, 36], [2], x.Grad!);
    }

    [Fact]
    public void DiamondGraphSumsBothPaths()
    {
        // a = 2x; d = exp(a) + sin(a) → dd/dx = 2(exp(2x) + cos(2x))
        var x = Leaf([0.1, -0.4], 2);
        var a = x * 2.0;
        var d = a.Exp() + a.Sin();
        d.Sum().Backward();
        AssertValues([2 * (Math.Exp(0.2) + Math.Cos(0.2)), 2 * (Math.Exp(-0.8) + Math.Cos(-0.8))], [2], x.Grad!, 1e-14);
    }

    [Fact]
    public void DeepChainDoesNotOverflowTheStack()
    {
        var x = ScalarLeaf(1);
        var y = x;
        for (int i = 0; i < 5000; i++) y = y + 0.0;
        y.Backward();
        Assert.Equal(1, x.Grad!.Item());
    }

    [Fact]
    public void RequiresGradOnAnInt64TensorThrows()
    {
        var t = Tensor.From(new long[] { 1, 2 });
        var ex = Assert.Throws<InvalidOperationException>(() => t.RequiresGrad = true);
        Assert.Contains("Int64", ex.Message);
        Assert.False(t.RequiresGrad);
    }

    [Fact]
    public void RequiresGradCannotBeClearedOnANonLeaf()
    {
        var y = Leaf([1], 1) * 2.0;
        Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false);
    }

    [Fact]
    public void ModifyingAnOutputSavedForBackwardMakesBackwardThrowMentioningTheVersion()
    {
        var x = Leaf([1, 2], 2);
        var y = x.Exp();           // Exp saves its output
        var loss = y.Sum();
        using (Tensor.NoGrad()) y.MulInPlace(2.0);
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        AssertMentions(ex.Message, "Exp", "version", "in-place");
    }

    [Fact]
    public void ModifyingAnInputSavedForBackwardMakesBackwardThrowMentioningTheVersion()
    {
        var t = Leaf([1, 2], 2);
        var b = Tensor.From(new double[] { 3, 4 });
        var a = t * b;             // Mul saves b for t's gradient
        using (Tensor.NoGrad()) b.MulInPlace(Tensor.From(new double[] { 2, 2 }));
        var ex = Assert.Throws<InvalidOperationException>(() => a.Sum().Backward());
        AssertMentions(ex.Message, "Mul", "version 1", "expected version 0");
    }

    [Fact]
    public void InPlaceChangeOfATensorNotSavedIsHarmless()
    {
        var t = Leaf([1, 2], 2);
        var b = Tensor.From(new double[] { 3, 4 });
        var a = t + b;             // Add saves nothing
        b.MulInPlace(2.0);
        a.Sum().Backward();
        AssertValues([1, 1], [2], t.Grad!);
    }

    [Fact]
    public void GradientOfAFloat32LeafIsFloat32()
    {
        var x = Tensor.From(new float[] { 1, 2 }).RequiresGradInPlace();
        (x * x).Sum().Backward();
        Assert.Equal(DType.Float32, x.Grad!.DType);
        Assert.Equal([2f, 4f], x.Grad.ToArray<float>());
    }

    [Fact]
    public void AssigningGradOfTheWrongShapeThrows()
    {
        var x = Leaf([1, 2], 2);
        var ex = Assert.Throws<ArgumentException>(() => x.Grad = Tensor.Zeros(3));
        AssertMentions(ex.Message, "Grad", "[3]", "[2]");
    }

    [Fact]
    public void GradOfALeafDoesNotAliasTheIncomingGradient()
    {
        // Accumulate must copy: a later in-place update of Grad must not write into the seed or another tensor
        var x = Leaf([1, 2], 2);
        var seed = Tensor.From(new double[] { 1, 1 });
        x.Backward(seed);
        x.Grad!.FillInPlace(9);
        AssertValues([1, 1], [2], seed);
    }

    [Fact]
    public void SmallMlpExpressionPassesGradCheck()
    {
        var input = Tensor.Randn([4, 3], DType.Float64, new Generator(1));
        var target = Tensor.Randn([4, 2], DType.Float64, new Generator(2));
        var w1 = RandnLeaf(3, 3, 5);
        var b1 = RandnLeaf(4, 5);
        var w2 = RandnLeaf(5, 5, 2);
        var b2 = RandnLeaf(6, 2);
        AssertGradCheck(p =>
        {
            var h = (input.MatMul(p[0]) + p[1]).Tanh();
            var o = h.MatMul(p[2]) + p[3];
            var diff = o - target;
            return (diff * diff).Mean() + 0.01 * (p[0] * p[0]).Sum();
        }, w1, b1, w2, b2);
    }

    [Fact]
    public void CompositeWithEveryKindOfOpPassesGradCheck()
    {
        var x = UniformLeaf(7, 0.5, 1.5, 2, 3);
        var y = RandnLeaf(8, 3, 2);
        AssertGradCheck(p =>
        {
            var a = p[0].Log().Sigmoid() * p[1].T().Gelu() / (p[0].Sqrt() + 1.0);
            var b = a.Transpose(0, 1).MatMul(p[0]).Softplus();
            return b.Sum(0).Pow(2) - b.Mean(1, keepDim: true).Cos().Sum();
        }, x, y);
    }

    [Fact]
    public void AChainLongerThanTheSmallGraphLimitGetsItsGradient()
    {
        var x = Leaf([1, 2], 2);
        var y = x;
        for (int i = 0; i < 50; i++) y = y * 1.5;
        y.Sum().Backward();
        double expected = Math.Pow(1.5, 50);
        AssertValues([expected, expected], [2], x.Grad!, 1e-6 * expected);
    }

    [Fact]
    public void AWideGraphLongerThanTheSmallGraphLimitSumsEveryPath()
    {
        // each step feeds y to two nodes (y and y * 0.5), so the graph is no chain: d/dx of 1.5^40 x
        var x = Leaf([1, 2], 2);
        var y = x;
        for (int i = 0; i < 40; i++) y = y + y * 0.5;
        y.Sum().Backward();
        double expected = Math.Pow(1.5, 40);
        AssertValues([expected, expected], [2], x.Grad!, 1e-9 * expected);
    }

    [Fact]
    public void ANodeReachedTwiceThroughOneOpStillReceivesBothGradients()
    {
        // y * y has two inputs with the same node: the graph is still a chain
        var x = Leaf([3], 1);
        var y = x * 2.0;
        (y * y).Sum().Backward();
        AssertValues([24], [1], x.Grad!); // d/dx (2x)² = 8x
        var z = x * 1.0;
        var w = (z.Exp() + z.Sin()).Sum(); // a diamond: z feeds two nodes
        x.Grad = null;
        w.Backward();
        AssertValues([Math.Exp(3) + Math.Cos(3)], [1], x.Grad!, 1e-12);
    }
}
