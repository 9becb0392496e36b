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
        int units = c.Rank < 2 ? n : n / c.Size(0), batch = n / units;
        var alive = new bool[units];
        if (c.DType == DType.Float32)
        {
            var x = c.ContiguousSpan<float>();
            for (int b = 0; b < batch; b++)
            {
                var row = x.Slice(b * units, units);
                for (int u = 0; u < units; u++) if (row[u] > 0) alive[u] = true;
            }
        }
        else
        {
            var x = c.ContiguousSpan<double>();
            for (int b = 0; b < batch; b++)
            {
                var row = x.Slice(b * units, units);
                for (int u = 0; u < units; u++) if (row[u] > 0) alive[u] = true;
            }
        }
        int dead = 0;
        foreach (bool a in alive) if (!a) dead++;
        return (double)dead / units;
    }

    /// <summary>Fraction of values ≤ 0, fraction with |x| beyond <paramref name="bound"/>, mean and population std.</summary>
    public static (double NonPositive, double Beyond, double Mean, double Std) Activation(Tensor t, double bound)
    {
        int n = t.NumberOfElements;
        if (n == 0 || !t.DType.IsFloatingPoint()) return (0, 0, 0, 0);
        var c = Contig(t);
        int nonPositive = 0, beyond = 0;
        double sum, sumSq;
        if (c.DType == DType.Float32)
        {
            var x = c.ContiguousSpan<float>();
            float b = (float)bound;
            foreach (float v in x)
            {
                if (v <= 0) nonPositive++;
                if (v > b || v < -b) beyond++;
            }
            sum = TensorPrimitives.Sum(x);
            sumSq = TensorPrimitives.SumOfSquares(x);
        }
        else
        {
            var x = c.ContiguousSpan<double>();
            foreach (double v in x)
            {
                if (v <= 0) nonPositive++;
                if (v > bound || v < -bound) beyond++;
            }
            sum = TensorPrimitives.Sum(x);
            sumSq = TensorPrimitives.SumOfSquares(x);
        }
        double mean = sum / n;
        return ((double)nonPositive / n, (double)beyond / n, mean, Math.Sqrt(Math.Max(0, sumSq / n - mean * mean)));
    }

    private static Tensor Contig(Tensor t)
    {
        if (t.IsContiguous) return t;
        using (Tensor.NoGrad()) return t.Detach().Contiguous();
    }
}
