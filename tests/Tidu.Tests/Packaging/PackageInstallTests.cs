using System.Diagnostics;

namespace Tidu.Tests.Packaging;

/// <summary>
/// Packs Tidu, Tidu.Plots and the tidu tool, then uses them the way a user does: installs the tool from a local
/// folder feed and runs it, and builds a fresh console project that references the packages from that feed.
/// A unique prerelease version per run keeps NuGet's cache from serving an older build.
/// </summary>
[Collection("Packaging")]
public sealed class PackageInstallTests : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("tidu-pack-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Tidu.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Tidu.slnx not found above the test assembly.");
    }

    private static (int Code, string Output) Run(string workingDirectory, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // the test host's MSBuild variables would point child builds at the wrong SDK pieces
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(4)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 4 minutes.");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void PackedToolAndLibraryInstallFromALocalFeedAndRun()
    {
        string root = RepoRoot();
        string feed = Path.Combine(work, "feed");
        string version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);

        var pack = Run(root, "dotnet", "pack", "Tidu.slnx", "-c", "Release", "-o", feed, "-p:Version=" + version);
        Assert.True(pack.Code == 0, pack.Output);
        foreach (var id in new[] { "Tidu", "Tidu.Plots", "Tidu.Cli" })
        {
            Assert.True(File.Exists(Path.Combine(feed, $"{id}.{version}.nupkg")), $"{id} was not packed:\n{pack.Output}");
            Assert.True(File.Exists(Path.Combine(feed, $"{id}.{version}.snupkg")), $"{id} has no symbol package");
        }

        // the tool, as `dotnet tool install` gives it to users
        string tools = Path.Combine(work, "tools");
        var install = Run(work, "dotnet", "tool", "install", "--tool-path", tools, "--add-source", feed, "Tidu.Cli", "--version", version);
        Assert.True(install.Code == 0, install.Output);
        var seed = Run(work, Path.Combine(tools, "tidu"), "seed", "--json", "--out", Path.Combine(work, "seed"));
        Assert.True(seed.Code == 0, seed.Output);
        Assert.Contains("\"name\":\"problem1-hand-written\"", seed.Output);
        Assert.True(File.Exists(Path.Combine(work, "seed", "problem3-two-layers.png")));

        // the libraries, referenced from a fresh project
        string app = Path.Combine(work, "app");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <NoWarn>NU1603</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Tidu" Version="{version}" />
                <PackageReference Include="Tidu.Plots" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Tidu;
            using Tidu.NN;
            using Tidu.Optim;
            var model = new Linear(1, 1, bias: false);
            model.Weight.Data = Tensor.From(new float[] { 1f }, 1, 1);
            var sgd = new SGD(model.Parameters(), lr: 0.00001);
            var losses = new List<double>();
            for (int i = 0; i < 10; i++)
            {
                var loss = new MSELoss().Forward(model.Forward(Tensor.From(new float[] { 100f })), Tensor.From(new float[] { 110f }));
                loss.Backward();
                sgd.Step();
                sgd.ZeroGrad();
                losses.Add(loss.Item());
            }
            Tidu.Plots.LossCurve.Save(args[0], losses, "from the package");
            Console.WriteLine($"first {losses[0]} last {losses[^1]:F4}");
            """);
        string png = Path.Combine(work, "app.png");
        var run = Run(app, "dotnet", "run", "--", png);
        Assert.True(run.Code == 0, run.Output);
        Assert.Contains("first 100 last 1.8014", run.Output);
        Assert.True(new FileInfo(png).Length > 5_000);
    }
}
