using System.Numerics;

namespace Tidu.Kernels;

/// <summary>
/// The span kernels of the element-wise ops (unary, binary, tensor-scalar, ReLU's backward) over both cores when the
/// tensor is large: a ReLU over the CNN's first activation (1.6 M floats) took one core for 4 % of a training step
/// while the other waited. Chunks come from <see cref="ElementRanges"/> (multiples of 64 elements, at least 32 K), so
/// every element goes through the same vector code whatever the thread count, and results are identical.
/// </summary>
internal static unsafe class ParallelSpans
{
    internal static void Unary<T, TOp>(ReadOnlySpan<T> x, Span<T> d, double arg, double arg2)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : IUnaryOp
    {
        if (x.Length < ElementRanges.ParallelThreshold) { TOp.Apply(x, d, arg, arg2); return; }
        if (d.Length < x.Length) throw new ArgumentException("ParallelSpans.Unary: destination too short.");
        fixed (T* px = x, pd = d) ElementRanges.Run(x.Length, new UnaryRange<T, TOp>(px, pd, arg, arg2));
    }

    internal static void Binary<T, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T> where TOp : IBinaryOp
    {
        if (x.Length < ElementRanges.ParallelThreshold) { TOp.Apply(x, y, d); return; }
        if (y.Length < x.Length || d.Length < x.Length) throw new ArgumentException("ParallelSpans.Binary: operands of different lengths.");
        fixed (T* px = x, py = y, pd = d) ElementRanges.Run(x.Length, new BinaryRange<T, TOp>(px, py, default, pd, Form.SpanSpan));
    }

    /// <summary>x op s, or s op x when <paramref name="scalarFirst"/>.</summary>
    internal static void WithScalar<T, TOp>(ReadOnlySpan<T> x, T s, Span<T> d, bool scalarFirst) where T : unmanaged, INumber<T> where TOp : IBinaryOp
    {
        if (x.Length < ElementRanges.ParallelThreshold)
        {
            if (scalarFirst) TOp.Apply(s, x, d); else TOp.Apply(x, s, d);
            return;
        }
        if (d.Length < x.Length) throw new ArgumentException("ParallelSpans.WithScalar: destination too short.");
        fixed (T* px = x, pd = d) ElementRanges.Run(x.Length, new BinaryRange<T, TOp>(px, null, s, pd, scalarFirst ? Form.ScalarSpan : Form.SpanScalar));
    }

    /// <summary><see cref="ReluBackward.Apply{T}"/> in chunks.</summary>
    internal static void ReluBackward<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> gradOutput, Span<T> gradInput) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = output.Length;
        if (n < ElementRanges.ParallelThreshold) { Kernels.ReluBackward.Apply(output, gradOutput, gradInput); return; }
        if (gradOutput.Length < n || gradInput.Length < n) throw new ArgumentException("ParallelSpans.ReluBackward: operands of different lengths.");
        fixed (T* po = output, pg = gradOutput, pd = gradInput) ElementRanges.Run(n, new ReluBackwardRange<T>(po, pg, pd));
    }

    private enum Form { SpanSpan, SpanScalar, ScalarSpan }

    private readonly struct UnaryRange<T, TOp>(T* x, T* d, double arg, double arg2) : IRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : IUnaryOp
    {
        public void Run(int start, int count) => TOp.Apply<T>(new ReadOnlySpan<T>(x + start, count), new Span<T>(d + start, count), arg, arg2);
    }

    private readonly struct BinaryRange<T, TOp>(T* x, T* y, T s, T* d, Form form) : IRangeKernel
        where T : unmanaged, INumber<T> where TOp : IBinaryOp
    {
        public void Run(int start, int count)
        {
            var xs = new ReadOnlySpan<T>(x + start, count);
            var ds = new Span<T>(d + start, count);
            switch (form)
            {
                case Form.SpanSpan: TOp.Apply<T>(xs, new ReadOnlySpan<T>(y + start, count), ds); break;
                case Form.SpanScalar: TOp.Apply(xs, s, ds); break;
                default: TOp.Apply(s, xs, ds); break;
            }
        }
    }

    private readonly struct ReluBackwardRange<T>(T* output, T* grad, T* d) : IRangeKernel where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int start, int count) =>
            Kernels.ReluBackward.Apply<T>(new ReadOnlySpan<T>(output + start, count), new ReadOnlySpan<T>(grad + start, count), new Span<T>(d + start, count));
    }
}
