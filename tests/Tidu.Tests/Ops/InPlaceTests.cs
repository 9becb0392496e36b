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

    [Fact]
    public void AddInPlaceOfSameShapeContiguousTensorsMatchesTheBroadcastingPath()
    {
        // same shape and contiguous: written straight into the span; a [1, 5] operand takes the broadcasting path
        var a = Tensor.Randn([3, 5], DType.Float32, new Generator(31));
        var b = Tensor.Randn([3, 5], DType.Float32, new Generator(32));
        var expected = (a + b).ToArray<float>();
        int version = a.Version;
        a.AddInPlace(b);
        Assert.Equal(expected, a.ToArray<float>());
        Assert.Equal(version + 1, a.Version);

        var row = Tensor.Randn([1, 5], DType.Float32, new Generator(33));
        var broadcastExpected = (a + row.Expand(3, 5).Contiguous()).ToArray<float>();
        a.AddInPlace(row);
        Assert.Equal(broadcastExpected, a.ToArray<float>());
    }

    [Fact]
    public void AddInPlaceOfATensorToItselfDoublesIt()
    {
        var x = Tensor.From(new double[] { 1, 2, 3 });
        x.AddInPlace(x);
        AssertValues([2, 4, 6], [3], x);
    }

    [Fact]
    public void AddInPlaceFromAnOverlappingViewUsesTheOldValues()
    {
        // x[1:] += x[:-1] reads the values from before the update, as torch add_ does
        var x = Tensor.From(new double[] { 1, 2, 3, 4 });
        x.Narrow(0, 1, 3).AddInPlace(x.Narrow(0, 0, 3));
        AssertValues([1, 3, 5, 7], [4], x);
    }

    [Fact]
    public void AddInPlaceOfNonContiguousOrOtherDTypeOperandsGivesTheSameSums()
    {
        var x = Tensor.From(new double[] { 1, 2, 3, 4 }, 2, 2);
        x.AddInPlace(Tensor.From(new double[] { 10, 20, 30, 40 }, 2, 2).T());
        AssertValues([11, 32, 23, 44], [2, 2], x);
        x.AddInPlace(Tensor.From(new float[] { 1, 1, 1, 1 }, 2, 2));
        AssertValues([12, 33, 24, 45], [2, 2], x);
        x.T().AddInPlace(Tensor.From(new double[] { 1, 2, 3, 4 }, 2, 2));
        AssertValues([13, 36, 26, 49], [2, 2], x);
    }

    [Fact]
    public void FillInPlaceOfAContiguousViewFillsOnlyTheView()
    {
        var x = Tensor.Zeros([2, 3], DType.Float64);
        var row = x.Select(0, 1);
        int version = x.Version;
        row.FillInPlace(2.5);
        AssertValues([0, 0, 0, 2.5, 2.5, 2.5], [2, 3], x);
        Assert.Equal(version + 1, x.Version);
        x.T().FillInPlace(1); // strided: the general path
        AssertValues([1, 1, 1, 1, 1, 1], [2, 3], x);
        var ints = Tensor.Zeros([3], DType.Int64);
        ints.FillInPlace(2.9);
        Assert.Equal([2L, 2L, 2L], ints.ToArray<long>());
        var floats = Tensor.Zeros([2], DType.Float32);
        floats.FillInPlace(0.1);
        Assert.Equal([0.1f, 0.1f], floats.ToArray<float>());
    }
}
