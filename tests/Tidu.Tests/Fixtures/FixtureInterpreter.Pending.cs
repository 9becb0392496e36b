// Interpreter cases for ops that other branches are adding to Tidu right now. They are compiled only when
// TIDU_PENDING_OPS is defined (e.g. <DefineConstants>$(DefineConstants);TIDU_PENDING_OPS</DefineConstants> in
// Tidu.Tests.csproj, or `dotnet test -p:DefineConstants=TIDU_PENDING_OPS`), so the build stays green before the
// merge. Once every op below exists, define the symbol (or fold this file into FixtureInterpreter.cs and move
// these names from PendingOps to CoreOps).
#if TIDU_PENDING_OPS
namespace Tidu.Tests.Fixtures;

internal static partial class FixtureInterpreter
{
    static partial void EvaluatePending(string op, Args a, ref Tensor? result)
    {
        result = op switch
        {
            "narrow" => a.T(1).Narrow(a.I(2), a.I(3), a.I(4)),
            "select" => a.T(1).Select(a.I(2), a.I(3)),
            "slice" => a.T(1).Slice(a.I(2), a.I(3), a.I(4), a.I(5)),
            "cat" => Tensor.Cat(a.TensorsFrom(2), a.I(1)),
            "stack" => Tensor.Stack(a.TensorsFrom(2), a.I(1)),
            "gather" => a.T(1).Gather(a.I(2), a.T(3)),
            "index_select" => a.T(1).IndexSelect(a.I(2), a.T(3)),
            "scatter_add" => a.T(1).ScatterAdd(a.I(2), a.T(3), a.T(4)),
            "max" => a.T(1).Max(),
            "min" => a.T(1).Min(),
            "max_dim" => a.T(1).Max(a.I(2), a.Keep(3)).Values,
            "min_dim" => a.T(1).Min(a.I(2), a.Keep(3)).Values,
            "var" => a.T(1).Var(a.Dims(2), a.D(3), a.Keep(4)),
            "std" => a.T(1).Std(a.Dims(2), a.D(3), a.Keep(4)),
            "logsumexp" => a.T(1).LogSumExp(a.I(2), a.Keep(3)),
            "softmax" => a.T(1).Softmax(a.I(2)),
            "log_softmax" => a.T(1).LogSoftmax(a.I(2)),
            _ => null,
        };
    }
}
#endif
