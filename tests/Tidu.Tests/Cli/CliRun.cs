using Tidu.Cli;

namespace Tidu.Tests.Cli;

/// <summary>Runs <c>tidu</c> in-process with captured output, in a temporary output folder removed on dispose.</summary>
internal sealed class CliRun : IDisposable
{
    internal CliRun()
    {
        OutDir = Path.Combine(Path.GetTempPath(), "tidu-cli-tests-" + Guid.NewGuid().ToString("N"));
    }

    internal string OutDir { get; }

    internal int ExitCode { get; private set; }

    internal string Stdout { get; private set; } = "";

    internal string Stderr { get; private set; } = "";

    internal CliRun Invoke(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        ExitCode = TiduCli.Run(args, stdout, stderr);
        Stdout = stdout.ToString();
        Stderr = stderr.ToString();
        return this;
    }

    public void Dispose()
    {
        if (Directory.Exists(OutDir)) Directory.Delete(OutDir, recursive: true);
    }
}
