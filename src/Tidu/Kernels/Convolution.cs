using System.Runtime.CompilerServices;
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using Tidu.Threading;

namespace Tidu.Kernels;

/// <summary>
/// 2-D convolution as im2col + GEMM over chunks of samples: the columns of a chunk's images sit side by side in one
/// matrix [K, nb·L], so each group needs one GEMM per chunk instead of one tiny GEMM per sample (the first layer of
/// a CNN has K = 9). Chunks run in parallel on the persistent workers, each with single-threaded GEMMs and its own
/// scratch. All operands are contiguous row-major: input [N, C, H, W], weight [OC, C/groups, kH, kW], output
/// [N, OC, OH, OW].
/// </summary>
/// <remarks>
/// The chunk size depends only on the geometry, never on the thread count, and the weight and bias gradients sum
/// one partial per chunk in chunk order, so every result is bit-identical for any thread count.
/// </remarks>
internal static unsafe class Convolution
{
    /// <summary>A chunk aims at this many GEMM columns (nb·L), enough to fill the micro-kernel's wide tiles.</summary>
    private const int TargetColumns = 2048;

    /// <summary>...but its column matrix stays below this many elements, so it is still warm in L2 for the GEMM.</summary>
    private const int MaxColumnElements = 1 << 18;

    // scratch slots of each thread
    private const int ColumnsSlot = 0, ProductSlot = 1;

    /// <summary>Samples per chunk: a function of the geometry alone (see the class remarks).</summary>
    internal static int ChunkSize(in Conv2dGeometry g)
    {
        int k = g.ColRows, l = Math.Max(1, g.ColCols);
        int byColumns = (TargetColumns + l - 1) / l;
        int byMemory = Math.Max(1, MaxColumnElements / Math.Max(1, k * l));
        return Math.Clamp(Math.Min(byColumns, byMemory), 1, Math.Max(1, g.Batch));
    }

    /// <summary>The number of chunks of <see cref="ChunkSize"/> samples.</summary>
    internal static int ChunkCount(in Conv2dGeometry g)
    {
        int nb = ChunkSize(g);
        return (g.Batch + nb - 1) / nb;
    }

    /// <summary>output[n, group] = W[group] · im2col(input[n, group]) (+ bias).</summary>
    internal static void Forward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> output, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (g.Batch == 0) return;
        fixed (T* px = input, pw = weight, pb = bias, py = output)
        {
            var job = new Job<T>(g) { Input = px, Weight = pw, Bias = bias.IsEmpty ? null : pb, Output = py };
            WorkerPool.Run(job.Chunks, job, static (s, t) => ((Job<T>)s).ForwardChunk(t));
        }
    }

    /// <summary>
    /// The gradients of the input (col2im(Wᵀ · grad output)), of the weight (Σₙ grad output · im2col(input)ᵀ) and of
    /// the bias (Σ of grad output over N, H, W); each of <paramref name="gradInput"/>, <paramref name="gradWeight"/> and
    /// <paramref name="gradBias"/> may be empty to skip it, and is overwritten otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Backward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> gradOutput,
        Span<T> gradInput, Span<T> gradWeight, Span<T> gradBias, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.ColRows;
        if (g.Batch == 0)
        {
            gradWeight.Clear();
            gradBias.Clear();
            return;
        }
        var job = new Job<T>(g);
        // one partial weight gradient (transposed, [groups][K, OC/groups]) and bias gradient per chunk, summed in
        // chunk order below
        int weightLength = g.OutChannels * k, partialLength = (gradWeight.IsEmpty ? 0 : weightLength) + (gradBias.IsEmpty ? 0 : g.OutChannels);
        var partials = partialLength == 0 ? null : ArrayPool<T>.Shared.Rent(job.Chunks * partialLength);
        try
        {
            fixed (T* px = input, pw = weight, pg = gradOutput, pgx = gradInput, ppart = partials)
            {
                job.Input = px; job.Weight = pw; job.GradOutput = pg;
                job.GradInput = gradInput.IsEmpty ? null : pgx;
                job.PartialLength = partialLength;
                job.PartialWeight = gradWeight.IsEmpty ? null : ppart;
                job.PartialBias = gradBias.IsEmpty ? null : ppart + (gradWeight.IsEmpty ? 0 : weightLength);
                WorkerPool.Run(job.Chunks, job, static (s, t) => ((Job<T>)s).BackwardChunk(t));
            }
            if (!gradWeight.IsEmpty) SumWeightPartials(partials!, partialLength, job.Chunks, gradWeight, g);
            if (!gradBias.IsEmpty)
            {
                int offset = gradWeight.IsEmpty ? 0 : weightLength;
                var gb = gradBias[..g.OutChannels];
                partials.AsSpan(offset, g.OutChannels).CopyTo(gb);
                for (int t = 1; t < job.Chunks; t++) TensorPrimitives.Add(gb, partials.AsSpan(t * partialLength + offset, g.OutChannels), gb);
            }
        }
        finally
        {
            if (partials is not null) ArrayPool<T>.Shared.Return(partials);
        }
    }

    /// <summary>grad W[gr·ocg + o, r] = Σ over chunks (in order) of the chunk's transposed partial [gr][r, o].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumWeightPartials<T>(T[] partials, int stride, int chunks, Span<T> gradWeight, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.ColRows, ocg = g.OutPerGroup, length = g.OutChannels * k;
        var sum = partials.AsSpan(0, length);
        for (int t = 1; t < chunks; t++) TensorPrimitives.Add(sum, partials.AsSpan(t * stride, length), sum);
        for (int gr = 0; gr < g.Groups; gr++)
        {
            var src = sum.Slice(gr * k * ocg, k * ocg);
            var dst = gradWeight.Slice(gr * ocg * k, ocg * k);
            for (int r = 0; r < k; r++)
                for (int o = 0; o < ocg; o++)
                    dst[o * k + r] = src[r * ocg + o];
        }
    }

    /// <summary>The operands of one convolution pass, shared by the chunks.</summary>
    private sealed class Job<T>(Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        internal readonly Conv2dGeometry G = g;
        internal readonly int ChunkSamples = ChunkSize(g), Chunks = ChunkCount(g);
        internal T* Input, Weight, Bias, Output, GradOutput, GradInput, PartialWeight, PartialBias;
        internal int PartialLength;

        private int InImage => G.InChannels * G.Height * G.Width;

        internal void ForwardChunk(int t)
        {
            var g = G;
            int k = g.ColRows, l = g.ColCols, ocg = g.OutPerGroup, icg = g.InPerGroup, plane = g.Height * g.Width;
            int s0 = t * ChunkSamples, nb = Math.Min(ChunkSamples, g.Batch - s0), cols = nb * l;
            var columns = Scratch<T>.Get(ColumnsSlot, k * cols).AsSpan(0, k * cols);
            var product = Scratch<T>.Get(ProductSlot, ocg * cols).AsSpan(0, ocg * cols);
            for (int gr = 0; gr < g.Groups; gr++)
            {
                for (int s = 0; s < nb; s++)
                {
                    var image = new ReadOnlySpan<T>(Input + (nint)(s0 + s) * InImage + (nint)gr * icg * plane, icg * plane);
                    Im2Col.Unfold(image, icg, g, columns[(s * l)..], cols);
                }
                Gemm.Multiply(false, false, ocg, cols, k, T.One, new ReadOnlySpan<T>(Weight + (nint)gr * ocg * k, ocg * k), k,
                    columns, cols, T.Zero, product, cols);
                // [ocg, nb·L] → each sample's [ocg, L] block of the output, adding the bias on the way
                for (int s = 0; s < nb; s++)
                {
                    for (int o = 0; o < ocg; o++)
                    {
                        int oc = gr * ocg + o;
                        var src = product.Slice(o * cols + s * l, l);
                        var dst = new Span<T>(Output + ((nint)(s0 + s) * g.OutChannels + oc) * l, l);
                        if (Bias is null) src.CopyTo(dst);
                        else TensorPrimitives.Add(src, Bias[oc], dst);
                    }
                }
            }
        }

        internal void BackwardChunk(int t)
        {
            var g = G;
            int k = g.ColRows, l = g.ColCols, ocg = g.OutPerGroup, icg = g.InPerGroup, plane = g.Height * g.Width;
            int s0 = t * ChunkSamples, nb = Math.Min(ChunkSamples, g.Batch - s0), cols = nb * l;
            var columns = Scratch<T>.Get(ColumnsSlot, k * cols).AsSpan(0, k * cols);
            var gathered = Scratch<T>.Get(ProductSlot, ocg * cols).AsSpan(0, ocg * cols);
            if (GradInput is not null) new Span<T>(GradInput + (nint)s0 * InImage, nb * InImage).Clear();
            for (int gr = 0; gr < g.Groups; gr++)
            {
                // the chunk's output gradient of this group as one matrix [ocg, nb·L]
                for (int s = 0; s < nb; s++)
                    for (int o = 0; o < ocg; o++)
                        new ReadOnlySpan<T>(GradOutput + ((nint)(s0 + s) * g.OutChannels + gr * ocg + o) * l, l)
                            .CopyTo(gathered.Slice(o * cols + s * l, l));
                if (PartialBias is not null)
                {
                    T* pb = PartialBias + (nint)t * PartialLength + gr * ocg;
                    for (int o = 0; o < ocg; o++) pb[o] = TensorPrimitives.Sum<T>(gathered.Slice(o * cols, cols));
                }
                if (PartialWeight is not null)
                {
                    // grad Wᵀ [K, ocg] = columns [K, nb·L] · gatheredᵀ: the long side K is the GEMM's rows, so the
                    // micro-tiles are full for the usual OC (32, 64) even when K is small
                    for (int s = 0; s < nb; s++)
                    {
                        var image = new ReadOnlySpan<T>(Input + (nint)(s0 + s) * InImage + (nint)gr * icg * plane, icg * plane);
                        Im2Col.Unfold(image, icg, g, columns[(s * l)..], cols);
                    }
                    var dwt = new Span<T>(PartialWeight + (nint)t * PartialLength + (nint)gr * k * ocg, k * ocg);
                    Gemm.Multiply(false, true, k, ocg, cols, T.One, columns, cols, gathered, cols, T.Zero, dwt, ocg);
                }
                if (GradInput is not null)
                {
                    // grad columns [K, nb·L] = W[group]ᵀ · gathered, folded back into each sample's image
                    Gemm.Multiply(true, false, k, cols, ocg, T.One, new ReadOnlySpan<T>(Weight + (nint)gr * ocg * k, ocg * k), k,
                        gathered, cols, T.Zero, columns, cols);
                    for (int s = 0; s < nb; s++)
                    {
                        var image = new Span<T>(GradInput + (nint)(s0 + s) * InImage + (nint)gr * icg * plane, icg * plane);
                        Im2Col.FoldAdd(columns[(s * l)..], icg, g, image, cols);
                    }
                }
            }
        }
    }
}
