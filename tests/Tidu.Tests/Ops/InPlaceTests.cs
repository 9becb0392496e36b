using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Ops;

public class InPlaceTests
{
    [Fact]
    public void ArithmeticInPlaceUpdatesValuesAndReturnsTheSameTensor()
    {
        var x = Tensor.From(new double[] { 1, 2, 3 });
        Assert.Same(x, x.AddInPlace(Tensor.From(new double[] { 1, 1, 1 })));
        AssertValues([2, 3, 4], [3], x);
        x.SubInPlace(Tensor.From(new double[] { 1, 2, 3 }));
        AssertValues([1, 1, 1], [3], x);
        x.MulInPlace(Tensor.From(new double[] { 2, 3, 4 }));
        AssertValues([2, 3, 4], [3], x);
        x.MulInPlace(0.5);
        AssertValues([1, 1.5, 2], [3], x);
        x.DivInPlace(Tensor.From(new double[] { 2, 3, 4 }));
        AssertValues([0.5, 0.5, 0.5], [3], x);
        x.AddInPlace(Tensor.From(new double[] { 1, 2, 3 }), alpha: -2);
        AssertValues([-1.5, -3.5, -5.5], [3], x);
        x.FillInPlace(7);
        AssertValues([7, 7, 7], [3], x);
        x.ZeroInPlace();
        AssertValues([0, 0, 0], [3], x);
    }

    [Fact]
    public void InPlaceBroadcastsTheOtherOperandIntoThisShape()
    {
        var x = Tensor.Zeros([2, 3], DType.Float64);
        x.AddInPlace(Tensor.From(new double[] { 1, 2, 3 }));
        AssertValues([1, 2, 3, 1, 2, 3], [2, 3], x);
    }

    [Fact]
    public void InPlaceCannotGrowTheTensorThroughBroadcasting()
    {
        var x = Tensor.Zeros([3], DType.Float64);
        var ex = Assert.Throws<ArgumentException>(() => x.AddInPlace(Tensor.Zeros([2, 3], DType.Float64)));
        AssertMentions(ex.Message, "AddInPlace", "[2, 3]", "[3]");
    }

    [Fact]
    public void InPlaceKeepsThisDType()
    {
        var x = Tensor.From(new float[] { 1, 2 });
        x.AddInPlace(Tensor.From(new double[] { 0.5, 0.5 }));
        Assert.Equal(DType.Float32, x.DType);
        Assert.Equal([1.5f, 2.5f], x.ToArray<float>());
    }

    [Fact]
    public void CopyInPlaceConvertsAndBroadcasts()
    {
        var x = Tensor.Zeros([2, 2], DType.Float64);
        x.CopyInPlace(Tensor.From(new long[] { 3, 4 }));
        AssertValues([3, 4, 3, 4], [2, 2], x);
    }

    [Fact]
    public void CopyInPlaceFromAnOverlappingViewUsesTheOldValues()
    {
        var x = Tensor.From(new double[] { 1, 2, 3, 4 }, 2, 2);
        x.CopyInPlace(x.T());
        AssertValues([1, 3, 2, 4], [2, 2], x);
    }

    [Fact]
    public void EveryInPlaceOpBumpsTheVersionSharedByViews()
    {
        var x = Tensor.From(new double[] { 1, 2, 3, 4 }, 2, 2);
        var view = x.T();
        Assert.Equal(0, x.Version);
        x.AddInPlace(Tensor.Scalar(1.0));
        x.MulInPlace(2.0);
        view.FillInPlace(0);
        Assert.Equal(3, x.Version);
        Assert.Equal(3, view.Version);
        Assert.Equal(3, x.Detach().Version);
    }

    [Fact]
    public void InPlaceOnALeafThatRequiresGradThrowsOutsideNoGrad()
    {
        var w = Leaf([1, 2], 2);
        var ex = Assert.Throws<InvalidOperationException>(() => w.AddInPlace(Tensor.From(new double[] { 1, 1 })));
        AssertMentions(ex.Message, "AddInPlace", "leaf", "NoGrad");
        Assert.Throws<InvalidOperationException>(() => w.MulInPlace(2.0));
        Assert.Throws<InvalidOperationException>(() => w.FillInPlace(0));
        AssertValues([1, 2], [2], w); // unchanged
    }

    [Fact]
    public void InPlaceOnALeafThatRequiresGradIsAllowedUnderNoGrad()
    {
        var w = Leaf([1, 2], 2);
        using (Tensor.NoGrad()) w.SubInPlace(Tensor.From(new double[] { 0.5, 0.5 }));
        AssertValues([0.5, 1.5], [2], w);
        Assert.True(w.RequiresGrad);
        Assert.True(w.IsLeaf);
    }

    [Fact]
    public void InPlaceOnANonLeafOfARecordedGraphThrowsOutsideNoGrad()
    {
        var y = Leaf([1, 2], 2) * 2.0;
        var ex = Assert.Throws<InvalidOperationException>(() => y.MulInPlace(3.0));
        Assert.Contains("MulInPlace", ex.Message);
    }
}

public class InPlaceDTypeTests
{
    [Fact]
    public void FloatResultIntoInt64TensorThrowsInsteadOfTruncating()
    {
        var t = Tensor.From(new long[] { 1, 2, 3 });
        var ex = Assert.Throws<InvalidOperationException>(() => t.AddInPlace(Tensor.From(new float[] { 0.5f, 0.5f, 0.5f })));
        Assert.Contains("AddInPlace", ex.Message);
        Assert.Contains("Int64", ex.Message);
        Assert.Equal(new long[] { 1, 2, 3 }, t.ToArray<long>());
    }

    [Fact]
    public void CopyInPlaceConvertsFloatToInt64LikeTorchCopy()
    {
        var t = Tensor.From(new long[] { 0, 0 });
        t.CopyInPlace(Tensor.From(new double[] { 1.7, -2.7 }));
        Assert.Equal(new long[] { 1, -2 }, t.ToArray<long>());
    }
}
