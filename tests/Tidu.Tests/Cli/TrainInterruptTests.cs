using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Tidu.Tests.Data;

namespace Tidu.Tests.Cli;

/// <summary>
/// Ctrl+C as a user sends it: a real SIGINT to a separate <c>tidu train</c> process (the in-process tests cancel
/// through a token instead, which does not prove the console handler is wired). The process must save a
/// checkpoint, say how to continue, exit with 130 (the shell's code for SIGINT), and the run must resume from it.
/// </summary>
public class TrainInterruptTests
{
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private const int SigInt = 2;

    [FashionMnistFact]
    public void SigIntSavesACheckpointAndTheRunResumesFromIt()
    {
        if (!OperatingSystem.IsLinux()) return; // SIGINT delivery by pid is POSIX-only
        string cliDll = Path.Combine(AppContext.BaseDirectory, "Tidu.Cli.dll");
        using var cli = new CliRun();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { cliDll, "train", "fashion-mnist", "--model", "mlp", "--epochs", "50", "--limit", "6000", "--batch-size", "50", "--out", cli.OutDir, "--plain" })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var progressSeen = new ManualResetEventSlim();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stdout) stdout.AppendLine(e.Data);
            if (e.Data.Contains(" batch ", StringComparison.Ordinal)) progressSeen.Set(); // training has started
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            Assert.True(progressSeen.Wait(TimeSpan.FromMinutes(2)), $"no progress line; stdout: {stdout} stderr: {stderr}");
            Assert.Equal(0, Kill(process.Id, SigInt));
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), "the process did not stop after SIGINT");
            process.WaitForExit(); // drains the redirected streams
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }

        string output = stdout.ToString();
        Assert.True(process.ExitCode == 130, $"exit code {process.ExitCode}; stdout: {output} stderr: {stderr}");
        Assert.Contains("interrupted at epoch", output);
        Assert.Contains("--resume", output);
        Assert.True(new FileInfo(Path.Combine(cli.OutDir, "checkpoint.safetensors")).Length > 0);
        int epochsDone;
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(cli.OutDir, "metrics.json"))))
        {
            Assert.True(doc.RootElement.GetProperty("interrupted").GetBoolean());
            epochsDone = doc.RootElement.GetProperty("epochs").GetArrayLength();
        }
        Assert.True(epochsDone < 50, $"{epochsDone} epochs finished: the signal came too late to test anything");

        // the saved run continues where it stopped, to the end
        cli.Invoke("train", "fashion-mnist", "--resume", "--epochs", $"{epochsDone + 1}", "--out", cli.OutDir, "--plain");
        Assert.True(cli.ExitCode == Tidu.Cli.TiduCli.Success, cli.Stderr + cli.Stdout);
        Assert.Contains("resuming at epoch", cli.Stdout);
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(cli.OutDir, "metrics.json"))))
        {
            Assert.False(doc.RootElement.GetProperty("interrupted").GetBoolean());
            Assert.Equal(epochsDone + 1, doc.RootElement.GetProperty("epochs").GetArrayLength());
        }
    }
}
