using System.Numerics;
using System.Runtime.Intrinsics;

namespace Tidu.Kernels;

// The optimizers' element-wise in-place updates (see Tensor's OptimSupport), with their scalars already converted
// to the element type. Each vector form spells out the scalar formula operation by operation.

/// <summary>self + alpha·other (torch add_(other, alpha=)).</summary>
internal readonly struct AddScaledUpdate<T>(T alpha) : IElementUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T self, T other, T b) => self + alpha * other;
    public Vector512<T> Apply(Vector512<T> self, Vector512<T> other, Vector512<T> b) => self + Vector512.Create(alpha) * other;
    public Vector<T> Apply(Vector<T> self, Vector<T> other, Vector<T> b) => self + new Vector<T>(alpha) * other;
}

/// <summary>self · factor (torch mul_).</summary>
internal readonly struct ScaleUpdate<T>(T factor) : IElementUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T self, T a, T b) => self * factor;
    public Vector512<T> Apply(Vector512<T> self, Vector512<T> a, Vector512<T> b) => self * Vector512.Create(factor);
    public Vector<T> Apply(Vector<T> self, Vector<T> a, Vector<T> b) => self * new Vector<T>(factor);
}

/// <summary>self + value (torch add_(value)).</summary>
internal readonly struct AddScalarUpdate<T>(T value) : IElementUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T self, T a, T b) => self + value;
    public Vector512<T> Apply(Vector512<T> self, Vector512<T> a, Vector512<T> b) => self + Vector512.Create(value);
    public Vector<T> Apply(Vector<T> self, Vector<T> a, Vector<T> b) => self + new Vector<T>(value);
}

/// <summary>PyTorch's lerp for |weight| &lt; 0.5: self + w·(end − self).</summary>
internal readonly struct LerpFromStartUpdate<T>(T weight) : IElementUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T self, T end, T b) => self + weight * (end - self);
    public Vector512<T> Apply(Vector512<T> self, Vector512<T> end, Vector512<T> b) => self + Vector512.Create(weight) * (end - self);
    public Vector<T> Apply(Vector<T> self, Vector<T> end, Vector<T> b) => self + new Vector<T>(weight) * (end - self);
}

/// <summary>PyTorch's lerp for |weight| ≥ 0.5: end − (end − self)·(1 − w), with 1 − w rounded once.</summary>
internal readonly struct LerpFromEndUpdate<T>(T oneMinusWeight) : IElementUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T self, T end, T b) => end - (end - self) * oneMinusWeight;
    public Vector512<T> Apply(Vector512<T> self, Vector512<T> end, Vector512<T> b) => end - (end - self) * Vector512.Create(oneMinusWeight);
    public Vector<T> Apply(Vector<T> self, Vector<T> end, Vector<T> b) => end - (end - self) * new Vector<T>(oneMinusWeight);
}

/// <summary>self + value·t1·t2 (torch addcmul_).</summary>
internal readonly struct AddcmulUpdate<T>(T value) : IElementUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T self, T t1, T t2) => self + value * t1 * t2;
    public Vector512<T> Apply(Vector512<T> self, Vector512<T> t1, Vector512<T> t2) => self + Vector512.Create(value) * t1 * t2;
    public Vector<T> Apply(Vector<T> self, Vector<T> t1, Vector<T> t2) => self + new Vector<T>(value) * t1 * t2;
}

/// <summary>self + value·t1/t2 (torch addcdiv_).</summary>
internal readonly struct AddcdivUpdate<T>(T value) : IElementUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T self, T t1, T t2) => self + value * t1 / t2;
    public Vector512<T> Apply(Vector512<T> self, Vector512<T> t1, Vector512<T> t2) => self + Vector512.Create(value) * t1 / t2;
    public Vector<T> Apply(Vector<T> self, Vector<T> t1, Vector<T> t2) => self + new Vector<T>(value) * t1 / t2;
}

/// <summary>self + value·numerator/(√squares/scale + eps) (PyTorch's denominator followed by addcdiv_).</summary>
internal readonly struct AddcdivSqrtUpdate<T>(T value, T scale, T eps) : IElementUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T self, T numerator, T squares) => self + value * numerator / (T.Sqrt(squares) / scale + eps);

    public Vector512<T> Apply(Vector512<T> self, Vector512<T> numerator, Vector512<T> squares) =>
        self + Vector512.Create(value) * numerator / (Vector512.Sqrt(squares) / Vector512.Create(scale) + Vector512.Create(eps));

    public Vector<T> Apply(Vector<T> self, Vector<T> numerator, Vector<T> squares) =>
        self + new Vector<T>(value) * numerator / (Vector.SquareRoot(squares) / new Vector<T>(scale) + new Vector<T>(eps));
}

/// <summary>max(self, other), NaN propagating and +0 above −0 (torch.maximum; the vector Max has T.Max's semantics).</summary>
internal readonly struct MaximumUpdate<T> : IElementUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T self, T other, T b) => T.Max(self, other);
    public Vector512<T> Apply(Vector512<T> self, Vector512<T> other, Vector512<T> b) => Vector512.Max(self, other);
    public Vector<T> Apply(Vector<T> self, Vector<T> other, Vector<T> b) => Vector.Max(self, other);
}

/// <summary>self &lt; min ? min : self &gt; max ? max : self; a NaN fails both tests and stays (torch clamp_).</summary>
internal readonly struct ClampUpdate<T>(T min, T max) : IElementUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T self, T a, T b) => self < min ? min : self > max ? max : self;

    public Vector512<T> Apply(Vector512<T> self, Vector512<T> a, Vector512<T> b)
    {
        Vector512<T> lo = Vector512.Create(min), hi = Vector512.Create(max);
        return Vector512.ConditionalSelect(Vector512.LessThan(self, lo), lo,
            Vector512.ConditionalSelect(Vector512.GreaterThan(self, hi), hi, self));
    }

    public Vector<T> Apply(Vector<T> self, Vector<T> a, Vector<T> b)
    {
        Vector<T> lo = new(min), hi = new(max);
        return Vector.ConditionalSelect(Vector.LessThan(self, lo), lo, Vector.ConditionalSelect(Vector.GreaterThan(self, hi), hi, self));
    }
}
