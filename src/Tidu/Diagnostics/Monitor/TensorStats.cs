using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Tidu.Diagnostics;

/// <summary>Summary statistics of one tensor's values, computed in one pass over its span.</summary>
internal readonly record struct SpanStats(int Count, double Mean, double Variance, double Norm, double MaxAbs, double ZeroFraction, bool AllFinite)
{
    public static readonly SpanStats Empty = new(0, 0, 0, 0, 0, 0, true);
}

/// <summary>
/// Allocation-free statistics over tensor storage (System.Numerics.Tensors' <see cref="TensorPrimitives"/> on
/// spans). Non-contiguous tensors are copied once; parameters, gradients and activations are contiguous in practice.
/// </summary>
internal static class TensorStats
{
    /// <summary>Mean, population variance, L2 norm, max |x|, fraction of exact zeros and finiteness of the values.</summary>
    public static SpanStats Of(Tensor t)
    {
        if (t.NumberOfElements == 0 || !t.DType.IsFloatingPoint()) return SpanStats.Empty;
        var c = Contig(t);
        return c.DType == DType.Float32 ? Of(c.ContiguousSpan<float>()) : Of(c.ContiguousSpan<double>());
    }

    public static SpanStats Of(ReadOnlySpan<float> x)
    {
        int n = x.Length;
        double sum = TensorPrimitives.Sum(x);
        double maxAbs = Math.Abs((double)TensorPrimitives.MaxMagnitude(x));
        bool finite = double.IsFinite(sum) && double.IsFinite(maxAbs);
        double sumSq = TensorPrimitives.SumOfSquares(x);
        if (!double.IsFinite(sumSq) && finite)
        {
            // float overflow of the sum of squares with finite values: redo it in double
            sumSq = 0;
            foreach (float v in x) sumSq += (double)v * v;
        }
        // float.Equals treats -0 as 0, so Count finds both
        return Finish(n, sum, sumSq, maxAbs, x.Count(0f), finite);
    }

    public static SpanStats Of(ReadOnlySpan<double> x)
    {
        int n = x.Length;
        double sum = TensorPrimitives.Sum(x);
        double maxAbs = Math.Abs(TensorPrimitives.MaxMagnitude(x));
        bool finite = double.IsFinite(sum) && double.IsFinite(maxAbs);
        double sumSq = TensorPrimitives.SumOfSquares(x);
        return Finish(n, sum, sumSq, maxAbs, x.Count(0d), finite);
    }

    private static SpanStats Finish(int n, double sum, double sumSq, double maxAbs, int zeros, bool finite)
    {
        if (!finite) return new(n, double.NaN, double.NaN, double.NaN, double.NaN, (double)zeros / n, false);
        double mean = sum / n;
        double variance = Math.Max(0, sumSq / n - mean * mean);
        return new(n, mean, variance, Math.Sqrt(sumSq), maxAbs, (double)zeros / n, true);
    }

    /// <summary>The L2 norm of the values (NaN when one is not finite).</summary>
    public static double Norm(Tensor t)
    {
        if (t.NumberOfElements == 0) return 0;
        var c = Contig(t);
        return c.DType == DType.Float32 ? TensorPrimitives.Norm(c.ContiguousSpan<float>()) : TensorPrimitives.Norm(c.ContiguousSpan<double>());
    }

    /// <summary>‖a − b‖₂ for two tensors of the same shape and dtype.</summary>
    public static double Distance(Tensor a, Tensor b)
    {
        if (a.NumberOfElements == 0) return 0;
        var ca = Contig(a);
        var cb = Contig(b);
        return ca.DType == DType.Float32
            ? TensorPrimitives.Distance(ca.ContiguousSpan<float>(), cb.ContiguousSpan<float>())
            : TensorPrimitives.Distance(ca.ContiguousSpan<double>(), cb.ContiguousSpan<double>());
    }

    /// <summary>Copies the values of <paramref name="source"/> into <paramref name="destination"/> (same shape, contiguous).</summary>
    public static void CopyValues(Tensor source, Tensor destination)
    {
        var c = Contig(source);
        if (c.DType == DType.Float32) c.ContiguousSpan<float>().CopyTo(destination.ContiguousSpan<float>());
        else c.ContiguousSpan<double>().CopyTo(destination.ContiguousSpan<double>());
    }

    /// <summary>A detached contiguous copy of the values.</summary>
    public static Tensor Snapshot(Tensor t)
    {
        var copy = Tensor.Empty(t.DType, t.shape);
        CopyValues(t, copy);
        return copy;
    }

    /// <summary>
    /// Fraction of units (positions after the batch dimension 0) whose output is ≤ 0 for every sample of the batch:
    /// a dead ReLU unit passes no gradient for any input, whereas a unit that is zero for most samples and positive
    /// for some is merely sparse, as healthy ReLU layers are (with dropout often for 70 % of outputs or more).
    /// A tensor of rank below 2 counts each element as a unit.
    /// </summary>
    public static double DeadUnitFraction(Tensor t)
    {
        int n = t.NumberOfElements;
        if (n == 0 || !t.DType.IsFloatingPoint()) return 0;
        var c = Contig(t);
        int units = c.Rank < 2 ? n : n / c.Size(0);
        int alive = c.DType == DType.Float32 ? AliveUnits(c.ContiguousSpan<float>(), units) : AliveUnits(c.ContiguousSpan<double>(), units);
        return (double)(units - alive) / units;
    }

    /// <summary>
    /// The number of units (columns of the [batch, units] values) with a value &gt; 0 in some row. Vectorised over the
    /// units with comparison masks ORed row after row: the branch per value of the scalar loop mispredicted on about
    /// half of a ReLU's outputs, and this and <see cref="Activation"/> were a third of the doctor's time on a sampled
    /// step (MLP 2-256×4-2, batch 256).
    /// </summary>
    internal static int AliveUnits<T>(ReadOnlySpan<T> x, int units) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int batch = x.Length / units;
        var seen = ArrayPool<T>.Shared.Rent(units);
        try
        {
            // seen[u] = max over rows of (x > 0 ? 1 : 0), as 0/1 values of T; NaN compares false, as in the scalar test
            var s = seen.AsSpan(0, units);
            s.Clear();
            int w = Vector<T>.Count;
            var one = Vector<T>.One;
            for (int r = 0; r < batch; r++)
            {
                var row = x.Slice(r * units, units);
                int u = 0;
                if (Vector.IsHardwareAccelerated)
                    for (; u <= units - w; u += w)
                    {
                        var positive = Vector.GreaterThan(new Vector<T>(row[u..]), Vector<T>.Zero);
                        Vector.ConditionalSelect(positive, one, new Vector<T>(s[u..])).CopyTo(s[u..]);
                    }
                for (; u < units; u++) if (row[u] > T.Zero) s[u] = T.One;
            }
            return int.CreateTruncating(TensorPrimitives.Sum<T>(s));
        }
        finally { ArrayPool<T>.Shared.Return(seen); }
    }

    /// <summary>Fraction of values ≤ 0, fraction with |x| beyond <paramref name="bound"/>, mean and population std.</summary>
    public static (double NonPositive, double Beyond, double Mean, double Std) Activation(Tensor t, double bound)
    {
        int n = t.NumberOfElements;
        if (n == 0 || !t.DType.IsFloatingPoint()) return (0, 0, 0, 0);
        var c = Contig(t);
        long nonPositive, beyond;
        double sum, sumSq;
        if (c.DType == DType.Float32)
        {
            var x = c.ContiguousSpan<float>();
            (nonPositive, beyond) = Counts(x, (float)bound);
            sum = TensorPrimitives.Sum(x);
            sumSq = TensorPrimitives.SumOfSquares(x);
        }
        else
        {
            var x = c.ContiguousSpan<double>();
            (nonPositive, beyond) = Counts(x, bound);
            sum = TensorPrimitives.Sum(x);
            sumSq = TensorPrimitives.SumOfSquares(x);
        }
        double mean = sum / n;
        return ((double)nonPositive / n, (double)beyond / n, mean, Math.Sqrt(Math.Max(0, sumSq / n - mean * mean)));
    }

    /// <summary>
    /// How many values are ≤ 0 and how many are beyond ±<paramref name="bound"/> (NaN is neither), counted with
    /// vector comparisons: each true lane adds one to a vector of counts (bounded blocks, so no lane overflows).
    /// </summary>
    internal static (long NonPositive, long Beyond) Counts<T>(ReadOnlySpan<T> x, T bound) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long nonPositive = 0, beyond = 0;
        int i = 0, w = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var one = Vector<T>.One;
            var b = new Vector<T>(bound);
            // per lane at most 2^20 ones per block: exact in float (24-bit mantissa) and double
            const int block = 1 << 20;
            while (i <= x.Length - w)
            {
                var np = Vector<T>.Zero;
                var by = Vector<T>.Zero;
                int end = (int)Math.Min(x.Length - w, (long)i + (long)block * w);
                for (; i <= end; i += w)
                {
                    var v = new Vector<T>(x[i..]);
                    np += Vector.ConditionalSelect(Vector.LessThanOrEqual(v, Vector<T>.Zero), one, Vector<T>.Zero);
                    by += Vector.ConditionalSelect(Vector.GreaterThan(Vector.Abs(v), b), one, Vector<T>.Zero);
                }
                nonPositive += long.CreateTruncating(Vector.Sum(np));
                beyond += long.CreateTruncating(Vector.Sum(by));
            }
        }
        for (; i < x.Length; i++)
        {
            T v = x[i];
            if (v <= T.Zero) nonPositive++;
            if (v > bound || v < -bound) beyond++;
        }
        return (nonPositive, beyond);
    }

    private static Tensor Contig(Tensor t)
    {
        if (t.IsContiguous) return t;
        using (Tensor.NoGrad()) return t.Detach().Contiguous();
    }
}
