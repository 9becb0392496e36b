using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Tidu.Kernels;

/// <summary>
/// One in-place update self = f(self, a, b), in scalar and vector forms. The forms must perform the same IEEE
/// operations in the same order (the JIT never contracts a·b + c into an FMA), so every element gets the same bits
/// whether it lands in a vector or in the scalar tail.
/// </summary>
internal interface IElementUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    T Apply(T self, T a, T b);

    Vector512<T> Apply(Vector512<T> self, Vector512<T> a, Vector512<T> b);

    Vector<T> Apply(Vector<T> self, Vector<T> a, Vector<T> b);
}

/// <summary>
/// Runs an <see cref="IElementUpdate{T}"/> over contiguous spans: Vector512 where the hardware has it, else
/// Vector&lt;T&gt; (256 bits on AVX2, 128 on Arm), then scalars, split over the workers for large spans.
/// </summary>
internal static unsafe class ElementUpdate
{
    /// <summary>self[i] = op(self[i], a[i], b[i]); an operand the op does not read may be <paramref name="self"/> itself.</summary>
    internal static void Run<T, TOp>(Span<T> self, ReadOnlySpan<T> a, ReadOnlySpan<T> b, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IElementUpdate<T>
    {
        if (a.Length < self.Length || b.Length < self.Length) throw new ArgumentException("ElementUpdate: operands of different lengths.");
        fixed (T* ps = self, pa = a, pb = b)
            ElementRanges.Run(self.Length, new Kernel<T, TOp>(ps, pa, pb, op));
    }

    private readonly struct Kernel<T, TOp>(T* self, T* a, T* b, TOp op) : IRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IElementUpdate<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int start, int count)
        {
            T* s = self + start, x = a + start, y = b + start;
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; i <= count - Vector512<T>.Count; i += Vector512<T>.Count)
                    Vector512.Store(op.Apply(Vector512.Load(s + i), Vector512.Load(x + i), Vector512.Load(y + i)), s + i);
            }
            else if (Vector.IsHardwareAccelerated)
            {
                for (; i <= count - Vector<T>.Count; i += Vector<T>.Count)
                    Vector.Store(op.Apply(Vector.Load(s + i), Vector.Load(x + i), Vector.Load(y + i)), s + i);
            }
            for (; i < count; i++) s[i] = op.Apply(s[i], x[i], y[i]);
        }
    }
}
