using System.Globalization;

namespace Tidu.Tests.Fixtures;

/// <summary>
/// Evaluates the fixture S-expressions of expressions.txt with Tidu's API. The PyTorch side of every op is in
/// tools/FixtureGenerator/TorchEvaluator.cs; keep the two in step. Grammar: <c>(op arg ...)</c> where an
/// argument is a nested expression, an input name, a number, <c>keep</c>, <c>_</c> (absent optional),
/// <c>none</c>/<c>tanh</c> (GELU approximation) or <c>(dims d ...)</c> (an int list).
/// </summary>
/// <remarks>An op missing here fails its fixture test.</remarks>
internal static partial class FixtureInterpreter
{
    /// <summary>Every op this interpreter evaluates.</summary>
    public static readonly IReadOnlySet<string> Ops = new HashSet<string>
    {
        "add", "sub", "mul", "div", "neg", "pow",
        "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu", "gelu", "softplus",
        "clamp", "maximum", "minimum", "where", "gt", "lt", "ge", "le", "eq", "ne",
        "sum", "sum_dim", "sum_dims", "mean", "mean_dim", "mean_dims", "matmul",
        "reshape", "view", "transpose", "permute", "squeeze", "unsqueeze", "expand", "flatten", "contiguous",
        "narrow", "select", "slice", "cat", "stack", "gather", "index_select", "scatter_add",
        "max", "min", "max_dim", "min_dim", "var", "std", "logsumexp", "softmax", "log_softmax",
    };

    /// <summary>Evaluates <paramref name="expression"/> with the given named inputs.</summary>
    public static Tensor Evaluate(string expression, IReadOnlyDictionary<string, Tensor> inputs) =>
        Eval(SExpr.Parse(expression), inputs) as Tensor ?? throw new FormatException($"'{expression}' is not a tensor expression");

    /// <summary>Every op name used in <paramref name="expression"/> (the <c>dims</c> list marker excluded).</summary>
    public static IEnumerable<string> OpsOf(string expression)
    {
        var stack = new Stack<SExpr>();
        stack.Push(SExpr.Parse(expression));
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (n.IsAtom) continue;
            if (n.Op != "dims") yield return n.Op;
            foreach (var child in n.Items.Skip(1)) stack.Push(child);
        }
    }

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
        switch (op)
        {
            case "add": return Binary(a, (x, y) => x + y, (x, s) => x + s, (s, y) => s + y);
            case "sub": return Binary(a, (x, y) => x - y, (x, s) => x - s, (s, y) => s - y);
            case "mul": return Binary(a, (x, y) => x * y, (x, s) => x * s, (s, y) => s * y);
            case "div": return Binary(a, (x, y) => x / y, (x, s) => x / s, (s, y) => s / y);
            case "neg": return -a.T(1);
            case "pow": return a.IsNumber(2) ? a.T(1).Pow(a.D(2)) : a.T(1).Pow(a.T(2));
            case "exp": return a.T(1).Exp();
            case "log": return a.T(1).Log();
            case "sqrt": return a.T(1).Sqrt();
            case "abs": return a.T(1).Abs();
            case "sin": return a.T(1).Sin();
            case "cos": return a.T(1).Cos();
            case "tanh": return a.T(1).Tanh();
            case "sigmoid": return a.T(1).Sigmoid();
            case "relu": return a.T(1).Relu();
            case "leaky_relu": return a.Count > 2 ? a.T(1).LeakyRelu(a.D(2)) : a.T(1).LeakyRelu();
            case "gelu":
                return a.Count <= 2 ? a.T(1).Gelu() : a.Word(2) switch
                {
                    "none" => a.T(1).Gelu(GeluApproximation.None),
                    "tanh" => a.T(1).Gelu(GeluApproximation.Tanh),
                    var w => throw new FormatException($"gelu: unknown approximation '{w}'"),
                };
            case "softplus": return a.T(1).Softplus(a.Count > 2 ? a.D(2) : 1, a.Count > 3 ? a.D(3) : 20);
            case "clamp": return a.T(1).Clamp(a.OptionalD(2), a.OptionalD(3));
            case "maximum": return a.T(1).Maximum(a.T(2));
            case "minimum": return a.T(1).Minimum(a.T(2));
            case "where": return Tensor.Where(a.T(1), a.T(2), a.T(3));
            case "gt": return a.IsNumber(2) ? a.T(1).Gt(a.D(2)) : a.T(1).Gt(a.T(2));
            case "lt": return a.IsNumber(2) ? a.T(1).Lt(a.D(2)) : a.T(1).Lt(a.T(2));
            case "ge": return a.IsNumber(2) ? a.T(1).Ge(a.D(2)) : a.T(1).Ge(a.T(2));
            case "le": return a.IsNumber(2) ? a.T(1).Le(a.D(2)) : a.T(1).Le(a.T(2));
            case "eq": return a.IsNumber(2) ? a.T(1).Eq(a.D(2)) : a.T(1).Eq(a.T(2));
            case "ne": return a.IsNumber(2) ? a.T(1).Ne(a.D(2)) : a.T(1).Ne(a.T(2));
            case "sum": return a.T(1).Sum();
            case "sum_dim": return a.T(1).Sum(a.I(2), a.Keep(3));
            case "sum_dims": return a.T(1).Sum(a.IntsFrom(2), a.KeepAfterInts(2));
            case "mean": return a.T(1).Mean();
            case "mean_dim": return a.T(1).Mean(a.I(2), a.Keep(3));
            case "mean_dims": return a.T(1).Mean(a.IntsFrom(2), a.KeepAfterInts(2));
            case "matmul": return a.T(1).MatMul(a.T(2));
            case "reshape": return a.T(1).Reshape(a.IntsFrom(2));
            case "view": return a.T(1).View(a.IntsFrom(2));
            case "transpose": return a.T(1).Transpose(a.I(2), a.I(3));
            case "permute": return a.T(1).Permute(a.IntsFrom(2));
            case "squeeze": return a.Count > 2 ? a.T(1).Squeeze(a.I(2)) : a.T(1).Squeeze();
            case "unsqueeze": return a.T(1).Unsqueeze(a.I(2));
            case "expand": return a.T(1).Expand(a.IntsFrom(2));
            case "flatten": return a.T(1).Flatten(a.Count > 2 ? a.I(2) : 0, a.Count > 3 ? a.I(3) : -1);
            case "contiguous": return a.T(1).Contiguous();
            case "narrow": return a.T(1).Narrow(a.I(2), a.I(3), a.I(4));
            case "select": return a.T(1).Select(a.I(2), a.I(3));
            case "slice": return a.T(1).Slice(a.I(2), a.I(3), a.I(4), a.I(5));
            case "cat": return Tensor.Cat(a.TensorsFrom(2), a.I(1));
            case "stack": return Tensor.Stack(a.TensorsFrom(2), a.I(1));
            case "gather": return a.T(1).Gather(a.I(2), a.T(3));
            case "index_select": return a.T(1).IndexSelect(a.I(2), a.T(3));
            case "scatter_add": return a.T(1).ScatterAdd(a.I(2), a.T(3), a.T(4));
            case "max": return a.T(1).Max();
            case "min": return a.T(1).Min();
            case "max_dim": return a.T(1).Max(a.I(2), a.Keep(3)).Values;
            case "min_dim": return a.T(1).Min(a.I(2), a.Keep(3)).Values;
            case "var": return a.T(1).Var(a.Dims(2), a.D(3), a.Keep(4));
            case "std": return a.T(1).Std(a.Dims(2), a.D(3), a.Keep(4));
            case "logsumexp": return a.T(1).LogSumExp(a.I(2), a.Keep(3));
            case "softmax": return a.T(1).Softmax(a.I(2));
            case "log_softmax": return a.T(1).LogSoftmax(a.I(2));
        }
        throw new NotSupportedException($"unknown op '{op}' in {node}: add it to FixtureInterpreter (and to tools/FixtureGenerator/TorchEvaluator.cs).");
    }

    private static Tensor Binary(Args a, Func<Tensor, Tensor, Tensor> tt, Func<Tensor, double, Tensor> ts, Func<double, Tensor, Tensor> st)
    {
        if (a.Count != 3) throw new FormatException($"{a.Node.Op} takes two arguments: {a.Node}");
        if (a.IsNumber(1)) return st(a.D(1), a.T(2));
        if (a.IsNumber(2)) return ts(a.T(1), a.D(2));
        return tt(a.T(1), a.T(2));
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

        public int I(int i) => int.Parse(At(i).Atom ?? throw new FormatException($"{node.Op}: argument {i} of {node} is not an integer"), CultureInfo.InvariantCulture);

        public string? Word(int i) => At(i).Atom;

        public bool Keep(int i) => i < Count && (At(i).Atom == "keep" ? true : throw new FormatException($"{node.Op}: expected 'keep' at {i} in {node}"));

        /// <summary>The integer atoms from index i up to an optional trailing <c>keep</c>.</summary>
        public int[] IntsFrom(int i)
        {
            var r = new List<int>();
            for (int k = i; k < Count && At(k).Atom != "keep"; k++) r.Add(I(k));
            return r.ToArray();
        }

        public bool KeepAfterInts(int i) => Keep(i + IntsFrom(i).Length);

        /// <summary>An int list written <c>(dims d ...)</c>.</summary>
        public int[] Dims(int i)
        {
            var n = At(i);
            if (n.IsAtom || n.Op != "dims") throw new FormatException($"{node.Op}: expected (dims ...) at {i} in {node}");
            return n.Items.Skip(1).Select(x => int.Parse(x.Atom!, CultureInfo.InvariantCulture)).ToArray();
        }

        public Tensor[] TensorsFrom(int i)
        {
            var r = new List<Tensor>();
            for (int k = i; k < Count; k++) r.Add(T(k));
            return r.ToArray();
        }
    }
}
