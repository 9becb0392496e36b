using Tidu.Optim;
using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Optim;

/// <summary>StateDict / LoadStateDict: layout, bit-identical resumption and descriptive errors.</summary>
public class StateDictTests
{
    public static TheoryData<string> Algorithms => ["sgd", "adam", "adamw", "rmsprop", "adagrad"];

    private static Optimizer Create(string algorithm, OptimTestProblem p) => algorithm switch
    {
        "sgd" => new SGD([new ParamGroup([p.A]), new ParamGroup([p.B], lr: 0.02)], lr: 0.05, momentum: 0.9, nesterov: true),
        "adam" => new Adam([new ParamGroup([p.A]), new ParamGroup([p.B], lr: 0.02)], lr: 0.05, amsgrad: true, weightDecay: 0.1),
        "adamw" => new AdamW([new ParamGroup([p.A]), new ParamGroup([p.B], lr: 0.02)], lr: 0.05),
        "rmsprop" => new RMSprop([new ParamGroup([p.A]), new ParamGroup([p.B], lr: 0.02)], lr: 0.01, momentum: 0.5, centered: true),
        _ => new Adagrad([new ParamGroup([p.A]), new ParamGroup([p.B], lr: 0.02)], lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1),
    };

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void ResumingFromAStateDictContinuesBitIdentically(string algorithm)
    {
        var p = new OptimTestProblem();
        var optimizer = Create(algorithm, p);
        for (int i = 0; i < 3; i++) { p.SetGradients(); optimizer.Step(); }
        var checkpoint = optimizer.StateDict();
        var resumeValues = p.Values();

        var resumed = new OptimTestProblem(values: resumeValues);
        var fresh = Create(algorithm, resumed);
        fresh.ParamGroups[1].Lr = 99; // overwritten by the state dict
        fresh.LoadStateDict(checkpoint);
        Assert.Equal(0.02, fresh.ParamGroups[1].Lr);

        for (int i = 0; i < 4; i++)
        {
            p.SetGradients();
            optimizer.Step();
            resumed.SetGradients();
            fresh.Step();
            Assert.Equal(p.Values(), resumed.Values()); // bit-identical
        }
    }

    [Fact]
    public void TheLayoutFollowsPyTorchsStateDict()
    {
        var p = new OptimTestProblem();
        var optimizer = new Adam([new ParamGroup([p.A]), new ParamGroup([p.B], lr: 0.5)], amsgrad: true);
        p.A.Grad = Tensor.OnesLike(p.A); // B gets no gradient, so it has no state
        optimizer.Step();
        var dict = optimizer.StateDict();
        Assert.Equal(
            ["param_groups.0.amsgrad", "param_groups.0.beta1", "param_groups.0.beta2", "param_groups.0.eps", "param_groups.0.lr",
             "param_groups.0.maximize", "param_groups.0.params", "param_groups.0.weight_decay",
             "param_groups.1.amsgrad", "param_groups.1.beta1", "param_groups.1.beta2", "param_groups.1.eps", "param_groups.1.lr",
             "param_groups.1.maximize", "param_groups.1.params", "param_groups.1.weight_decay",
             "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq", "state.0.step"],
            dict.Keys.Order(StringComparer.Ordinal));
        var step = dict["state.0.step"];
        Assert.Equal(DType.Float64, step.DType);
        Assert.Equal(0, step.Rank);
        Assert.Equal(1, step.Item());
        Assert.Equal(0.5, dict["param_groups.1.lr"].Item());
        Assert.Equal(DType.Float64, dict["param_groups.1.lr"].DType);
        Assert.Equal(1, dict["param_groups.0.amsgrad"].Item());
        Assert.Equal(0, dict["param_groups.0.maximize"].Item());
        Assert.Equal([1L], dict["param_groups.1.params"].ToArray<long>());
        Assert.Equal([3], dict["state.0.exp_avg"].Shape);
    }

    [Fact]
    public void TheStateDictIsASnapshot()
    {
        var w = Leaf([1, 2], 2);
        var optimizer = new SGD([w], lr: 0.1, momentum: 0.9);
        w.Grad = Tensor.From(new[] { 1.0, 1.0 });
        optimizer.Step();
        var dict = optimizer.StateDict();
        optimizer.Step();
        AssertValues([1, 1], [2], dict["state.0.momentum_buffer"]);
    }

    [Fact]
    public void SchedulerInitialLrIsSaved()
    {
        var w = Leaf([1], 1);
        var optimizer = new SGD([w], lr: 0.1);
        _ = new StepLR(optimizer, 2);
        Assert.Equal(0.1, optimizer.StateDict()["param_groups.0.initial_lr"].Item());
    }

    [Fact]
    public void AMismatchedGroupCountIsRejected()
    {
        var p = new OptimTestProblem();
        var dict = new SGD([p.A, p.B]).StateDict();
        var q = new OptimTestProblem();
        var other = new SGD([new ParamGroup([q.A]), new ParamGroup([q.B])]);
        var e = Assert.Throws<ArgumentException>(() => other.LoadStateDict(dict));
        AssertMentions(e.Message, "1 parameter groups", "has 2");
    }

    [Fact]
    public void AMismatchedGroupSizeIsRejected()
    {
        var p = new OptimTestProblem();
        var dict = new SGD([p.A, p.B]).StateDict();
        var other = new SGD([Leaf([1, 2, 3], 3)]);
        var e = Assert.Throws<ArgumentException>(() => other.LoadStateDict(dict));
        AssertMentions(e.Message, "group 0", "2 parameters in the state dict", "1 in this optimizer");
    }

    [Fact]
    public void AMismatchedStateShapeIsRejectedAndNothingChanges()
    {
        var a = Leaf([1, 2, 3], 3);
        var optimizer = new Adam([a], lr: 0.1);
        a.Grad = Tensor.OnesLike(a);
        optimizer.Step();
        var dict = optimizer.StateDict();

        var b = Leaf([1, 2], 2);
        var other = new Adam([b], lr: 0.7);
        var e = Assert.Throws<ArgumentException>(() => other.LoadStateDict(dict));
        AssertMentions(e.Message, "state.0.exp_avg", "[3]", "[2]");
        Assert.Equal(0.7, other.ParamGroups[0].Lr);
        Assert.Empty(other.GetState(b));
    }

    [Fact]
    public void UnknownKeysAndOptionsAreRejected()
    {
        var w = Leaf([1], 1);
        var optimizer = new SGD([w]);
        var dict = optimizer.StateDict().ToDictionary();
        dict["param_groups.0.betas"] = Tensor.Scalar(0.9);
        AssertMentions(Assert.Throws<ArgumentException>(() => optimizer.LoadStateDict(dict)).Message, "unknown option 'betas'");
        dict.Remove("param_groups.0.betas");
        dict["optimizer.version"] = Tensor.Scalar(1.0);
        AssertMentions(Assert.Throws<ArgumentException>(() => optimizer.LoadStateDict(dict)).Message, "unexpected key 'optimizer.version'");
    }

    [Fact]
    public void InvalidLoadedOptionsAreRejectedAndRolledBack()
    {
        var w = Leaf([1], 1);
        var optimizer = new SGD([w], lr: 0.3);
        var dict = optimizer.StateDict().ToDictionary();
        dict["param_groups.0.lr"] = Tensor.Scalar(-1.0);
        Assert.Throws<ArgumentException>(() => optimizer.LoadStateDict(dict));
        Assert.Equal(0.3, optimizer.ParamGroups[0].Lr);
    }
}
