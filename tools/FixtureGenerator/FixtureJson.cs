using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace FixtureGenerator;

/// <summary>Helpers every fixture writer shares: seeded inputs, conversions and the fixture file layout.</summary>
internal static class FixtureJson
{
    internal static double[] Values(Tensor t) => t.detach().contiguous().data<double>().ToArray();

    /// <summary>Standard normal values by Box–Muller from a seeded System.Random.</summary>
    internal static double[] Randn(Random rng, int n)
    {
        var v = new double[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            v[i] = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
        return v;
    }

    internal static double[] Uniform(Random rng, int n, double lo, double hi)
    {
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * rng.NextDouble();
        return v;
    }

    internal static int Numel(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    /// <summary>FNV-1a of a case name: its inputs do not change when other cases are added.</summary>
    internal static int StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char ch in s) h = (h ^ ch) * 16777619;
        return unchecked((int)h);
    }

    internal static JsonArray Ints(int[] v)
    {
        var a = new JsonArray();
        foreach (int x in v) a.Add(x);
        return a;
    }

    internal static JsonArray Longs(long[] v)
    {
        var a = new JsonArray();
        foreach (long x in v) a.Add(x);
        return a;
    }

    internal static JsonArray Doubles(double[] v)
    {
        var a = new JsonArray();
        foreach (double x in v)
        {
            if (!double.IsFinite(x)) throw new InvalidOperationException($"non-finite value {x}");
            a.Add(x);
        }
        return a;
    }

    /// <summary>The header's fields, then one compact line per entry of the array (readable diffs, modest size).</summary>
    internal static void WriteJson(string path, JsonObject header, string arrayName, IReadOnlyList<JsonObject> items) =>
        WriteJson(path, header, [(arrayName, items.ToList())]);

    /// <summary>The header's fields, then for each array one compact line per entry.</summary>
    internal static void WriteJson(string path, JsonObject header, IReadOnlyList<(string Name, List<JsonObject> Items)> arrays)
    {
        var compact = new JsonSerializerOptions { WriteIndented = false };
        var sb = new StringBuilder("{\n");
        foreach (var (key, value) in header)
            sb.Append("  ").Append(JsonSerializer.Serialize(key)).Append(": ").Append(value!.ToJsonString(compact)).Append(",\n");
        for (int a = 0; a < arrays.Count; a++)
        {
            var (name, items) = arrays[a];
            sb.Append("  ").Append(JsonSerializer.Serialize(name)).Append(": [\n");
            for (int i = 0; i < items.Count; i++)
                sb.Append("    ").Append(items[i].ToJsonString(compact)).Append(i + 1 < items.Count ? ",\n" : "\n");
            sb.Append("  ]").Append(a + 1 < arrays.Count ? ",\n" : "\n");
        }
        sb.Append("}\n");
        File.WriteAllText(path, sb.ToString(), new UTF8Encoding(false));
    }
}
