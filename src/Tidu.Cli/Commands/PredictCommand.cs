using System.Globalization;
using Spectre.Console;
using Tidu.Data;
using Tidu.NN;
using Tidu.Training;

namespace Tidu.Cli.Commands;

/// <summary>
/// <c>tidu predict --checkpoint FILE --index I [--data DIR] [--top K]</c>: classifies test image I with a model
/// saved by <c>tidu train</c> and prints the most likely classes with their probabilities.
/// </summary>
internal static class PredictCommand
{
    internal static int Run(string[] args, CliIO io)
    {
        var o = OptionReader.Read("predict", args, ["--checkpoint", "--index", "--data", "--top"], []);
        if (o.Help)
        {
            TiduCli.WriteUsage(io.OutConsole);
            return TiduCli.Success;
        }
        if (o.Error is null && o.Positionals.Count > 0) o.Fail($"unexpected argument '{o.Positionals[0]}'");
        if (o.Error is null && !o.Has("--checkpoint")) o.Fail("--checkpoint FILE is required");
        if (o.Error is null && !o.Has("--index")) o.Fail("--index I (a test image, 0–9999) is required");
        int? index = o.Int("--index", 0, 9999);
        int top = o.Int("--top", 1, 10) ?? 3;
        if (o.Error is not null) return o.Report(io);

        string path = o.String("--checkpoint")!;
        Sequential model;
        TensorDataset test;
        try
        {
            (model, _) = TrainCommand.LoadModel(path);
            test = FashionMnist.Load(o.String("--data")).Test;
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            io.Error.WriteLine($"error: predict: {e.Message}");
            return TiduCli.Failure;
        }

        var (image, label) = test[index!.Value];
        double[] probabilities;
        using (Tensor.NoGrad())
        {
            var input = FashionMnistModels.EvalTransform().Apply(image.Unsqueeze(0));
            probabilities = model.Forward(input).Softmax(1).Double().ToArray<double>();
        }
        var classes = FashionMnist.Classes;
        long truth = label.ToArray<long>()[0];
        int best = Array.IndexOf(probabilities, probabilities.Max());
        var inv = CultureInfo.InvariantCulture;
        io.Out.WriteLine($"test image {index}: true class {truth} {classes[(int)truth]}; predicted {best} {classes[best]} ({(best == truth ? "correct" : "wrong")})");
        foreach (int c in Enumerable.Range(0, probabilities.Length).OrderByDescending(c => probabilities[c]).Take(top))
            io.Out.WriteLine(string.Create(inv, $"  {probabilities[c] * 100,6:F2}%  {c} {classes[c]}"));
        return TiduCli.Success;
    }
}
