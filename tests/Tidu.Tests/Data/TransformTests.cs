using Tidu.Data;

namespace Tidu.Tests.Data;

public class TransformTests
{
    /// <summary>[n, c, h, w] with value = flat index.</summary>
    private static Tensor Ramp(params int[] shape) => Tensor.Arange(0.0, shape.Aggregate(1, (a, b) => a * b), 1).Reshape(shape);

    [Fact]
    public void NormalizeSubtractsTheMeanAndDividesByTheStdPerChannel()
    {
        var x = Ramp(2, 2, 1, 2); // channel 0 of image 0: 0, 1; channel 1: 2, 3; image 1: 4, 5 | 6, 7
        var y = new Normalize([1, 2], [2, 4]).Apply(x);
        TestHelpers.AssertValues([-0.5, 0, 0, 0.25, 1.5, 2, 1, 1.25], [2, 2, 1, 2], y, 1e-6);
        var single = new Normalize([1, 2], [2, 4]).Apply(x.Select(0, 1));
        TestHelpers.AssertValues([1.5, 2, 1, 1.25], [2, 1, 2], single, 1e-6);
        TestHelpers.AssertValues([-1, -0.5, 0, 0.5], [1, 2, 2], new Normalize([0.5], [0.5]).Apply(Ramp(1, 2, 2) / 4.0), 1e-6);
        Assert.Equal(DType.Float32, y.DType);
    }

    [Fact]
    public void NormalizeRejectsBadArguments()
    {
        TestHelpers.AssertMentions(Assert.Throws<ArgumentException>(() => new Normalize([0.5], [0])).Message, "std", "zero");
        TestHelpers.AssertMentions(Assert.Throws<ArgumentException>(() => new Normalize([0, 0, 0], [1, 1, 1]).Apply(Ramp(2, 2, 2))).Message, "3 values", "2 channels");
        TestHelpers.AssertMentions(Assert.Throws<ArgumentException>(() => new Normalize([0], [1]).Apply(Ramp(4))).Message, "[4]");
        Assert.Throws<ArgumentException>(() => new Normalize([0], [1]).Apply(Tensor.Zeros([1, 2, 2], DType.Int64)));
    }

    [Fact]
    public void FlipWithProbabilityZeroAndOne()
    {
        var x = Ramp(2, 1, 2, 3);
        Assert.Same(x, new RandomHorizontalFlip(0, new Generator(1)).Apply(x));
        var flipped = new RandomHorizontalFlip(1, new Generator(1)).Apply(x);
        TestHelpers.AssertValues([2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9], [2, 1, 2, 3], flipped);
        TestHelpers.AssertValues([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [2, 1, 2, 3], x); // input untouched
        TestHelpers.AssertValues([1, 0, 3, 2], [1, 2, 2], new RandomHorizontalFlip(1).Apply(Ramp(1, 2, 2)));
    }

    [Fact]
    public void FlipDecidesPerImageAndIsSeeded()
    {
        var x = Ramp(200, 1, 1, 2);
        static int[] Flipped(Tensor y) => Enumerable.Range(0, 200).Where(i => y.ToArray<float>()[2 * i] > y.ToArray<float>()[2 * i + 1]).ToArray();
        var a = Flipped(new RandomHorizontalFlip(0.5, new Generator(9)).Apply(x));
        var b = Flipped(new RandomHorizontalFlip(0.5, new Generator(9)).Apply(x));
        Assert.Equal(a, b);
        Assert.InRange(a.Length, 70, 130);
    }

    [Fact]
    public void CropWithoutPaddingPicksAWindowOfTheImage()
    {
        var x = Ramp(1, 1, 4, 4);
        var y = new RandomCrop(2, generator: new Generator(4)).Apply(x);
        Assert.Equal([1, 1, 2, 2], y.Shape);
        var v = y.ToArray<float>();
        // a 2×2 window of the ramp: right neighbour +1, lower neighbour +4
        Assert.Equal(v[0] + 1, v[1]);
        Assert.Equal(v[0] + 4, v[2]);
        Assert.Equal(v[0] + 5, v[3]);
        Assert.Equal(x.ToArray<float>(), new RandomCrop(4).Apply(x).ToArray<float>());
    }

    [Fact]
    public void CropWithPaddingHasTheRequestedShapeAndZeroBorders()
    {
        var x = Tensor.Ones(64, 3, 5, 5);
        var crop = new RandomCrop(5, padding: 2, generator: new Generator(2));
        var y = crop.Apply(x);
        Assert.Equal([64, 3, 5, 5], y.Shape);
        var v = y.ToArray<float>();
        int zeros = v.Count(f => f == 0), ones = v.Count(f => f == 1);
        Assert.Equal(v.Length, zeros + ones);
        Assert.True(zeros > 0 && ones > 0);
        // every channel of an image shares the window, and the ones form one rectangle in it
        for (int i = 0; i < 64; i++)
        {
            var img = y.Select(0, i);
            Assert.Equal(img.Select(0, 0).ToArray<float>(), img.Select(0, 2).ToArray<float>());
            var ch = img.Select(0, 0).ToArray<float>();
            var rows = Enumerable.Range(0, 5).Where(r => ch.Skip(5 * r).Take(5).Contains(1f)).ToArray();
            var cols = Enumerable.Range(0, 5).Where(c => Enumerable.Range(0, 5).Any(r => ch[5 * r + c] == 1f)).ToArray();
            Assert.Equal(rows.Length * cols.Length, ch.Count(f => f == 1f));
            Assert.InRange(rows.Length, 3, 5);
            Assert.InRange(cols.Length, 3, 5);
        }
    }

    [Fact]
    public void CropContentIsTheShiftedImage()
    {
        // a 1×3×3 image, crop 3×3 with padding 1: the result is the image shifted by (dy, dx) in {-1, 0, 1}²
        var x = Tensor.Arange(1.0, 10, 1).Reshape(1, 3, 3);
        var seen = new HashSet<string>();
        for (int k = 0; k < 60; k++)
        {
            var y = new RandomCrop(3, padding: 1, generator: new Generator(k)).Apply(x).ToArray<float>();
            bool matched = false;
            for (int dy = -1; dy <= 1 && !matched; dy++)
                for (int dx = -1; dx <= 1 && !matched; dx++)
                {
                    var expected = new float[9];
                    for (int r = 0; r < 3; r++)
                        for (int c = 0; c < 3; c++)
                        {
                            int sr = r + dy, sc = c + dx;
                            expected[3 * r + c] = sr is >= 0 and < 3 && sc is >= 0 and < 3 ? 3 * sr + sc + 1 : 0;
                        }
                    if (expected.SequenceEqual(y)) { matched = true; seen.Add($"{dy},{dx}"); }
                }
            Assert.True(matched, $"seed {k}: [{string.Join(", ", y)}] is not a shifted copy");
        }
        Assert.Equal(9, seen.Count); // every offset occurs
    }

    [Fact]
    public void CropRejectsWindowsLargerThanThePaddedImage()
    {
        var e = Assert.Throws<ArgumentException>(() => new RandomCrop(8, padding: 1).Apply(Tensor.Zeros(1, 5, 5)));
        TestHelpers.AssertMentions(e.Message, "(8, 8)", "(7, 7)");
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomCrop(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomCrop(2, padding: -1));
    }

    [Fact]
    public void ComposeAppliesInOrderAndRandomTransformsAreReproducible()
    {
        Tensor Run(long seed) => new Compose(
            new RandomCrop(4, padding: 1, generator: new Generator(seed)),
            new RandomHorizontalFlip(0.5, new Generator(seed + 1)),
            new Normalize([0.5], [0.25])).Apply(Ramp(8, 1, 4, 4) / 16.0);
        Assert.Equal(Run(1).ToArray<float>(), Run(1).ToArray<float>());
        Assert.NotEqual(Run(1).ToArray<float>(), Run(2).ToArray<float>());
        TestHelpers.AssertValues([4, 20], [2], new Compose(new Lambda(t => t + 1), new Lambda(t => t * 4)).Apply(Tensor.From(new float[] { 0, 4 })));
    }
}
