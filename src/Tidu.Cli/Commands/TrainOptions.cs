using System.Globalization;
using Spectre.Console;

namespace Tidu.Cli.Commands;

/// <summary>
/// A small option reader shared by <c>train</c>, <c>evaluate</c> and <c>predict</c>: <c>--name value</c>,
/// <c>--name=value</c> and flags; the first error wins and is reported as a usage error (exit code 2).
/// </summary>
internal sealed class OptionReader
{
    private readonly string command;
    private readonly Dictionary<string, string> values = [];
    private readonly HashSet<string> flags = [];

    private OptionReader(string command) => this.command = command;

    /// <summary>The first problem found, or null.</summary>
    internal string? Error { get; private set; }

    /// <summary>Positional arguments, in order.</summary>
    internal List<string> Positionals { get; } = [];

    internal bool Help { get; private set; }

    /// <summary>Reads <paramref name="args"/>; <paramref name="valued"/> take a value, <paramref name="flagNames"/> do not.</summary>
    internal static OptionReader Read(string command, string[] args, string[] valued, string[] flagNames)
    {
        var r = new OptionReader(command);
        for (int i = 0; i < args.Length && r.Error is null; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help")
            {
                r.Help = true;
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                r.Positionals.Add(arg);
                continue;
            }
            string name = arg, inline = "";
            bool hasInline = false;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                name = arg[..eq];
                inline = arg[(eq + 1)..];
                hasInline = true;
            }
            if (flagNames.Contains(name) && !hasInline)
                r.flags.Add(name);
            else if (valued.Contains(name))
            {
                if (hasInline) r.values[name] = inline;
                else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) r.values[name] = args[++i];
                else r.Error = $"{name} needs a value";
                if (r.Error is null && r.values[name].Length == 0) r.Error = $"{name} needs a value";
            }
            else r.Error = $"unknown argument '{arg}'";
        }
        return r;
    }

    internal bool Flag(string name) => flags.Contains(name);

    internal bool Has(string name) => values.ContainsKey(name);

    internal string? String(string name) => values.GetValueOrDefault(name);

    internal int? Int(string name, int min, int max = int.MaxValue)
    {
        if (!values.TryGetValue(name, out var text) || Error is not null) return null;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= min && v <= max) return v;
        Error = max == int.MaxValue ? $"{name} must be an integer >= {min}, got '{text}'" : $"{name} must be an integer in [{min}, {max}], got '{text}'";
        return null;
    }

    internal long? Long(string name)
    {
        if (!values.TryGetValue(name, out var text) || Error is not null) return null;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v)) return v;
        Error = $"{name} must be an integer, got '{text}'";
        return null;
    }

    internal double? PositiveDouble(string name)
    {
        if (!values.TryGetValue(name, out var text) || Error is not null) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v)) return v;
        Error = $"{name} must be a positive number, got '{text}'";
        return null;
    }

    internal string? Choice(string name, params string[] choices)
    {
        if (!values.TryGetValue(name, out var text) || Error is not null) return null;
        if (choices.Contains(text)) return text;
        Error = $"{name} must be one of {string.Join(", ", choices)}, got '{text}'";
        return null;
    }

    internal void Fail(string message) => Error ??= message;

    /// <summary>Writes the error and the usage to stderr and returns the usage-error exit code.</summary>
    internal int Report(CliIO io)
    {
        io.ErrorConsole.MarkupLineInterpolated($"[red]error:[/] {command}: {Error}");
        TiduCli.WriteUsage(io.ErrorConsole);
        return TiduCli.UsageError;
    }
}
