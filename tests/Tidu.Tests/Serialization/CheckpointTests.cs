using Tidu.NN;
using Tidu.Optim;
using Tidu.Serialization;

namespace Tidu.Tests.Serialization;

public sealed class CheckpointTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("tidu-ckpt-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static Sequential Net(long seed)
    {
        Tensor.ManualSeed(seed);
        return new Sequential(new Linear(3, 5), new BatchNorm1d(5), new Tanh(), new Linear(5, 2));
    }

    private static void Train(Module model, Optimizer optimizer, int steps, int offset)
    {
        var g = new Generator(100 + offset);
        for (int i = 0; i < steps; i++)
        {
            var x = Tensor.Randn([8, 3], DType.Float32, g);
            var y = Tensor.Randn([8, 2], DType.Float32, g);
            var loss = Functional.MseLoss(model.Forward(x), y);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
        }
    }

    [Fact]
    public void TrainSaveLoadAndTrainOnEqualsTrainingStraightThrough()
    {
        var straight = Net(7);
        var straightOpt = new Adam(straight.Parameters(), lr: 0.01);
        Train(straight, straightOpt, 3, 0);
        string path = Path.Combine(dir, "ckpt.safetensors");
        Checkpoint.Save(path, straight, straightOpt, new Dictionary<string, string> { ["epoch"] = "3" });
        Train(straight, straightOpt, 4, 1);

        var resumed = Net(99); // different initial weights, all overwritten by the checkpoint
        var resumedOpt = new Adam(resumed.Parameters(), lr: 0.01);
        var meta = Checkpoint.Load(path, resumed, resumedOpt);
        Assert.Equal("3", meta["epoch"]);
        Train(resumed, resumedOpt, 4, 1);

        foreach (var ((name, a), (_, b)) in straight.StateDict().Zip(resumed.StateDict()))
            Assert.True(a.ToArray<double>().SequenceEqual(b.ToArray<double>()), $"{name} differs after resuming");
    }

    [Fact]
    public void RoundTripIsBitExact()
    {
        var model = Net(3);
        string path = Path.Combine(dir, "m.safetensors");
        Checkpoint.Save(path, model);
        var copy = Net(4);
        Checkpoint.Load(path, copy);
        foreach (var ((name, a), (_, b)) in model.StateDict().Zip(copy.StateDict()))
            Assert.Equal(a.ToArray<double>(), b.ToArray<double>());
    }

    [Fact]
    public void AShapeMismatchIsRefusedAndChangesNothing()
    {
        string path = Path.Combine(dir, "small.safetensors");
        Checkpoint.Save(path, new Sequential(new Linear(3, 4)));
        var other = new Sequential(new Linear(3, 5));
        var before = other.StateDict()["0.weight"].Clone().ToArray<float>();
        var ex = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, other));
        Assert.Contains("0.weight", ex.Message);
        Assert.Contains(path, ex.Message);
        Assert.Equal(before, other.StateDict()["0.weight"].ToArray<float>());
    }

    [Fact]
    public void ADTypeMismatchIsRefused()
    {
        string path = Path.Combine(dir, "f64.safetensors");
        Checkpoint.Save(path, new Linear(2, 2, dtype: DType.Float64));
        var ex = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, new Linear(2, 2)));
        Assert.Contains("Float64", ex.Message);
        Assert.Contains("Float32", ex.Message);
    }

    [Fact]
    public void AnOptimizerStateThatDoesNotFitLeavesTheModelAsItWas()
    {
        var model = Net(5);
        var opt = new SGD(model.Parameters(), lr: 0.1, momentum: 0.9);
        Train(model, opt, 2, 0);
        string path = Path.Combine(dir, "sgd.safetensors");
        Checkpoint.Save(path, model, opt);

        var target = Net(6);
        var adam = new Adam(target.Parameters());
        var before = target.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray<double>());
        Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, target, adam));
        foreach (var (name, t) in target.StateDict()) Assert.Equal(before[name], t.ToArray<double>());
    }

    [Fact]
    public void APlainSafetensorsFileIsNotMistakenForACheckpoint()
    {
        string path = Path.Combine(dir, "plain.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["weight"] = Tensor.Zeros(2, 2) });
        var ex = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, new Linear(2, 2)));
        Assert.Contains("not a Tidu checkpoint", ex.Message);
    }

    [Fact]
    public void ACorruptFileGivesADescriptiveError()
    {
        string path = Path.Combine(dir, "corrupt.safetensors");
        Checkpoint.Save(path, new Linear(2, 2));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 3)]);
        var ex = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, new Linear(2, 2)));
        Assert.Contains(path, ex.Message);
    }
}

public sealed class CheckpointSchedulerTests
{
    [Fact]
    public void StateSavedAfterASchedulerLoadsIntoAFreshOptimizer()
    {
        var w = Tensor.From(new[] { 1.0 }).RequiresGradInPlace();
        var opt = new SGD([w], lr: 0.1);
        _ = new StepLR(opt, stepSize: 2);
        var state = opt.StateDict();
        Assert.Contains("param_groups.0.initial_lr", state.Keys);
        var fresh = new SGD([Tensor.From(new[] { 1.0 }).RequiresGradInPlace()], lr: 0.5);
        fresh.LoadStateDict(state);
        Assert.Equal(0.1, fresh.ParamGroups[0].Lr);
    }
}
