using System.Runtime.CompilerServices;
using Tidu.Diagnostics;
using Tidu.NN;
using static Tidu.Tests.TestHelpers;

namespace Tidu.Tests.Diagnostics;

public class AnomalyModeTests
{
    private const string ThisFile = "AnomalyModeTests.cs";

    /// <summary>The line this is called from; tests use Line() + 1 for the op on the next line.</summary>
    private static int Line([CallerLineNumber] int line = 0) => line;

    [Fact]
    public void ForwardLogOfZeroNamesTheOpTheElementTheInputAndTheCreatingLine()
    {
        var x = Leaf([1, 0, 2], 3);
        using (AnomalyMode.Enable())
        {
            int line = Line() + 1;
            var e = Assert.Throws<NonFiniteValueException>(() => x.Log());
            Assert.Equal("Log", e.OpName);
            Assert.False(e.InBackward);
            Assert.Equal([3], e.Shape);
            Assert.Equal(1, e.NonFiniteCount);
            Assert.Equal([1], e.FirstIndex);
            Assert.Equal(double.NegativeInfinity, e.FirstValue);
            Assert.StartsWith($"{ThisFile}:{line} in ", e.CreationSite);
            AssertMentions(e.Message, "Log produced 1 non-finite value (1 -inf) among 3", "output of shape [3]",
                "the first is at [1]", "input 0 (Float64 [3]): all finite, min 0, max 2", "at [1] it is 0 → Log gives -Infinity",
                $"created at {ThisFile}:{line} in ", "Hint: log(x)", "Forward traceback");
        }
    }

    [Fact]
    public void BackwardSqrtAtZeroNamesTheNodeAndItsCreationLine()
    {
        var x = Leaf([0, 1, 4], 3);
        using (AnomalyMode.Enable())
        {
            int line = Line() + 1;
            var y = x.Sqrt();               // sqrt(0) = 0 is finite; its gradient 1/(2·sqrt(0)) is not
            var loss = y.Sum();
            Assert.StartsWith($"{ThisFile}:{line} in ", y.GradFn!.CreationSite);
            var e = Assert.Throws<NonFiniteValueException>(() => loss.Backward());
            Assert.True(e.InBackward);
            Assert.Equal("Sqrt", e.OpName);
            Assert.Equal(0, e.GradientIndex);
            Assert.Equal([0], e.FirstIndex);
            Assert.Equal(double.PositiveInfinity, e.FirstValue);
            AssertMentions(e.Message, $"The gradient of Sqrt created at {ThisFile}:{line} in ", "became non-finite",
                "Function 'SqrtBackward' returned 1 non-finite value (1 +inf) among 3 in its 0th output",
                "incoming gradient (of Sqrt's output, [3]): all finite", "forward input 0", "at [0] it is 0", "Hint: d sqrt(x)/dx");
        }
    }

    [Fact]
    public void ZeroOverZeroIsCaughtAsNaNEvenWhenNothingIsRecorded()
    {
        var a = Tensor.From(new double[] { 0, 1 }, 2);
        var b = Tensor.From(new double[] { 0, 2 }, 2);
        using (AnomalyMode.Enable())
        {
            int line = Line() + 1;
            var e = Assert.Throws<NonFiniteValueException>(() => a / b);
            Assert.Equal("Div", e.OpName);
            AssertMentions(e.Message, "Div produced 1 non-finite value (1 NaN)", "input 0", "input 1", $"{ThisFile}:{line}", "0/0 is NaN");

            // the same under NoGrad and with inputs that require grad
            using (Tensor.NoGrad()) Assert.Throws<NonFiniteValueException>(() => Leaf([0, 1], 2) / b);
            Assert.Throws<NonFiniteValueException>(() => Leaf([0, 1], 2) / b);
        }
    }

    [Fact]
    public void AnInputThatIsAlreadyNonFiniteIsReportedAsSuch()
    {
        var x = Tensor.From(new[] { 1.0, double.NaN }, 2);
        using (AnomalyMode.Enable())
        {
            var e = Assert.Throws<NonFiniteValueException>(() => x * 2.0);
            AssertMentions(e.Message, "input 0 (Float64 [2]): 1 non-finite value (1 NaN) among 2", "already non-finite before MulScalar");
        }
    }

    [Fact]
    public void OpsInsideTiduModulesAreAttributedToTheUsersLine()
    {
        var layer = new Linear(2, 2, dtype: DType.Float64);
        using (Tensor.NoGrad()) layer.Weight.FillInPlace(double.PositiveInfinity);
        var x = Tensor.From(new double[] { 1, -1 }, 1, 2);
        using (AnomalyMode.Enable())
        {
            int line = Line() + 1;
            var e = Assert.Throws<NonFiniteValueException>(() => layer.Forward(x));
            Assert.StartsWith($"{ThisFile}:{line} in ", e.CreationSite);
            Assert.Contains("already non-finite", e.Message);
        }
    }

    [Fact]
    public void AnInPlaceErrorInBackwardNamesTheLineThatCreatedTheNode()
    {
        var x = Leaf([1, 2], 2);
        using (AnomalyMode.Enable())
        {
            var h = x * 2.0;
            int line = Line() + 1;
            var y = h.Log(); // saves h
            using (Tensor.NoGrad()) h.AddInPlace(Tensor.Scalar(1.0));
            var e = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
            AssertMentions(e.Message, "modified by an in-place operation", $"The failing backward belongs to Log, created at {ThisFile}:{line}");
            Assert.NotNull(e.InnerException);
        }
    }

    [Fact]
    public void ScopesNestAndRestoreThePreviousState()
    {
        Assert.False(AnomalyMode.IsEnabled);
        var x = Tensor.From(new double[] { 0 }, 1);
        using (var outer = AnomalyMode.Enable())
        {
            Assert.True(AnomalyMode.IsEnabled);
            Assert.True(AnomalyMode.ChecksForward);
            Assert.True(AnomalyMode.ChecksBackward);
            using (AnomalyMode.Disable())
            {
                Assert.False(AnomalyMode.IsEnabled);
                Assert.Equal(double.NegativeInfinity, x.Log().Item()); // −∞ masks and the like: no check here
            }
            Assert.True(AnomalyMode.IsEnabled);
            using (AnomalyMode.Enable(checkForward: false))
            {
                Assert.False(AnomalyMode.ChecksForward);
                Assert.True(AnomalyMode.ChecksBackward);
                Assert.Equal(double.NegativeInfinity, x.Log().Item());
                using (AnomalyMode.Enable()) Assert.Throws<NonFiniteValueException>(() => x.Log());
                Assert.False(AnomalyMode.ChecksForward);
            }
            Assert.True(AnomalyMode.ChecksForward);
            Assert.Throws<NonFiniteValueException>(() => x.Log());
        }
        Assert.False(AnomalyMode.IsEnabled);
        Assert.False(AnomalyMode.ChecksForward);

        var scope = AnomalyMode.Enable();
        scope.Dispose();
        scope.Dispose(); // a second Dispose changes nothing
        Assert.False(AnomalyMode.IsEnabled);
        using (AnomalyMode.Enable())
        {
            scope.Dispose();
            Assert.True(AnomalyMode.IsEnabled);
        }
    }

    [Fact]
    public void OutsideAnomalyModeNothingChanges()
    {
        var x = Leaf([0, 1, 4], 3);
        var log = x.Log();
        Assert.Equal(double.NegativeInfinity, log.ToArray<double>()[0]);
        Assert.Null(log.GradFn!.CreationSite);
        var nan = Tensor.From(new double[] { 0 }, 1) / Tensor.From(new double[] { 0 }, 1);
        Assert.True(double.IsNaN(nan.Item()));
        x.Sqrt().Sum().Backward();
        AssertValues([double.PositiveInfinity, 0.5, 0.25], [3], x.Grad!);
    }

    [Fact]
    public void AnomalyModeIsThreadLocal()
    {
        var x = Tensor.From(new double[] { 0 }, 1);
        using (AnomalyMode.Enable())
        {
            bool otherEnabled = true;
            double otherValue = 0;
            Exception? otherError = null;
            var thread = new Thread(() =>
            {
                try
                {
                    otherEnabled = AnomalyMode.IsEnabled;
                    otherValue = x.Log().Item();
                }
                catch (Exception e)
                {
                    otherError = e;
                }
            });
            thread.Start();
            thread.Join();
            Assert.Null(otherError);
            Assert.False(otherEnabled);
            Assert.Equal(double.NegativeInfinity, otherValue);
            Assert.Throws<NonFiniteValueException>(() => x.Log()); // still on here
        }
    }

    [Fact]
    public void ExceptionHasTheStandardConstructors()
    {
        Assert.IsAssignableFrom<ArithmeticException>(new NonFiniteValueException());
        Assert.Equal("m", new NonFiniteValueException("m").Message);
        Assert.Equal(-1, new NonFiniteValueException("m", new InvalidOperationException()).GradientIndex);
    }
}
