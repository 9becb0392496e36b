using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Ops;

public class ReductionsTests
{
    private static Tensor Grid() => Tensor.From(new double[] { 0, 1, 2, 3, 4, 5 }, 2, 3);

    [Fact]
    public void SumOfAllElementsIsZeroDim()
    {
        var s = Grid().Sum();
        Assert.Equal([], s.Shape);
        Assert.Equal(15, s.Item());
    }

    [Fact]
    public void SumOverDimsWithAndWithoutKeepDim()
    {
        AssertValues([3, 5, 7], [3], Grid().Sum(0));
        AssertValues([3, 12], [2], Grid().Sum(1));
        AssertValues([3, 12], [2], Grid().Sum(-1));
        AssertValues([3, 12], [2, 1], Grid().Sum(1, keepDim: true));
        AssertValues([3, 5, 7], [1, 3], Grid().Sum(0, keepDim: true));
        AssertValues([15], [1, 1], Grid().Sum([0, 1], keepDim: true));
        AssertValues([15], [], Grid().Sum([1, 0]));
    }

    [Fact]
    public void SumOverSeveralDimsOfA3DTensor()
    {
        var x = Tensor.Arange(24).Reshape(2, 3, 4).Double();
        // over dims 0 and 2: for each j, Σ_i Σ_k (12i + 4j + k) = 2·(4·4j + 6) + 12·4
        AssertValues([60, 92, 124], [3], x.Sum([0, 2]));
        AssertValues([60, 92, 124], [1, 3, 1], x.Sum([-1, 0], keepDim: true));
    }

    [Fact]
    public void SumOfANonContiguousViewFollowsLogicalLayout()
    {
        AssertValues([3, 5, 7], [3], Grid().T().Sum(1)); // rows of the transpose are columns of the base
        AssertValues([3, 12], [2], Grid().T().Sum(0));
    }

    [Fact]
    public void SumKeepsInt64AndMeanRejectsIt()
    {
        var x = Tensor.From(new long[] { 1, 2, 3 });
        Assert.Equal(DType.Int64, x.Sum().DType);
        Assert.Equal(6, x.Sum().Item());
        var ex = Assert.Throws<InvalidOperationException>(() => x.Mean());
        AssertMentions(ex.Message, "Mean", "Int64");
    }

    [Fact]
    public void MeanOverAllAndOverDims()
    {
        Assert.Equal(2.5, Grid().Mean().Item());
        AssertValues([1.5, 2.5, 3.5], [3], Grid().Mean(0));
        AssertValues([1, 4], [2, 1], Grid().Mean(1, keepDim: true));
        var x = Tensor.Arange(24).Reshape(2, 3, 4).Double();
        AssertValues([7.5, 11.5, 15.5], [3], x.Mean([0, 2]));
    }

    [Fact]
    public void SumAndMeanOfZeroDimTensorsReturnTheValue()
    {
        var s = Tensor.Scalar(4.0);
        Assert.Equal(4, s.Sum().Item());
        Assert.Equal(4, s.Sum(0).Item());
        Assert.Equal(4, s.Mean(-1).Item());
    }

    [Fact]
    public void SumOfAnEmptyTensorIsZeroAndMeanIsNaN()
    {
        var e = Tensor.Zeros([0, 3], DType.Float64);
        Assert.Equal(0, e.Sum().Item());
        AssertValues([0, 0, 0], [3], e.Sum(0));
        Assert.True(double.IsNaN(e.Mean().Item()));
    }

    [Fact]
    public void SumDimOutOfRangeThrowsNamingOpAndRank()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Grid().Sum(2));
        AssertMentions(ex.Message, "Sum", "2", "rank 2");
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => Grid().Mean(-3));
        AssertMentions(ex.Message, "-3", "rank 2");
    }

    [Fact]
    public void RepeatedDimThrows()
    {
        var ex = Assert.Throws<ArgumentException>(() => Grid().Sum([1, -1]));
        Assert.Contains("Sum", ex.Message);
    }

    [Fact] public void SumOfAllPassesGradCheck() => AssertGradCheck(t => t.Sum(), RandnLeaf(1, 2, 3));
    [Fact] public void SumOverADimPassesGradCheck() => AssertGradCheck(t => t.Sum(1), RandnLeaf(2, 2, 3, 2));
    [Fact] public void SumOverDimsWithKeepDimPassesGradCheck() => AssertGradCheck(t => t.Sum([0, 2], keepDim: true) * Tensor.Arange(3).Double().Reshape(1, 3, 1), RandnLeaf(3, 2, 3, 2));
    [Fact] public void MeanOfAllPassesGradCheck() => AssertGradCheck(t => t.Mean(), RandnLeaf(4, 2, 3));
    [Fact] public void MeanOverADimPassesGradCheck() => AssertGradCheck(t => t.Mean(-1), RandnLeaf(5, 2, 3, 2));
    [Fact] public void MeanOverDimsWithKeepDimPassesGradCheck() => AssertGradCheck(t => t.Mean([0, 1], keepDim: true), RandnLeaf(6, 2, 3, 2));

    [Fact]
    public void MeanGradientIsOneOverTheCount()
    {
        var x = Leaf([1, 2, 3, 4, 5, 6], 2, 3);
        x.Mean(1).Sum().Backward();
        AssertValues([1 / 3.0, 1 / 3.0, 1 / 3.0, 1 / 3.0, 1 / 3.0, 1 / 3.0], [2, 3], x.Grad!, 1e-16);
    }

    [Fact]
    public void SumOfAllOfAContiguousTensorMatchesTheGeneralPathBitForBit()
    {
        // Sum() of a contiguous tensor takes a one-span path; naming every dim takes the general layout path
        var x = Tensor.Randn([3, 5, 7], DType.Float32, new Generator(11)).RequiresGradInPlace();
        var y = Tensor.Randn([3, 5, 7], DType.Float32, new Generator(11)).RequiresGradInPlace();
        var weights = Tensor.Randn([3, 5, 7], DType.Float32, new Generator(12));
        var fast = x.Sum();
        var general = y.Sum([0, 1, 2]);
        Assert.Equal(general.ToArray<float>(), fast.ToArray<float>());
        Assert.Empty(fast.Shape);
        Assert.Equal("Sum", fast.GradFn!.Name);
        (fast * 3.0 + (x * weights).Sum()).Backward();
        (general * 3.0 + (y * weights).Sum([0, 1, 2])).Backward();
        Assert.Equal(y.Grad!.ToArray<float>(), x.Grad!.ToArray<float>());
        Assert.Equal([3, 5, 7], x.Grad.Shape);
    }

    [Fact]
    public void SumOfAllOfNonContiguousInt64AndZeroDimTensorsKeepsItsValue()
    {
        var t = Tensor.Arange(12).Reshape(3, 4).T(); // non-contiguous: the general path
        Assert.Equal(66, t.Sum().Item());
        Assert.Equal(66, t.Contiguous().Sum().Item());
        Assert.Equal(DType.Int64, t.Sum().DType);
        var s = ScalarLeaf(2.5);
        var r = s.Sum();
        Assert.Equal(2.5, r.Item());
        r.Backward();
        AssertValues([1], [], s.Grad!);
    }

    [Fact]
    public void SumOfAllOfAContiguousViewReadsOnlyTheView()
    {
        var rows = Tensor.From(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3).RequiresGradInPlace();
        var second = rows.Select(0, 1); // contiguous, at an offset
        Assert.True(second.IsContiguous);
        var sum = second.Sum();
        Assert.Equal(15, sum.Item());
        sum.Backward();
        AssertValues([0, 0, 0, 1, 1, 1], [2, 3], rows.Grad!);
    }
}
