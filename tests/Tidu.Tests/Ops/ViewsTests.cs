using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Ops;

public class ViewsTests
{
    private static Tensor Grid() => Tensor.From(new double[] { 0, 1, 2, 3, 4, 5 }, 2, 3);

    // ---- gradient checks -------------------------------------------------------------------------------

    [Fact] public void ReshapePassesGradCheck() => AssertGradCheck(t => t.Reshape(3, -1) * Tensor.Arange(2).Double(), RandnLeaf(1, 2, 3));
    [Fact] public void ViewPassesGradCheck() => AssertGradCheck(t => t.View(6) * Tensor.Arange(6).Double(), RandnLeaf(2, 2, 3));
    [Fact] public void TransposePassesGradCheck() => AssertGradCheck(t => t.Transpose(0, 2) * Tensor.Arange(2).Double(), RandnLeaf(3, 2, 3, 4));
    [Fact] public void PermutePassesGradCheck() => AssertGradCheck(t => t.Permute(2, 0, 1) * Tensor.Arange(3).Double(), RandnLeaf(4, 2, 3, 4));
    [Fact] public void SqueezePassesGradCheck() => AssertGradCheck(t => t.Squeeze() * Tensor.Arange(3).Double(), RandnLeaf(5, 1, 3, 1));
    [Fact] public void SqueezeDimPassesGradCheck() => AssertGradCheck(t => t.Squeeze(0), RandnLeaf(6, 1, 3));
    [Fact] public void UnsqueezePassesGradCheck() => AssertGradCheck(t => t.Unsqueeze(1) * Tensor.Arange(2).Double().Reshape(1, 1, 2), RandnLeaf(7, 3, 2));
    [Fact] public void ExpandPassesGradCheck() => AssertGradCheck(t => t.Expand(2, 3, 4) * Tensor.Arange(24).Double().Reshape(2, 3, 4), RandnLeaf(8, 3, 1));
    [Fact] public void FlattenPassesGradCheck() => AssertGradCheck(t => t.Flatten(1) * Tensor.Arange(12).Double(), RandnLeaf(9, 2, 3, 4));
    [Fact] public void TPassesGradCheck() => AssertGradCheck(t => t.T() * Tensor.Arange(2).Double(), RandnLeaf(10, 2, 3));

    [Fact]
    public void OpsOnNonContiguousViewsPassGradCheck()
    {
        AssertGradCheck(t => t.T().Exp(), RandnLeaf(11, 2, 3));
        AssertGradCheck(t => t.T() * t.T(), RandnLeaf(12, 2, 3));
        AssertGradCheck(t => t.Permute(1, 0, 2).Sum(1), RandnLeaf(13, 2, 3, 2));
        AssertGradCheck(t => t.T().Reshape(6) * Tensor.Arange(6).Double(), RandnLeaf(14, 2, 3)); // Reshape copies here
        AssertGradCheck(t => t.T().Flatten(), RandnLeaf(15, 2, 3));
        AssertGradCheck(t => t.T().Contiguous().Sin(), RandnLeaf(16, 2, 3));
        AssertGradCheck(xs => xs[0].T() + xs[1].Expand(3, 2), RandnLeaf(17, 2, 3), RandnLeaf(18, 1, 2));
        AssertGradCheck(t => t.Transpose(0, 1).Unsqueeze(0).Squeeze(0).Tanh(), RandnLeaf(19, 2, 3));
    }

    [Fact]
    public void ContiguousAndClonePassGradCheck()
    {
        AssertGradCheck(t => t.Contiguous(), RandnLeaf(20, 2, 3));
        AssertGradCheck(t => t.Clone() * 2.0, RandnLeaf(21, 2, 3));
    }

    // ---- layout and values -----------------------------------------------------------------------------

    [Fact]
    public void TransposeSwapsShapeAndStridesWithoutCopying()
    {
        var x = Grid();
        var t = x.T();
        Assert.Equal([3, 2], t.Shape);
        Assert.Equal([1, 3], t.Strides);
        Assert.True(t.SharesStorageWith(x));
        Assert.Equal([0.0, 3, 1, 4, 2, 5], t.ToArray<double>());
        Assert.False(t.IsContiguous);
        Assert.True(x.IsContiguous);
    }

    [Fact]
    public void WritingThroughATransposeViewIsVisibleInTheBase()
    {
        var x = Grid();
        var t = x.T();
        t.AddInPlace(Tensor.From(new double[] { 100, 0, 0, 0, 0, 200 }, 3, 2)); // t[0,0] is x[0,0], t[2,1] is x[1,2]
        AssertValues([100, 1, 2, 3, 4, 205], [2, 3], x);
        x.MulInPlace(0.0);
        AssertValues([0, 0, 0, 0, 0, 0], [3, 2], t);
    }

    [Fact]
    public void PermuteReordersDimensions()
    {
        var x = Tensor.Arange(24).Reshape(2, 3, 4);
        var p = x.Permute(2, 0, 1);
        Assert.Equal([4, 2, 3], p.Shape);
        Assert.Equal([1, 12, 4], p.Strides);
        // p[i,j,k] = x[j,k,i] = 12j + 4k + i
        var values = p.ToArray<long>();
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 2; j++)
                for (int k = 0; k < 3; k++)
                    Assert.Equal(12 * j + 4 * k + i, values[i * 6 + j * 3 + k]);
        Assert.Equal([2, 3, 4], p.Permute(1, 2, 0).Shape);
        Assert.Equal([4, 3, 2], x.Permute(-1, -2, -3).Shape);
    }

    [Fact]
    public void PermuteRejectsWrongCountsAndRepeats()
    {
        var x = Tensor.Zeros(2, 3);
        var ex = Assert.Throws<ArgumentException>(() => x.Permute(0));
        AssertMentions(ex.Message, "Permute", "[2, 3]");
        Assert.Throws<ArgumentException>(() => x.Permute(1, 1));
    }

    [Fact]
    public void ReshapeInfersOneDimensionAndIsAViewWhenContiguous()
    {
        var x = Grid();
        var r = x.Reshape(-1, 2);
        Assert.Equal([3, 2], r.Shape);
        Assert.True(r.SharesStorageWith(x));
        Assert.Equal([0.0, 1, 2, 3, 4, 5], r.ToArray<double>());
        Assert.Equal([], x.Reshape(1, 6).Sum().Reshape().Shape);
    }

    [Fact]
    public void ReshapeOfATransposeCopiesInLogicalOrder()
    {
        var t = Grid().T();
        var r = t.Reshape(6);
        Assert.False(r.SharesStorageWith(t));
        Assert.Equal([0.0, 3, 1, 4, 2, 5], r.ToArray<double>());
    }

    [Fact]
    public void ReshapeToAWrongSizeThrowsNamingBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Grid().Reshape(4, 2));
        AssertMentions(ex.Message, "Reshape", "[4, 2]", "[2, 3]");
        ex = Assert.Throws<ArgumentException>(() => Grid().Reshape(-1, 4));
        AssertMentions(ex.Message, "Reshape", "[-1, 4]", "[2, 3]");
        Assert.Throws<ArgumentException>(() => Grid().Reshape(-1, -1));
    }

    [Fact]
    public void ViewOfATransposeThatNeedsACopyThrowsNamingShapes()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Grid().T().View(6));
        AssertMentions(ex.Message, "View", "[3, 2]", "[6]", "Reshape");
    }

    [Fact]
    public void ViewOfANonContiguousTensorWorksWhenDimsStayUnmerged()
    {
        var x = Tensor.Arange(24).Reshape(2, 3, 4).Permute(1, 0, 2); // [3,2,4] strides [4,12,1]
        var v = x.View(3, 2, 2, 2);
        Assert.True(v.SharesStorageWith(x));
        Assert.Equal(x.ToArray<long>(), v.ToArray<long>());
        Assert.Throws<InvalidOperationException>(() => x.View(6, 4)); // dims 0 and 1 are not adjacent in storage
        Assert.Throws<InvalidOperationException>(() => x.View(3, 8));
        var t = Tensor.Zeros(2, 3).T();                               // [3,2], strides [1,3]
        Assert.Equal([3, 1, 2], t.View(3, 1, 2).Shape);
        Assert.True(t.View(3, 1, 2).SharesStorageWith(t));
        var u = x.Unsqueeze(1);
        Assert.Equal([3, 1, 2, 4], u.Shape);
        Assert.Equal(x.ToArray<long>(), u.ToArray<long>());
    }

    [Fact]
    public void ExpandUsesZeroStrideAndKeepsStorage()
    {
        var x = Tensor.From(new double[] { 1, 2, 3 }, 3, 1);
        var e = x.Expand(2, 3, 4);
        Assert.Equal([2, 3, 4], e.Shape);
        Assert.Equal([0, 1, 0], e.Strides);
        Assert.True(e.SharesStorageWith(x));
        Assert.False(e.IsContiguous);
        Assert.Equal([3, 4], x.Expand(-1, 4).Shape);
        Assert.Equal([1.0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3], x.Expand(-1, 4).ToArray<double>());
        Assert.Same(x, x.Expand(3, 1));
    }

    [Fact]
    public void ExpandOfANonSingletonDimThrowsNamingShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Expand(4, 3));
        AssertMentions(ex.Message, "Expand", "[2, 3]", "[4, 3]");
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Expand(3));
    }

    [Fact]
    public void ExpandGradientSumsOverTheBroadcastDims()
    {
        var x = Leaf([1, 2, 3], 3, 1);
        x.Expand(2, 3, 4).Sum().Backward();
        AssertValues([8, 8, 8], [3, 1], x.Grad!);
    }

    [Fact]
    public void SqueezeAndUnsqueezeFollowPyTorch()
    {
        var x = Tensor.Zeros(1, 3, 1);
        Assert.Equal([3], x.Squeeze().Shape);
        Assert.Equal([3, 1], x.Squeeze(0).Shape);
        Assert.Equal([1, 3], x.Squeeze(-1).Shape);
        Assert.Same(x, x.Squeeze(1)); // a non-1 dim is left alone
        Assert.Equal([1, 1, 3, 1], x.Unsqueeze(0).Shape);
        Assert.Equal([1, 3, 1, 1], x.Unsqueeze(-1).Shape);
        Assert.Equal([1, 3, 1, 1], x.Unsqueeze(3).Shape);
        Assert.Equal([1], Tensor.Scalar(1.0).Unsqueeze(0).Shape);
        Assert.Equal([], Tensor.Zeros(1, 1).Squeeze().Shape);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => x.Unsqueeze(4));
        AssertMentions(ex.Message, "Unsqueeze", "4");
    }

    [Fact]
    public void FlattenMergesARangeOfDims()
    {
        var x = Tensor.Zeros(2, 3, 4, 5);
        Assert.Equal([120], x.Flatten().Shape);
        Assert.Equal([2, 60], x.Flatten(1).Shape);
        Assert.Equal([2, 12, 5], x.Flatten(1, 2).Shape);
        Assert.Equal([6, 4, 5], x.Flatten(0, -3).Shape);
        Assert.Equal([1], Tensor.Scalar(3.0).Flatten().Shape);
        Assert.Throws<ArgumentException>(() => x.Flatten(2, 1));
    }

    [Fact]
    public void TOfVectorsAndScalarsIsTheSameTensorAndRejectsRank3()
    {
        var v = Tensor.Zeros(3);
        Assert.Same(v, v.T());
        var ex = Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(2, 3, 4).T());
        AssertMentions(ex.Message, "T", "[2, 3, 4]");
    }

    [Fact]
    public void IsContiguousIgnoresStridesOfSizeOneDims()
    {
        var x = Tensor.Zeros(3, 1);
        Assert.True(x.T().IsContiguous);       // [1,3] with strides [1,1]
        Assert.True(Tensor.Zeros(2, 3).Unsqueeze(1).IsContiguous);
        Assert.False(Tensor.Zeros(2, 3).T().IsContiguous);
        Assert.True(Tensor.Zeros(2, 3).T().Contiguous().IsContiguous);
        Assert.True(Tensor.Scalar(1.0).IsContiguous);
    }

    [Fact]
    public void ContiguousReturnsItselfWhenAlreadyContiguousAndCopiesOtherwise()
    {
        var x = Grid();
        Assert.Same(x, x.Contiguous());
        var c = x.T().Contiguous();
        Assert.False(c.SharesStorageWith(x));
        Assert.Equal([2, 1], c.Strides);
    }

    [Fact]
    public void CloneCopiesStorage()
    {
        var x = Grid();
        var c = x.Clone();
        Assert.False(c.SharesStorageWith(x));
        x.FillInPlace(9);
        Assert.Equal([0.0, 1, 2, 3, 4, 5], c.ToArray<double>());
    }

    [Fact]
    public void DimOutOfRangeThrowsNamingOpAndRank()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Grid().Transpose(0, 2));
        AssertMentions(ex.Message, "Transpose", "2", "rank 2");
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => Grid().Size(-3));
        AssertMentions(ex.Message, "Size", "-3", "rank 2");
    }
}
