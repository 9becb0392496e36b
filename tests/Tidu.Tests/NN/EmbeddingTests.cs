using Tidu.NN;
using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.NN;

public class EmbeddingTests
{
    // a 4 × 2 table whose row r holds (10r, 10r + 1)
    private static Tensor Table() => Leaf([0, 1, 10, 11, 20, 21, 30, 31], 4, 2);

    [Fact]
    public void LooksUpRowsAndAppendsTheEmbeddingDimension()
    {
        var indices = Tensor.From(new long[] { 3, 0, 1, 1, 2, 3 }, 2, 3);
        var y = Functional.Embedding(indices, Table());
        AssertValues([30, 31, 0, 1, 10, 11, 10, 11, 20, 21, 30, 31], [2, 3, 2], y);
    }

    [Fact]
    public void ScalarAndEmptyIndicesKeepTheirShape()
    {
        AssertValues([20, 21], [2], Functional.Embedding(Tensor.Scalar(2L), Table()));
        Assert.Equal([0, 2], Functional.Embedding(Tensor.Zeros([0], DType.Int64), Table()).Shape);
    }

    [Fact]
    public void DuplicateIndicesAccumulateGradients()
    {
        var w = Table();
        var indices = Tensor.From(new long[] { 1, 2, 1, 1 }, 2, 2);
        Functional.Embedding(indices, w).Sum().Backward();
        AssertValues([0, 0, 3, 3, 1, 1, 0, 0], [4, 2], w.Grad!);
    }

    [Fact]
    public void PaddingRowIsLookedUpButGetsNoGradient()
    {
        var w = Table();
        var indices = Tensor.From(new long[] { 0, 2, 0, 3 }, 4);
        var y = Functional.Embedding(indices, w, paddingIdx: 0);
        AssertValues([0, 1, 20, 21, 0, 1, 30, 31], [4, 2], y);
        (y * y).Sum().Backward();
        AssertValues([0, 0, 0, 0, 40, 42, 60, 62], [4, 2], w.Grad!);
    }

    [Fact]
    public void NegativePaddingIndexCountsFromTheEnd()
    {
        var w = Table();
        Functional.Embedding(Tensor.From(new long[] { 3, 1 }, 2), w, paddingIdx: -1).Sum().Backward();
        AssertValues([0, 0, 1, 1, 0, 0, 0, 0], [4, 2], w.Grad!);
        Assert.Equal(3, new Embedding(4, 2, paddingIdx: -1).PaddingIdx);
    }

    [Fact]
    public void GradientsMatchFiniteDifferencesWithDuplicatesAndPadding()
    {
        var w = RandnLeaf(1, 5, 3);
        var indices = Tensor.From(new long[] { 1, 4, 1, 0, 2, 1 }, 2, 3);
        AssertGradCheck((Tensor x) => Functional.Embedding(indices, x) * 1.5, w);

        var module = new Embedding(5, 3, paddingIdx: 0, dtype: DType.Float64);
        Tensor SquaredNorms()
        {
            var y = module.Forward(indices);
            return (y * y).Sum(-1);
        }
        AssertGradCheck((Tensor _) => SquaredNorms(), module.Weight);
        // the padding row is used in the output but excluded from learning, so its gradient is zero
        SquaredNorms().Sum().Backward();
        AssertValues([0, 0, 0], [3], module.Weight.Grad!.Select(0, 0));
    }

    [Fact]
    public void OutOfRangeIndicesThrowANamedError()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Functional.Embedding(Tensor.From(new long[] { 1, 4 }, 2), Table()));
        AssertMentions(ex.Message, "Embedding", "index 4", "4 embeddings");
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => Functional.Embedding(Tensor.From(new long[] { -1 }, 1), Table()));
        AssertMentions(ex.Message, "Embedding", "index -1");
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.Embedding(Tensor.From(new long[] { 1 }, 1), Table(), paddingIdx: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(4, 2, paddingIdx: -5));
    }

    [Fact]
    public void WrongDtypesAndShapesThrow()
    {
        var ex = Assert.Throws<ArgumentException>(() => Functional.Embedding(Tensor.From(new[] { 1.0 }, 1), Table()));
        AssertMentions(ex.Message, "Embedding", "Int64", "Float64");
        ex = Assert.Throws<ArgumentException>(() => Functional.Embedding(Tensor.From(new long[] { 1 }, 1), Tensor.Ones(4)));
        AssertMentions(ex.Message, "Embedding", "2-D", "[4]");
    }

    [Fact]
    public void ModuleWeightIsStandardNormalWithAZeroPaddingRow()
    {
        var module = new Embedding(2000, 8, paddingIdx: 5, generator: new Generator(3));
        Assert.Equal([2000, 8], module.Weight.Shape);
        Assert.Equal(DType.Float32, module.Weight.DType);
        Assert.True(module.Weight.RequiresGrad);
        AssertValues(new double[8], [8], module.Weight.Select(0, 5));
        var values = module.Weight.ToArray<double>();
        double mean = values.Average();
        double std = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, -0.05, 0.05);
        Assert.InRange(std, 0.95, 1.05);
    }

    [Fact]
    public void ModuleForwardAndStateDict()
    {
        var module = new Embedding(10, 4, generator: new Generator(7));
        var y = module.Forward(Tensor.From(new long[] { 9, 0, 9 }, 3));
        Assert.Equal([3, 4], y.Shape);
        AssertValues(module.Weight.Select(0, 9).ToArray<double>(), [4], y.Select(0, 2));
        Assert.Equal(["0.weight"], new Sequential(module).StateDict().Keys.ToArray());
        Assert.Equal("Embedding(10, 4)", module.ToString());
    }

    [Fact]
    public void SameSeedGivesTheSameTable()
    {
        var a = new Embedding(6, 3, generator: new Generator(42));
        var b = new Embedding(6, 3, generator: new Generator(42));
        Assert.True(a.Weight.ValueEquals(b.Weight));
    }
}
