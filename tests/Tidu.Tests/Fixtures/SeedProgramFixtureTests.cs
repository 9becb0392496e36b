using System.Globalization;
using System.Text.Json;
using Tidu.Cli.Seed;

namespace Tidu.Tests.Fixtures;

/// <summary>
/// The four seed programs as <c>tidu seed</c> runs them (Tidu.Cli's <see cref="SeedProblems"/>, in process) must
/// print what PyTorch prints for the same programs in float32: seed_programs.json, written by
/// tools/FixtureGenerator with TorchSharp/libtorch in the schema of <c>tidu seed --json</c>. Every pred, loss,
/// weight and gradient is compared as a float32 value, bit for bit: these are scalar operations without any
/// reduction order or fused multiply-add to differ in.
/// </summary>
public class SeedProgramFixtureTests
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "seed_programs.json"))));

    public static TheoryData<string> Problems
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var p in Document.Value.RootElement.GetProperty("problems").EnumerateArray())
                data.Add(p.GetProperty("name").GetString()!);
            return data;
        }
    }

    [Fact]
    public void FixtureHoldsEverySeedProblem()
    {
        var stored = Document.Value.RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToList();
        Assert.Equal(SeedProblems.All().Select(p => p.Name).ToList(), stored);
    }

    [Theory]
    [MemberData(nameof(Problems))]
    public void SeedProgramMatchesPyTorchFloat32Exactly(string name)
    {
        var expected = Document.Value.RootElement.GetProperty("problems").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == name).GetProperty("iterations").EnumerateArray().ToList();
        var problem = SeedProblems.All().Single(p => p.Name == name);
        // what `tidu seed --json` serialises: every parameter's values, then every gradient, in the problem's order
        var actual = problem.Run().Select(it => new SeedIterationReport(it.Pred, it.Loss,
            [.. it.Parameters.SelectMany(p => p.Data)], [.. it.Parameters.SelectMany(p => p.Grad)])).ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < actual.Count; i++)
        {
            var e = expected[i];
            Same(name, i, "pred", e.GetProperty("pred").GetDouble(), actual[i].Pred);
            Same(name, i, "loss", e.GetProperty("loss").GetDouble(), actual[i].Loss);
            Same(name, i, "weights", e.GetProperty("weights"), actual[i].Weights);
            Same(name, i, "grads", e.GetProperty("grads"), actual[i].Grads);
        }
    }

    private static void Same(string name, int iteration, string quantity, JsonElement expected, double[] actual)
    {
        var want = expected.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(want.Length, actual.Length);
        for (int k = 0; k < want.Length; k++) Same(name, iteration, $"{quantity}[{k}]", want[k], actual[k]);
    }

    private static void Same(string name, int iteration, string quantity, double expected, double actual) =>
        Assert.True((float)expected == (float)actual,
            $"{name} iteration {iteration}: {quantity} is {((float)actual).ToString("R", CultureInfo.InvariantCulture)} in Tidu " +
            $"but {((float)expected).ToString("R", CultureInfo.InvariantCulture)} in PyTorch (float32).");
}
