using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Ops;

public class MatMulTests
{
    /// <summary>[.., m, k]·[.., k, n] in plain double loops, batch dims already equal.</summary>
    private static double[] Naive(double[] a, double[] b, int batch, int m, int k, int n)
    {
        var c = new double[batch * m * n];
        for (int s = 0; s < batch; s++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int p = 0; p < k; p++) sum += a[s * m * k + i * k + p] * b[s * k * n + p * n + j];
                    c[s * m * n + i * n + j] = sum;
                }
        return c;
    }

    [Fact]
    public void VectorDotVectorIsAZeroDimDotProduct()
    {
        var r = Tensor.From(new double[] { 1, 2, 3 }).MatMul(Tensor.From(new double[] { 4, 5, 6 }));
        Assert.Equal([], r.Shape);
        Assert.Equal(32, r.Item());
    }

    [Fact]
    public void MatrixTimesMatrixMatchesTheDefinition()
    {
        var a = Tensor.From(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Tensor.From(new double[] { 7, 8, 9, 10, 11, 12 }, 3, 2);
        AssertValues([58, 64, 139, 154], [2, 2], a.MatMul(b));
        AssertValues([58, 64, 139, 154], [2, 2], a.Mm(b));
    }

    [Fact]
    public void VectorTimesMatrixAndMatrixTimesVectorDropTheVectorDim()
    {
        var m = Tensor.From(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        AssertValues([9, 12, 15], [3], Tensor.From(new double[] { 1, 2 }).MatMul(m));
        AssertValues([14, 32], [2], m.MatMul(Tensor.From(new double[] { 1, 2, 3 })));
    }

    [Fact]
    public void BatchedMatMulBroadcastsBatchDims()
    {
        var a = Tensor.Randn([2, 1, 3, 4], DType.Float64, new Generator(1));
        var b = Tensor.Randn([3, 4, 5], DType.Float64, new Generator(2));
        var c = a.MatMul(b);
        Assert.Equal([2, 3, 3, 5], c.Shape);
        var ae = a.Expand(2, 3, 3, 4).ToArray<double>();
        var be = b.Expand(2, 3, 4, 5).ToArray<double>();
        AssertValues(Naive(ae, be, 6, 3, 4, 5), [2, 3, 3, 5], c, 1e-12);
    }

    [Fact]
    public void BatchedTimesVectorAndVectorTimesBatched()
    {
        var a = Tensor.Randn([2, 3, 4], DType.Float64, new Generator(3));
        var v = Tensor.Randn([4], DType.Float64, new Generator(4));
        var av = a.MatMul(v);
        Assert.Equal([2, 3], av.Shape);
        AssertValues(Naive(a.ToArray<double>(), v.Expand(2, 4).ToArray<double>().Select(x => x).ToArray(), 2, 3, 4, 1), [2, 3], av, 1e-12);
        var w = Tensor.Randn([3], DType.Float64, new Generator(5));
        Assert.Equal([2, 4], w.MatMul(a).Shape);
    }

    [Fact]
    public void MatMulOfTransposedViewsUsesLogicalLayout()
    {
        var a = Tensor.From(new double[] { 1, 4, 2, 5, 3, 6 }, 3, 2).T(); // [[1,2,3],[4,5,6]]
        var b = Tensor.From(new double[] { 7, 9, 11, 8, 10, 12 }, 2, 3).T(); // [[7,8],[9,10],[11,12]]
        AssertValues([58, 64, 139, 154], [2, 2], a.MatMul(b));
    }

    [Fact]
    public void Float32MatMulStaysFloat32AndInt64IsPromoted()
    {
        var a = Tensor.Ones([2, 3], DType.Float32);
        Assert.Equal(DType.Float32, a.MatMul(Tensor.Ones(3, 2)).DType);
        Assert.Equal(DType.Float64, a.MatMul(Tensor.Ones([3, 2], DType.Float64)).DType);
    }

    [Fact]
    public void InnerDimensionMismatchThrowsNamingBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).MatMul(Tensor.Zeros(4, 5)));
        AssertMentions(ex.Message, "MatMul", "[2, 3]", "[4, 5]");
        ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(3).MatMul(Tensor.Zeros(4)));
        AssertMentions(ex.Message, "MatMul", "[3]", "[4]");
    }

    [Fact]
    public void BatchMismatchAndZeroDimOperandsThrow()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3, 4).MatMul(Tensor.Zeros(3, 4, 5)));
        AssertMentions(ex.Message, "MatMul", "[2, 3, 4]", "[3, 4, 5]");
        ex = Assert.Throws<ArgumentException>(() => Tensor.Scalar(1f).MatMul(Tensor.Zeros(3)));
        AssertMentions(ex.Message, "MatMul", "[]", "[3]");
        ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(3).Mm(Tensor.Zeros(3, 2)));
        AssertMentions(ex.Message, "Mm", "[3]", "[3, 2]");
    }

    [Fact] public void VectorDotVectorPassesGradCheck() => AssertGradCheck(xs => xs[0].MatMul(xs[1]), RandnLeaf(10, 3), RandnLeaf(11, 3));
    [Fact] public void VectorTimesMatrixPassesGradCheck() => AssertGradCheck(xs => xs[0].MatMul(xs[1]), RandnLeaf(12, 3), RandnLeaf(13, 3, 2));
    [Fact] public void MatrixTimesVectorPassesGradCheck() => AssertGradCheck(xs => xs[0].MatMul(xs[1]), RandnLeaf(14, 2, 3), RandnLeaf(15, 3));
    [Fact] public void MatrixTimesMatrixPassesGradCheck() => AssertGradCheck(xs => xs[0].MatMul(xs[1]), RandnLeaf(16, 2, 3), RandnLeaf(17, 3, 4));
    [Fact] public void BatchedBroadcastMatMulPassesGradCheck() => AssertGradCheck(xs => xs[0].MatMul(xs[1]), RandnLeaf(18, 2, 1, 2, 3), RandnLeaf(19, 2, 3, 2));
    [Fact] public void BatchedTimesVectorPassesGradCheck() => AssertGradCheck(xs => xs[0].MatMul(xs[1]), RandnLeaf(20, 2, 2, 3), RandnLeaf(21, 3));
    [Fact] public void TransposedOperandsPassGradCheck() => AssertGradCheck(xs => xs[0].T().MatMul(xs[1].T()), RandnLeaf(22, 3, 2), RandnLeaf(23, 4, 3));

    [Fact]
    public void MatMulGradientsAreGradTimesTransposes()
    {
        var a = Leaf([1, 2, 3, 4], 2, 2);
        var b = Leaf([5, 6, 7, 8], 2, 2);
        a.MatMul(b).Sum().Backward();
        AssertValues([11, 15, 11, 15], [2, 2], a.Grad!); // 1·Bᵀ: row sums of B
        AssertValues([4, 4, 6, 6], [2, 2], b.Grad!);     // Aᵀ·1: column sums of A
    }
}
