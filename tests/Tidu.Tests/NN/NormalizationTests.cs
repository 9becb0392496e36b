using Tidu.NN;
using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.NN;

public class NormalizationTests
{
    private const double Eps = 1e-5;
    private const double Tol = 1e-12;

    // [N=3, C=2]: channel 0 holds 1, 2, 3 (mean 2, biased var 2/3, unbiased 1);
    // channel 1 holds 10, 20, 60 (mean 30, biased var 1400/3, unbiased 700)
    private static Tensor Batch(double scale = 1) => Tensor.From(new[] { 1.0, 10, 2, 20, 3, 60 }, 3, 2) * scale;

    private static double[] BatchNormalized(double scale = 1)
    {
        double s0 = Math.Sqrt(scale * scale * 2.0 / 3 + Eps), s1 = Math.Sqrt(scale * scale * 1400.0 / 3 + Eps);
        return [-scale / s0, -20 * scale / s1, 0, -10 * scale / s1, scale / s0, 30 * scale / s1];
    }

    private static void SetValues(Tensor t, params double[] values)
    {
        using (Tensor.NoGrad()) t.CopyInPlace(Tensor.From(values, t.Shape));
    }

    // ---- BatchNorm1d ---------------------------------------------------------------------------------------

    [Fact]
    public void BatchNorm1dTrainingNormalisesWithBatchStatistics()
    {
        var bn = new BatchNorm1d(2, dtype: DType.Float64);
        AssertValues(BatchNormalized(), [3, 2], bn.Forward(Batch()), Tol);
    }

    [Fact]
    public void BatchNorm1dAppliesWeightAndBiasPerChannel()
    {
        var bn = new BatchNorm1d(2, dtype: DType.Float64);
        SetValues(bn.Weight!, 2, -3);
        SetValues(bn.Bias!, 0.5, 1);
        var n = BatchNormalized();
        double[] expected = [.. n.Select((v, i) => i % 2 == 0 ? 2 * v + 0.5 : -3 * v + 1)];
        AssertValues(expected, [3, 2], bn.Forward(Batch()), Tol);
    }

    [Fact]
    public void RunningStatisticsUseTheUnbiasedBatchVarianceAfterOneStep()
    {
        var bn = new BatchNorm1d(2, dtype: DType.Float64);
        bn.Forward(Batch());
        // running = 0.9·running + 0.1·batch, from mean 0 and var 1
        AssertValues([0.2, 3.0], [2], bn.RunningMean!, Tol);
        AssertValues([0.9 + 0.1 * 1, 0.9 + 0.1 * 700], [2], bn.RunningVar!, 1e-10);
        Assert.Equal(1L, (long)bn.NumBatchesTracked!.Item());
    }

    [Fact]
    public void RunningStatisticsAfterThreeStepsWithMomentum()
    {
        var bn = new BatchNorm1d(2, dtype: DType.Float64);
        for (int i = 0; i < 3; i++) bn.Forward(Batch());
        double w = 1 - Math.Pow(0.9, 3); // the weight the batch has gained after three updates
        AssertValues([w * 2, w * 30], [2], bn.RunningMean!, 1e-12);
        AssertValues([(1 - w) + w * 1, (1 - w) + w * 700], [2], bn.RunningVar!, 1e-10);
        Assert.Equal(3L, (long)bn.NumBatchesTracked!.Item());
        Assert.Equal(DType.Int64, bn.NumBatchesTracked.DType);
        Assert.Empty(bn.NumBatchesTracked.Shape);
    }

    [Fact]
    public void NullMomentumKeepsTheCumulativeAverageOfTheBatches()
    {
        var bn = new BatchNorm1d(2, momentum: null, dtype: DType.Float64);
        // batches x, 2x, 3x: means [2, 30]·k and unbiased variances [1, 700]·k²
        for (int k = 1; k <= 3; k++) bn.Forward(Batch(k));
        AssertValues([4, 60], [2], bn.RunningMean!, 1e-12);
        AssertValues([14.0 / 3, 700 * 14.0 / 3], [2], bn.RunningVar!, 1e-9);
        Assert.Equal(3L, (long)bn.NumBatchesTracked!.Item());
    }

    [Fact]
    public void CustomMomentumWeightsTheBatch()
    {
        var bn = new BatchNorm1d(2, momentum: 0.5, dtype: DType.Float64);
        bn.Forward(Batch());
        AssertValues([1, 15], [2], bn.RunningMean!, Tol);
        AssertValues([1, 350.5], [2], bn.RunningVar!, 1e-10);
    }

    [Fact]
    public void EvalUsesTheRunningStatisticsAndLeavesThemUnchanged()
    {
        var bn = new BatchNorm1d(2, dtype: DType.Float64);
        SetValues(bn.Weight!, 2, 1);
        SetValues(bn.Bias!, 0, -1);
        bn.Forward(Batch()); // running mean [0.2, 3], running var [1, 70.9]
        bn.Eval();
        var x = Tensor.From(new[] { 1.2, 3, -0.8, 10.09 }, 2, 2);
        double s0 = Math.Sqrt(1 + Eps), s1 = Math.Sqrt(70.9 + Eps);
        AssertValues([2 * 1 / s0, 0 / s1 - 1, 2 * -1 / s0, 7.09 / s1 - 1], [2, 2], bn.Forward(x), 1e-10);
        AssertValues([0.2, 3.0], [2], bn.RunningMean!, Tol);
        Assert.Equal(1L, (long)bn.NumBatchesTracked!.Item());
    }

    [Fact]
    public void EvalAcceptsASingleSample()
    {
        var bn = new BatchNorm1d(3, dtype: DType.Float64);
        bn.Eval();
        // fresh running statistics (mean 0, var 1) leave the input almost unchanged
        AssertValues([1 / Math.Sqrt(1 + Eps), 2 / Math.Sqrt(1 + Eps), 3 / Math.Sqrt(1 + Eps)], [1, 3],
            bn.Forward(Tensor.From(new[] { 1.0, 2, 3 }, 1, 3)), Tol);
    }

    [Fact]
    public void ThreeDimensionalInputReducesOverBatchAndLength()
    {
        var bn = new BatchNorm1d(2, dtype: DType.Float64);
        // [N=2, C=2, L=2]: channel 0 holds 0, 1, 4, 5 (mean 2.5, biased var 4.25, unbiased 17/3)
        var x = Tensor.Arange(0.0, 8.0, 1.0, DType.Float64).Reshape(2, 2, 2);
        var y = bn.Forward(x);
        double s = Math.Sqrt(4.25 + Eps);
        AssertValues([-2.5 / s, -1.5 / s, -2.5 / s, -1.5 / s, 1.5 / s, 2.5 / s, 1.5 / s, 2.5 / s], [2, 2, 2], y, Tol);
        AssertValues([0.25, 0.45], [2], bn.RunningMean!, Tol);
        AssertValues([0.9 + 0.1 * 17 / 3, 0.9 + 0.1 * 17 / 3], [2], bn.RunningVar!, Tol);
    }

    [Fact]
    public void AffineFalseHasNoParameters()
    {
        var bn = new BatchNorm1d(2, affine: false, dtype: DType.Float64);
        Assert.Null(bn.Weight);
        Assert.Null(bn.Bias);
        Assert.Empty(bn.Parameters());
        Assert.Equal(["running_mean", "running_var", "num_batches_tracked"], bn.StateDict().Keys.ToArray());
        AssertValues(BatchNormalized(), [3, 2], bn.Forward(Batch()), Tol);
    }

    [Fact]
    public void WithoutRunningStatisticsBatchStatisticsAreUsedEvenInEval()
    {
        var bn = new BatchNorm1d(2, trackRunningStats: false, dtype: DType.Float64);
        Assert.Null(bn.RunningMean);
        Assert.Null(bn.NumBatchesTracked);
        Assert.Empty(bn.NamedBuffers());
        AssertValues(BatchNormalized(), [3, 2], bn.Forward(Batch()), Tol);
        bn.Eval();
        AssertValues(BatchNormalized(), [3, 2], bn.Forward(Batch()), Tol);
    }

    [Fact]
    public void SingleValuePerChannelInTrainingThrowsPyTorchsErrorAndKeepsTheState()
    {
        var bn = new BatchNorm1d(3);
        var ex = Assert.Throws<ArgumentException>(() => bn.Forward(Tensor.Ones(1, 3)));
        AssertMentions(ex.Message, "Expected more than 1 value per channel when training, got input size [1, 3]");
        Assert.Equal(0L, (long)bn.NumBatchesTracked!.Item());
        var fx = Assert.Throws<ArgumentException>(() => Functional.BatchNorm(Tensor.Ones(1, 2, 1), null, null, training: true));
        AssertMentions(fx.Message, "Expected more than 1 value per channel when training, got input size [1, 2, 1]");
        // one sample with a length of 2 has two values per channel: allowed
        Assert.Equal([1, 3, 2], bn.Forward(Tensor.Rand(1, 3, 2)).Shape);
    }

    [Fact]
    public void RunningStatisticsAreUpdatedWithoutRecordingGradients()
    {
        var bn = new BatchNorm1d(2, dtype: DType.Float64);
        var x = Leaf([1, 10, 2, 20, 3, 60], 3, 2);
        var y = bn.Forward(x);
        Assert.True(y.RequiresGrad);
        Assert.False(bn.RunningMean!.RequiresGrad);
        Assert.True(bn.RunningMean.IsLeaf);
        Assert.True(bn.RunningVar!.IsLeaf);
        y.Sum().Backward();
        Assert.NotNull(x.Grad);
    }

    [Fact]
    public void Float32ModuleMatchesFloat64()
    {
        var bn32 = new BatchNorm1d(2);
        var bn64 = new BatchNorm1d(2, dtype: DType.Float64);
        var y32 = bn32.Forward(Batch().Float());
        Assert.Equal(DType.Float32, y32.DType);
        AssertValues(bn64.Forward(Batch()).ToArray<double>(), [3, 2], y32, 1e-5);
        AssertValues(bn64.RunningVar!.ToArray<double>(), [2], bn32.RunningVar!, 1e-4);
    }

    // ---- BatchNorm2d ---------------------------------------------------------------------------------------

    [Fact]
    public void BatchNorm2dNormalisesEachChannelOverBatchAndSpace()
    {
        var bn = new BatchNorm2d(2, dtype: DType.Float64);
        SetValues(bn.Weight!, 2, 3);
        SetValues(bn.Bias!, 0.5, -1);
        // Arange(16) as [N=2, C=2, H=2, W=2]: channel 0 holds 0..3 and 8..11 (mean 5.5), channel 1 holds 4..7 and
        // 12..15 (mean 9.5); both have biased variance 138/8 and unbiased 138/7
        var x = Tensor.Arange(0.0, 16.0, 1.0, DType.Float64).Reshape(2, 2, 2, 2);
        var y = bn.Forward(x);
        double s = Math.Sqrt(138.0 / 8 + Eps);
        var expected = new double[16];
        for (int i = 0; i < 16; i++)
        {
            int c = i / 4 % 2;
            expected[i] = c == 0 ? 2 * (i - 5.5) / s + 0.5 : 3 * (i - 9.5) / s - 1;
        }
        AssertValues(expected, [2, 2, 2, 2], y, Tol);
        AssertValues([0.55, 0.95], [2], bn.RunningMean!, Tol);
        AssertValues([0.9 + 0.1 * 138 / 7, 0.9 + 0.1 * 138 / 7], [2], bn.RunningVar!, Tol);

        bn.Eval();
        double r0 = Math.Sqrt(0.9 + 0.1 * 138 / 7 + Eps);
        var z = bn.Forward(Tensor.Full([1, 2, 1, 1], 1.55, DType.Float64));
        AssertValues([2 * (1.55 - 0.55) / r0 + 0.5, 3 * (1.55 - 0.95) / r0 - 1], [1, 2, 1, 1], z, Tol);
    }

    [Fact]
    public void BatchNorm2dRejectsOtherRanksAndChannelCounts()
    {
        var bn = new BatchNorm2d(3);
        var ex = Assert.Throws<ArgumentException>(() => bn.Forward(Tensor.Ones(2, 3, 4)));
        AssertMentions(ex.Message, "BatchNorm2d", "4-D", "[2, 3, 4]");
        ex = Assert.Throws<ArgumentException>(() => bn.Forward(Tensor.Ones(2, 4, 2, 2)));
        AssertMentions(ex.Message, "BatchNorm2d(3)", "3 channels", "[2, 4, 2, 2]");
    }

    [Fact]
    public void BatchNorm1dRejectsOtherRanksAndChannelCounts()
    {
        var bn = new BatchNorm1d(3);
        var ex = Assert.Throws<ArgumentException>(() => bn.Forward(Tensor.Ones(2, 3, 4, 4)));
        AssertMentions(ex.Message, "BatchNorm1d", "[2, 3, 4, 4]");
        ex = Assert.Throws<ArgumentException>(() => bn.Forward(Tensor.Ones(3)));
        AssertMentions(ex.Message, "BatchNorm1d", "[3]");
        ex = Assert.Throws<ArgumentException>(() => bn.Forward(Tensor.Ones(4, 5)));
        AssertMentions(ex.Message, "BatchNorm1d(3)", "[4, 5]");
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNorm1d(0));
    }

    [Fact]
    public void FunctionalBatchNormChecksItsArguments()
    {
        var x = Tensor.Ones(4, 3);
        var ex = Assert.Throws<ArgumentException>(() => Functional.BatchNorm(x, null, null, training: false));
        AssertMentions(ex.Message, "BatchNorm", "running");
        ex = Assert.Throws<ArgumentException>(() => Functional.BatchNorm(x, Tensor.Zeros(3), Tensor.Ones(2), training: false));
        AssertMentions(ex.Message, "runningVar", "[3]", "[2]", "[4, 3]");
        ex = Assert.Throws<ArgumentException>(() => Functional.BatchNorm(x, null, null, Tensor.Ones(4), training: true));
        AssertMentions(ex.Message, "weight", "[3]", "[4]");
        ex = Assert.Throws<ArgumentException>(() => Functional.BatchNorm(Tensor.Ones(4), null, null, training: true));
        AssertMentions(ex.Message, "BatchNorm", "[4]");
    }

    [Fact]
    public void BatchNormStateDictUsesPyTorchNames()
    {
        var net = new Sequential(new BatchNorm2d(4));
        Assert.Equal(["0.weight", "0.bias", "0.running_mean", "0.running_var", "0.num_batches_tracked"], net.StateDict().Keys.ToArray());
        Assert.Equal(["0.weight", "0.bias"], net.NamedParameters().Select(p => p.Name).ToArray());
    }

    [Fact]
    public void LoadedStateDictReproducesEvalOutput()
    {
        var trained = new BatchNorm1d(2, dtype: DType.Float64);
        trained.Forward(Batch());
        trained.Forward(Batch(2));
        var copy = new BatchNorm1d(2, dtype: DType.Float64);
        copy.LoadStateDict(trained.StateDict());
        Assert.Equal(2L, (long)copy.NumBatchesTracked!.Item());
        trained.Eval();
        copy.Eval();
        var x = Tensor.From(new[] { 0.5, -2, 7, 1 }, 2, 2);
        AssertValues(trained.Forward(x).ToArray<double>(), [2, 2], copy.Forward(x), 0);
    }

    [Fact]
    public void ResetRunningStatsRestoresTheInitialBuffers()
    {
        var bn = new BatchNorm1d(2, dtype: DType.Float64);
        bn.Forward(Batch());
        bn.ResetRunningStats();
        AssertValues([0, 0], [2], bn.RunningMean!);
        AssertValues([1, 1], [2], bn.RunningVar!);
        Assert.Equal(0L, (long)bn.NumBatchesTracked!.Item());
    }

    // ---- gradients -----------------------------------------------------------------------------------------

    [Fact]
    public void BatchNormTrainingGradientsMatchFiniteDifferences()
    {
        var x = RandnLeaf(1, 3, 2);
        var w = RandnLeaf(2, 2);
        var b = RandnLeaf(3, 2);
        AssertGradCheck(xs => Functional.BatchNorm(xs[0], null, null, xs[1], xs[2], training: true), x, w, b);
    }

    [Fact]
    public void BatchNorm1dModuleGradientsMatchFiniteDifferencesOn3dInput()
    {
        var bn = new BatchNorm1d(2, dtype: DType.Float64);
        SetValues(bn.Weight!, 0.7, -1.3);
        SetValues(bn.Bias!, 0.2, 0.1);
        var x = RandnLeaf(4, 2, 2, 3);
        AssertGradCheck(xs => bn.Forward(xs[0]), x, bn.Weight!, bn.Bias!);
    }

    [Fact]
    public void BatchNorm2dModuleGradientsMatchFiniteDifferences()
    {
        var bn = new BatchNorm2d(2, dtype: DType.Float64);
        SetValues(bn.Weight!, 1.5, 0.5);
        var x = RandnLeaf(5, 2, 2, 2, 2);
        AssertGradCheck(xs => bn.Forward(xs[0]), x, bn.Weight!, bn.Bias!);
    }

    [Fact]
    public void BatchNormEvalGradientsMatchFiniteDifferences()
    {
        var bn = new BatchNorm1d(3, dtype: DType.Float64);
        bn.Forward(Tensor.Randn([4, 3], DType.Float64, new Generator(6)));
        bn.Eval();
        AssertGradCheck(xs => bn.Forward(xs[0]), RandnLeaf(7, 2, 3), bn.Weight!, bn.Bias!);
    }

    // ---- LayerNorm -----------------------------------------------------------------------------------------

    [Fact]
    public void LayerNormNormalisesEachRowOverTheLastDimension()
    {
        var ln = new LayerNorm(3, dtype: DType.Float64);
        // rows 1, 2, 3 (mean 2, biased var 2/3) and 10, 20, 60 (mean 30, biased var 1400/3)
        var x = Tensor.From(new[] { 1.0, 2, 3, 10, 20, 60 }, 2, 3);
        double s0 = Math.Sqrt(2.0 / 3 + Eps), s1 = Math.Sqrt(1400.0 / 3 + Eps);
        AssertValues([-1 / s0, 0, 1 / s0, -20 / s1, -10 / s1, 30 / s1], [2, 3], ln.Forward(x), Tol);
    }

    [Fact]
    public void LayerNormOverTwoTrailingDimsWithAffine()
    {
        var ln = new LayerNorm([2, 2], dtype: DType.Float64);
        SetValues(ln.Weight!, 1, 2, 3, 4);
        SetValues(ln.Bias!, 0, 0, 0, 1);
        // each [2, 2] block: 0, 1, 2, 3 → mean 1.5, biased var 1.25
        var x = Tensor.Arange(0.0, 8.0, 1.0, DType.Float64).Reshape(2, 2, 2);
        double s = Math.Sqrt(1.25 + Eps);
        double[] block = [-1.5 / s * 1, -0.5 / s * 2, 0.5 / s * 3, 1.5 / s * 4 + 1];
        AssertValues([.. block, .. block], [2, 2, 2], ln.Forward(x), Tol);
        ln.Eval();
        AssertValues([.. block, .. block], [2, 2, 2], ln.Forward(x), Tol);
    }

    [Fact]
    public void LayerNormParametersAndOptions()
    {
        var ln = new LayerNorm([3, 4]);
        Assert.Equal(["weight", "bias"], ln.StateDict().Keys.ToArray());
        AssertValues(Enumerable.Repeat(1.0, 12).ToArray(), [3, 4], ln.Weight!);
        AssertValues(new double[12], [3, 4], ln.Bias!);
        Assert.Empty(ln.NamedBuffers());
        Assert.Null(new LayerNorm(4, bias: false).Bias);
        var plain = new LayerNorm(4, elementwiseAffine: false);
        Assert.Empty(plain.Parameters());
        Assert.Equal([4], plain.NormalizedShape);
    }

    [Fact]
    public void LayerNormRejectsMismatchedShapes()
    {
        var ln = new LayerNorm([3, 4]);
        var ex = Assert.Throws<ArgumentException>(() => ln.Forward(Tensor.Ones(2, 4, 3)));
        AssertMentions(ex.Message, "LayerNorm", "[3, 4]", "[2, 4, 3]");
        ex = Assert.Throws<ArgumentException>(() => ln.Forward(Tensor.Ones(4)));
        AssertMentions(ex.Message, "LayerNorm", "[4]");
        ex = Assert.Throws<ArgumentException>(() => Functional.LayerNorm(Tensor.Ones(2, 3), [3], Tensor.Ones(2)));
        AssertMentions(ex.Message, "weight", "[3]", "[2]");
        Assert.Throws<ArgumentException>(() => new LayerNorm([]));
    }

    [Fact]
    public void LayerNormGradientsMatchFiniteDifferences()
    {
        var x = RandnLeaf(8, 2, 3, 2);
        var w = RandnLeaf(9, 3, 2);
        var b = RandnLeaf(10, 3, 2);
        AssertGradCheck(xs => Functional.LayerNorm(xs[0], [3, 2], xs[1], xs[2]), x, w, b);

        var ln = new LayerNorm(4, dtype: DType.Float64);
        SetValues(ln.Weight!, 0.5, -1, 2, 1);
        AssertGradCheck(xs => ln.Forward(xs[0]), RandnLeaf(11, 3, 4), ln.Weight!, ln.Bias!);
    }
}
