namespace Tidu;

/// <summary>The element type of a <see cref="Tensor"/>.</summary>
/// <remarks>
/// Tidu has no boolean dtype: comparisons return <see cref="Int64"/> masks holding 0 and 1, which promote in
/// arithmetic exactly as PyTorch's <c>torch.bool</c> does (a mask times a Float32 tensor is Float32).
/// </remarks>
public enum DType
{
    /// <summary>32-bit IEEE float (<c>torch.float32</c>), the default for floating-point data.</summary>
    Float32,
    /// <summary>64-bit IEEE float (<c>torch.float64</c>), used by gradient checks.</summary>
    Float64,
    /// <summary>64-bit signed integer (<c>torch.int64</c>), used for indices, class labels and masks.</summary>
    Int64,
}

/// <summary>Helpers for <see cref="DType"/>.</summary>
public static class DTypeExtensions
{
    /// <summary>True for Float32 and Float64.</summary>
    public static bool IsFloatingPoint(this DType dtype) => dtype != DType.Int64;

    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this DType dtype) => dtype == DType.Float32 ? 4 : 8;

    /// <summary>
    /// PyTorch's type promotion between two tensor operands: a float beats an integer, Float64 beats Float32.
    /// </summary>
    public static DType Promote(DType a, DType b)
    {
        if (a == b) return a;
        if (a == DType.Float64 || b == DType.Float64) return DType.Float64;
        return DType.Float32;
    }

    internal static DType Of<T>()
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(long)) return DType.Int64;
        throw new NotSupportedException($"Tidu tensors hold float, double or long, not {typeof(T).Name}.");
    }
}
