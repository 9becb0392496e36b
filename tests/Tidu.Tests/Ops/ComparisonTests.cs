namespace Tidu.Tests.Ops;

public class ComparisonTests
{
    private static readonly Tensor A = Tensor.From(new double[] { 1, 2, 3 });
    private static readonly Tensor B = Tensor.From(new double[] { 3, 2, 1 });

    [Fact]
    public void TensorComparisonsGiveInt64MasksOfZeroAndOne()
    {
        Assert.Equal(DType.Int64, A.Eq(B).DType);
        Assert.Equal([0L, 1L, 0L], A.Eq(B).ToArray<long>());
        Assert.Equal([1L, 0L, 1L], A.Ne(B).ToArray<long>());
        Assert.Equal([1L, 0L, 0L], A.Lt(B).ToArray<long>());
        Assert.Equal([1L, 1L, 0L], A.Le(B).ToArray<long>());
        Assert.Equal([0L, 0L, 1L], A.Gt(B).ToArray<long>());
        Assert.Equal([0L, 1L, 1L], A.Ge(B).ToArray<long>());
        Assert.Equal([1L, 0L, 0L], (A < B).ToArray<long>());
        Assert.Equal([0L, 0L, 1L], (A > B).ToArray<long>());
        Assert.Equal([1L, 1L, 0L], (A <= B).ToArray<long>());
        Assert.Equal([0L, 1L, 1L], (A >= B).ToArray<long>());
    }

    [Fact]
    public void ScalarComparisonsWorkForDoublesAndIntegers()
    {
        Assert.Equal([0L, 1L, 0L], A.Eq(2.0).ToArray<long>());
        Assert.Equal([1L, 0L, 1L], A.Ne(2.0).ToArray<long>());
        Assert.Equal([1L, 0L, 0L], A.Lt(2.0).ToArray<long>());
        Assert.Equal([1L, 1L, 0L], (A <= 2.0).ToArray<long>());
        Assert.Equal([0L, 0L, 1L], (A > 2.0).ToArray<long>());
        Assert.Equal([0L, 1L, 1L], (A >= 2.0).ToArray<long>());
        Assert.Equal([1L, 1L, 0L], (A < 2.5).ToArray<long>());
        var ints = Tensor.From(new long[] { -1, 0, 1 });
        Assert.Equal([0L, 1L, 1L], ints.Ge(0L).ToArray<long>());
        Assert.Equal([0L, 0L, 1L], ints.Gt(0.5).ToArray<long>()); // compared as floats, not truncated
        Assert.Equal([1L, 1L, 0L], ints.Le(0L).ToArray<long>());
    }

    [Fact]
    public void ComparisonsBroadcast()
    {
        var col = Tensor.From(new double[] { 1, 2 }, 2, 1);
        var row = Tensor.From(new double[] { 1, 2, 3 }, 1, 3);
        var m = col.Lt(row);
        Assert.Equal([2, 3], m.Shape);
        Assert.Equal([0L, 1L, 1L, 0L, 0L, 1L], m.ToArray<long>());
    }

    [Fact]
    public void NaNComparesUnequalToEverything()
    {
        var x = Tensor.From(new double[] { double.NaN });
        Assert.Equal([0L], x.Eq(x).ToArray<long>());
        Assert.Equal([1L], x.Ne(x).ToArray<long>());
        Assert.Equal([0L], x.Lt(0.0).ToArray<long>());
        Assert.Equal([0L], x.Ge(0.0).ToArray<long>());
    }

    [Fact]
    public void ComparisonsCarryNoGradient()
    {
        var x = Tensor.From(new double[] { 1, 2 }).RequiresGradInPlace();
        var m = x.Gt(1.5);
        Assert.False(m.RequiresGrad);
        Assert.Null(m.GradFn);
    }

    [Fact]
    public void ComparisonShapeMismatchNamesOpAndShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Lt(Tensor.Zeros(4)));
        TestHelpers.AssertMentions(ex.Message, "Lt", "[2, 3]", "[4]");
    }

    [Fact]
    public void ValueEqualsComparesShapeAndValuesAcrossDTypes()
    {
        Assert.True(A.ValueEquals(Tensor.From(new double[] { 1, 2, 3 })));
        Assert.True(A.ValueEquals(Tensor.From(new long[] { 1, 2, 3 })));
        Assert.False(A.ValueEquals(B));
        Assert.False(A.ValueEquals(Tensor.From(new double[] { 1, 2, 3 }, 3, 1)));
        Assert.True(Tensor.Zeros(0).ValueEquals(Tensor.Zeros(0)));
    }
}
