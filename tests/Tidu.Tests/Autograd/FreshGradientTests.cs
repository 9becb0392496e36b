using Tidu.NN;

namespace Tidu.Tests.Autograd;

/// <summary>
/// A gradient a backward function makes for one input becomes a leaf's Grad without a copy; these check that the
/// shortcut never lets two gradients share memory and that such a Grad outlives the scope it was made in.
/// </summary>
public sealed class FreshGradientTests
{
    [Fact]
    public void SharedWeightUsedTwiceAccumulatesBothContributions()
    {
        var shared = new Linear(3, 3);
        var x = Tensor.Rand(4, 3);
        shared.Forward(shared.Forward(x)).Sum().Backward();

        // the same computation with two separate copies of the layer: the shared gradient is their sum
        var first = new Linear(3, 3);
        var second = new Linear(3, 3);
        using (Tensor.NoGrad())
        {
            first.Weight.CopyInPlace(shared.Weight); first.Bias!.CopyInPlace(shared.Bias!);
            second.Weight.CopyInPlace(shared.Weight); second.Bias!.CopyInPlace(shared.Bias!);
        }
        second.Forward(first.Forward(x)).Sum().Backward();
        var expected = (first.Weight.Grad! + second.Weight.Grad!).ToArray<float>();
        Assert.Equal(expected, shared.Weight.Grad!.ToArray<float>());
        Assert.False(ReferenceEquals(first.Weight.Grad, second.Weight.Grad));
    }

    [Fact]
    public void GradientsOfTwoLayersNeverShareMemory()
    {
        var a = new Linear(5, 5);
        var b = new Linear(5, 5);
        var x = Tensor.Rand(2, 5);
        b.Forward(a.Forward(x)).Sum().Backward();
        var before = b.Weight.Grad!.ToArray<float>();
        a.Weight.Grad!.AddInPlace(Tensor.Ones(5, 5));
        Assert.Equal(before, b.Weight.Grad!.ToArray<float>());
        Assert.False(ReferenceEquals(a.Weight.Grad, b.Weight.Grad));
    }

    [Fact]
    public void GradientTakenInsideAScopeOutlivesItAndStillAccumulates()
    {
        var layer = new Linear(4, 3);
        var x = Tensor.Rand(6, 4);
        float[] once;
        using (TensorScope.Begin())
        {
            layer.Forward(x).Sum().Backward();
            once = layer.Weight.Grad!.ToArray<float>();
        }
        // the scope has ended: the gradient must still be readable and accumulate
        Assert.Equal(once, layer.Weight.Grad!.ToArray<float>());
        using (TensorScope.Begin()) layer.Forward(x).Sum().Backward();
        var twice = layer.Weight.Grad!.ToArray<float>();
        for (int i = 0; i < once.Length; i++) Assert.Equal(2 * once[i], twice[i], 5);
    }
}
