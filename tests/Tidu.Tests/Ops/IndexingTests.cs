using Tidu.Diagnostics;

namespace Tidu.Tests.Ops;

public class IndexingTests
{
    /// <summary>[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]] as Float64.</summary>
    private static Tensor Grid() => Tensor.From(Enumerable.Range(0, 12).Select(i => (double)i).ToArray(), 3, 4);

    /// <summary>A Float64 leaf with distinct, non-zero values.</summary>
    private static Tensor Leaf(params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var t = Tensor.From(Enumerable.Range(0, n).Select(i => 0.5 + 0.37 * i - 0.01 * i * i).ToArray(), shape);
        t.RequiresGrad = true;
        return t;
    }

    private static void AssertGrad(Func<Tensor, Tensor> f, Tensor x)
    {
        var result = GradCheck.Check(f, x);
        Assert.True(result.Passed, result.ToString());
    }

    private static void AssertValues(double[] expected, Tensor actual, params int[] shape)
    {
        Assert.Equal(shape, actual.Shape);
        Assert.Equal(expected, actual.ToArray<double>());
    }

    // ---- Narrow ----

    [Fact]
    public void NarrowTakesAColumnRangeAsAView()
    {
        var t = Grid();
        var n = t.Narrow(1, 1, 2);
        AssertValues([1, 2, 5, 6, 9, 10], n, 3, 2);
        Assert.True(n.SharesStorageWith(t));
    }

    [Fact]
    public void NarrowWithNegativeStartCountsFromTheEnd()
    {
        AssertValues([8, 9, 10, 11], Grid().Narrow(0, -1, 1), 1, 4);
        AssertValues([2, 3, 6, 7, 10, 11], Grid().Narrow(-1, -2, 2), 3, 2);
    }

    [Fact]
    public void NarrowOutOfRangeNamesOpAndShape()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Grid().Narrow(1, 3, 2));
        Assert.Contains("Narrow", ex.Message);
        Assert.Contains("[3, 4]", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Grid().Narrow(1, 5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Grid().Narrow(1, 0, -1));
    }

    [Fact]
    public void NarrowOfTransposedTensorReadsTheTransposedValues()
    {
        var t = Grid().Transpose(0, 1); // 4 x 3
        AssertValues([1, 5, 9, 2, 6, 10], t.Narrow(0, 1, 2), 2, 3);
    }

    [Fact]
    public void NarrowGradCheck()
    {
        AssertGrad(x => x.Narrow(1, 1, 2).Pow(2).Sum(), Leaf(3, 4));
        AssertGrad(x => x.Transpose(0, 1).Narrow(0, -2, 2).Pow(2).Sum(), Leaf(3, 4));
    }

    // ---- Select ----

    [Fact]
    public void SelectRemovesTheDimension()
    {
        AssertValues([4, 5, 6, 7], Grid().Select(0, 1), 4);
        AssertValues([2, 6, 10], Grid().Select(1, 2), 3);
        AssertValues([3, 7, 11], Grid().Select(1, -1), 3);
    }

    [Fact]
    public void SelectOfVectorGivesA0DTensor()
    {
        var s = Tensor.From(new double[] { 3, 4, 5 }).Select(0, -2);
        Assert.Equal(0, s.Rank);
        Assert.Equal(4, s.Item());
    }

    [Fact]
    public void SelectOutOfRangeNamesOpIndexDimAndShape()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Grid().Select(1, 4));
        Assert.Contains("Select", ex.Message);
        Assert.Contains("index 4", ex.Message);
        Assert.Contains("dimension 1", ex.Message);
        Assert.Contains("[3, 4]", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Grid().Select(0, -4));
    }

    [Fact]
    public void WritingThroughASelectViewChangesTheBase()
    {
        var t = Grid();
        var row = t.Select(0, 1);
        row.FillInPlace(-1);
        AssertValues([0, 1, 2, 3, -1, -1, -1, -1, 8, 9, 10, 11], t, 3, 4);
        var col = t.Transpose(0, 1).Select(0, 3); // column 3 of t
        col.CopyInPlace(Tensor.From(new double[] { 100, 200, 300 }));
        AssertValues([0, 1, 2, 100, -1, -1, -1, 200, 8, 9, 10, 300], t, 3, 4);
    }

    [Fact]
    public void SelectGradCheck()
    {
        AssertGrad(x => x.Select(1, -1).Pow(2).Sum(), Leaf(3, 4));
        AssertGrad(x => x.Transpose(0, 1).Select(0, 2).Pow(3), Leaf(3, 4));
    }

    // ---- Slice ----

    [Fact]
    public void SliceFollowsPythonSlicing()
    {
        var v = Tensor.From(Enumerable.Range(0, 10).Select(i => (double)i).ToArray());
        AssertValues([2, 3, 4], v.Slice(0, 2, 5), 3);
        AssertValues([0, 3, 6, 9], v.Slice(0, null, null, 3), 4);
        AssertValues([7, 8, 9], v.Slice(0, -3), 3);
        AssertValues([1, 3, 5, 7], v.Slice(0, 1, -1, 2), 4);
        AssertValues([8, 9], v.Slice(0, 8, 100), 2); // out-of-range end clamps
        AssertValues([0, 1], v.Slice(0, -100, 2), 2); // out-of-range start clamps
        AssertValues([], v.Slice(0, 6, 3), 0); // end before start: empty
        AssertValues([], v.Slice(0, 20), 0);
    }

    [Fact]
    public void SliceWithStepOnColumnsOfATransposedTensor()
    {
        var t = Grid().Transpose(0, 1); // rows are columns of Grid
        AssertValues([0, 8, 1, 9, 2, 10, 3, 11], t.Slice(1, null, null, 2), 4, 2);
    }

    [Fact]
    public void SliceRejectsNonPositiveStep()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Grid().Slice(0, null, null, 0));
        Assert.Contains("Slice", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Grid().Slice(0, null, null, -1));
    }

    [Fact]
    public void SliceGradCheck()
    {
        AssertGrad(x => x.Slice(1, 1, null, 2).Pow(2).Sum(), Leaf(3, 5));
        AssertGrad(x => x.Transpose(0, 1).Slice(0, -4, -1, 2).Pow(2), Leaf(3, 5));
        AssertGrad(x => x.Slice(0, 1, 1).Sum() + x.Pow(2).Sum(), Leaf(3, 5)); // an empty slice gets no gradient
    }

    // ---- indexer ----

    [Fact]
    public void IndexerWithIntSelectsARow()
    {
        AssertValues([4, 5, 6, 7], Grid()[1], 4);
        Assert.Equal(6, Grid()[1, 2].Item());
        Assert.Equal(11, Grid()[-1, -1].Item());
    }

    [Fact]
    public void IndexerWithRangesSlices()
    {
        AssertValues([1, 2, 5, 6, 9, 10], Grid()[.., 1..3], 3, 2);
        AssertValues([8, 9, 10, 11], Grid()[^1], 4);
        AssertValues([6, 7, 10, 11], Grid()[1.., ^2..], 2, 2);
        AssertValues([0, 2, 8, 10], Grid()[TensorIndex.Slice(null, null, 2), TensorIndex.Slice(0, null, 2)], 2, 2);
        AssertValues([], Grid()[5.., ..], 0, 4); // a start past the end clamps to an empty slice
    }

    [Fact]
    public void IndexerEllipsisAndNewAxis()
    {
        AssertValues([0, 4, 8], Grid()[TensorIndex.Ellipsis, 0], 3);
        var c = Tensor.From(Enumerable.Range(0, 24).Select(i => (double)i).ToArray(), 2, 3, 4);
        AssertValues([1, 5, 9, 13, 17, 21], c[TensorIndex.Ellipsis, 1], 2, 3);
        AssertValues([12, 16, 20], c[1, TensorIndex.Ellipsis, 0], 3);
        Assert.Equal([2, 3, 4], c[TensorIndex.Ellipsis].Shape);
        Assert.Equal([1, 3, 4], Grid()[TensorIndex.NewAxis].Shape);
        AssertValues([1, 5, 9], Grid()[.., TensorIndex.NewAxis, 1], 3, 1);
        AssertValues([4, 5, 6, 7], Grid()[1, TensorIndex.NewAxis, TensorIndex.Ellipsis, TensorIndex.NewAxis], 1, 4, 1);
    }

    [Fact]
    public void IndexerOnTransposedTensorAndWritesReachTheBase()
    {
        var t = Grid();
        var tt = t.Transpose(0, 1);
        AssertValues([1, 5, 9], tt[1], 3);
        tt[^1, 1..].FillInPlace(0);
        AssertValues([0, 1, 2, 3, 4, 5, 6, 0, 8, 9, 10, 0], t, 3, 4);
        Assert.True(tt[0].SharesStorageWith(t));
    }

    [Fact]
    public void IndexerErrors()
    {
        var tooMany = Assert.Throws<ArgumentException>(() => Grid()[0, 0, 0]);
        Assert.Contains("too many indices", tooMany.Message);
        Assert.Contains("[3, 4]", tooMany.Message);
        Assert.Throws<ArgumentException>(() => Grid()[TensorIndex.Ellipsis, 0, TensorIndex.Ellipsis]);
        var outOfRange = Assert.Throws<ArgumentOutOfRangeException>(() => Grid()[.., 4]);
        Assert.Contains("index 4", outOfRange.Message);
        Assert.Contains("dimension 1", outOfRange.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Grid()[^0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Grid()[-4]);
    }

    [Fact]
    public void IndexerGradCheck()
    {
        AssertGrad(x => x[1..^1, TensorIndex.NewAxis, TensorIndex.Slice(null, null, 2)].Pow(2), Leaf(4, 5));
        AssertGrad(x => x[TensorIndex.Ellipsis, ^1].Pow(2).Sum(), Leaf(2, 3, 4));
        AssertGrad(x => x.Transpose(0, 2)[1, .., 1..].Pow(2), Leaf(2, 3, 4));
    }

    // ---- Gather ----

    [Fact]
    public void GatherAlongDim1()
    {
        var x = Tensor.From(new double[] { 1, 2, 3, 4 }, 2, 2);
        var index = Tensor.From(new long[] { 0, 0, 1, 0 }, 2, 2);
        AssertValues([1, 1, 4, 3], x.Gather(1, index), 2, 2); // PyTorch docs example
    }

    [Fact]
    public void GatherAlongDim0WithSmallerIndexAndTransposedInput()
    {
        var t = Grid().Transpose(0, 1); // 4 x 3: [[0,4,8],[1,5,9],[2,6,10],[3,7,11]]
        var index = Tensor.From(new long[] { 3, 0, 2, 1, 1, 1 }, 2, 3);
        AssertValues([3, 4, 10, 1, 5, 9], t.Gather(0, index), 2, 3);
        AssertValues([3, 4, 10, 1, 5, 9], t.Gather(-2, index), 2, 3);
    }

    [Fact]
    public void GatherSupportsFloat32AndInt64()
    {
        var index = Tensor.From(new long[] { 2, 0 }, 1, 2);
        Assert.Equal([3f, 1f], Tensor.From(new float[] { 1, 2, 3 }, 1, 3).Gather(1, index).ToArray<float>());
        Assert.Equal([30L, 10L], Tensor.From(new long[] { 10, 20, 30 }, 1, 3).Gather(1, index).ToArray<long>());
    }

    [Fact]
    public void GatherErrorsNameOpAndShapes()
    {
        var x = Grid();
        var outOfRange = Assert.Throws<ArgumentOutOfRangeException>(() => x.Gather(1, Tensor.From(new long[] { 0, 4 }, 1, 2)));
        Assert.Contains("Gather", outOfRange.Message);
        Assert.Contains("index 4", outOfRange.Message);
        Assert.Contains("[3, 4]", outOfRange.Message);
        Assert.Contains("[1, 2]", outOfRange.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Gather(1, Tensor.From(new long[] { -1 }, 1, 1)));
        var tooBig = Assert.Throws<ArgumentException>(() => x.Gather(1, Tensor.Zeros([4, 1], DType.Int64)));
        Assert.Contains("Gather", tooBig.Message);
        Assert.Contains("[3, 4]", tooBig.Message);
        Assert.Contains("[4, 1]", tooBig.Message);
        Assert.Throws<ArgumentException>(() => x.Gather(1, Tensor.Zeros([3], DType.Int64)));
        Assert.Throws<ArgumentException>(() => x.Gather(1, Tensor.Zeros([3, 1], DType.Float32)));
    }

    [Fact]
    public void GatherGradCheckWithDuplicateIndices()
    {
        var index = Tensor.From(new long[] { 0, 0, 3, 2, 2, 2, 1, 0, 1 }, 3, 3);
        AssertGrad(x => x.Gather(1, index).Pow(2), Leaf(3, 4));
        AssertGrad(x => x.Transpose(0, 1).Gather(0, Tensor.From(new long[] { 3, 3, 0, 1, 1, 1 }, 2, 3)).Pow(2).Sum(), Leaf(3, 4));
    }

    // ---- IndexSelect ----

    [Fact]
    public void IndexSelectPicksRowsAndColumns()
    {
        var index = Tensor.From(new long[] { 2, 0, 2 });
        AssertValues([8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11], Grid().IndexSelect(0, index), 3, 4);
        AssertValues([2, 0, 2, 6, 4, 6, 10, 8, 10], Grid().IndexSelect(1, index), 3, 3);
        AssertValues([2, 0, 2, 6, 4, 6, 10, 8, 10], Grid().IndexSelect(-1, index), 3, 3);
        // a transposed input and a strided index
        var strided = Tensor.From(new long[] { 1, 9, 3 }).Slice(0, null, null, 2); // [1, 3]
        AssertValues([1, 5, 9, 3, 7, 11], Grid().Transpose(0, 1).IndexSelect(0, strided), 2, 3);
    }

    [Fact]
    public void IndexSelectRowsOfContiguousTensorsMatchTheGeneralGather()
    {
        // dim 0 of a contiguous tensor takes the row-copy path: compare with the same selection through a
        // transposed (non-contiguous) view, which takes the general gather
        var cube = Tensor.Arange(0, 60).To(DType.Float64).Reshape(5, 3, 4);
        var offsetView = cube.Narrow(0, 1, 4);                          // contiguous, storage offset 12
        var index = Tensor.From(new long[] { 3, 0, 3, 1, 9, 2 }).Slice(0, null, null, 1).Narrow(0, 0, 4); // 3, 0, 3, 1
        var fast = offsetView.IndexSelect(0, index);
        var general = offsetView.Transpose(0, 2).IndexSelect(2, index).Transpose(0, 2);
        Assert.Equal(general.ToArray<double>(), fast.ToArray<double>());
        Assert.Throws<ArgumentOutOfRangeException>(() => offsetView.IndexSelect(0, Tensor.From(new long[] { -1 })));
        Assert.Throws<ArgumentOutOfRangeException>(() => offsetView.IndexSelect(0, Tensor.From(new long[] { 4 })));
    }

    [Fact]
    public void IndexSelectErrors()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Grid().IndexSelect(0, Tensor.From(new long[] { 0, 3 })));
        Assert.Contains("IndexSelect", ex.Message);
        Assert.Contains("index 3", ex.Message);
        Assert.Contains("[3, 4]", ex.Message);
        var twoD = Assert.Throws<ArgumentException>(() => Grid().IndexSelect(0, Tensor.Zeros([2, 2], DType.Int64)));
        Assert.Contains("IndexSelect", twoD.Message);
        Assert.Contains("[2, 2]", twoD.Message);
        Assert.Throws<ArgumentException>(() => Grid().IndexSelect(0, Tensor.Zeros([2], DType.Float64)));
    }

    [Fact]
    public void IndexSelectGradCheckWithDuplicateIndices()
    {
        var index = Tensor.From(new long[] { 1, 1, 0, 3, 1 });
        AssertGrad(x => x.IndexSelect(1, index).Pow(2), Leaf(3, 4));
        AssertGrad(x => x.Transpose(0, 1).IndexSelect(0, index).Pow(2).Sum(), Leaf(3, 4));
    }

    [Fact]
    public void IndexSelectBackwardAccumulatesRepeatedRows()
    {
        var x = Leaf(3, 2);
        x.IndexSelect(0, Tensor.From(new long[] { 2, 2, 0, 2 })).Sum().Backward();
        Assert.Equal([1, 1, 0, 0, 3, 3], x.Grad!.ToArray<double>());
    }

    // ---- ScatterAdd ----

    [Fact]
    public void ScatterAddAccumulatesDuplicatesOutOfPlace()
    {
        var self = Tensor.Zeros([3, 4], DType.Float64);
        var source = Tensor.From(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var index = Tensor.From(new long[] { 0, 1, 2, 0, 1, 0 }, 2, 3);
        var result = self.ScatterAdd(0, index, source);
        // column j: out[index[i][j]][j] += source[i][j]
        AssertValues([5, 0, 6, 0, 0, 7, 0, 0, 0, 0, 3, 0], result, 3, 4);
        Assert.Equal(new double[12], self.ToArray<double>()); // self is not modified
    }

    [Fact]
    public void ScatterAddAlongDim1WithLargerSourceAndInt64()
    {
        var self = Tensor.From(new long[] { 1, 1, 1, 1, 1, 1 }, 2, 3);
        var source = Tensor.From(new long[] { 10, 20, 30, 40, 50, 60, 70, 80 }, 2, 4);
        var index = Tensor.From(new long[] { 2, 2, 0, 1 }, 2, 2);
        Assert.Equal([1L, 1, 31, 51, 61, 1], self.ScatterAdd(1, index, source).ToArray<long>());
    }

    [Fact]
    public void ScatterAddErrorsNameOpAndShapes()
    {
        var self = Tensor.Zeros([2, 3], DType.Float64);
        var source = Tensor.Ones([2, 3], DType.Float64);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => self.ScatterAdd(0, Tensor.Full([2, 3], 2, DType.Int64), source));
        Assert.Contains("ScatterAdd", ex.Message);
        Assert.Contains("index 2", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        var bigger = Assert.Throws<ArgumentException>(() => self.ScatterAdd(0, Tensor.Zeros([2, 4], DType.Int64), Tensor.Ones([2, 4], DType.Float64)));
        Assert.Contains("ScatterAdd", bigger.Message);
        Assert.Contains("[2, 4]", bigger.Message);
        var biggerThanSource = Assert.Throws<ArgumentException>(() => self.ScatterAdd(0, Tensor.Zeros([2, 3], DType.Int64), Tensor.Ones([1, 3], DType.Float64)));
        Assert.Contains("source", biggerThanSource.Message);
        Assert.Contains("[1, 3]", biggerThanSource.Message);
        Assert.Throws<ArgumentException>(() => self.ScatterAdd(0, Tensor.Zeros([2, 3], DType.Int64), Tensor.Ones([2, 3], DType.Float32)));
        Assert.Equal(new double[6], self.ToArray<double>());
    }

    [Fact]
    public void ScatterAddGradCheckWithDuplicateIndices()
    {
        var index = Tensor.From(new long[] { 0, 2, 2, 0, 1, 2, 2, 2 }, 2, 4);
        var self = Leaf(3, 4);
        var source = Leaf(2, 5); // larger than the index in dim 1: the last column gets no gradient
        var result = GradCheck.Check(xs => xs[0].ScatterAdd(0, index, xs[1]).Pow(2), [self, source]);
        Assert.True(result.Passed, result.ToString());
        var transposed = GradCheck.Check(xs => xs[0].Transpose(0, 1).ScatterAdd(1, index.Transpose(0, 1), xs[1].Transpose(0, 1)).Pow(2).Sum(), [self, source]);
        Assert.True(transposed.Passed, transposed.ToString());
    }

    // ---- edge cases ----

    [Fact]
    public void ZeroDimensionalAndEmptyCasesDoNotCrash()
    {
        var scalar = Tensor.Scalar(7.0);
        Assert.Equal([1], scalar[TensorIndex.NewAxis].Shape);
        Assert.Equal(7, scalar[TensorIndex.Ellipsis].Item());
        Assert.Throws<ArgumentException>(() => scalar[0]);
        Assert.Equal(7, scalar.Gather(0, Tensor.Scalar(0L)).Item());
        Assert.Equal(7, scalar.IndexSelect(0, Tensor.From(new long[] { 0 })).Item());
        Assert.Equal([3, 0], Grid().Gather(1, Tensor.Zeros([3, 0], DType.Int64)).Shape);
        Assert.Equal([3, 0], Grid().IndexSelect(1, Tensor.Zeros([0], DType.Int64)).Shape);
        var x = Leaf(2, 3);
        x.Narrow(1, 3, 0).Sum().Backward();
        Assert.Equal(new double[6], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void ScatterAddGradientFlowsToSourceAlone()
    {
        var source = Leaf(2, 2);
        var index = Tensor.From(new long[] { 1, 1, 1, 0 }, 2, 2);
        var result = GradCheck.Check(s => Tensor.Zeros([2, 2], DType.Float64).ScatterAdd(1, index, s).Pow(2), source);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void TensorIndexPrintsLikePython()
    {
        Assert.Equal("1", ((TensorIndex)1).ToString());
        Assert.Equal("-1", TensorIndex.FromIndex(^1).ToString());
        Assert.Equal("1:3", ((TensorIndex)(1..3)).ToString());
        Assert.Equal("::2", TensorIndex.Slice(null, null, 2).ToString());
        Assert.Equal("...", TensorIndex.Ellipsis.ToString());
        Assert.Equal("None", TensorIndex.NewAxis.ToString());
    }
}
