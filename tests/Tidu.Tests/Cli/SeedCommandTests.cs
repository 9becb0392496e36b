using System.Text.Json;
using Tidu.Cli;

namespace Tidu.Tests.Cli;

public class SeedCommandTests
{
    [Fact]
    public void TextOutputStartsWithThePostsFirstIterationLines()
    {
        using var cli = new CliRun();
        cli.Invoke("seed", "--out", cli.OutDir);

        Assert.Equal(TiduCli.Success, cli.ExitCode);
        string[] lines = cli.Stdout.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal("real 110 pred 100 loss 100", lines[0]);
        Assert.Equal("w.data 1 w.grad -2000", lines[1]);
        Assert.Equal("w.data 1.0199999809265137 w.grad -1600", lines[3]);
    }

    [Fact]
    public void TextOutputHasTenIterationsPerProblemAndSaysWhereEachPngIs()
    {
        using var cli = new CliRun();
        cli.Invoke("seed", "--out", cli.OutDir);

        string[] lines = cli.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(40, lines.Count(l => l.StartsWith("real ", StringComparison.Ordinal)));
        Assert.Equal(30, lines.Count(l => l.StartsWith("w.data ", StringComparison.Ordinal)));
        Assert.Equal(10, lines.Count(l => l.StartsWith("w1.data ", StringComparison.Ordinal)));
        Assert.Equal(10, lines.Count(l => l.StartsWith("w2.data ", StringComparison.Ordinal)));
        foreach (string name in new[] { "problem1-hand-written", "problem1-linear", "problem2-two-parents", "problem3-two-layers" })
        {
            string png = Path.Combine(cli.OutDir, name + ".png");
            Assert.Contains(png, cli.Stdout);
            Assert.True(File.Exists(png), png);
        }
    }

    [Fact]
    public void LinearMseSgdVersionOfProblem1EqualsTheHandWrittenLoop()
    {
        using var cli = new CliRun();
        cli.Invoke("seed", "--json", "--out", cli.OutDir);

        using var doc = JsonDocument.Parse(cli.Stdout);
        var problems = doc.RootElement.GetProperty("problems");
        Assert.Equal(["problem1-hand-written", "problem1-linear", "problem2-two-parents", "problem3-two-layers"],
            problems.EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(problems[0].GetProperty("iterations").GetRawText(), problems[1].GetProperty("iterations").GetRawText());
    }

    [Fact]
    public void TwoParentsAndTwoLayersStartFromTheHandComputedValues()
    {
        using var cli = new CliRun();
        cli.Invoke("seed", "--json", "--out", cli.OutDir);

        using var doc = JsonDocument.Parse(cli.Stdout);
        var two = doc.RootElement.GetProperty("problems")[2].GetProperty("iterations")[0];
        // pred = 100 + 90 = 190; loss = 80²; dloss/dw = 2·80·x
        Assert.Equal(190, two.GetProperty("pred").GetDouble());
        Assert.Equal(6400, two.GetProperty("loss").GetDouble());
        Assert.Equal([1.0, 1.0], two.GetProperty("weights").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal([16000.0, 14400.0], two.GetProperty("grads").EnumerateArray().Select(e => e.GetDouble()));

        var chain = doc.RootElement.GetProperty("problems")[3].GetProperty("iterations")[0];
        // printed after Step(): both weights already moved by lr·2000, both gradients -2000
        Assert.Equal(100, chain.GetProperty("pred").GetDouble());
        Assert.Equal([1.02f, 1.02f], chain.GetProperty("weights").EnumerateArray().Select(e => (float)e.GetDouble()));
        Assert.Equal([-2000.0, -2000.0], chain.GetProperty("grads").EnumerateArray().Select(e => e.GetDouble()));
    }

    [Fact]
    public void JsonHasTenIterationsStartingAtTheSeedsValuesWithStrictlyFallingLoss()
    {
        using var cli = new CliRun();
        cli.Invoke("seed", "--json", "--out", cli.OutDir);

        Assert.Equal(TiduCli.Success, cli.ExitCode);
        using var doc = JsonDocument.Parse(cli.Stdout);
        var problems = doc.RootElement.GetProperty("problems");
        var problem1 = problems.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "problem1-hand-written");
        var iterations = problem1.GetProperty("iterations").EnumerateArray().ToArray();
        Assert.Equal(10, iterations.Length);

        var first = iterations[0];
        Assert.Equal(100, first.GetProperty("pred").GetDouble());
        Assert.Equal(100, first.GetProperty("loss").GetDouble());
        Assert.Equal([1.0], first.GetProperty("weights").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal([-2000.0], first.GetProperty("grads").EnumerateArray().Select(e => e.GetDouble()));

        double[] losses = [.. iterations.Select(it => it.GetProperty("loss").GetDouble())];
        for (int i = 1; i < losses.Length; i++)
            Assert.True(losses[i] < losses[i - 1], $"loss went from {losses[i - 1]} to {losses[i]} at iteration {i}");
    }

    [Fact]
    public void JsonWeightsAreTheValuesBeforeEachUpdate()
    {
        using var cli = new CliRun();
        cli.Invoke("seed", "--json", "--out", cli.OutDir);

        using var doc = JsonDocument.Parse(cli.Stdout);
        var iterations = doc.RootElement.GetProperty("problems")[0].GetProperty("iterations");
        for (int i = 1; i < iterations.GetArrayLength(); i++)
        {
            double w = iterations[i - 1].GetProperty("weights")[0].GetDouble();
            double g = iterations[i - 1].GetProperty("grads")[0].GetDouble();
            double next = iterations[i].GetProperty("weights")[0].GetDouble();
            Assert.Equal((float)(w - 0.00001 * g), (float)next, 1e-6f);
        }
    }

    [Fact]
    public void JsonModePrintsOnlyTheJsonDocument()
    {
        using var cli = new CliRun();
        cli.Invoke("seed", "--json", "--out", cli.OutDir);

        string text = cli.Stdout.Trim();
        Assert.StartsWith("{\"problems\":[{\"name\":\"problem1-hand-written\",\"iterations\":[{\"pred\":100,\"loss\":100,\"weights\":[1],\"grads\":[-2000]}", text);
        Assert.EndsWith("}", text);
        Assert.DoesNotContain("real ", text);
    }

    [Fact]
    public void WritesTheLossCurvePng()
    {
        using var cli = new CliRun();
        cli.Invoke("seed", "--out", cli.OutDir);

        string png = Path.Combine(cli.OutDir, "problem1-hand-written.png");
        byte[] bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.InRange(bytes.Length, 5_000, 2_000_000);
    }

    [Fact]
    public void OutOptionAcceptsTheEqualsForm()
    {
        using var cli = new CliRun();
        cli.Invoke("seed", "--out=" + cli.OutDir);

        Assert.Equal(TiduCli.Success, cli.ExitCode);
        Assert.True(File.Exists(Path.Combine(cli.OutDir, "problem1-hand-written.png")));
    }

    [Theory]
    [InlineData("seed", "--bogus")]
    [InlineData("seed", "extra")]
    [InlineData("seed", "--out")]
    [InlineData("seed", "--out", "--json")]
    public void BadSeedArgumentsExitWithUsageError(params string[] args)
    {
        using var cli = new CliRun();
        cli.Invoke(args);

        Assert.Equal(TiduCli.UsageError, cli.ExitCode);
        Assert.Contains("error:", cli.Stderr);
        Assert.Contains("Usage:", cli.Stderr);
        Assert.Equal("", cli.Stdout);
    }

    [Fact]
    public void RepeatedRunsGiveTheSameNumbers()
    {
        var a = Tidu.Cli.Seed.SeedProblems.All()[0].Run();
        var b = Tidu.Cli.Seed.SeedProblems.All()[0].Run();
        Assert.Equal(a.Select(i => i.Loss), b.Select(i => i.Loss));
    }
}
