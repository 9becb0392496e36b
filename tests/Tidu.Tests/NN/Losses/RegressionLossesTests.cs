using Tidu.NN;
using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.NN.Losses;

public class RegressionLossesTests
{
    // d = input − target = [−0.5, 2, 0, −3]
    private static Tensor Input() => Tensor.From(new double[] { 1, 2, 3, 4 }, 2, 2);
    private static Tensor Target() => Tensor.From(new double[] { 1.5, 0, 3, 7 }, 2, 2);

    private static void AssertReductions(Func<Tensor, Tensor, Reduction, Tensor> loss, double[] elementwise)
    {
        AssertValues(elementwise, [2, 2], loss(Input(), Target(), Reduction.None), 1e-15);
        AssertValues([elementwise.Sum()], [], loss(Input(), Target(), Reduction.Sum), 1e-15);
        AssertValues([elementwise.Average()], [], loss(Input(), Target(), Reduction.Mean), 1e-15);
    }

    [Fact]
    public void MseLossSquaresTheDifference() =>
        AssertReductions((x, y, r) => Functional.MseLoss(x, y, r), [0.25, 4, 0, 9]); // mean 3.3125

    [Fact]
    public void L1LossTakesTheAbsoluteDifference() =>
        AssertReductions((x, y, r) => Functional.L1Loss(x, y, r), [0.5, 2, 0, 3]);

    [Fact]
    public void SmoothL1LossIsQuadraticBelowBetaAndLinearAbove()
    {
        // β = 1: 0.5·0.25, 2 − 0.5, 0, 3 − 0.5
        AssertReductions((x, y, r) => Functional.SmoothL1Loss(x, y, r), [0.125, 1.5, 0, 2.5]);
        // β = 2.5: 0.5·0.25/2.5, 0.5·4/2.5, 0, 3 − 1.25
        AssertReductions((x, y, r) => Functional.SmoothL1Loss(x, y, r, beta: 2.5), [0.05, 0.8, 0, 1.75]);
        // β = 0 is the L1 loss
        AssertReductions((x, y, r) => Functional.SmoothL1Loss(x, y, r, beta: 0), [0.5, 2, 0, 3]);
    }

    [Fact]
    public void HuberLossIsDeltaTimesSmoothL1()
    {
        AssertReductions((x, y, r) => Functional.HuberLoss(x, y, r), [0.125, 1.5, 0, 2.5]);
        // δ = 2.5: 0.5·0.25, 0.5·4, 0, 2.5·(3 − 1.25)
        AssertReductions((x, y, r) => Functional.HuberLoss(x, y, r, delta: 2.5), [0.125, 2, 0, 4.375]);
    }

    [Fact]
    public void LossObjectsApplyTheirOptions()
    {
        AssertValues([3.3125], [], new MSELoss().Forward(Input(), Target()), 1e-15);
        AssertValues([5.5], [], new L1Loss(reduction: Reduction.Sum).Forward(Input(), Target()), 1e-15);
        AssertValues([0.05, 0.8, 0, 1.75], [2, 2], new SmoothL1Loss(Reduction.None, beta: 2.5).Forward(Input(), Target()), 1e-15);
        AssertValues([6.5], [], new HuberLoss(Reduction.Sum, delta: 2.5).Forward(Input(), Target()), 1e-15);
        Assert.Equal(Reduction.Mean, new MSELoss().Reduction);
    }

    [Fact]
    public void SeedExampleMseIs100WithGradientMinus20()
    {
        var pred = Tensor.From(new float[] { 100f }).RequiresGradInPlace();
        var y = Tensor.From(new float[] { 110f });
        var lossFunc = new MSELoss();
        var loss = lossFunc.Forward(pred, y);
        Assert.Equal(DType.Float32, loss.DType);
        Assert.Equal(100.0, loss.Item());
        loss.Backward();
        Assert.Equal(-20.0, pred.Grad!.Item());
    }

    [Fact]
    public void L1GradientAtZeroDifferenceIsZero()
    {
        var x = Leaf([1, 2], 2);
        Functional.L1Loss(x, Tensor.From(new double[] { 1, 0 }), Reduction.Sum).Backward();
        AssertValues([0, 1], [2], x.Grad!);
    }

    public static TheoryData<string, Reduction> LossesAndReductions()
    {
        var data = new TheoryData<string, Reduction>();
        foreach (var name in new[] { "mse", "l1", "smoothl1", "smoothl1-beta0.5", "huber", "huber-delta0.5" })
            foreach (var r in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
                data.Add(name, r);
        return data;
    }

    private static Tensor Apply(string name, Tensor x, Tensor y, Reduction r) => name switch
    {
        "mse" => Functional.MseLoss(x, y, r),
        "l1" => Functional.L1Loss(x, y, r),
        "smoothl1" => Functional.SmoothL1Loss(x, y, r),
        "smoothl1-beta0.5" => Functional.SmoothL1Loss(x, y, r, 0.5),
        "huber" => Functional.HuberLoss(x, y, r),
        _ => Functional.HuberLoss(x, y, r, 0.5),
    };

    [Theory]
    [MemberData(nameof(LossesAndReductions))]
    public void GradientsMatchFiniteDifferencesForInputAndTarget(string name, Reduction reduction)
    {
        // differences spread over both sides of β/δ (and away from the kinks)
        var x = RandnLeaf(11, 3, 4);
        var y = RandnLeaf(12, 3, 4);
        AssertGradCheck(xs => Apply(name, xs[0], xs[1], reduction), x, y);
    }

    [Fact]
    public void MismatchedShapesAreRefusedNamingBoth()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.MseLoss(Tensor.Zeros(2, 1), Tensor.Zeros(2)));
        AssertMentions(e.Message, "MseLoss", "[2, 1]", "[2]");
        e = Assert.Throws<ArgumentException>(() => new HuberLoss().Forward(Tensor.Zeros(3), Tensor.Zeros(4)));
        AssertMentions(e.Message, "HuberLoss", "[3]", "[4]");
    }

    [Fact]
    public void IntegerTensorsAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.L1Loss(Tensor.Zeros(2), Tensor.From(new long[] { 1, 2 })));
        AssertMentions(e.Message, "L1Loss", "Int64");
        e = Assert.Throws<ArgumentException>(() => Functional.MseLoss(Tensor.From(new long[] { 1, 2 }), Tensor.Zeros(2)));
        AssertMentions(e.Message, "MseLoss", "Int64");
    }

    [Fact]
    public void InvalidBetaDeltaAndReductionAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.SmoothL1Loss(Input(), Target(), beta: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.HuberLoss(Input(), Target(), delta: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmoothL1Loss(beta: -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HuberLoss(delta: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MSELoss((Reduction)7));
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.MseLoss(Input(), Target(), (Reduction)7));
    }
}
