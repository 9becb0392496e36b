using System.Numerics;
using System.Numerics.Tensors;

namespace Tidu.Kernels;

/// <summary>
/// Matrix multiply C = A·B for contiguous row-major operands. A straightforward row-times-panel loop whose inner
/// step (C[i,:] += A[i,p]·B[p,:]) is a vectorised TensorPrimitives multiply-add; the blocked, packed
/// kernels come with the performance work.
/// </summary>
internal static class Gemm
{
    internal static void Multiply<T>(int m, int n, int k, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        c[..(m * n)].Clear();
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * n, n);
            var ai = a.Slice(i * k, k);
            for (int p = 0; p < k; p++)
            {
                T s = ai[p];
                if (s == T.Zero) continue;
                TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), s, row, row);
            }
        }
    }
}
