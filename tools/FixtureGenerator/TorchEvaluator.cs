using Tidu.Tests.Fixtures;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace FixtureGenerator;

/// <summary>
/// Evaluates an expression with TorchSharp. Every op here mirrors one case of the Tidu-side interpreter
/// (tests/Tidu.Tests/Fixtures/FixtureInterpreter*.cs); keep the two in step.
/// </summary>
public static class TorchEvaluator
{
    public static Tensor Evaluate(SExpr node, IReadOnlyDictionary<string, Tensor> inputs) =>
        Eval(node, inputs) as Tensor ?? throw new FormatException($"'{node}' is not a tensor expression");

    /// <summary>A tensor, or a double for a number literal.</summary>
    private static object Eval(SExpr node, IReadOnlyDictionary<string, Tensor> env)
    {
        if (node.IsAtom)
        {
            if (env.TryGetValue(node.Atom!, out var t)) return t;
            if (double.TryParse(node.Atom, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
            throw new FormatException($"unknown name '{node.Atom}'");
        }
        var a = new Args(node, env);
        string op = node.Op;
        return op switch
        {
            "add" => Binary(a, (x, y) => x + y, (x, s) => x + s, (s, y) => s + y),
            "sub" => Binary(a, (x, y) => x - y, (x, s) => x - s, (s, y) => s - y),
            "mul" => Binary(a, (x, y) => x * y, (x, s) => x * s, (s, y) => s * y),
            "div" => Binary(a, (x, y) => x / y, (x, s) => x / s, (s, y) => s / y),
            "neg" => -a.T(1),
            "pow" => a.IsNumber(2) ? a.T(1).pow(a.D(2)) : a.T(1).pow(a.T(2)),
            "exp" => a.T(1).exp(),
            "log" => a.T(1).log(),
            "sqrt" => a.T(1).sqrt(),
            "abs" => a.T(1).abs(),
            "sin" => a.T(1).sin(),
            "cos" => a.T(1).cos(),
            "tanh" => a.T(1).tanh(),
            "sigmoid" => a.T(1).sigmoid(),
            "relu" => a.T(1).relu(),
            "leaky_relu" => nn.functional.leaky_relu(a.T(1), a.Count > 2 ? a.D(2) : 0.01),
            "gelu" => a.Count > 2 && a.Word(2) == "tanh"
                ? nn.functional.gelu(a.T(1), TorchSharp.Modules.GELU.Approximate.tanh, false)
                : a.Count > 2 && a.Word(2) != "none" ? throw new FormatException($"gelu: unknown approximation '{a.Word(2)}'")
                : nn.functional.gelu(a.T(1)),
            "softplus" => nn.functional.softplus(a.T(1), a.Count > 2 ? a.D(2) : 1, a.Count > 3 ? a.D(3) : 20),
            "clamp" => Clamp(a.T(1), a.OptionalD(2), a.OptionalD(3)),
            "maximum" => a.T(1).maximum(a.T(2)),
            "minimum" => a.T(1).minimum(a.T(2)),
            "where" => torch.where(a.T(1).to_type(ScalarType.Bool), a.T(2), a.T(3)),
            "gt" => a.IsNumber(2) ? a.T(1).gt(a.D(2)) : a.T(1).gt(a.T(2)),
            "lt" => a.IsNumber(2) ? a.T(1).lt(a.D(2)) : a.T(1).lt(a.T(2)),
            "ge" => a.IsNumber(2) ? a.T(1).ge(a.D(2)) : a.T(1).ge(a.T(2)),
            "le" => a.IsNumber(2) ? a.T(1).le(a.D(2)) : a.T(1).le(a.T(2)),
            "eq" => a.IsNumber(2) ? a.T(1).eq(a.D(2)) : a.T(1).eq(a.T(2)),
            "ne" => a.IsNumber(2) ? a.T(1).ne(a.D(2)) : a.T(1).ne(a.T(2)),
            "sum" => a.T(1).sum(),
            "sum_dim" => a.T(1).sum(a.L(2), a.Keep(3)),
            "sum_dims" => a.T(1).sum(a.LongsFrom(2), a.KeepAfterInts(2)),
            "mean" => a.T(1).mean(),
            "mean_dim" => a.T(1).mean([a.L(2)], a.Keep(3)),
            "mean_dims" => a.T(1).mean(a.LongsFrom(2), a.KeepAfterInts(2)),
            "matmul" => a.T(1).matmul(a.T(2)),
            "reshape" => a.T(1).reshape(a.LongsFrom(2)),
            "view" => a.T(1).view(a.LongsFrom(2)),
            "transpose" => a.T(1).transpose(a.L(2), a.L(3)),
            "permute" => a.T(1).permute(a.LongsFrom(2)),
            "squeeze" => a.Count > 2 ? a.T(1).squeeze(a.L(2)) : a.T(1).squeeze(),
            "unsqueeze" => a.T(1).unsqueeze(a.L(2)),
            "expand" => a.T(1).expand(a.LongsFrom(2)),
            "flatten" => a.T(1).flatten(a.Count > 2 ? a.L(2) : 0, a.Count > 3 ? a.L(3) : -1),
            "contiguous" => a.T(1).contiguous(),
            // ---- ops that Tidu is gaining in parallel (FixtureInterpreter.Pending.cs on the Tidu side) ----
            "narrow" => a.T(1).narrow(a.L(2), a.L(3), a.L(4)),
            "select" => a.T(1).select(a.L(2), a.L(3)),
            "slice" => a.T(1).slice(a.L(2), a.L(3), a.L(4), a.L(5)),
            "cat" => torch.cat(a.TensorsFrom(2), a.L(1)),
            "stack" => torch.stack(a.TensorsFrom(2), a.L(1)),
            "gather" => a.T(1).gather(a.L(2), a.T(3)),
            "index_select" => a.T(1).index_select(a.L(2), a.T(3)),
            "scatter_add" => a.T(1).scatter_add(a.L(2), a.T(3), a.T(4)),
            "max" => a.T(1).max(),
            "min" => a.T(1).min(),
            "max_dim" => a.T(1).max(a.L(2), a.Keep(3)).values,
            "min_dim" => a.T(1).min(a.L(2), a.Keep(3)).values,
            "var" => Var(a.T(1), a.Dims(2), a.D(3), a.Keep(4)),
            "std" => Var(a.T(1), a.Dims(2), a.D(3), a.Keep(4)).sqrt(),
            "logsumexp" => a.T(1).logsumexp(a.L(2), a.Keep(3)),
            "softmax" => a.T(1).softmax(a.L(2)),
            "log_softmax" => a.T(1).log_softmax(a.L(2)),
            _ => throw new FormatException($"unknown op '{op}'"),
        };
    }

    private static Tensor Binary(Args a, Func<Tensor, Tensor, Tensor> tt, Func<Tensor, double, Tensor> ts, Func<double, Tensor, Tensor> st)
    {
        if (a.Count != 3) throw new FormatException($"{a.Node.Op} takes two arguments");
        if (a.IsNumber(1)) return st(a.D(1), a.T(2));
        if (a.IsNumber(2)) return ts(a.T(1), a.D(2));
        return tt(a.T(1), a.T(2));
    }

    private static Tensor Clamp(Tensor x, double? min, double? max) =>
        (min, max) switch
        {
            ({ } lo, { } hi) => x.clamp(lo, hi),
            ({ } lo, null) => x.clamp_min(lo),
            (null, { } hi) => x.clamp_max(hi),
            _ => throw new FormatException("clamp needs a min or a max"),
        };

    /// <summary>
    /// torch.var with a correction: TorchSharp 0.107 exposes only unbiased (correction 1) or not (0), so other
    /// corrections rescale the biased variance, var_c = var_0 · N / (N − c), which is PyTorch's definition.
    /// </summary>
    private static Tensor Var(Tensor x, long[] dims, double correction, bool keep)
    {
        if (correction == 0) return x.var(dims, false, keep);
        if (correction == 1) return x.var(dims, true, keep);
        long n = dims.Aggregate(1L, (p, d) => p * x.shape[d < 0 ? d + x.dim() : d]);
        return x.var(dims, false, keep) * (n / (n - correction));
    }

    /// <summary>Positional arguments of one list node (index 0 is the op name).</summary>
    private sealed class Args(SExpr node, IReadOnlyDictionary<string, Tensor> env)
    {
        public SExpr Node => node;
        public int Count => node.Items.Count;

        private SExpr At(int i) => i < Count ? node.Items[i] : throw new FormatException($"{node.Op}: missing argument {i} in {node}");

        public bool IsNumber(int i) => i < Count && At(i).IsAtom && !env.ContainsKey(At(i).Atom!)
            && double.TryParse(At(i).Atom, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

        public Tensor T(int i) => Eval(At(i), env) as Tensor ?? throw new FormatException($"{node.Op}: argument {i} of {node} is not a tensor");

        public double D(int i) => IsNumber(i) ? double.Parse(At(i).Atom!, CultureInfo.InvariantCulture)
            : throw new FormatException($"{node.Op}: argument {i} of {node} is not a number");

        public double? OptionalD(int i) => i >= Count || At(i).Atom == "_" ? null : D(i);

        public long L(int i) => long.Parse(At(i).Atom ?? throw new FormatException($"{node.Op}: argument {i} of {node} is not an integer"), CultureInfo.InvariantCulture);

        public string? Word(int i) => At(i).Atom;

        public bool Keep(int i) => i < Count && (At(i).Atom == "keep" ? true : throw new FormatException($"{node.Op}: expected 'keep' at {i} in {node}"));

        /// <summary>The integer atoms from index i up to an optional trailing 'keep'.</summary>
        public long[] LongsFrom(int i)
        {
            var r = new List<long>();
            for (int k = i; k < Count && At(k).Atom != "keep"; k++) r.Add(L(k));
            return r.ToArray();
        }

        public bool KeepAfterInts(int i) => Keep(i + LongsFrom(i).Length);

        public long[] Dims(int i)
        {
            var n = At(i);
            if (n.IsAtom || n.Op != "dims") throw new FormatException($"{node.Op}: expected (dims ...) at {i} in {node}");
            return n.Items.Skip(1).Select(x => long.Parse(x.Atom!, CultureInfo.InvariantCulture)).ToArray();
        }

        public Tensor[] TensorsFrom(int i)
        {
            var r = new List<Tensor>();
            for (int k = i; k < Count; k++) r.Add(T(k));
            return r.ToArray();
        }
    }
}
