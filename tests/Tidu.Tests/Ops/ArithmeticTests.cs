using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Ops;

public class ArithmeticTests
{
    public static TheoryData<string, int[], int[]> BroadcastCases()
    {
        var data = new TheoryData<string, int[], int[]>();
        var pairs = new (int[], int[])[]
        {
            ([2, 3], [2, 3]), ([2, 3], [3]), ([3, 1], [1, 4]), ([], [2, 3]), ([2, 3], []), ([], []), ([4, 1, 3], [2, 1]),
        };
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div" })
            foreach (var (a, b) in pairs) data.Add(op, a, b);
        return data;
    }

    private static Tensor Apply(string op, Tensor a, Tensor b) => op switch
    {
        "Add" => a + b,
        "Sub" => a - b,
        "Mul" => a * b,
        _ => a / b,
    };

    [Theory]
    [MemberData(nameof(BroadcastCases))]
    public void BinaryOpsPassGradCheckWithBroadcasting(string op, int[] shapeA, int[] shapeB)
    {
        var a = RandnLeaf(1, shapeA);
        var b = op == "Div" ? UniformLeaf(2, 0.5, 2, shapeB) : RandnLeaf(2, shapeB);
        AssertGradCheck(xs => Apply(op, xs[0], xs[1]), a, b);
    }

    [Theory]
    [MemberData(nameof(BroadcastCases))]
    public void BinaryOpsMatchElementwiseDoubleArithmeticWithBroadcasting(string op, int[] shapeA, int[] shapeB)
    {
        var a = Tensor.Randn(shapeA, DType.Float64, new Generator(3));
        var b = Tensor.Rand(shapeB, DType.Float64, new Generator(4)) + 0.5;
        var result = Apply(op, a, b);
        // broadcast both by hand through Expand (tested separately) and compute in double
        var shape = result.Shape;
        var x = a.Expand(shape).ToArray<double>();
        var y = b.Expand(shape).ToArray<double>();
        var expected = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
            expected[i] = op switch { "Add" => x[i] + y[i], "Sub" => x[i] - y[i], "Mul" => x[i] * y[i], _ => x[i] / y[i] };
        AssertValues(expected, shape, result);
    }

    [Fact]
    public void AddBroadcastsAColumnAgainstARowIntoAMatrix()
    {
        var col = Tensor.From(new double[] { 1, 2, 3 }, 3, 1);
        var row = Tensor.From(new double[] { 10, 20, 30, 40 }, 1, 4);
        AssertValues([11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43], [3, 4], col + row);
    }

    [Fact]
    public void BroadcastGradientIsSummedBackToEachInputShape()
    {
        var col = Leaf([1, 2, 3], 3, 1);
        var row = Leaf([10, 20, 30, 40], 1, 4);
        (col * row).Sum().Backward();
        AssertValues([100, 100, 100], [3, 1], col.Grad!);   // sum of the row
        AssertValues([6, 6, 6, 6], [1, 4], row.Grad!);      // sum of the column
    }

    [Fact]
    public void ZeroDimOperandGetsAZeroDimGradient()
    {
        var s = ScalarLeaf(2);
        var m = Leaf([1, 2, 3, 4, 5, 6], 2, 3);
        (s * m).Sum().Backward();
        Assert.Equal(0, s.Grad!.Rank);
        Assert.Equal(21, s.Grad.Item());
        AssertValues([2, 2, 2, 2, 2, 2], [2, 3], m.Grad!);
    }

    [Fact]
    public void BroadcastingMismatchThrowsNamingOpAndBothShapes()
    {
        var a = Tensor.Zeros(2, 3);
        var b = Tensor.Zeros(4);
        var ex = Assert.Throws<ArgumentException>(() => a + b);
        AssertMentions(ex.Message, "Add", "[2, 3]", "[4]");
        ex = Assert.Throws<ArgumentException>(() => a * b);
        AssertMentions(ex.Message, "Mul", "[2, 3]", "[4]");
    }

    [Fact]
    public void ScalarOpsOnBothSidesPassGradCheck()
    {
        var x = UniformLeaf(5, 0.5, 2, 2, 3);
        AssertGradCheck(t => t + 2.5, x);
        AssertGradCheck(t => 2.5 + t, x);
        AssertGradCheck(t => t - 1.5, x);
        AssertGradCheck(t => 1.5 - t, x);
        AssertGradCheck(t => t * 3.0, x);
        AssertGradCheck(t => -3.0 * t, x);
        AssertGradCheck(t => t / 4.0, x);
        AssertGradCheck(t => 4.0 / t, x);
        AssertGradCheck(t => t * 2L + 3L - 1L, x);
        AssertGradCheck(t => -t, x);
    }

    [Fact]
    public void ScalarOpsOnBothSidesComputeTheRightValues()
    {
        var x = Tensor.From(new double[] { 1, 2, 4 });
        AssertValues([3.5, 4.5, 6.5], [3], x + 2.5);
        AssertValues([3.5, 4.5, 6.5], [3], 2.5 + x);
        AssertValues([-0.5, 0.5, 2.5], [3], x - 1.5);
        AssertValues([0.5, -0.5, -2.5], [3], 1.5 - x);
        AssertValues([3, 6, 12], [3], x * 3.0);
        AssertValues([3, 6, 12], [3], 3.0 * x);
        AssertValues([0.25, 0.5, 1], [3], x / 4.0);
        AssertValues([4, 2, 1], [3], 4.0 / x);
        AssertValues([-1, -2, -4], [3], -x);
    }

    [Fact]
    public void ScalarMinusTensorAndScalarOverTensorHaveTheRightGradients()
    {
        var x = Leaf([1, 2, 4], 3);
        (1.5 - x).Sum().Backward();
        AssertValues([-1, -1, -1], [3], x.Grad!);
        x.ZeroGrad();
        (4.0 / x).Sum().Backward();
        AssertValues([-4, -1, -0.25], [3], x.Grad!); // d(4/x) = -4/x²
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(3.0)]
    [InlineData(0.5)]
    [InlineData(1.5)]
    [InlineData(-1.0)]
    [InlineData(-0.5)]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void PowWithScalarExponentPassesGradCheckOnPositiveInputs(double p)
    {
        AssertGradCheck(t => t.Pow(p), UniformLeaf(6, 0.5, 2, 2, 3));
    }

    [Fact]
    public void PowWithIntegerExponentPassesGradCheckOnNegativeInputs()
    {
        AssertGradCheck(t => t.Pow(2), Leaf([-2, -0.5, 0.7, 1.3], 4));
        AssertGradCheck(t => t.Pow(3), Leaf([-2, -0.5, 0.7, 1.3], 4));
    }

    [Fact]
    public void PowComputesValuesAndZeroExponentGivesOnesWithZeroGradient()
    {
        var x = Leaf([4, 9, 0.25], 3);
        AssertValues([2, 3, 0.5], [3], x.Pow(0.5));
        AssertValues([16, 81, 0.0625], [3], x.Pow(2));
        var ones = x.Pow(0);
        AssertValues([1, 1, 1], [3], ones);
        ones.Sum().Backward();
        AssertValues([0, 0, 0], [3], x.Grad!);
    }

    [Fact]
    public void PowWithTensorExponentPassesGradCheckForBaseAndExponent()
    {
        var a = UniformLeaf(7, 0.5, 2, 2, 3);
        var b = RandnLeaf(8, 3);
        AssertGradCheck(xs => xs[0].Pow(xs[1]), a, b);
        AssertGradCheck(xs => xs[0].Pow(xs[1]), UniformLeaf(9, 0.5, 2, 3, 1), RandnLeaf(10, 1, 4));
    }

    [Fact]
    public void PowWithTensorExponentHasZeroExponentGradientWhereTheBaseIsZero()
    {
        // PyTorch masks d(a^b)/db = a^b·log a to 0 where a == 0 and b >= 0 (otherwise 0·(−inf) = NaN)
        var a = Leaf([0, 2], 2);
        var b = Leaf([2, 3], 2);
        var y = a.Pow(b);
        AssertValues([0, 8], [2], y);
        y.Sum().Backward();
        AssertValues([0, 12], [2], a.Grad!);                       // b·a^(b−1)
        AssertValues([0, 8 * Math.Log(2)], [2], b.Grad!, 1e-12);
    }

    [Fact]
    public void NegPassesGradCheck() => AssertGradCheck(t => t.Neg(), RandnLeaf(11, 3, 2));

    [Fact]
    public void SubSendsANegatedGradientToTheRightOperand()
    {
        var a = Leaf([1, 2], 2);
        var b = Leaf([5, 7], 2);
        (a - b).Sum().Backward();
        AssertValues([1, 1], [2], a.Grad!);
        AssertValues([-1, -1], [2], b.Grad!);
    }

    [Fact]
    public void DivGivesBothOperandsTheQuotientRuleGradient()
    {
        var a = Leaf([3], 1);
        var b = Leaf([2], 1);
        (a / b).Sum().Backward();
        Assert.Equal(0.5, a.Grad!.Item());      // 1/b
        Assert.Equal(-0.75, b.Grad!.Item());    // −a/b²
    }

    [Fact]
    public void OnlyTheOperandThatRequiresGradReceivesAGradient()
    {
        var a = Leaf([1, 2], 2);
        var b = Tensor.From(new double[] { 3, 4 });
        (a * b).Sum().Backward();
        AssertValues([3, 4], [2], a.Grad!);
        Assert.Null(b.Grad);
    }
}
