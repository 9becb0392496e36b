namespace Tidu.Diagnostics;

public sealed partial class Doctor
{
    // ---- full-batch training: the same input on every step --------------------------------------------------

    // Values at fixed pseudo-random positions of the first module's input, this step's and the previous step's. Two
    // different mini-batches agree on all of them only if the data is almost constant: even for sparse one-hot inputs
    // (98 % zeros) the chance is 0.98^256 ≈ 6e-3 per pair of steps, and one disagreement rules full batch out for good.
    private const int FingerprintSize = 256;
    private double[] fingerprint = new double[FingerprintSize], previousFingerprint = new double[FingerprintSize];
    private int previousElements = -1; // the previous input's element count; -1 before the first
    private int inputsThisStep, sameBatchSteps;
    private bool batchesDiffer;

    /// <summary>
    /// Every step so far has trained on one and the same batch (full-batch gradient descent, as in the seed's examples
    /// and on small datasets). A loss that jumps then is the update's doing, since the data did not change.
    /// </summary>
    private bool FullBatch => !batchesDiffer && sameBatchSteps >= 2;

    private void TrackBatch(Tensor input)
    {
        // several inputs in one step are micro-batches; a view we cannot read in place is taken for a mini-batch
        if (++inputsThisStep > 1 || !input.IsContiguous) { batchesDiffer = true; return; }
        if (batchesDiffer) return;
        int n = input.NumberOfElements, count = Math.Min(n, FingerprintSize);
        for (int j = 0; j < count; j++)
            fingerprint[j] = input.GetAsDouble(input.offset + (int)((ulong)j * 2654435761UL % (ulong)n));
        if (previousElements >= 0)
        {
            bool same = n == previousElements && fingerprint.AsSpan(0, count).SequenceEqual(previousFingerprint.AsSpan(0, count));
            if (same) sameBatchSteps++;
            else batchesDiffer = true;
        }
        (fingerprint, previousFingerprint) = (previousFingerprint, fingerprint);
        previousElements = n;
    }
}
