namespace Tidu.Tests.Autograd;

public class SeedExampleTests
{
    [Fact]
    public void HandWrittenLoopMatchesTheSeedsFirstIteration()
    {
        var x = Tensor.From(new float[] { 100f });
        var y = Tensor.From(new float[] { 110f });
        var w = Tensor.From(new float[] { 1f });
        w.RequiresGrad = true;
        var pred = x * w;
        var loss = (pred - y) * (pred - y);
        loss.Backward();
        Assert.Equal(100, pred.Item());
        Assert.Equal(100, loss.Item());
        Assert.Equal(-2000, w.Grad!.Item());
        w.Data = w.Data - 0.00001 * w.Grad;
        w.ZeroGrad();
        Assert.Equal(1.02f, (float)w.Item());
        Assert.Equal(0, w.Grad!.Item());
    }
}
