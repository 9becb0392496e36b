using System.Text.Json;
using Tidu.Cli;
using Tidu.Tests.Data;
using Tidu.Tests.Tensors;

namespace Tidu.Tests.Cli;

public class TrainCommandArgumentTests
{
    [Theory]
    [InlineData("train")]
    [InlineData("train", "mnist")]
    [InlineData("train", "fashion-mnist", "extra")]
    [InlineData("train", "fashion-mnist", "--model", "resnet")]
    [InlineData("train", "fashion-mnist", "--epochs", "0")]
    [InlineData("train", "fashion-mnist", "--epochs", "many")]
    [InlineData("train", "fashion-mnist", "--batch-size", "-3")]
    [InlineData("train", "fashion-mnist", "--lr", "-0.1")]
    [InlineData("train", "fashion-mnist", "--optimizer", "lbfgs")]
    [InlineData("train", "fashion-mnist", "--seed", "x")]
    [InlineData("train", "fashion-mnist", "--limit", "0")]
    [InlineData("train", "fashion-mnist", "--out")]
    [InlineData("train", "fashion-mnist", "--frobnicate")]
    [InlineData("evaluate")]
    [InlineData("evaluate", "--checkpoint")]
    [InlineData("evaluate", "--checkpoint", "c.safetensors", "--limit", "0")]
    [InlineData("predict", "--checkpoint", "c.safetensors")]
    [InlineData("predict", "--checkpoint", "c.safetensors", "--index", "10000")]
    [InlineData("predict", "--index", "3")]
    public void BadCommandLinesAreUsageErrors(params string[] args)
    {
        using var cli = new CliRun();
        cli.Invoke(args);
        Assert.Equal(TiduCli.UsageError, cli.ExitCode);
        Assert.Contains("error:", cli.Stderr);
        Assert.Contains("Usage:", cli.Stderr);
    }

    [Fact]
    public void TheErrorNamesTheBadOption()
    {
        using var cli = new CliRun();
        cli.Invoke("train", "fashion-mnist", "--model=vit");
        Assert.Contains("--model must be one of mlp, cnn, got 'vit'", cli.Stderr);
    }

    [Fact]
    public void AMissingDatasetFailsWithTheInstallHint()
    {
        using var cli = new CliRun();
        cli.Invoke("train", "fashion-mnist", "--data", Path.Combine(cli.OutDir, "nowhere"), "--out", cli.OutDir);
        Assert.Equal(TiduCli.Failure, cli.ExitCode);
        Assert.Contains("apt-get install dataset-fashion-mnist", cli.Stderr);
    }

    [Fact]
    public void EvaluateAndPredictExplainAMissingCheckpoint()
    {
        using var cli = new CliRun();
        cli.Invoke("evaluate", "--checkpoint", Path.Combine(cli.OutDir, "none.safetensors"));
        Assert.Equal(TiduCli.Failure, cli.ExitCode);
        Assert.Contains("no checkpoint", cli.Stderr);
        cli.Invoke("predict", "--checkpoint", Path.Combine(cli.OutDir, "none.safetensors"), "--index", "0");
        Assert.Equal(TiduCli.Failure, cli.ExitCode);
    }

    [Fact]
    public void ResumeWithoutACheckpointFails()
    {
        using var cli = new CliRun();
        cli.Invoke("train", "fashion-mnist", "--resume", "--out", cli.OutDir);
        Assert.Equal(TiduCli.Failure, cli.ExitCode);
        Assert.Contains("no checkpoint", cli.Stderr);
    }

    [Fact]
    public void HelpListsTheTrainingCommands()
    {
        using var cli = new CliRun();
        cli.Invoke("--help");
        Assert.Contains("train fashion-mnist", cli.Stdout);
        Assert.Contains("evaluate", cli.Stdout);
        Assert.Contains("predict", cli.Stdout);
    }
}

/// <summary>The train, evaluate and predict commands end to end on a small slice of the real dataset.</summary>
[Collection(DefaultGeneratorCollection.Name)]
public class TrainCommandEndToEndTests
{
    [FashionMnistFact]
    public void TrainWritesMetricsCurvesAndACheckpointThatEvaluateAndPredictUseAndResumeContinues()
    {
        using var cli = new CliRun();
        cli.Invoke("train", "fashion-mnist", "--model", "mlp", "--epochs", "1", "--limit", "2000", "--batch-size", "100", "--out", cli.OutDir, "--plain");
        Assert.True(cli.ExitCode == TiduCli.Success, cli.Stderr + cli.Stdout);
        Assert.Contains("epoch 1/1 batch 20/20", cli.Stdout);
        Assert.DoesNotContain("\u001b[", cli.Stdout); // plain text when not on a terminal

        string checkpoint = Path.Combine(cli.OutDir, "checkpoint.safetensors");
        foreach (string file in new[] { "metrics.json", "loss.png", "accuracy.png", "report.html", "checkpoint.safetensors" })
            Assert.True(new FileInfo(Path.Combine(cli.OutDir, file)).Length > 0, file);
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(cli.OutDir, "metrics.json"))))
        {
            var root = doc.RootElement;
            Assert.Equal("mlp", root.GetProperty("model").GetString());
            Assert.Equal(1, root.GetProperty("epochs").GetArrayLength());
            Assert.True(root.GetProperty("test_accuracy").GetDouble() > 0.5, root.ToString());
            Assert.True(root.GetProperty("seconds_per_epoch").GetDouble() > 0);
            Assert.False(root.GetProperty("interrupted").GetBoolean());
        }

        cli.Invoke("evaluate", "--checkpoint", checkpoint, "--limit", "1000");
        Assert.True(cli.ExitCode == TiduCli.Success, cli.Stderr);
        Assert.Contains("on 1000 Fashion-MNIST test images", cli.Stdout);
        Assert.Contains("Ankle boot", cli.Stdout);
        Assert.Contains("confusion matrix", cli.Stdout);

        cli.Invoke("predict", "--checkpoint", checkpoint, "--index", "0");
        Assert.True(cli.ExitCode == TiduCli.Success, cli.Stderr);
        Assert.Contains("test image 0: true class 9 Ankle boot; predicted", cli.Stdout);
        Assert.Equal(4, cli.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        cli.Invoke("train", "fashion-mnist", "--resume", "--epochs", "2", "--out", cli.OutDir, "--plain");
        Assert.True(cli.ExitCode == TiduCli.Success, cli.Stderr + cli.Stdout);
        Assert.Contains("resuming at epoch 2 batch 1", cli.Stdout);
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(cli.OutDir, "metrics.json"))))
            Assert.Equal(2, doc.RootElement.GetProperty("epochs").GetArrayLength());
    }
}
