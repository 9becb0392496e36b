using Tidu.Optim;
using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Optim;

/// <summary>The Optimizer base: parameter groups, ZeroGrad, hooks, skipped parameters and argument checks.</summary>
public class OptimizerTests
{
    private static Tensor Param(params double[] values) => Leaf(values, values.Length);

    [Fact]
    public void GroupsInheritUnsetOptionsAndKeepExplicitOnes()
    {
        var a = Param(1, 2);
        var b = Param(3);
        var optimizer = new SGD([new ParamGroup([a]), new ParamGroup([b], lr: 0.5, momentum: 0.1)], lr: 0.01, momentum: 0.9);
        Assert.Equal(0.01, optimizer.ParamGroups[0].Lr);
        Assert.Equal(0.9, optimizer.ParamGroups[0].Momentum);
        Assert.Equal(0.5, optimizer.ParamGroups[1].Lr);
        Assert.Equal(0.1, optimizer.ParamGroups[1].Momentum);
        Assert.Equal(0, optimizer.ParamGroups[1].Dampening);
        Assert.False(optimizer.ParamGroups[1].Nesterov);
        Assert.Same(optimizer, optimizer.ParamGroups[1].Optimizer);
    }

    [Fact]
    public void TheSeedsTwoGroupUsageGivesBothGroupsTheOptimizersLr()
    {
        var m1 = new[] { Param(1) };
        var m2 = new[] { Param(2), Param(3) };
        var optimizer = new SGD(new[] { new ParamGroup(m1), new ParamGroup(m2) }, lr: 0.00001);
        Assert.All(optimizer.ParamGroups, g => Assert.Equal(1e-5, g.Lr));
        Assert.Equal(2, optimizer.ParamGroups[1].Parameters.Count);
    }

    [Fact]
    public void AddParamGroupLaterAlsoInheritsDefaults()
    {
        var optimizer = new Adam([Param(1)], lr: 0.02, beta2: 0.9);
        var group = new ParamGroup([Param(2)], beta1: 0.5);
        optimizer.AddParamGroup(group);
        Assert.Equal(0.02, group.Lr);
        Assert.Equal(0.5, group.Beta1);
        Assert.Equal(0.9, group.Beta2);
        Assert.True(group.HasOption("amsgrad"));
        Assert.False(group.HasOption("momentum"));
    }

    [Fact]
    public void ReadingAnOptionTheAlgorithmDoesNotHaveThrowsAClearError()
    {
        var optimizer = new SGD([Param(1)]);
        var e = Assert.Throws<InvalidOperationException>(() => optimizer.ParamGroups[0].Beta1);
        AssertMentions(e.Message, "SGD", "beta1");
        var loose = new ParamGroup([Param(1)]);
        AssertMentions(Assert.Throws<InvalidOperationException>(() => loose.Lr).Message, "lr", "defaults");
    }

    [Fact]
    public void ChangingAGroupsLrMidTrainingChangesTheNextStep()
    {
        var w = Param(1.0);
        var optimizer = new SGD([w], lr: 0.1);
        w.Grad = Tensor.From(new[] { 1.0 });
        optimizer.Step();
        Assert.Equal(0.9, w.Item(), 15);
        optimizer.ParamGroups[0].Lr = 0.5;
        optimizer.Step();
        Assert.Equal(0.4, w.Item(), 15);
    }

    [Fact]
    public void ParametersWithoutGradientAreSkippedAndGetNoState()
    {
        var a = Param(1);
        var b = Param(2);
        var optimizer = new Adam([a, b], lr: 0.1);
        a.Grad = Tensor.From(new[] { 1.0 });
        optimizer.Step();
        Assert.Equal(2, b.Item());
        Assert.NotEqual(1, a.Item());
        Assert.Empty(optimizer.GetState(b));
        Assert.Equal(1, optimizer.GetState(a)["step"].Item());
    }

    [Fact]
    public void ZeroGradSetsGradientsToNullByDefault()
    {
        var a = Param(1, 2);
        var optimizer = new SGD([a]);
        a.Grad = Tensor.From(new[] { 3.0, 4.0 });
        optimizer.ZeroGrad();
        Assert.Null(a.Grad);
    }

    [Fact]
    public void ZeroGradWithoutSetToNoneZeroesInPlace()
    {
        var a = Param(1, 2);
        var b = Param(3);
        var optimizer = new SGD([a, b]);
        var g = Tensor.From(new[] { 3.0, 4.0 });
        a.Grad = g;
        optimizer.ZeroGrad(setToNone: false);
        Assert.Same(g, a.Grad);
        AssertValues([0, 0], [2], a.Grad!);
        Assert.Null(b.Grad);
    }

    [Fact]
    public void StepHooksRunInOrderAroundTheUpdateAndCanBeRemoved()
    {
        var w = Param(1.0);
        var optimizer = new SGD([w], lr: 1);
        var log = new List<string>();
        var pre1 = optimizer.RegisterStepPreHook(o => log.Add($"pre1 {w.Item()}"));
        using var pre2 = optimizer.RegisterStepPreHook(o => log.Add("pre2"));
        var post = optimizer.RegisterStepPostHook(o => log.Add($"post {w.Item()} {ReferenceEquals(o, optimizer)}"));
        w.Grad = Tensor.From(new[] { 0.5 });
        optimizer.Step();
        Assert.Equal(["pre1 1", "pre2", "post 0.5 True"], log);
        pre1.Dispose();
        post.Dispose();
        log.Clear();
        optimizer.Step();
        Assert.Equal(["pre2"], log);
    }

    [Fact]
    public void StepWithAClosureReturnsTheLoss()
    {
        var w = Param(3.0);
        var optimizer = new SGD([w], lr: 0.25);
        var loss = optimizer.Step(() =>
        {
            optimizer.ZeroGrad();
            var l = (w * w).Sum();
            l.Backward();
            return l;
        });
        Assert.Equal(9, loss.Item());
        Assert.Equal(1.5, w.Item());
    }

    [Fact]
    public void UpdatesBumpTheVersionCounterAndAreNotRecorded()
    {
        var w = Param(1, 2);
        var optimizer = new Adam([w]);
        w.Grad = Tensor.From(new[] { 1.0, -1.0 });
        int before = w.Version;
        optimizer.Step();
        Assert.True(w.Version > before);
        Assert.True(w.IsLeaf);
        Assert.True(w.RequiresGrad);
    }

    [Fact]
    public void NonContiguousGradientsAreHandled()
    {
        var w = Leaf([1, 2, 3, 4], 2, 2);
        var optimizer = new SGD([w], lr: 1);
        w.Grad = Tensor.From(new[] { 1.0, 2.0, 3.0, 4.0 }, 2, 2).Transpose(0, 1);
        optimizer.Step();
        AssertValues([0, -1, 1, 0], [2, 2], w);
    }

    // ---- argument checks ----------------------------------------------------------------------------------

    [Fact]
    public void NegativeLearningRateIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new SGD([Param(1)], lr: -0.1));
        AssertMentions(e.Message, "SGD", "learning rate", "-0.1");
        Assert.Throws<ArgumentException>(() => new Adam([Param(1)], lr: -1));
        Assert.Throws<ArgumentException>(() => new AdamW([Param(1)], lr: -1));
        Assert.Throws<ArgumentException>(() => new RMSprop([Param(1)], lr: -1));
        Assert.Throws<ArgumentException>(() => new Adagrad([Param(1)], lr: -1));
        // a group's own lr is checked too
        Assert.Throws<ArgumentException>(() => new SGD([new ParamGroup([Param(1)], lr: -1)], lr: 0.1));
    }

    [Fact]
    public void OtherOutOfRangeOptionsAreRejected()
    {
        AssertMentions(Assert.Throws<ArgumentException>(() => new Adam([Param(1)], beta1: 1.0)).Message, "beta1", "[0, 1)");
        AssertMentions(Assert.Throws<ArgumentException>(() => new Adam([Param(1)], beta2: -0.1)).Message, "beta2");
        AssertMentions(Assert.Throws<ArgumentException>(() => new Adam([Param(1)], eps: -1)).Message, "epsilon");
        AssertMentions(Assert.Throws<ArgumentException>(() => new SGD([Param(1)], momentum: -1)).Message, "momentum");
        AssertMentions(Assert.Throws<ArgumentException>(() => new RMSprop([Param(1)], alpha: -1)).Message, "alpha");
        AssertMentions(Assert.Throws<ArgumentException>(() => new Adagrad([Param(1)], lrDecay: -1)).Message, "lr_decay");
        AssertMentions(Assert.Throws<ArgumentException>(() => new SGD([Param(1)], weightDecay: -1)).Message, "weight_decay");
    }

    [Fact]
    public void NesterovNeedsMomentumAndNoDampening()
    {
        AssertMentions(Assert.Throws<ArgumentException>(() => new SGD([Param(1)], nesterov: true)).Message, "Nesterov", "momentum");
        AssertMentions(Assert.Throws<ArgumentException>(() => new SGD([Param(1)], momentum: 0.9, dampening: 0.1, nesterov: true)).Message, "dampening");
        _ = new SGD([Param(1)], momentum: 0.9, nesterov: true);
    }

    [Fact]
    public void AParameterInTwoGroupsIsRejected()
    {
        var shared = Param(1);
        var e = Assert.Throws<ArgumentException>(() => new SGD([new ParamGroup([shared, Param(2)]), new ParamGroup([shared])]));
        AssertMentions(e.Message, "more than one parameter group", "group 1", "group 0");
        var optimizer = new SGD([shared]);
        Assert.Throws<ArgumentException>(() => optimizer.AddParamGroup(new ParamGroup([shared])));
        Assert.Single(optimizer.ParamGroups);
    }

    [Fact]
    public void AParameterListedTwiceInOneGroupIsRejected()
    {
        var w = Param(1);
        AssertMentions(Assert.Throws<ArgumentException>(() => new SGD([w, w])).Message, "twice");
    }

    [Fact]
    public void NonLeavesAreRejected()
    {
        var w = Param(1);
        AssertMentions(Assert.Throws<ArgumentException>(() => new SGD([w * 2])).Message, "non-leaf");
    }

    [Fact]
    public void FrozenParametersAreAcceptedAndLeftAloneUntilUnfrozen()
    {
        var frozen = Tensor.From(new[] { 1.0 });
        var live = Param(1);
        var sgd = new SGD([frozen, live], lr: 0.5);
        (frozen * 3 + live * 3).Sum().Backward();
        sgd.Step();
        Assert.Equal(1.0, frozen.Item());
        Assert.Null(frozen.Grad);
        frozen.RequiresGrad = true;
        (frozen * 3).Sum().Backward();
        sgd.Step();
        Assert.Equal(-0.5, frozen.Item());
    }

    [Fact]
    public void AnEmptyParameterListIsRejected()
    {
        AssertMentions(Assert.Throws<ArgumentException>(() => new SGD(Array.Empty<Tensor>())).Message, "empty parameter list");
        Assert.Throws<ArgumentException>(() => new Adam(Array.Empty<ParamGroup>()));
    }

    [Fact]
    public void AGroupCannotJoinTwoOptimizers()
    {
        var group = new ParamGroup([Param(1)]);
        _ = new SGD([group]);
        AssertMentions(Assert.Throws<ArgumentException>(() => new Adam([group])).Message, "another optimizer");
    }
}
