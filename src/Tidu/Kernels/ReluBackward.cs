using System.Runtime.CompilerServices;
using System.Numerics;

namespace Tidu.Kernels;

/// <summary>
/// ReLU's backward from its saved output, as PyTorch's threshold_backward: dx = 0 where y ≤ 0, else the incoming
/// gradient (so a NaN output passes the gradient). One pass with masks instead of a 0/1 tensor and a product: a
/// branch on the sign of real activations mispredicts about every other element.
/// </summary>
internal static class ReluBackward
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Apply<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> gradOutput, Span<T> gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = output.Length, i = 0;
        if (gradOutput.Length < n || gradInput.Length < n) throw new ArgumentException("ReluBackward: operands of different lengths.");
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                var blocked = Vector.LessThanOrEqual(new Vector<T>(output[i..]), Vector<T>.Zero);
                Vector.ConditionalSelect(blocked, Vector<T>.Zero, new Vector<T>(gradOutput[i..])).CopyTo(gradInput[i..]);
            }
        }
        for (; i < n; i++) gradInput[i] = output[i] <= T.Zero ? T.Zero : gradOutput[i];
    }
}
