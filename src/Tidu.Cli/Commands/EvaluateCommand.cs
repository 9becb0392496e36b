using System.Globalization;
using Spectre.Console;
using Tidu.Data;
using Tidu.NN;
using Tidu.Training;

namespace Tidu.Cli.Commands;

/// <summary>
/// <c>tidu evaluate --checkpoint FILE [--data DIR] [--limit N]</c>: the test loss and accuracy of a model saved
/// by <c>tidu train</c>, with the accuracy of each class and the confusion matrix.
/// </summary>
internal static class EvaluateCommand
{
    internal static int Run(string[] args, CliIO io)
    {
        var o = OptionReader.Read("evaluate", args, ["--checkpoint", "--data", "--limit"], []);
        if (o.Help)
        {
            TiduCli.WriteUsage(io.OutConsole);
            return TiduCli.Success;
        }
        if (o.Error is null && o.Positionals.Count > 0) o.Fail($"unexpected argument '{o.Positionals[0]}'");
        if (o.Error is null && !o.Has("--checkpoint")) o.Fail("--checkpoint FILE is required");
        int? limit = o.Int("--limit", 1, 10000);
        if (o.Error is not null) return o.Report(io);

        string path = o.String("--checkpoint")!;
        Sequential model;
        string kind;
        TensorDataset test;
        try
        {
            (model, kind) = TrainCommand.LoadModel(path);
            test = FashionMnist.Load(o.String("--data")).Test;
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            io.Error.WriteLine($"error: evaluate: {e.Message}");
            return TiduCli.Failure;
        }
        Dataset data = limit is { } n ? new Subset(test, Enumerable.Range(0, n).ToArray()) : test;
        var loader = new DataLoader(data, FashionMnistModels.EvalBatchSize, transform: FashionMnistModels.EvalTransform());
        var result = Trainer.Evaluate(model, new CrossEntropyLoss(), loader);

        var inv = CultureInfo.InvariantCulture;
        io.Out.WriteLine(string.Create(inv, $"{kind} from {path} on {result.Samples} Fashion-MNIST test images: loss {result.Loss:F4}, accuracy {result.Accuracy * 100:F2}%"));
        var classes = FashionMnist.Classes;
        var perClass = result.PerClassAccuracy();
        var table = new Table().Border(TableBorder.Ascii).AddColumn("class").AddColumn("accuracy");
        for (int c = 0; c < classes.Count; c++) table.AddRow(Markup.Escape(classes[c]), (perClass[c] * 100).ToString("F1", inv) + "%");
        io.OutConsole.Write(table);

        var matrix = new Table().Border(TableBorder.Ascii).Title("confusion matrix (rows: true class, columns: predicted)").AddColumn("");
        for (int c = 0; c < classes.Count; c++) matrix.AddColumn(new TableColumn(c.ToString(inv)).RightAligned());
        for (int t = 0; t < classes.Count; t++)
        {
            var row = new List<string> { $"{t} {Markup.Escape(classes[t])}" };
            for (int p = 0; p < classes.Count; p++) row.Add(result.ConfusionMatrix[t, p].ToString(inv));
            matrix.AddRow(row.ToArray());
        }
        io.OutConsole.Write(matrix);
        return TiduCli.Success;
    }
}
