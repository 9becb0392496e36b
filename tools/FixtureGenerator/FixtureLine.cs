using System.Globalization;
using Tidu.Tests.Fixtures;

namespace FixtureGenerator;

/// <summary>An input declaration <c>name=shape[:kind]</c> of an expression line.</summary>
public sealed record InputSpec(string Name, int[] Shape, string Kind, long Bound)
{
    /// <summary>idx&lt;N and mask inputs are Int64 and never require grad.</summary>
    public bool IsInteger => Kind is "idx" or "mask";

    public static InputSpec Parse(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0) throw new FormatException($"input '{text}' is not name=shape[:kind]");
        string name = text[..eq];
        string rest = text[(eq + 1)..];
        string kind = "randn";
        int colon = rest.IndexOf(':');
        if (colon >= 0) { kind = rest[(colon + 1)..]; rest = rest[..colon]; }
        int[] shape = rest == "()" ? [] : rest.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        long bound = 0;
        if (kind.StartsWith("idx<", StringComparison.Ordinal))
        {
            bound = long.Parse(kind[4..], CultureInfo.InvariantCulture);
            kind = "idx";
        }
        if (kind is not ("randn" or "pos" or "unit" or "idx" or "mask"))
            throw new FormatException($"input '{text}': unknown kind '{kind}'");
        return new InputSpec(name, shape, kind, bound);
    }
}

/// <summary>One line of expressions.txt: <c>name | inputs | (op arg ...)</c>.</summary>
public sealed record FixtureLine(string Name, string InputText, IReadOnlyList<InputSpec> Inputs, string ExpressionText, SExpr Expression)
{
    public static List<FixtureLine> ParseFile(IEnumerable<string> lines)
    {
        var result = new List<FixtureLine>();
        var names = new HashSet<string>();
        int number = 0;
        foreach (string raw in lines)
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split('|');
            if (parts.Length != 3) throw new FormatException($"line {number}: expected 'name | inputs | expression'");
            string name = parts[0].Trim(), inputs = parts[1].Trim(), expr = parts[2].Trim();
            if (!names.Add(name)) throw new FormatException($"line {number}: duplicate name '{name}'");
            var specs = inputs.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(InputSpec.Parse).ToList();
            result.Add(new FixtureLine(name, inputs, specs, expr, SExpr.Parse(expr)));
        }
        return result;
    }
}
