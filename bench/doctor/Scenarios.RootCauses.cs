using Tidu.Diagnostics;
using Tidu.NN;
using Tidu.Optim;

namespace Tidu.DoctorBench;

public static partial class Scenarios
{
    /// <summary>
    /// Faults whose root cause is a kind the other pairs only produce as a consequence (seeds s + 21 …): a NaN or ∞ in
    /// the data, a model that cannot fit its data (the loss stalls at chance) and an Adam lr that overshoots from the
    /// first step. Variant 0 is the tuning half, variant 1 the held-out half, as for the other pairs. Candidates dropped
    /// because their "fault" did not harm training: Adam at lr 0.1–0.2 on two moons (update ratio at most 0.06, loss to
    /// 1e-5), logistic regression on separable blobs without weight decay (the weight norm grows only ×2–3 in 150
    /// steps), Adam at lr 0.05–0.1 on a Tanh MLP; and momentum SGD at lr 1–3 on a BatchNorm MLP without weight decay,
    /// which is chaotic with or without decay (bench/doctor/README.md, round (e)). WeightGrowth got its pair in round
    /// (f): a loss with no lower bound (<c>Scenarios.Losses.cs</c>).
    /// </summary>
    private static IEnumerable<Scenario> RootCauseFamily(int v, string split, int s)
    {
        // one corrupt sample (a NaN feature, or ∞ from a division by zero in preprocessing) in the training data
        yield return new($"nan-in-data-{v}", split, [FindingKind.NonFiniteValue],
            [FindingKind.DivergingLoss],
            n => Classify(Corrupt(Moons(256, s + 21), v == 0 ? 37 : 150, v == 0 ? float.NaN : float.PositiveInfinity), Mlp(2, 2, 32, 2, () => new ReLU(), s + 21),
                m => new Adam(m.Parameters(), lr: 1e-2), n));
        // a linear classifier on XOR-placed clusters: no line separates them, so the loss stalls at ln 2 from the start
        yield return new($"underfit-linear-xor-{v}", split, [FindingKind.SlowConvergence],
            [FindingKind.LearningRateTooLow],
            n => Classify(Xor(256, s + 24), Mlp(2, 2, 0, 0, () => new ReLU(), s + 24), m => new Adam(m.Parameters(), lr: v == 0 ? 1e-2 : 3e-2), n));
        // Adam at 30–50 × its usual lr on a non-linear regression: the first updates move every weight by about the lr,
        // the loss jumps × 10–200, most ReLUs die, and the run ends 8–10 × above the same model at lr 3e-3 (tuning half;
        // the usual lr-too-high pair uses SGD and blows up to NaN, which the divergence rules see first)
        yield return new($"lr-too-high-adam-{v}", split, [FindingKind.LearningRateTooHigh],
            [FindingKind.OscillatingLoss, FindingKind.DivergingLoss, FindingKind.DeadRelu, FindingKind.WeightGrowth, FindingKind.SlowConvergence,
             FindingKind.ExplodingGradient, FindingKind.NonFiniteValue],
            n => Regress(LinReg(256, 8, s + 25, scale: 1, nonlinear: true), Mlp(8, 1, 32, v == 0 ? 2 : 3, () => new ReLU(), s + 25),
                m => new Adam(m.Parameters(), lr: v == 0 ? 0.3 : 0.5), n));
    }

    /// <summary>The data with feature 0 of sample <paramref name="index"/> replaced by <paramref name="value"/>.</summary>
    public static (Tensor X, Tensor Y) Corrupt((Tensor X, Tensor Y) data, int index, float value)
    {
        var a = data.X.ToArray<float>();
        a[index * data.X.Size(1)] = value;
        return (Tensor.From(a, data.X.Shape), data.Y);
    }

    /// <summary>Four clusters (σ = 0.25) at (±1, ±1), labelled by the sign of x·y: the XOR problem.</summary>
    public static (Tensor X, Tensor Y) Xor(int n, int seed)
    {
        var g = new Generator(seed);
        var x = new float[n * 2];
        var y = new long[n];
        for (int i = 0; i < n; i++)
        {
            int qx = g.NextDouble() < 0.5 ? -1 : 1, qy = g.NextDouble() < 0.5 ? -1 : 1;
            x[2 * i] = (float)(qx + 0.25 * g.NextNormal());
            x[2 * i + 1] = (float)(qy + 0.25 * g.NextNormal());
            y[i] = qx * qy > 0 ? 1 : 0;
        }
        return (Tensor.From(x, n, 2), Tensor.From(y, n));
    }
}
