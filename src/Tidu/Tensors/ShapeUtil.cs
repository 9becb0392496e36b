using System.Runtime.CompilerServices;
using System.Text;

namespace Tidu;

/// <summary>Shape arithmetic shared by every op: strides, broadcasting, dim wrapping, formatting.</summary>
internal static class ShapeUtil
{
    internal static readonly int[] Scalar = [];

    // Shape and stride arrays are never changed once a tensor holds them, so every contiguous 1-D tensor can share
    // this one instead of allocating its own: most results of small element-wise ops are 1-D.
    private static readonly int[] UnitStride = [1];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Numel(ReadOnlySpan<int> shape) => shape.Length switch
    {
        // the common ranks, inlined where every op asks; only products of several dims can overflow
        0 => 1,
        1 => shape[0],
        _ => NumelChecked(shape),
    };

    private static int NumelChecked(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            n *= d;
            if (n > int.MaxValue) throw new ArgumentException($"A tensor of shape {Format(shape)} has more than {int.MaxValue} elements.");
        }
        return (int)n;
    }

    internal static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 0) return Scalar;
        if (shape.Length == 1) return UnitStride;
        var strides = new int[shape.Length];
        ContiguousStrides(shape, strides);
        return strides;
    }

    private static readonly int[][] ZeroStridesByRank = [[], [0], [0, 0], [0, 0, 0], [0, 0, 0, 0]];

    /// <summary>All-zero strides of a rank (a 0-d value broadcast to a shape), shared up to rank 4 like <see cref="ContiguousStrides(ReadOnlySpan{int})"/>.</summary>
    internal static int[] ZeroStrides(int rank) => rank < ZeroStridesByRank.Length ? ZeroStridesByRank[rank] : new int[rank];

    /// <summary>Writes the row-major strides of <paramref name="shape"/> into <paramref name="strides"/> (e.g. a stack buffer).</summary>
    internal static void ContiguousStrides(ReadOnlySpan<int> shape, Span<int> strides)
    {
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(shape[i], 1);
        }
    }

    internal static bool IsContiguous(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        foreach (int d in shape) if (d == 0) return true; // an empty tensor is contiguous, as in PyTorch
        int expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] == 1) continue; // a size-1 dim may have any stride, as in PyTorch
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /// <summary>PyTorch's broadcasting: align trailing dims; each pair must be equal or contain a 1.</summary>
    internal static int[] Broadcast(string op, int[] a, int[] b)
    {
        if (a.AsSpan().SequenceEqual(b)) return a;
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException(
                    $"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast together (dim {i - rank} is {da} vs {db}).");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>
    /// Strides that read a tensor of shape/strides as if expanded to <paramref name="target"/> (0 on broadcast dims):
    /// the tensor's own array when nothing is broadcast, so callers only read the result.
    /// </summary>
    internal static int[] BroadcastStrides(int[] shape, int[] strides, int[] target)
    {
        if (shape.AsSpan().SequenceEqual(target)) return strides; // not broadcast: the strides as they are
        var result = new int[target.Length];
        int offset = target.Length - shape.Length;
        for (int i = 0; i < shape.Length; i++)
            result[i + offset] = shape[i] == 1 && target[i + offset] != 1 ? 0 : strides[i];
        return result;
    }

    internal static int WrapDim(string op, int dim, int rank)
    {
        int r = Math.Max(rank, 1); // a 0-d tensor accepts dim 0 and -1, as in PyTorch
        if (dim < -r || dim >= r)
            throw new ArgumentOutOfRangeException(nameof(dim), $"{op}: dimension {dim} is out of range for a tensor of rank {rank} (expected {-r}..{r - 1}).");
        return dim < 0 ? dim + r : dim;
    }

    /// <summary>The multi-index of a flat row-major position.</summary>
    internal static int[] Unravel(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }
        return index;
    }

    internal static string Format(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(shape[i]);
        }
        return sb.Append(']').ToString();
    }
}
