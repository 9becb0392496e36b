using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Tidu.Kernels;

/// <summary>
/// A fused element-wise kernel written three ways that apply the same operations to each element: 512-bit vectors,
/// <see cref="Vector{T}"/>, and one element (the tail, and machines without SIMD).
/// </summary>
internal interface IElementSteps
{
    /// <summary>Elements [i, i + Vector512&lt;T&gt;.Count).</summary>
    void Vector512Step(int i);

    /// <summary>Elements [i, i + Vector&lt;T&gt;.Count).</summary>
    void VectorStep(int i);

    /// <summary>Element i.</summary>
    void ScalarStep(int i);
}

internal static class ElementSteps
{
    /// <summary>Elements [start, start + count): the widest steps the machine accelerates, then scalar ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Run<T, TKernel>(in TKernel kernel, int start, int count) where TKernel : struct, IElementSteps
    {
        int i = start, end = start + count;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= end - Vector512<T>.Count; i += Vector512<T>.Count) kernel.Vector512Step(i);
        }
        else if (Vector.IsHardwareAccelerated)
        {
            for (; i <= end - Vector<T>.Count; i += Vector<T>.Count) kernel.VectorStep(i);
        }
        for (; i < end; i++) kernel.ScalarStep(i);
    }
}
