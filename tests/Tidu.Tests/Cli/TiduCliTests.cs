using Tidu.Cli;

namespace Tidu.Tests.Cli;

public class TiduCliTests
{
    [Theory]
    [InlineData("frobnicate")]
    [InlineData("--json")]
    [InlineData("SEED")]
    public void UnknownCommandPrintsUsageAndExitsWith2(string command)
    {
        using var cli = new CliRun();
        cli.Invoke(command);

        Assert.Equal(2, cli.ExitCode);
        Assert.Contains("Usage:", cli.Stderr);
        Assert.Contains("seed", cli.Stderr);
    }

    [Fact]
    public void NoArgumentsPrintsUsageAndExitsWith2()
    {
        using var cli = new CliRun();
        cli.Invoke();

        Assert.Equal(2, cli.ExitCode);
        Assert.Contains("Usage:", cli.Stderr);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void HelpPrintsUsageToStdout(string flag)
    {
        using var cli = new CliRun();
        cli.Invoke(flag);

        Assert.Equal(0, cli.ExitCode);
        Assert.Contains("Usage: tidu <command>", cli.Stdout);
        Assert.Contains("--out DIR", cli.Stdout);
    }

    [Fact]
    public void CapturedOutputHasNoEscapeCodes()
    {
        using var cli = new CliRun();
        cli.Invoke("nope");

        Assert.DoesNotContain('\u001b', cli.Stderr);
    }
}
