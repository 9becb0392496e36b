using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;

namespace Tidu.Kernels;

/// <summary>
/// Loops over strided (possibly broadcast) operands. Dims that are laid out consecutively in every operand are
/// merged first, so the innermost run is as long as possible and goes to a span kernel (TensorPrimitives).
/// </summary>
internal static class Strided
{
    /// <summary>Copies <paramref name="src"/> (any layout, broadcastable to dst) into <paramref name="dst"/>, converting dtype.</summary>
    internal static void CopyInto(Tensor src, Tensor dst)
    {
        var srcStrides = ShapeUtil.BroadcastStrides(src.shape, src.strides, dst.shape);
        if (src.DType == dst.DType)
        {
            switch (src.DType)
            {
                case DType.Float32: Copy<float>(src.storage.As<float>(), src.offset, srcStrides, dst.storage.As<float>(), dst.offset, dst.strides, dst.shape); break;
                case DType.Float64: Copy<double>(src.storage.As<double>(), src.offset, srcStrides, dst.storage.As<double>(), dst.offset, dst.strides, dst.shape); break;
                default: Copy<long>(src.storage.As<long>(), src.offset, srcStrides, dst.storage.As<long>(), dst.offset, dst.strides, dst.shape); break;
            }
            return;
        }
        // dtype conversion: make a contiguous same-dtype copy, then convert span to span
        var tmp = Tensor.Empty(src.DType, dst.shape);
        CopyInto(src, tmp);
        var conv = Tensor.Empty(dst.DType, dst.shape);
        Convert(tmp, conv);
        CopyInto(conv, dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Convert(Tensor src, Tensor dst)
    {
        int n = src.NumberOfElements;
        switch ((src.DType, dst.DType))
        {
            case (DType.Float32, DType.Float64): TensorPrimitives.ConvertChecked<float, double>(src.ContiguousSpan<float>(), dst.ContiguousSpan<double>()); break;
            case (DType.Float64, DType.Float32): TensorPrimitives.ConvertTruncating<double, float>(src.ContiguousSpan<double>(), dst.ContiguousSpan<float>()); break;
            case (DType.Int64, DType.Float32): { var s = src.ContiguousSpan<long>(); var d = dst.ContiguousSpan<float>(); for (int i = 0; i < n; i++) d[i] = s[i]; break; }
            case (DType.Int64, DType.Float64): { var s = src.ContiguousSpan<long>(); var d = dst.ContiguousSpan<double>(); for (int i = 0; i < n; i++) d[i] = s[i]; break; }
            // float → int truncates toward zero, as PyTorch's .long() does
            case (DType.Float32, DType.Int64): { var s = src.ContiguousSpan<float>(); var d = dst.ContiguousSpan<long>(); for (int i = 0; i < n; i++) d[i] = (long)s[i]; break; }
            case (DType.Float64, DType.Int64): { var s = src.ContiguousSpan<double>(); var d = dst.ContiguousSpan<long>(); for (int i = 0; i < n; i++) d[i] = (long)s[i]; break; }
            default: throw new InvalidOperationException($"No conversion from {src.DType} to {dst.DType}.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Copy<T>(T[] src, int srcOffset, int[] srcStrides, T[] dst, int dstOffset, int[] dstStrides, int[] shape)
    {
        int n = ShapeUtil.Numel(shape);
        if (n == 0) return;
        Span<int> sh = stackalloc int[Math.Max(shape.Length, 1)];
        Span<int> s0 = stackalloc int[sh.Length];
        Span<int> s1 = stackalloc int[sh.Length];
        int rank = Coalesce(shape, srcStrides, dstStrides, sh, s0, s1);
        int inner = sh[rank - 1], ss = s0[rank - 1], ds = s1[rank - 1];
        Span<int> idx = stackalloc int[rank];
        int so = srcOffset, dof = dstOffset;
        for (int done = 0; done < n; done += inner)
        {
            if (ss == 1 && ds == 1) src.AsSpan(so, inner).CopyTo(dst.AsSpan(dof, inner));
            else if (ss == 0 && ds == 1) dst.AsSpan(dof, inner).Fill(src[so]);
            else for (int i = 0; i < inner; i++) dst[dof + i * ds] = src[so + i * ss];
            for (int d = rank - 2; d >= 0; d--)
            {
                so += s0[d]; dof += s1[d];
                if (++idx[d] < sh[d]) break;
                so -= s0[d] * sh[d]; dof -= s1[d] * sh[d]; idx[d] = 0;
            }
        }
    }

    /// <summary>
    /// Merges neighbouring dims that are consecutive in both operands and drops size-1 dims. Writes the merged
    /// shape and strides and returns the new rank (at least 1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int Coalesce(ReadOnlySpan<int> shape, ReadOnlySpan<int> a, ReadOnlySpan<int> b, Span<int> outShape, Span<int> outA, Span<int> outB)
    {
        int r = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            if (r > 0 && outA[r - 1] == a[i] * shape[i] && outB[r - 1] == b[i] * shape[i])
            {
                outShape[r - 1] *= shape[i];
                outA[r - 1] = a[i];
                outB[r - 1] = b[i];
            }
            else
            {
                outShape[r] = shape[i]; outA[r] = a[i]; outB[r] = b[i]; r++;
            }
        }
        if (r == 0) { outShape[0] = 1; outA[0] = 0; outB[0] = 0; r = 1; }
        return r;
    }

    /// <summary>Three-operand coalescing for binary ops (two inputs and a contiguous output).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int Coalesce(ReadOnlySpan<int> shape, ReadOnlySpan<int> a, ReadOnlySpan<int> b, ReadOnlySpan<int> c,
        Span<int> outShape, Span<int> outA, Span<int> outB, Span<int> outC)
    {
        int r = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            if (r > 0 && outA[r - 1] == a[i] * shape[i] && outB[r - 1] == b[i] * shape[i] && outC[r - 1] == c[i] * shape[i])
            {
                outShape[r - 1] *= shape[i];
                outA[r - 1] = a[i]; outB[r - 1] = b[i]; outC[r - 1] = c[i];
            }
            else
            {
                outShape[r] = shape[i]; outA[r] = a[i]; outB[r] = b[i]; outC[r] = c[i]; r++;
            }
        }
        if (r == 0) { outShape[0] = 1; outA[0] = 0; outB[0] = 0; outC[0] = 0; r = 1; }
        return r;
    }

    /// <summary>
    /// dst[i] = op(a[i], b[i]) over a broadcast shape; <paramref name="dst"/> is contiguous. Inner runs go to the
    /// span, span-scalar or scalar-span form of the op.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Binary<T, TOp>(T[] a, int aOff, int[] aStrides, T[] b, int bOff, int[] bStrides, T[] dst, int[] shape)
        where T : unmanaged, INumber<T>
        where TOp : IBinaryOp
    {
        int n = ShapeUtil.Numel(shape);
        if (n == 0) return;
        int len = Math.Max(shape.Length, 1);
        Span<int> sh = stackalloc int[len], sa = stackalloc int[len], sb = stackalloc int[len], sd = stackalloc int[len];
        Span<int> dstStrides = stackalloc int[shape.Length];
        ShapeUtil.ContiguousStrides(shape, dstStrides);
        int rank = Coalesce(shape, aStrides, bStrides, dstStrides, sh, sa, sb, sd);
        int inner = sh[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1];
        Span<int> idx = stackalloc int[rank];
        int oa = aOff, ob = bOff, od = 0;
        for (int done = 0; done < n; done += inner)
        {
            var d = dst.AsSpan(od, inner);
            if (ia == 1 && ib == 1) TOp.Apply<T>(a.AsSpan(oa, inner), b.AsSpan(ob, inner), d);
            else if (ia == 1 && ib == 0) TOp.Apply(a.AsSpan(oa, inner), b[ob], d);
            else if (ia == 0 && ib == 1) TOp.Apply(a[oa], b.AsSpan(ob, inner), d);
            else for (int i = 0; i < inner; i++) d[i] = TOp.Apply(a[oa + i * ia], b[ob + i * ib]);
            od += inner;
            for (int k = rank - 2; k >= 0; k--)
            {
                oa += sa[k]; ob += sb[k];
                if (++idx[k] < sh[k]) break;
                oa -= sa[k] * sh[k]; ob -= sb[k] * sh[k]; idx[k] = 0;
            }
        }
    }
}
