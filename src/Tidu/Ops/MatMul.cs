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
        var a = GemmOperand((twoD ? Unsqueeze(0) : this).Detach(), out bool transA, out int lda);
        var b = GemmOperand((twoD ? other.Unsqueeze(0) : other).Detach(), out bool transB, out int ldb);
        int batch = a.shape[0], m = a.shape[1], k = a.shape[2], n = b.shape[2];
        var result = Empty(DType, twoD ? [m, n] : [batch, m, n]);
        if (DType == DType.Float32) BatchedGemm<float>(a, transA, lda, b, transB, ldb, result, batch, m, n, k);
        else BatchedGemm<double>(a, transA, lda, b, transB, ldb, result, batch, m, n, k);
        // dA = dC·Bᵀ, dB = Aᵀ·dC
        return Autograd.Record(result, "MatMul", this, other, static (n, g) =>
        [
            n.Inputs[0] is null ? null : g.Bmm3(n.Saved(1).Transpose(-1, -2)),
            n.Inputs[1] is null ? null : n.Saved(0).Transpose(-1, -2).Bmm3(g),
        ], saved: [this, other]);
    }

    /// <summary>
    /// A [B, r, c] operand as the GEMM reads it: each matrix row-major with leading dimension ld, or (trans) its
    /// transpose stored that way, as a transposed view is. Other layouts are made contiguous first.
    /// </summary>
    private static Tensor GemmOperand(Tensor t, out bool trans, out int ld)
    {
        int r = t.shape[1], c = t.shape[2], sr = t.strides[1], sc = t.strides[2];
        trans = false;
        ld = r <= 1 ? Math.Max(1, c) : sr;
        if ((sc == 1 || c <= 1) && ld >= Math.Max(1, c)) return t;
        trans = true;
        ld = c <= 1 ? Math.Max(1, r) : sc;
        if ((sr == 1 || r <= 1) && ld >= Math.Max(1, r)) return t;
        trans = false;
        ld = Math.Max(1, c);
        return t.Contiguous();
    }

    // C[i] = op(A[i])·op(B[i]) for each batch entry; small products run one per thread.
    private static void BatchedGemm<T>(Tensor a, bool transA, int lda, Tensor b, bool transB, int ldb, Tensor result,
        int batch, int m, int n, int k) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var sa = a.storage.As<T>(); var sb = b.storage.As<T>(); var sc = result.storage.As<T>();
        int lenA = MatrixLength(transA ? k : m, transA ? m : k, lda), lenB = MatrixLength(transB ? n : k, transB ? k : n, ldb);
        void One(int i) => Kernels.Gemm.Multiply(transA, transB, m, n, k, T.One,
            lenA == 0 ? default : sa.AsSpan(a.offset + i * a.strides[0], lenA), lda,
            lenB == 0 ? default : sb.AsSpan(b.offset + i * b.strides[0], lenB), ldb,
            T.Zero, sc.AsSpan(i * m * n, m * n), Math.Max(1, n));
        long work = (long)m * n * k;
        if (batch > 1 && work < Kernels.GemmConfig.ParallelThreshold && work * batch >= Kernels.GemmConfig.ParallelThreshold
            && Threading.WorkerPool.CanFork)
        {
            int tasks = Math.Min(batch, Threading.Parallelism.ThreadCount), per = (batch + tasks - 1) / tasks;
            Threading.WorkerPool.Run(tasks, result, (_, t) =>
            {
                for (int i = t * per; i < Math.Min(batch, (t + 1) * per); i++) One(i);
            });
        }
        else
            for (int i = 0; i < batch; i++) One(i);
    }

    private static int MatrixLength(int rows, int width, int ld) => rows == 0 || width == 0 ? 0 : (rows - 1) * ld + width;
}
