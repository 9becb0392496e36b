namespace Tidu.Tests.Fixtures;

// Shared with tools/FixtureGenerator (linked there), so both sides read expressions.txt with one parser.
/// <summary>An S-expression: an atom (name, number or keyword) or a parenthesised list starting with an op name.</summary>
public sealed class SExpr
{
    public string? Atom { get; }
    public IReadOnlyList<SExpr> Items { get; }
    public bool IsAtom => Atom is not null;
    public string Op => IsAtom ? throw new InvalidOperationException("an atom has no op") : Items[0].Atom!;

    private SExpr(string? atom, IReadOnlyList<SExpr> items) { Atom = atom; Items = items; }

    public static SExpr Parse(string text)
    {
        int pos = 0;
        var node = ParseNode(text, ref pos);
        SkipSpace(text, ref pos);
        if (pos != text.Length) throw new FormatException($"unexpected text after the expression at {pos}: '{text[pos..]}'");
        return node;
    }

    private static void SkipSpace(string s, ref int pos) { while (pos < s.Length && char.IsWhiteSpace(s[pos])) pos++; }

    private static SExpr ParseNode(string s, ref int pos)
    {
        SkipSpace(s, ref pos);
        if (pos >= s.Length) throw new FormatException("unexpected end of expression");
        if (s[pos] == ')') throw new FormatException($"unexpected ')' at {pos}");
        if (s[pos] == '(')
        {
            pos++;
            var items = new List<SExpr>();
            while (true)
            {
                SkipSpace(s, ref pos);
                if (pos >= s.Length) throw new FormatException("missing ')'");
                if (s[pos] == ')') { pos++; break; }
                items.Add(ParseNode(s, ref pos));
            }
            if (items.Count == 0 || !items[0].IsAtom) throw new FormatException("a list must start with an op name");
            return new SExpr(null, items);
        }
        int start = pos;
        while (pos < s.Length && !char.IsWhiteSpace(s[pos]) && s[pos] is not ('(' or ')')) pos++;
        return new SExpr(s[start..pos], []);
    }

    public override string ToString() => IsAtom ? Atom! : "(" + string.Join(' ', Items) + ")";
}
