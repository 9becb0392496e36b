using Tidu.Diagnostics;
using Tidu.NN;
using Tidu.Optim;

namespace Tidu.Tests.Diagnostics;

public class MonitorTests
{
    [Fact]
    public void StatisticsAreExactOnAHandComputedTensor()
    {
        var s = TensorStats.Of(Tensor.From(new float[] { 0, 3, -4, 0 }, 4));
        Assert.Equal(4, s.Count);
        Assert.Equal(-0.25, s.Mean, 12);
        Assert.Equal(25.0 / 4 - 0.0625, s.Variance, 12);
        Assert.Equal(5, s.Norm, 12);
        Assert.Equal(4, s.MaxAbs, 12);
        Assert.Equal(0.5, s.ZeroFraction, 12);
        Assert.True(s.AllFinite);
        Assert.False(TensorStats.Of(Tensor.From(new double[] { 1, double.NaN }, 2)).AllFinite);
    }

    [Fact]
    public void MonitorRecordsGradientsUpdatesAndActivations()
    {
        var lin = new Linear(2, 1, bias: false);
        lin.Weight.Data = Tensor.From(new float[] { 3, 4 }, 1, 2);
        var model = new Sequential(lin, new ReLU());
        var opt = new SGD(model.Parameters(), lr: 0.1);
        using var monitor = new GradientMonitor(model, opt);
        var loss = model.Forward(Tensor.From(new float[] { 1, 1 }, 1, 2)).Sum();
        loss.Backward();                     // grad = [1, 1]
        monitor.RecordLoss(loss.Item());
        opt.Step();                          // w = [2.9, 3.9]
        var p = Assert.Single(monitor.History.Parameters);
        Assert.Equal("0.weight", p.Name);
        Assert.Equal("0", p.Layer);
        Assert.Equal(Math.Sqrt(2), p.GradNorm, 6);
        Assert.Equal(1, p.GradMean, 6);
        Assert.Equal(0, p.GradVariance, 6);
        Assert.Equal(Math.Sqrt(2.9 * 2.9 + 3.9 * 3.9), p.WeightNorm, 5);
        Assert.Equal(Math.Sqrt(0.02), p.DistanceFromInit, 5);
        Assert.Equal(Math.Sqrt(0.02) / p.WeightNorm, p.UpdateRatio, 5);
        Assert.Equal(7, monitor.History.Losses[0].Loss, 5);
        var a = Assert.Single(monitor.History.Activations);
        Assert.Equal("ReLU", a.Kind);
        Assert.Equal(0, a.NonPositiveFraction);
        Assert.Single(monitor.History.Layers);
    }

    [Fact]
    public void DenseStepsAreSampledBeforeEveryKTakesOver()
    {
        var model = new Sequential(new Linear(2, 1));
        var opt = new SGD(model.Parameters(), lr: 0.1);
        using var monitor = new GradientMonitor(model, opt, new MonitorOptions { SampleEvery = 4, DenseSteps = 3 });
        for (int step = 0; step < 10; step++)
        {
            opt.ZeroGrad();
            var loss = model.Forward(Tensor.From(new float[] { 1, 2 }, 1, 2)).Sum();
            loss.Backward();
            monitor.RecordLoss(loss.Item());
            opt.Step();
        }
        Assert.Equal([0, 1, 2, 4, 8], monitor.History.Layers.Select(l => l.Step));
        Assert.Equal(10, monitor.History.Losses.Count);
    }

    [Fact]
    public void HistoryIsBounded()
    {
        var h = new TrainingHistory(capacity: 3);
        for (int i = 0; i < 10; i++) h.Add(new LossRecord(i, i, 0.1));
        Assert.Equal([7, 8, 9], h.Losses.Select(l => l.Step));
    }

    [Fact]
    public void JsonAndCsvExportRoundTrip()
    {
        var h = new TrainingHistory(10);
        h.Add(new LossRecord(0, 0.5, 0.01));
        h.Add(new LossRecord(1, double.NaN, 0.01));
        h.Add(new ParameterRecord(0, "0.weight", "0", true, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, double.PositiveInfinity));
        h.Add(new LayerRecord(0, "0", 1.0 / 3, 2, 3));
        h.Add(new ActivationRecord(0, "1", "ReLU", 8, 0.25, 0, 0.5, 0.1));
        var fromJson = TrainingHistory.FromJson(h.ToJson());
        string dir = Path.Combine(Path.GetTempPath(), "tidu-monitor-" + Guid.NewGuid().ToString("N"));
        h.WriteCsv(dir);
        var fromCsv = TrainingHistory.ReadCsv(dir);
        Directory.Delete(dir, true);
        foreach (var r in new[] { fromJson, fromCsv })
        {
            Assert.Equal(h.Losses, r.Losses);
            Assert.Equal(h.Parameters, r.Parameters);
            Assert.Equal(h.Layers, r.Layers);
            Assert.Equal(h.Activations, r.Activations);
        }
    }
}
