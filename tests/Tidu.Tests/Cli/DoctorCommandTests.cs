using Tidu.Cli;

namespace Tidu.Tests.Cli;

/// <summary>
/// <c>tidu doctor DEMO</c> in-process with few steps: the faulty variant gets the demo's finding (naming the layer
/// where one applies), the repairs that really repair do not, and every variant's report is written.
/// </summary>
public class DoctorCommandTests
{
    [Fact]
    public void VanishingFlagsTheFirstLayerOfThePlainSigmoidNetAndNotOfTheRepairs()
    {
        using var cli = new CliRun();
        cli.Invoke("doctor", "vanishing", "--steps", "12", "--out", cli.OutDir);

        Assert.Equal(TiduCli.Success, cli.ExitCode);
        Assert.Contains("VanishingGradient in 0.weight", FindingsOf(cli.Stdout, "plain"));
        // a better initialisation of the sigmoids alone does not help 30 layers; the output says so rather than hiding it
        Assert.Contains("VanishingGradient", FindingsOf(cli.Stdout, "xavier-init"));
        foreach (string repaired in new[] { "relu-kaiming", "residual", "batchnorm" })
            Assert.DoesNotContain("VanishingGradient", FindingsOf(cli.Stdout, repaired));
        AssertReports(cli, "vanishing", ["plain", "normalised-inputs", "xavier-init", "relu-kaiming", "residual", "batchnorm"]);
        Assert.Contains("VanishingGradient", File.ReadAllText(Path.Combine(cli.OutDir, "vanishing", "plain.html")));
    }

    [Fact]
    public void ExplodingFlagsTheLargeInitAndKaimingAndBatchNormAreClean()
    {
        using var cli = new CliRun();
        cli.Invoke("doctor", "exploding", "--steps", "12", "--out", cli.OutDir);

        Assert.Equal(TiduCli.Success, cli.ExitCode);
        string faulty = FindingsOf(cli.Stdout, "large-init");
        Assert.Contains("ExplodingGradient in 0.weight", faulty);
        Assert.Contains("NonFiniteValue", faulty);
        Assert.Equal("none", FindingsOf(cli.Stdout, "kaiming-init"));
        Assert.Equal("none", FindingsOf(cli.Stdout, "batchnorm"));
        // clipping keeps the loss finite but the ×10 weights are still there, and the doctor still sees them
        Assert.DoesNotContain("NonFiniteValue", FindingsOf(cli.Stdout, "clip-grad-norm"));
        AssertReports(cli, "exploding", ["large-init", "kaiming-init", "clip-grad-norm", "batchnorm", "smaller-lr"]);
        Assert.Contains("ExplodingGradient", File.ReadAllText(Path.Combine(cli.OutDir, "exploding", "large-init.html")));
    }

    [Fact]
    public void SeedLrFlagsTheLargeLearningRateAndNotThePostsOne()
    {
        using var cli = new CliRun();
        cli.Invoke("doctor", "seed-lr", "--steps", "20", "--out", cli.OutDir);

        Assert.Equal(TiduCli.Success, cli.ExitCode);
        Assert.Contains("LearningRateTooHigh", FindingsOf(cli.Stdout, "lr-1e-3"));
        foreach (string repaired in new[] { "lr-1e-5", "clip-grad-norm", "normalised-input" })
            Assert.DoesNotContain("LearningRateTooHigh", FindingsOf(cli.Stdout, repaired));
        Assert.Equal("none", FindingsOf(cli.Stdout, "normalised-input"));
        AssertReports(cli, "seed-lr", ["lr-1e-3", "lr-1e-5", "clip-grad-norm", "normalised-input"]);
        Assert.Contains("LearningRateTooHigh", File.ReadAllText(Path.Combine(cli.OutDir, "seed-lr", "lr-1e-3.html")));
    }

    [Fact]
    public void AllRunsEveryDemoIntoItsOwnFolder()
    {
        using var cli = new CliRun();
        cli.Invoke("doctor", "all", "--steps", "2", "--seed", "3", "--plain", "--out", cli.OutDir);

        Assert.Equal(TiduCli.Success, cli.ExitCode);
        foreach (string demo in new[] { "vanishing", "exploding", "seed-lr" })
        {
            Assert.Contains($"tidu doctor {demo}:", cli.Stdout);
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(cli.OutDir, demo), "*.html"));
        }
    }

    [Fact]
    public void WithoutADemoItListsThem()
    {
        using var cli = new CliRun();
        cli.Invoke("doctor");

        Assert.Equal(TiduCli.Success, cli.ExitCode);
        foreach (string demo in new[] { "vanishing", "exploding", "seed-lr", "all" })
            Assert.Contains(demo, cli.Stdout);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("vanishing", "--steps", "0")]
    [InlineData("vanishing", "--steps", "many")]
    [InlineData("vanishing", "--seed", "x")]
    [InlineData("vanishing", "--out")]
    [InlineData("vanishing", "exploding")]
    [InlineData("vanishing", "--lr", "1")]
    public void BadArgumentsAreUsageErrors(params string[] args)
    {
        using var cli = new CliRun();
        cli.Invoke(["doctor", .. args]);

        Assert.Equal(TiduCli.UsageError, cli.ExitCode);
        Assert.Contains("error:", cli.Stderr);
        Assert.Contains("Usage:", cli.Stderr);
        Assert.False(Directory.Exists(cli.OutDir));
    }

    [Fact]
    public void HelpMentionsTheDoctorCommand()
    {
        using var cli = new CliRun();
        cli.Invoke("--help");

        Assert.Contains("doctor", cli.Stdout);
    }

    /// <summary>The findings cell of a variant's row in the plain table: its last column, after two or more spaces.</summary>
    private static string FindingsOf(string stdout, string variant)
    {
        string row = stdout.Split('\n').Select(l => l.TrimEnd('\r'))
            .First(l => l.StartsWith(variant + " ", StringComparison.Ordinal));
        return row.Split("  ", StringSplitOptions.RemoveEmptyEntries)[^1].Trim();
    }

    private static void AssertReports(CliRun cli, string demo, string[] variants)
    {
        foreach (string variant in variants)
        {
            string report = Path.Combine(cli.OutDir, demo, variant + ".html");
            Assert.True(File.Exists(report), report);
            Assert.Contains("report: " + report, cli.Stdout);
        }
    }
}
