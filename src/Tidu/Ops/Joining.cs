namespace Tidu;

// Joining tensors (torch.cat, torch.stack). Both copy; Cat's backward hands each input its slice of the gradient.
public sealed partial class Tensor
{
    /// <summary>
    /// Concatenates tensors along an existing dimension (torch.cat). All tensors must have the same shape except
    /// in <paramref name="dim"/>; as in PyTorch, 1-D empty tensors (shape [0]) are skipped. The result has the
    /// promoted dtype of the inputs (a float beats an integer, Float64 beats Float32).
    /// </summary>
    /// <exception cref="ArgumentException">No tensors, a 0-dimensional tensor, or shapes that differ outside dim.</exception>
    public static Tensor Cat(Tensor[] tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("Cat: expected a non-empty list of tensors.", nameof(tensors));
        for (int i = 0; i < tensors.Length; i++)
        {
            if (tensors[i] is null) throw new ArgumentNullException(nameof(tensors), $"Cat: tensor {i} is null.");
            if (tensors[i].Rank == 0)
                throw new ArgumentException($"Cat: zero-dimensional tensor (at position {i}) cannot be concatenated; use Stack or Unsqueeze first.", nameof(tensors));
        }
        static bool Skipped(Tensor t) => t.Rank == 1 && t.shape[0] == 0;

        // the first tensor that is not a legacy empty 1-D tensor fixes the shape
        int reference = Array.FindIndex(tensors, t => !Skipped(t));
        if (reference < 0) reference = 0;
        var refShape = tensors[reference].shape;
        int d = ShapeUtil.WrapDim("Cat", dim, refShape.Length);
        var dtype = tensors[0].DType;
        var outShape = (int[])refShape.Clone();
        outShape[d] = 0;
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i];
            dtype = DTypeExtensions.Promote(dtype, t.DType);
            if (Skipped(t) && i != reference) continue;
            bool match = t.Rank == refShape.Length;
            for (int k = 0; match && k < refShape.Length; k++) match = k == d || t.shape[k] == refShape[k];
            if (!match)
                throw new ArgumentException(
                    $"Cat: sizes of tensors must match except in dimension {d}: tensor {reference} has shape {ShapeUtil.Format(refShape)} but tensor {i} has shape {ShapeUtil.Format(t.shape)}.",
                    nameof(tensors));
            outShape[d] += t.shape[d];
        }

        var result = Empty(dtype, outShape);
        var resultStrides = result.strides;
        // per input: its size along dim (−1 when skipped) and its dtype, for the backward
        var ints = new int[2 + 2 * tensors.Length];
        ints[0] = d;
        ints[1] = tensors.Length;
        int position = 0;
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i];
            ints[2 + 2 * i + 1] = (int)t.DType;
            if (Skipped(t) && i != reference) { ints[2 + 2 * i] = -1; continue; }
            int size = t.shape[d];
            ints[2 + 2 * i] = size;
            if (size > 0)
            {
                var part = result.MakeView(t.shape, resultStrides, result.offset + position * resultStrides[d]);
                Kernels.Strided.CopyInto(t, part);
            }
            position += size;
        }
        return Autograd.Record(result, "Cat", tensors, static (n, g) =>
        {
            int dim = n.Ints[0], count = n.Ints[1];
            var grads = new Tensor?[count];
            int at = 0;
            for (int i = 0; i < count; i++)
            {
                int size = n.Ints[2 + 2 * i];
                var dtype = (DType)n.Ints[2 + 2 * i + 1];
                if (size < 0) { grads[i] = Zeros([0], dtype); continue; }
                grads[i] = g.Narrow(dim, at, size).To(dtype);
                at += size;
            }
            return grads;
        }, ints: ints);
    }

    /// <summary>
    /// Joins tensors of one shape along a new dimension <paramref name="dim"/> (torch.stack): the result has one
    /// more dimension, of size <c>tensors.Length</c>, and the promoted dtype of the inputs.
    /// </summary>
    /// <exception cref="ArgumentException">No tensors, or tensors of different shapes.</exception>
    public static Tensor Stack(Tensor[] tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("Stack: expected a non-empty list of tensors.", nameof(tensors));
        for (int i = 0; i < tensors.Length; i++)
        {
            if (tensors[i] is null) throw new ArgumentNullException(nameof(tensors), $"Stack: tensor {i} is null.");
            if (!tensors[i].shape.AsSpan().SequenceEqual(tensors[0].shape))
                throw new ArgumentException(
                    $"Stack: expects each tensor to be equal size, but got {ShapeUtil.Format(tensors[0].shape)} at entry 0 and {ShapeUtil.Format(tensors[i].shape)} at entry {i}.",
                    nameof(tensors));
        }
        int rank = tensors[0].Rank;
        int d = dim < 0 ? dim + rank + 1 : dim;
        if (d < 0 || d > rank)
            throw new ArgumentOutOfRangeException(nameof(dim),
                $"Stack: dimension {dim} is out of range for stacking tensors of shape {ShapeUtil.Format(tensors[0].shape)} (expected {-rank - 1}..{rank}).");
        var expanded = new Tensor[tensors.Length];
        for (int i = 0; i < tensors.Length; i++) expanded[i] = tensors[i].Unsqueeze(d);
        return Cat(expanded, d);
    }
}
