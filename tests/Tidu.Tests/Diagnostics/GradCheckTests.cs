using Tidu.Diagnostics;
using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Diagnostics;

public class GradCheckTests
{
    /// <summary>x² whose backward is wrong by +0.5 at element [1, 0] only.</summary>
    private static Tensor SquareWithAWrongGradient(Tensor x)
    {
        Tensor result;
        using (Tensor.NoGrad()) result = x.Detach() * x.Detach();
        return global::Tidu.Autograd.Record(result, "WrongSquare", x, static (n, g) =>
        {
            var error = Tensor.From(new double[] { 0, 0, 0.5, 0 }, 2, 2);
            return [g * 2.0 * n.Saved(0) + g * error];
        }, saved: [x]);
    }

    [Fact]
    public void PassesForACorrectGradientAndCountsEntries()
    {
        var r = GradCheck.Check(t => t * t, Leaf([1, 2, 3, 4], 2, 2));
        Assert.True(r.Passed, r.ToString());
        Assert.Equal(16, r.EntriesChecked);   // a 4×4 Jacobian
        Assert.True(r.MaxAbsError < 1e-6);
        Assert.StartsWith("GradCheck passed", r.ToString());
    }

    [Fact]
    public void FailsForAWrongGradientAndNamesTheWorstElement()
    {
        var x = Leaf([1, 2, 3, 4], 2, 2);
        var r = GradCheck.Check(SquareWithAWrongGradient, x);
        Assert.False(r.Passed);
        Assert.Equal(0, r.InputIndex);
        Assert.Equal([1, 0], r.ElementIndex);
        Assert.Equal(2, r.OutputIndex);
        Assert.Equal(6.5, r.Analytical, 1e-12);
        Assert.Equal(6.0, r.Numerical, 1e-6);
        Assert.Equal(0.5, r.MaxAbsError, 1e-6);
        Assert.Equal(0.5 / 6.5, r.MaxRelError, 1e-6); // |6.5 − 6| / max(6.5, 6)
        var text = r.ToString();
        AssertMentions(text, "FAILED", "output[2]", "input 0[1, 0]", "6.5");
    }

    [Fact]
    public void NamesTheRightInputAmongSeveral()
    {
        var a = Leaf([1, 2], 2);
        var b = Leaf([1, 2, 3, 4], 2, 2);
        var r = GradCheck.Check(xs => xs[0].Sum() + SquareWithAWrongGradient(xs[1]).Sum(), [a, b]);
        Assert.False(r.Passed);
        Assert.Equal(1, r.InputIndex);
        Assert.Equal([1, 0], r.ElementIndex);
    }

    [Fact]
    public void FailsWhenAGradientIsMissing()
    {
        // the function uses x, but its "gradient" is cut by Detach
        var r = GradCheck.Check(t => t.Detach() * 2.0 + t * 0.0, Leaf([1, 2], 2));
        Assert.False(r.Passed);
        Assert.Equal(0, r.Analytical);
        Assert.Equal(2, r.Numerical, 1e-6);
    }

    [Fact]
    public void ChecksOnlyInputsThatRequireGrad()
    {
        var a = Leaf([1, 2], 2);
        var c = Tensor.From(new double[] { 3, 4 });
        var r = GradCheck.Check(xs => xs[0] * xs[1], [a, c]);
        Assert.True(r.Passed, r.ToString());
        Assert.Equal(4, r.EntriesChecked);
    }

    [Fact]
    public void RejectsFloat32InputsAndMissingRequiresGrad()
    {
        var f = Tensor.From(new float[] { 1 }).RequiresGradInPlace();
        var ex = Assert.Throws<ArgumentException>(() => GradCheck.Check(t => t * 2.0, f));
        AssertMentions(ex.Message, "GradCheck", "Float32", "Float64");
        Assert.Throws<ArgumentException>(() => GradCheck.Check(t => t * 2.0, Tensor.From(new double[] { 1 })));
        var nonLeaf = Leaf([1], 1) * 2.0;
        Assert.Throws<ArgumentException>(() => GradCheck.Check(t => t * 2.0, nonLeaf));
    }

    [Fact]
    public void RestoresTheInputsGradAndValues()
    {
        var x = Leaf([1, 2], 2);
        (x * 5.0).Sum().Backward();
        var before = x.Grad;
        GradCheck.Check(t => t.Exp(), x);
        Assert.Same(before, x.Grad);
        AssertValues([5, 5], [2], x.Grad!);
        AssertValues([1, 2], [2], x);
    }

    [Fact]
    public void HandlesAZeroDimOutputAndAFloat32Output()
    {
        AssertGradCheck(t => (t * t).Sum(), Leaf([1, 2], 2));
        // a Float32 output is seeded in its own dtype; a wide eps keeps float rounding out of the differences
        var r = GradCheck.Check(t => t.Float() * 3.0, Leaf([1, 2, 3], 3), eps: 1e-2, atol: 1e-3);
        Assert.True(r.Passed, r.ToString());
    }

    [Fact]
    public void WorksOnANonContiguousLeaf()
    {
        Tensor x;
        using (Tensor.NoGrad()) x = Tensor.From(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3).T();
        x.RequiresGrad = true;
        Assert.False(x.IsContiguous);
        AssertGradCheck(t => t * Tensor.Arange(2).Double(), x);
    }
}
