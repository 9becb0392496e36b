using System.Text.Json;

namespace Tidu.Tests.Fixtures;

/// <summary>
/// The seed tutorial's problem 1 (the hand-written training loop) run by Tidu in float32 must reproduce
/// PyTorch's float32 run, stored in seed_problem1.json by tools/FixtureGenerator, bit for bit.
/// </summary>
public class SeedFixtureTests
{
    [Fact]
    public void HandWrittenLoopMatchesPyTorchFloat32Exactly()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "seed_problem1.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var problem = doc.RootElement.GetProperty("problems").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "problem1-hand-written");
        var iterations = problem.GetProperty("iterations").EnumerateArray().ToList();
        Assert.Equal(10, iterations.Count);

        // x = torch.tensor([100.]); y = torch.tensor([110.]); w = torch.tensor([1.], requires_grad=True); lr = 0.00001
        var x = Tensor.From(new float[] { 100f });
        var y = Tensor.From(new float[] { 110f });
        var w = Tensor.From(new float[] { 1f });
        w.RequiresGrad = true;
        for (int i = 0; i < iterations.Count; i++)
        {
            var pred = x * w;
            var loss = (pred - y) * (pred - y);
            loss.Backward();
            var expected = iterations[i];
            Same(i, "pred", expected.GetProperty("pred").GetDouble(), pred.Item());
            Same(i, "loss", expected.GetProperty("loss").GetDouble(), loss.Item());
            Same(i, "w.data", expected.GetProperty("weights")[0].GetDouble(), w.Data.Item());
            Same(i, "w.grad", expected.GetProperty("grads")[0].GetDouble(), w.Grad!.Item());
            w.Data = w.Data - 0.00001 * w.Grad;
            w.ZeroGrad();
        }
    }

    private static void Same(int iteration, string quantity, double expected, double actual) =>
        Assert.True((float)expected == (float)actual,
            $"iteration {iteration}: {quantity} is {(float)actual:R} in Tidu but {(float)expected:R} in PyTorch (float32).");
}
