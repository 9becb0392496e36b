using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Tensors;

/// <summary>
/// Tests that reseed <see cref="Generator.Default"/> join this collection, which runs on its own so that no test
/// in another class draws from the default generator between a ManualSeed and the draws that rely on it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DefaultGeneratorCollection
{
    public const string Name = "Default generator";
}

[Collection(DefaultGeneratorCollection.Name)]
public class TensorCreationTests
{
    [Fact]
    public void FromWithoutAShapeIsOneDimensional()
    {
        var t = Tensor.From(new float[] { 1, 2, 3 });
        Assert.Equal([3], t.Shape);
        Assert.Equal(DType.Float32, t.DType);
        Assert.Equal(DType.Float64, Tensor.From(new double[] { 1 }).DType);
        Assert.Equal(DType.Int64, Tensor.From(new long[] { 1 }).DType);
    }

    [Fact]
    public void FromWithAShapeLaysValuesOutRowMajor()
    {
        var t = Tensor.From(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal([3, 1], t.Strides);
        Assert.Equal(2, t.Rank);
        Assert.Equal(6, t.NumberOfElements);
        Assert.Equal(3, t.Size(1));
        Assert.Equal(2, t.Size(-2));
        Assert.Equal(0, t.StorageOffset);
        Assert.Equal(6, t.T().Reshape(6).ToArray<double>()[5]);
    }

    [Fact]
    public void FromCopiesTheArray()
    {
        var data = new double[] { 1, 2 };
        var t = Tensor.From(data);
        data[0] = 99;
        Assert.Equal([1.0, 2], t.ToArray<double>());
    }

    [Fact]
    public void FromAMultidimensionalArrayKeepsItsShapeAndType()
    {
        var t = Tensor.From(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal(DType.Float32, t.DType);
        Assert.Equal([1f, 2, 3, 4, 5, 6], t.ToArray<float>());
        var l = Tensor.From(new long[,,] { { { 1 }, { 2 } } });
        Assert.Equal([1, 2, 1], l.Shape);
        Assert.Equal(DType.Int64, l.DType);
        Assert.Throws<ArgumentException>(() => Tensor.From(new int[,] { { 1 } }));
    }

    [Fact]
    public void FromWithAWrongElementCountThrowsNamingTheShape()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.From(new float[] { 1, 2, 3 }, 2, 2));
        AssertMentions(ex.Message, "From", "3", "[2, 2]", "4");
        ex = Assert.Throws<ArgumentException>(() => Tensor.From(new double[] { 1 }, -1));
        AssertMentions(ex.Message, "From", "[-1]");
    }

    [Fact]
    public void ScalarIsZeroDimensional()
    {
        var s = Tensor.Scalar(2.5);
        Assert.Equal([], s.Shape);
        Assert.Equal(0, s.Rank);
        Assert.Equal(1, s.NumberOfElements);
        Assert.Equal(2.5, s.Item());
        Assert.Equal(DType.Float32, Tensor.Scalar(1f).DType);
        Assert.Equal(DType.Int64, Tensor.Scalar(3L).DType);
        Assert.Equal(3, Tensor.Scalar(3L).Item());
    }

    [Fact]
    public void ItemOnANonScalarThrowsNamingTheShape()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(2, 3).Item());
        AssertMentions(ex.Message, "Item", "[2, 3]");
        Assert.Equal(0, Tensor.Zeros(1, 1).Item()); // one element of any rank is fine
    }

    [Fact]
    public void ZerosOnesAndFullFillEveryElement()
    {
        var z = Tensor.Zeros(2, 3);
        Assert.Equal([2, 3], z.Shape);
        Assert.Equal(DType.Float32, z.DType);
        Assert.All(z.ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.All(Tensor.Ones(4).ToArray<float>(), v => Assert.Equal(1f, v));
        Assert.All(Tensor.Ones([2], DType.Int64).ToArray<long>(), v => Assert.Equal(1L, v));
        var f = Tensor.Full([2, 2], 3.5, DType.Float64);
        Assert.Equal(DType.Float64, f.DType);
        Assert.All(f.ToArray<double>(), v => Assert.Equal(3.5, v));
        Assert.Equal([], Tensor.Zeros().Shape);
        Assert.Equal([0, 3], Tensor.Zeros(0, 3).Shape);
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, -1));
    }

    [Fact]
    public void LikeFactoriesCopyShapeAndDType()
    {
        var t = Tensor.From(new long[] { 1, 2, 3, 4 }, 2, 2);
        var z = Tensor.ZerosLike(t);
        Assert.Equal([2, 2], z.Shape);
        Assert.Equal(DType.Int64, z.DType);
        Assert.Equal([1L, 1, 1, 1], Tensor.OnesLike(t).ToArray<long>());
        Assert.Equal([7L, 7, 7, 7], Tensor.FullLike(t, 7).ToArray<long>());
    }

    [Fact]
    public void ArangeWithAnEndCountsFromZeroInInt64()
    {
        var a = Tensor.Arange(5);
        Assert.Equal(DType.Int64, a.DType);
        Assert.Equal([0L, 1, 2, 3, 4], a.ToArray<long>());
        Assert.Equal([0], Tensor.Arange(0).Shape);
    }

    [Fact]
    public void ArangeWithStartEndAndStepExcludesTheEnd()
    {
        Assert.Equal([2L, 5, 8], Tensor.Arange(2, 10, 3).ToArray<long>());
        Assert.Equal([10L, 7, 4, 1], Tensor.Arange(10, 0, -3).ToArray<long>());
        Assert.Equal([0], Tensor.Arange(5, 0, 1).Shape);
        Assert.Throws<ArgumentException>(() => Tensor.Arange(0, 5, 0));
    }

    [Fact]
    public void FloatingArangeUsesStartPlusIndexTimesStep()
    {
        var a = Tensor.Arange(0.0, 1.0, 0.25);
        Assert.Equal(DType.Float32, a.DType);
        Assert.Equal([0f, 0.25f, 0.5f, 0.75f], a.ToArray<float>());
        var b = Tensor.Arange(1.0, 0.0, -0.5, DType.Float64);
        Assert.Equal([1.0, 0.5], b.ToArray<double>());
        Assert.Equal(3, Tensor.Arange(0.0, 0.3, 0.1, DType.Float64).NumberOfElements); // ceil(0.3/0.1) = 3
    }

    [Fact]
    public void LinspaceHasExactEndpointsAndEvenSteps()
    {
        var l = Tensor.Linspace(-1, 1, 5, DType.Float64);
        Assert.Equal([-1.0, -0.5, 0, 0.5, 1], l.ToArray<double>());
        var m = Tensor.Linspace(0.1, 0.7, 7, DType.Float64).ToArray<double>();
        Assert.Equal(0.1, m[0]);
        Assert.Equal(0.7, m[6]);
        for (int i = 0; i < 7; i++) Assert.Equal(0.1 + i * 0.1, m[i], 1e-15);
        var f = Tensor.Linspace(0, 3, 4).ToArray<float>();
        Assert.Equal([0f, 1f, 2f, 3f], f);
    }

    [Fact]
    public void LinspaceWithOneStepIsTheStartAndWithZeroStepsIsEmpty()
    {
        // torch.linspace(3, 10, steps=1) is tensor([3.])
        Assert.Equal([3.0], Tensor.Linspace(3, 10, 1, DType.Float64).ToArray<double>());
        Assert.Equal([0], Tensor.Linspace(3, 10, 0).Shape);
        Assert.Throws<ArgumentException>(() => Tensor.Linspace(0, 1, -1));
    }

    [Fact]
    public void EyeHasOnesOnTheDiagonal()
    {
        Assert.Equal([1f, 0, 0, 0, 1, 0, 0, 0, 1], Tensor.Eye(3).ToArray<float>());
        var r = Tensor.Eye(2, 3, DType.Int64);
        Assert.Equal([2, 3], r.Shape);
        Assert.Equal([1L, 0, 0, 0, 1, 0], r.ToArray<long>());
        Assert.Equal([1.0, 0, 0, 1, 0, 0], Tensor.Eye(3, 2, DType.Float64).ToArray<double>());
    }

    [Fact]
    public void RandIsReproducibleWithManualSeedAndAGenerator()
    {
        Tensor.ManualSeed(42);
        var a = Tensor.Rand(100);
        Tensor.ManualSeed(42);
        var b = Tensor.Rand(100);
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        var c = Tensor.Rand([100], DType.Float64, new Generator(42));
        var d = Tensor.Rand([100], DType.Float64, new Generator(42));
        Assert.Equal(c.ToArray<double>(), d.ToArray<double>());
        Assert.NotEqual(c.ToArray<double>(), Tensor.Rand([100], DType.Float64, new Generator(43)).ToArray<double>());
        Assert.All(c.ToArray<double>(), v => Assert.InRange(v, 0, 0.9999999999999999));
    }

    [Fact]
    public void RandnIsReproducibleAndHasMeanZeroAndStdOne()
    {
        var x = Tensor.Randn([10_000], DType.Float64, new Generator(7));
        Assert.Equal(x.ToArray<double>(), Tensor.Randn([10_000], DType.Float64, new Generator(7)).ToArray<double>());
        double mean = x.Mean().Item();
        double std = Math.Sqrt(((x - mean) * (x - mean)).Sum().Item() / (10_000 - 1));
        Assert.InRange(mean, -0.04, 0.04);  // 4 standard errors (1/√10000 = 0.01)
        Assert.InRange(std, 0.97, 1.03);
        Tensor.ManualSeed(5);
        var a = Tensor.Randn(3, 2);
        Tensor.ManualSeed(5);
        Assert.Equal(a.ToArray<float>(), Tensor.Randn(3, 2).ToArray<float>());
        Assert.Equal([3, 2], a.Shape);
    }

    [Fact]
    public void RandIntIsReproducibleAndStaysInRange()
    {
        var a = Tensor.RandInt(-3, 4, [1000], new Generator(9));
        Assert.Equal(DType.Int64, a.DType);
        Assert.Equal(a.ToArray<long>(), Tensor.RandInt(-3, 4, [1000], new Generator(9)).ToArray<long>());
        var values = a.ToArray<long>();
        Assert.All(values, v => Assert.InRange(v, -3, 3));
        Assert.Equal(7, values.Distinct().Count()); // every value in [-3, 4) shows up in 1000 draws
        Tensor.ManualSeed(1);
        var b = Tensor.RandInt(0, 10, [5]);
        Tensor.ManualSeed(1);
        Assert.Equal(b.ToArray<long>(), Tensor.RandInt(0, 10, [5]).ToArray<long>());
        Assert.Throws<ArgumentException>(() => Tensor.RandInt(5, 5, [1]));
    }

    [Fact]
    public void RandMeanIsNearOneHalf()
    {
        double mean = Tensor.Rand([10_000], DType.Float64, new Generator(11)).Mean().Item();
        Assert.InRange(mean, 0.49, 0.51); // standard error √(1/12)/100 ≈ 0.0029
    }
}
