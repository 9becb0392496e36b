using System.Numerics;
using System.Numerics.Tensors;
using Tidu.Threading;

namespace Tidu.Kernels;

/// <summary>
/// Training-mode batch normalisation of a contiguous [N, C, S] activation (S = the product of the spatial dims):
/// per channel, the batch mean and biased variance, the normalised and affinely transformed output, and the
/// backward. Channels are independent tasks on the persistent workers, each computed by one thread in a fixed
/// order, so results do not depend on the thread count. Within a channel each [S] plane is processed in one pass
/// (<see cref="BatchNormSteps"/>, and TensorPrimitives for the plain sum) and the per-plane sums are accumulated in double.
/// </summary>
internal static unsafe class BatchNorm
{
    /// <summary>
    /// y = (x − mean)·invStd·w + b per channel, writing the batch mean, biased variance and 1/√(variance + eps)
    /// of each channel; <paramref name="weight"/> and <paramref name="bias"/> may be null (1 and 0).
    /// </summary>
    internal static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, int n, int c, int s, double eps, double[]? weight, double[]? bias,
        double[] mean, double[] variance, double[] invStd) where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* px = x, py = y)
        {
            var job = new Job<T>
            {
                N = n, C = c, S = s, Eps = eps, Weight = weight, Bias = bias, Mean = mean, Variance = variance, InvStd = invStd,
                X = px, Y = py,
            };
            WorkerPool.Run(c, job, static (state, ch) => ((Job<T>)state).Forward(ch));
        }
    }

    /// <summary>
    /// dx = w·invStd/M · (M·dy − Σdy − x̂·Σ(dy·x̂)) with x̂ = (x − mean)·invStd and M = N·S, and per channel
    /// dγ = Σ(dy·x̂), dβ = Σdy. <paramref name="dx"/> may be empty to compute only dγ and dβ.
    /// </summary>
    internal static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, int n, int c, int s,
        double[] mean, double[] invStd, double[]? weight, double[] dGamma, double[] dBeta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* px = x, pg = dy, pdx = dx)
        {
            var job = new Job<T>
            {
                N = n, C = c, S = s, Weight = weight, Mean = mean, InvStd = invStd, DGamma = dGamma, DBeta = dBeta,
                X = px, Dy = pg, Dx = dx.IsEmpty ? null : pdx,
            };
            WorkerPool.Run(c, job, static (state, ch) => ((Job<T>)state).Backward(ch));
        }
    }

    private sealed class Job<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        internal int N, C, S;
        internal double Eps;
        internal double[]? Weight, Bias;
        internal double[] Mean = null!, Variance = null!, InvStd = null!, DGamma = null!, DBeta = null!;
        internal T* X, Y, Dy, Dx;

        private ReadOnlySpan<T> Plane(T* data, int i, int ch) => new(data + ((nint)i * C + ch) * S, S);

        internal void Forward(int ch)
        {
            double sum = 0;
            for (int i = 0; i < N; i++) sum += double.CreateTruncating(TensorPrimitives.Sum(Plane(X, i, ch)));
            double count = (double)N * S, m = sum / count;
            // the variance from the centred values (two passes), not E[x²] − m², which cancels when |m| ≫ σ
            T mt = T.CreateTruncating(m);
            double squares = 0;
            for (int i = 0; i < N; i++) squares += BatchNormSteps.SquaredDeviations(X + ((nint)i * C + ch) * S, S, mt);
            double variance = squares / count, inv = 1 / Math.Sqrt(variance + Eps);
            Mean[ch] = m; Variance[ch] = variance; InvStd[ch] = inv;
            T scale = T.CreateTruncating(inv * (Weight?[ch] ?? 1)), shift = T.CreateTruncating(Bias?[ch] ?? 0);
            for (int i = 0; i < N; i++)
            {
                nint at = ((nint)i * C + ch) * S;
                BatchNormSteps.Normalize(X + at, Y + at, S, mt, scale, shift);
            }
        }

        internal void Backward(int ch)
        {
            T mt = T.CreateTruncating(Mean[ch]);
            double inv = InvStd[ch], sumDy = 0, sumDyCentred = 0;
            for (int i = 0; i < N; i++)
            {
                nint at = ((nint)i * C + ch) * S;
                var (dySum, dyCentred) = BatchNormSteps.GradientSums(X + at, Dy + at, S, mt);
                sumDy += dySum;
                sumDyCentred += dyCentred;
            }
            double sumDyXhat = sumDyCentred * inv;
            DGamma[ch] = sumDyXhat;
            DBeta[ch] = sumDy;
            if (Dx is null) return;
            // dx = k·M·dy − k·Σdy − k·invStd·Σ(dy·x̂)·(x − mean), with k = w·invStd/M
            double count = (double)N * S, k = (Weight?[ch] ?? 1) * inv / count;
            T a = T.CreateTruncating(k * count), b = T.CreateTruncating(-k * inv * sumDyXhat), c0 = T.CreateTruncating(-k * sumDy);
            for (int i = 0; i < N; i++)
            {
                nint at = ((nint)i * C + ch) * S;
                BatchNormSteps.InputGradient(X + at, Dy + at, Dx + at, S, mt, a, b, c0);
            }
        }
    }
}
