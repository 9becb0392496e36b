using Tidu.Data;

namespace Tidu.Tests.Data;

public class DatasetTests
{
    private static TensorDataset Numbered(int n) =>
        new(Tensor.Arange(0.0, n * 2, 1).Reshape(n, 2), Tensor.Arange(n));

    [Fact]
    public void TensorDatasetIndexesTheFirstDimension()
    {
        var ds = Numbered(5);
        Assert.Equal(5, ds.Count);
        var (input, target) = ds[3];
        Assert.Equal([6f, 7f], input.ToArray<float>());
        Assert.Equal([], target.Shape);
        Assert.Equal(3, target.Item());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ds[5]);
        TestHelpers.AssertMentions(e.Message, "index 5", "5 samples");
    }

    [Fact]
    public void TensorDatasetRejectsDifferentLengthsNamingBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => new TensorDataset(Tensor.Zeros(4, 3), Tensor.Zeros(5)));
        TestHelpers.AssertMentions(e.Message, "[4, 3]", "[5]");
        Assert.Throws<ArgumentException>(() => new TensorDataset(Tensor.Scalar(1f), Tensor.Zeros(1)));
    }

    [Fact]
    public void GetBatchGathersRowsLikeStackingSamples()
    {
        var ds = Numbered(6);
        var b = ds.GetBatch([4, 0, 4]);
        Assert.Equal([3, 2], b.Inputs.Shape);
        Assert.Equal([8f, 9f, 0f, 1f, 8f, 9f], b.Inputs.ToArray<float>());
        Assert.Equal([4L, 0L, 4L], b.Targets.ToArray<long>());
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.GetBatch([0, 6]));
        Assert.Throws<ArgumentException>(() => ds.GetBatch([]));
    }

    /// <summary>A dataset without a batch fast path, to exercise the stacking default.</summary>
    private sealed class Squares(int n) : Dataset
    {
        public override int Count => n;

        public override Sample this[int index]
        {
            get
            {
                CheckIndex(index);
                return new Sample(Tensor.From(new float[] { index, index * index }), Tensor.Scalar((long)index));
            }
        }
    }

    [Fact]
    public void DefaultGetBatchStacksSamples()
    {
        var b = new Squares(5).GetBatch([3, 1]);
        Assert.Equal([2, 2], b.Inputs.Shape);
        Assert.Equal([3f, 9f, 1f, 1f], b.Inputs.ToArray<float>());
        Assert.Equal([3L, 1L], b.Targets.ToArray<long>());
    }

    [Fact]
    public void SubsetMapsIndicesAndKeepsTheBatchFastPath()
    {
        var sub = new Subset(Numbered(6), [5, 2]);
        Assert.Equal(2, sub.Count);
        Assert.Equal(5, sub[0].Target.Item());
        Assert.Equal([2L, 5L], sub.GetBatch([1, 0]).Targets.ToArray<long>());
        Assert.Throws<ArgumentOutOfRangeException>(() => sub[2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Subset(Numbered(3), [3]));
    }

    [Fact]
    public void RandomSplitPartitionsEverySampleOnceAndIsSeeded()
    {
        var ds = Numbered(10);
        var parts = Dataset.RandomSplit(ds, [7, 3], new Generator(1));
        Assert.Equal([7, 3], parts.Select(p => p.Count));
        var all = parts.SelectMany(p => p.Indices).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, 10), all);
        var again = Dataset.RandomSplit(ds, [7, 3], new Generator(1));
        Assert.Equal(parts[0].Indices, again[0].Indices);
        Assert.NotEqual(parts[0].Indices, Dataset.RandomSplit(ds, [7, 3], new Generator(2))[0].Indices);

        var e = Assert.Throws<ArgumentException>(() => Dataset.RandomSplit(ds, [7, 4]));
        TestHelpers.AssertMentions(e.Message, "11", "10");
        Assert.Throws<ArgumentException>(() => Dataset.RandomSplit(ds, [11, -1]));
    }

    [Fact]
    public void RandomSplitByFractionsDealsTheRemainderInOrder()
    {
        var parts = Dataset.RandomSplit(Numbered(10), [0.34, 0.33, 0.33], new Generator(3));
        Assert.Equal([4, 3, 3], parts.Select(p => p.Count));
        Assert.Throws<ArgumentException>(() => Dataset.RandomSplit(Numbered(10), [0.5, 0.4]));
    }
}
