using Tidu.Diagnostics;
using Tidu.NN;
using Tidu.Optim;

namespace Tidu.DoctorBench;

public static partial class Scenarios
{
    /// <summary>
    /// Losses that are not the usual cross-entropy or squared error (seeds s + 27 …): a pairwise ranking loss written
    /// without its log-sigmoid, −(s⁺ − s⁻), which has no lower bound, so training lowers it for ever by growing the
    /// weights (the seed's "weights grow during training; some faults only appear then"); the same ranking task with
    /// the correct BPR loss −log σ(s⁺ − s⁻); and a Gaussian negative log-likelihood with a learned variance, a healthy
    /// loss that is negative once the fit is good. Variant 0 is the tuning half, variant 1 the held-out half.
    /// </summary>
    private static IEnumerable<Scenario> LossFamily(int v, string split, int s)
    {
        // on seed 1 (neither half) Adam at lr 1e-2 with the bug ends at 0.75 pairwise accuracy, its loss at −4e3 and
        // the weights × 13, against 1.00 with the correct loss; momentum SGD at lr 0.05 reaches NaN by step 45
        yield return new($"unbounded-ranking-loss-{v}", split, [FindingKind.WeightGrowth],
            [FindingKind.LearningRateTooHigh, FindingKind.ExplodingGradient, FindingKind.NonFiniteValue, FindingKind.DivergingLoss,
             FindingKind.OscillatingLoss, FindingKind.DeadRelu, FindingKind.SlowConvergence],
            n => Rank(RankingPairs(512, 8, s + 27), Mlp(8, 1, 32, 2, () => new ReLU(), s + 27),
                m => v == 0 ? new Adam(m.Parameters(), lr: 1e-2) : new SGD(m.Parameters(), lr: 0.05, momentum: 0.9), n, bounded: false));
        yield return new($"healthy-ranking-bpr-{v}", split, None, None,
            n => Rank(RankingPairs(512, 8, s + 28), Mlp(8, 1, 32, 2, () => new ReLU(), s + 28),
                m => v == 0 ? new Adam(m.Parameters(), lr: 1e-2) : new SGD(m.Parameters(), lr: 0.05, momentum: 0.9), n, bounded: true));
        yield return new($"healthy-gaussian-nll-{v}", split, None, None,
            n => GaussianFit(LinReg(256, 5, s + 29, scale: 1, nonlinear: true), Mlp(5, 2, 32, 2, () => new Tanh(), s + 29),
                m => new Adam(m.Parameters(), lr: 1e-2), n, noise: v == 0 ? 0.1 : 0.05, seed: s + 29));
    }

    /// <summary>
    /// Pairs of items with <paramref name="d"/> features (rows of X and Y), the first of each pair the more relevant:
    /// relevance = tanh(w·x) + x₀·x₁ for a random w.
    /// </summary>
    public static (Tensor Positive, Tensor Negative) RankingPairs(int n, int d, int seed)
    {
        var g = new Generator(seed);
        var w = Tensor.Randn([d, 1], DType.Float32, g);
        var a = Tensor.Randn([n, d], DType.Float32, g);
        var b = Tensor.Randn([n, d], DType.Float32, g);
        float[] Relevance(Tensor x) => (x.MatMul(w).Tanh() + x.Narrow(1, 0, 1) * x.Narrow(1, 1, 1)).Reshape(n).ToArray<float>();
        var (ra, rb, pa, pb) = (Relevance(a), Relevance(b), a.ToArray<float>(), b.ToArray<float>());
        var pos = new float[n * d];
        var neg = new float[n * d];
        for (int i = 0; i < n; i++)
        {
            bool aWins = ra[i] > rb[i];
            Array.Copy(aWins ? pa : pb, i * d, pos, i * d, d);
            Array.Copy(aWins ? pb : pa, i * d, neg, i * d, d);
        }
        return (Tensor.From(pos, n, d), Tensor.From(neg, n, d));
    }

    /// <summary>
    /// Pairwise ranking in batches of 64 pairs: the BPR loss −log σ(s⁺ − s⁻) (Rendle et al., UAI 2009), or with
    /// <paramref name="bounded"/> false the common slip of leaving out the log-sigmoid, −(s⁺ − s⁻).
    /// </summary>
    public static Doctor Rank((Tensor Positive, Tensor Negative) pairs, Module model, Func<Module, Optimizer> makeOptimizer, int steps, bool bounded,
        DoctorOptions? options = null)
    {
        int n = pairs.Positive.Size(0), batch = 64;
        return Train(model, makeOptimizer(model), steps, options, step =>
        {
            int start = step * batch % n;
            var margin = model.Forward(pairs.Positive.Narrow(0, start, batch)) - model.Forward(pairs.Negative.Narrow(0, start, batch));
            return bounded ? margin.Neg().Softplus().Mean() : margin.Neg().Mean();
        });
    }

    /// <summary>
    /// Heteroscedastic regression: the model predicts a mean and a log-variance for targets with extra Gaussian noise
    /// of standard deviation <paramref name="noise"/> (on top of the data's own 0.1), trained on the Gaussian negative
    /// log-likelihood ½·(log σ² + (y − μ)²/σ²). It is negative once σ is below about 0.6, and bounded below by
    /// ½·(log s² + 1) for the total noise s: a negative loss with a floor.
    /// </summary>
    public static Doctor GaussianFit((Tensor X, Tensor Y) data, Module model, Func<Module, Optimizer> makeOptimizer, int steps, double noise, int seed,
        DoctorOptions? options = null)
    {
        var y = data.Y + Tensor.Randn(data.Y.Shape, DType.Float32, new Generator(seed)) * noise;
        int n = data.X.Size(0), batch = 64;
        return Train(model, makeOptimizer(model), steps, options, step =>
        {
            int start = step * batch % n;
            var output = model.Forward(data.X.Narrow(0, start, batch));
            var mean = output.Narrow(1, 0, 1);
            var logVariance = output.Narrow(1, 1, 1);
            var target = y.Narrow(0, start, batch);
            return ((logVariance + (target - mean).Pow(2) * logVariance.Neg().Exp()) * 0.5).Mean();
        });
    }
}
