namespace Tidu.Tests;

/// <summary>
/// The API contract of the first issue, typed in as a user would: later issues and acceptance checks compile
/// against exactly these names.
/// </summary>
public class ApiContractTests
{
    [Fact]
    public void SeedLoopFromTheContractRunsTenSteps()
    {
        var x = Tensor.From(new float[] { 100f });
        var y = Tensor.From(new float[] { 110f });
        var w = Tensor.From(new float[] { 1f });
        w.RequiresGrad = true;
        var lines = new List<string>();
        for (int i = 0; i < 10; i++)
        {
            var pred = x * w;
            var loss = (pred - y) * (pred - y);
            loss.Backward();
            lines.Add($"real {y.Item()} pred {pred.Item()} loss {loss.Item()}");
            lines.Add($"w.data {w.Data.Item()} w.grad {w.Grad!.Item()}");
            w.Data = w.Data - 0.00001 * w.Grad;
            w.ZeroGrad();
        }
        Assert.Equal("real 110 pred 100 loss 100", lines[0]);
        Assert.Equal("w.data 1 w.grad -2000", lines[1]);
        int[] shape = w.Shape;
        float[] values = w.ToArray<float>();
        DType dtype = w.DType;
        Assert.Equal([1], shape);
        Assert.Equal(DType.Float32, dtype);
        Assert.True(values[0] > 1.08f && values[0] < 1.1f);
    }

    [Fact]
    public void ContractOperationsHavePyTorchShapes()
    {
        var a = Tensor.From(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Tensor.From(new float[] { 1, 0, 0, 1, 1, 1 }, 3, 2);
        using (Tensor.NoGrad())
        {
            Assert.False((a.RequiresGradInPlace() * 2.0).RequiresGrad);
        }
        a.RequiresGrad = false;
        Assert.Equal([2, 2], a.MatMul(b).Shape);
        Assert.Equal([], a.Sum().Shape);
        Assert.Equal([2, 1], a.Sum(dim: 1, keepDim: true).Shape);
        Assert.Equal(3.5, a.Mean().Item(), 6);
        Assert.Equal([2, 3], a.Exp().Log().Tanh().Sigmoid().Relu().Pow(2).Shape);
        Assert.Equal([3, 2], a.Reshape(3, 2).Shape);
        Assert.Equal([3, 2], a.Transpose(0, 1).Shape);
        Assert.Equal(-1.0, (-a).ToArray<float>()[0]);
        Assert.Equal(2.0, (2.0 * a).ToArray<float>()[0]);
        Assert.Equal(1.0 / 3, (a / 3).ToArray<float>()[0], 6);
        Assert.Equal(0.5, (1.0 / a).ToArray<float>()[1], 6);
    }
    [Fact]
    public void DoctorContractFromTheDiagnosticsIssueCompilesAndRuns()
    {
        // typed as issue 5's contract: new Doctor(model, optimizer); each step Observe(loss); Findings; WriteReport; GradCheck.Check
        var model = new Tidu.NN.Sequential(new Tidu.NN.Linear(2, 4), new Tidu.NN.ReLU(), new Tidu.NN.Linear(4, 1));
        var optimizer = new Tidu.Optim.SGD(model.Parameters(), lr: 0.01);
        var doctor = new Tidu.Diagnostics.Doctor(model, optimizer);
        var x = Tensor.From(new float[] { 0.1f, -0.2f, 0.3f, 0.4f }, 2, 2);
        var y = Tensor.From(new float[] { 1f, -1f }, 2, 1);
        for (int i = 0; i < 5; i++)
        {
            optimizer.ZeroGrad();
            var loss = (model.Forward(x) - y).Pow(2).Mean();
            loss.Backward();
            doctor.Observe(loss);
            optimizer.Step();
        }
        IReadOnlyList<Tidu.Diagnostics.Finding> findings = doctor.Findings;
        Assert.All(findings, f => Assert.True(Enum.IsDefined(f.Kind) && f.Message.Length > 0 && f.Suggestions is not null));
        Assert.Equal(5, doctor.Step);
        string path = Path.Combine(Path.GetTempPath(), $"tidu-contract-{Guid.NewGuid():N}.html");
        try
        {
            doctor.WriteReport(path);
            Assert.Contains("<html", File.ReadAllText(path), StringComparison.OrdinalIgnoreCase);
        }
        finally { File.Delete(path); }

        var a = Tensor.From(new double[] { 0.5, -1.5 }).RequiresGradInPlace();
        var b = Tensor.From(new double[] { 2.0, 0.25 }).RequiresGradInPlace();
        Tidu.Diagnostics.GradCheckResult r = Tidu.Diagnostics.GradCheck.Check(inputs => (inputs[0] * inputs[1]).Sum(), a, b);
        Assert.True(r.Passed, $"{r.MaxAbsError} {r.MaxRelError}");
    }
}
