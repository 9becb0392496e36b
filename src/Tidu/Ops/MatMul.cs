namespace Tidu;

// Matrix products with torch.matmul's rules: 1-D·1-D is a dot product, a 1-D operand gains and then loses a
// dim, and leading (batch) dims broadcast.
public sealed partial class Tensor
{
    /// <summary>Matrix product following torch.matmul (vector, matrix and broadcast batched cases).</summary>
    public Tensor MatMul(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Rank == 0 || other.Rank == 0)
            throw new ArgumentException($"MatMul: both arguments need at least 1 dimension, got shapes {ShapeUtil.Format(shape)} and {ShapeUtil.Format(other.shape)}.");
        var (a, b) = Promoted(AsFloatingPoint(), other.AsFloatingPoint());
        int k = a.shape[^1], kb = b.Rank == 1 ? b.shape[0] : b.shape[^2];
        if (k != kb)
            throw new ArgumentException($"MatMul: shapes {ShapeUtil.Format(shape)} and {ShapeUtil.Format(other.shape)} cannot be multiplied ({k} ≠ {kb}).");

        if (a.Rank == 1 && b.Rank == 1) return a.Unsqueeze(0).Bmm3(b.Unsqueeze(1)).Reshape();
        if (a.Rank == 1) return a.Unsqueeze(0).MatMul(b).Squeeze(-2);
        if (b.Rank == 1) return a.MatMul(b.Unsqueeze(1)).Squeeze(-1);

        int m = a.shape[^2], n = b.shape[^1];
        var batchA = a.shape[..^2]; var batchB = b.shape[..^2];
        // name the full operand shapes when the batch dims do not broadcast
        var batch = batchA.AsSpan().SequenceEqual(batchB) ? batchA
            : ShapeUtil.Broadcast($"MatMul of {ShapeUtil.Format(shape)} and {ShapeUtil.Format(other.shape)}: batch dims", batchA, batchB);
        int count = ShapeUtil.Numel(batch);
        var a3 = a.Expand([.. batch, m, k]).Reshape(count, m, k);
        var b3 = b.Expand([.. batch, k, n]).Reshape(count, k, n);
        var c3 = a3.Bmm3(b3);
        return batch.Length == 1 ? c3 : c3.Reshape([.. batch, m, n]);
    }

    /// <summary>Matrix product of two 2-D tensors (torch.mm).</summary>
    public Tensor Mm(Tensor other)
    {
        if (Rank != 2 || other.Rank != 2)
            throw new ArgumentException($"Mm: expects two matrices, got shapes {ShapeUtil.Format(shape)} and {ShapeUtil.Format(other.shape)}.");
        return MatMul(other);
    }

    /// <summary>The primitive: [B,m,k]·[B,k,n] → [B,m,n] (or 2-D·2-D), with its backward.</summary>
    private Tensor Bmm3(Tensor other)
    {
        bool twoD = Rank == 2;
        var a = (twoD ? Unsqueeze(0) : this).Detach().Contiguous();
        var b = (twoD ? other.Unsqueeze(0) : other).Detach().Contiguous();
        int batch = a.shape[0], m = a.shape[1], k = a.shape[2], n = b.shape[2];
        var result = Empty(DType, twoD ? [m, n] : [batch, m, n]);
        for (int i = 0; i < batch; i++)
        {
            if (DType == DType.Float32)
                Kernels.Gemm.Multiply<float>(m, n, k, a.storage.As<float>().AsSpan(a.offset + i * m * k, m * k), b.storage.As<float>().AsSpan(b.offset + i * k * n, k * n), result.storage.As<float>().AsSpan(i * m * n, m * n));
            else
                Kernels.Gemm.Multiply<double>(m, n, k, a.storage.As<double>().AsSpan(a.offset + i * m * k, m * k), b.storage.As<double>().AsSpan(b.offset + i * k * n, k * n), result.storage.As<double>().AsSpan(i * m * n, m * n));
        }
        // dA = dC·Bᵀ, dB = Aᵀ·dC
        return Autograd.Record(result, "MatMul", this, other, static (n, g) =>
        [
            n.Inputs[0] is null ? null : g.Bmm3(n.Saved(1).Transpose(-1, -2)),
            n.Inputs[1] is null ? null : n.Saved(0).Transpose(-1, -2).Bmm3(g),
        ], saved: [this, other]);
    }
}
