using Spectre.Console;
using Tidu.Cli.Commands;

namespace Tidu.Cli;

/// <summary>
/// The <c>tidu</c> command line: picks the command named by the first argument and runs it. Callable in-process
/// (tests pass their own writers) as well as from <c>Program</c>.
/// </summary>
public static class TiduCli
{
    /// <summary>Exit code of a successful run.</summary>
    public const int Success = 0;

    /// <summary>Exit code when a command failed while running (e.g. a file could not be written).</summary>
    public const int Failure = 1;

    /// <summary>Exit code for a command line that could not be understood (the convention of getopt and bash).</summary>
    public const int UsageError = 2;

    /// <summary>Runs <c>tidu</c> with <paramref name="args"/>, writing results to <paramref name="stdout"/> and
    /// diagnostics to <paramref name="stderr"/>; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        var io = new CliIO(stdout, stderr);
        if (args.Length == 0)
        {
            WriteUsage(io.ErrorConsole);
            return UsageError;
        }
        switch (args[0])
        {
            case "-h" or "--help" or "help":
                WriteUsage(io.OutConsole);
                return Success;
            case "seed":
                return SeedCommand.Run(args[1..], io);
            case "train":
                return TrainCommand.Run(args[1..], io);
            case "evaluate":
                return EvaluateCommand.Run(args[1..], io);
            case "predict":
                return PredictCommand.Run(args[1..], io);
            case "doctor":
                return DoctorCommand.Run(args[1..], io);
            default:
                io.ErrorConsole.MarkupLineInterpolated($"[red]error:[/] unknown command '{args[0]}'");
                WriteUsage(io.ErrorConsole);
                return UsageError;
        }
    }

    internal static void WriteUsage(IAnsiConsole console)
    {
        console.MarkupLine("[bold]tidu[/] — Tidu (梯度, \"gradient\"): tensors with reverse-mode autograd in pure C#");
        console.WriteLine();
        console.MarkupLine("[bold]Usage:[/] tidu <command> [[options]]");
        console.WriteLine();
        var table = new Table().NoBorder().HideHeaders().AddColumn("").AddColumn("");
        table.AddRow("[green]seed[/]", "Run the seed blog post's examples (y = w·x, one parameter learnt by gradient descent)");
        table.AddRow("  --json", "Print the iterations as JSON instead of text");
        table.AddRow("  --out DIR", $"Folder for the loss-curve PNGs (default: {Markup.Escape(SeedCommand.DefaultOutDir)})");
        table.AddRow("[green]train fashion-mnist[/]", "Train a classifier on Fashion-MNIST (progress, metrics.json, curves, checkpoint; Ctrl+C saves and exits)");
        table.AddRow("  --model mlp|cnn", "The model (default mlp)");
        table.AddRow("  --epochs N", "Epochs in total (default 10 for mlp, 15 for cnn)");
        table.AddRow("  --batch-size B, --lr X", "Batch size (default 128) and learning rate (default 0.001 for adam, 0.05 for sgd)");
        table.AddRow("  --optimizer sgd|adam", "Adam, or SGD with Nesterov momentum 0.9 (default adam); cosine learning-rate decay");
        table.AddRow("  --seed S", "Seed of the initialisation, shuffling, augmentation and dropout (default 0)");
        table.AddRow("  --out DIR", "Output folder (default out/fashion-mnist-MODEL)");
        table.AddRow("  --resume", "Continue the run saved in --out DIR from where it stopped");
        table.AddRow("  --data DIR", $"Folder with the four IDX files (default {Markup.Escape(Tidu.Data.FashionMnist.DefaultDirectory)})");
        table.AddRow("  --limit N, --plain", "Train on the first N images only; plain output even on a terminal");
        table.AddRow("[green]evaluate[/] --checkpoint F", "Test loss, accuracy, per-class accuracy and confusion matrix of a saved model (--data, --limit N)");
        table.AddRow("[green]predict[/] --checkpoint F --index I", "Classify test image I and show the top classes (--data, --top K)");
        table.AddRow("[green]doctor[/] [[DEMO|all]]", "The seed's gradient problems (vanishing, exploding, seed-lr) beside their repairs, with the training doctor's findings and HTML reports; no DEMO lists them");
        table.AddRow("  --steps N, --seed S", "Training steps per variant (default per demo) and the seed of data and initialisation (default 0)");
        table.AddRow("  --out DIR, --plain", $"Report folder (default {Markup.Escape(DoctorCommand.DefaultOutDir)}/DEMO); plain output even on a terminal");
        table.AddRow("[green]-h, --help[/]", "Show this help");
        console.Write(table);
    }
}

/// <summary>The writers a command prints to, plus Spectre.Console consoles over them for formatted text.</summary>
internal sealed class CliIO
{
    internal CliIO(TextWriter stdout, TextWriter stderr)
    {
        Out = stdout;
        Error = stderr;
        OutConsole = CreateConsole(stdout, ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected);
        ErrorConsole = CreateConsole(stderr, ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected);
    }

    /// <summary>Plain results (the seed's lines, JSON): written verbatim so scripts and tests can rely on them.</summary>
    internal TextWriter Out { get; }

    internal TextWriter Error { get; }

    internal IAnsiConsole OutConsole { get; }

    internal IAnsiConsole ErrorConsole { get; }

    // Colours only on a real terminal: captured or piped output stays free of escape codes.
    private static IAnsiConsole CreateConsole(TextWriter writer, bool terminal) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer),
        Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = InteractionSupport.No,
    });
}
