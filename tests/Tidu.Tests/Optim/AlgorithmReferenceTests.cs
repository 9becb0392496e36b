using Tidu.Optim;

namespace Tidu.Tests.Optim;

/// <summary>
/// Each algorithm against a plain-double reference written from the pseudo-code in PyTorch's documentation
/// (torch.optim.SGD, Adam, AdamW, RMSprop, Adagrad), over eight steps of <see cref="OptimTestProblem"/>.
/// </summary>
public class AlgorithmReferenceTests
{
    // ---- SGD ----------------------------------------------------------------------------------------------

    private static Action<double[], double[], int> SgdReference(double lr, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false, bool maximize = false)
    {
        double[]? b = null;
        return (theta, grad, t) =>
        {
            b ??= new double[theta.Length];
            for (int i = 0; i < theta.Length; i++)
            {
                double g = maximize ? -grad[i] : grad[i];
                if (weightDecay != 0) g += weightDecay * theta[i];
                if (momentum != 0)
                {
                    b[i] = t > 1 ? momentum * b[i] + (1 - dampening) * g : g;
                    g = nesterov ? g + momentum * b[i] : b[i];
                }
                theta[i] -= lr * g;
            }
        };
    }

    [Fact]
    public void PlainSgdMatchesReference()
    {
        var p = new OptimTestProblem();
        p.RunAgainst(new SGD(p.Parameters, lr: 0.05), SgdReference(0.05));
    }

    [Fact]
    public void SgdWithMomentumDampeningAndWeightDecayMatchesReference()
    {
        var p = new OptimTestProblem();
        p.RunAgainst(new SGD(p.Parameters, lr: 0.03, momentum: 0.9, dampening: 0.2, weightDecay: 0.01),
            SgdReference(0.03, momentum: 0.9, dampening: 0.2, weightDecay: 0.01));
    }

    [Fact]
    public void NesterovSgdMatchesReference()
    {
        var p = new OptimTestProblem();
        p.RunAgainst(new SGD(p.Parameters, lr: 0.02, momentum: 0.8, nesterov: true, weightDecay: 0.1),
            SgdReference(0.02, momentum: 0.8, nesterov: true, weightDecay: 0.1));
    }

    [Fact]
    public void MaximizingSgdClimbsTheObjective()
    {
        var p = new OptimTestProblem();
        p.RunAgainst(new SGD(p.Parameters, lr: 0.01, momentum: 0.5, maximize: true),
            SgdReference(0.01, momentum: 0.5, maximize: true));
    }

    // ---- Adam / AdamW -------------------------------------------------------------------------------------

    private static Action<double[], double[], int> AdamReference(double lr, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false, bool decoupled = false)
    {
        double[]? m = null, v = null, vMax = null;
        return (theta, grad, t) =>
        {
            m ??= new double[theta.Length];
            v ??= new double[theta.Length];
            vMax ??= new double[theta.Length];
            for (int i = 0; i < theta.Length; i++)
            {
                double g = maximize ? -grad[i] : grad[i];
                if (decoupled) theta[i] *= 1 - lr * weightDecay;
                else if (weightDecay != 0) g += weightDecay * theta[i];
                m[i] = beta1 * m[i] + (1 - beta1) * g;
                v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                double mHat = m[i] / (1 - Math.Pow(beta1, t));
                double vHat;
                if (amsgrad)
                {
                    vMax[i] = Math.Max(vMax[i], v[i]);
                    vHat = vMax[i] / (1 - Math.Pow(beta2, t));
                }
                else
                {
                    vHat = v[i] / (1 - Math.Pow(beta2, t));
                }
                theta[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
        };
    }

    [Fact]
    public void AdamWithDefaultsMatchesReference()
    {
        var p = new OptimTestProblem();
        p.RunAgainst(new Adam(p.Parameters, lr: 0.1), AdamReference(0.1));
    }

    [Fact]
    public void AdamWithWeightDecayAmsgradAndCustomBetasMatchesReference()
    {
        var p = new OptimTestProblem();
        p.RunAgainst(new Adam(p.Parameters, lr: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1, amsgrad: true),
            AdamReference(0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1, amsgrad: true));
    }

    [Fact]
    public void MaximizingAdamMatchesReference()
    {
        var p = new OptimTestProblem();
        p.RunAgainst(new Adam(p.Parameters, lr: 0.01, maximize: true), AdamReference(0.01, maximize: true));
    }

    [Fact]
    public void AdamWDecaysTheWeightsApartFromTheGradient()
    {
        var p = new OptimTestProblem();
        p.RunAgainst(new AdamW(p.Parameters, lr: 0.05, weightDecay: 0.2), AdamReference(0.05, weightDecay: 0.2, decoupled: true));
    }

    [Fact]
    public void AdamWWithAmsgradAndDefaultWeightDecayMatchesReference()
    {
        var p = new OptimTestProblem();
        var optimizer = new AdamW(p.Parameters, lr: 0.02, amsgrad: true);
        Assert.Equal(1e-2, optimizer.ParamGroups[0].WeightDecay);
        p.RunAgainst(optimizer, AdamReference(0.02, weightDecay: 1e-2, amsgrad: true, decoupled: true));
    }

    // ---- RMSprop ------------------------------------------------------------------------------------------

    private static Action<double[], double[], int> RmspropReference(double lr, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false)
    {
        double[]? v = null, gAvg = null, b = null;
        return (theta, grad, t) =>
        {
            v ??= new double[theta.Length];
            gAvg ??= new double[theta.Length];
            b ??= new double[theta.Length];
            for (int i = 0; i < theta.Length; i++)
            {
                double g = grad[i];
                if (weightDecay != 0) g += weightDecay * theta[i];
                v[i] = alpha * v[i] + (1 - alpha) * g * g;
                double vTilde = v[i];
                if (centered)
                {
                    gAvg[i] = alpha * gAvg[i] + (1 - alpha) * g;
                    vTilde -= gAvg[i] * gAvg[i];
                }
                if (momentum > 0)
                {
                    b[i] = momentum * b[i] + g / (Math.Sqrt(vTilde) + eps);
                    theta[i] -= lr * b[i];
                }
                else
                {
                    theta[i] -= lr * g / (Math.Sqrt(vTilde) + eps);
                }
            }
        };
    }

    [Fact]
    public void RmspropWithDefaultsMatchesReference()
    {
        var p = new OptimTestProblem();
        p.RunAgainst(new RMSprop(p.Parameters), RmspropReference(1e-2));
    }

    [Fact]
    public void CenteredRmspropWithMomentumAndWeightDecayMatchesReference()
    {
        var p = new OptimTestProblem();
        p.RunAgainst(new RMSprop(p.Parameters, lr: 0.01, alpha: 0.9, weightDecay: 0.05, momentum: 0.7, centered: true),
            RmspropReference(0.01, alpha: 0.9, weightDecay: 0.05, momentum: 0.7, centered: true), tolerance: 1e-12);
    }

    // ---- Adagrad ------------------------------------------------------------------------------------------

    private static Action<double[], double[], int> AdagradReference(double lr, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10)
    {
        double[]? s = null;
        return (theta, grad, t) =>
        {
            s ??= Enumerable.Repeat(initialAccumulatorValue, theta.Length).ToArray();
            double clr = lr / (1 + (t - 1) * lrDecay);
            for (int i = 0; i < theta.Length; i++)
            {
                double g = grad[i];
                if (weightDecay != 0) g += weightDecay * theta[i];
                s[i] += g * g;
                theta[i] -= clr * g / (Math.Sqrt(s[i]) + eps);
            }
        };
    }

    [Fact]
    public void AdagradWithDefaultsMatchesReference()
    {
        var p = new OptimTestProblem();
        p.RunAgainst(new Adagrad(p.Parameters), AdagradReference(1e-2));
    }

    [Fact]
    public void AdagradWithDecayWeightDecayAndAccumulatorMatchesReference()
    {
        var p = new OptimTestProblem();
        p.RunAgainst(new Adagrad(p.Parameters, lr: 0.1, lrDecay: 0.05, weightDecay: 0.02, initialAccumulatorValue: 0.5),
            AdagradReference(0.1, lrDecay: 0.05, weightDecay: 0.02, initialAccumulatorValue: 0.5));
    }

    // ---- precision and real gradients ---------------------------------------------------------------------

    [Fact]
    public void Float32ParametersFollowTheReferenceToSinglePrecision()
    {
        var p = new OptimTestProblem(DType.Float32);
        p.RunAgainst(new Adam(p.Parameters, lr: 0.05, amsgrad: true), AdamReference(0.05, amsgrad: true), tolerance: 1e-5);
        Assert.Equal(DType.Float32, p.A.DType);
    }

    [Fact]
    public void SgdReproducesTheSeedPostsHandWrittenLoop()
    {
        // the README's loop, w.Data = w.Data - 0.00001 * w.Grad, against SGD driven by real backward passes
        var x = Tensor.From(new float[] { 100f });
        var y = Tensor.From(new float[] { 110f });
        var hand = Tensor.From(new float[] { 1f }).RequiresGradInPlace();
        var w = Tensor.From(new float[] { 1f }).RequiresGradInPlace();
        var optimizer = new SGD([w], lr: 0.00001, momentum: 0);
        for (int i = 0; i < 10; i++)
        {
            var handPred = x * hand;
            ((handPred - y) * (handPred - y)).Backward();
            hand.Data = hand.Data - 0.00001 * hand.Grad!;
            hand.ZeroGrad();

            optimizer.ZeroGrad();
            var pred = x * w;
            ((pred - y) * (pred - y)).Backward();
            optimizer.Step();
            Assert.Equal(hand.Item(), w.Item(), 6);
        }
        Assert.InRange(w.Item(), 1.08, 1.1);
    }

    [Fact]
    public void AdamStepAllocatesNoParameterSizedTemporaries()
    {
        var w = Tensor.Zeros([100_000], DType.Float64).RequiresGradInPlace();
        w.Grad = Tensor.Ones([100_000], DType.Float64);
        var optimizer = new Adam([w], lr: 0.1, amsgrad: true);
        optimizer.Step(); // creates the state
        long before = GC.GetAllocatedBytesForCurrentThread();
        optimizer.Step();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 10_000, $"a step allocated {allocated} bytes");
    }
}
