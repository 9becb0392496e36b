namespace Tidu;

// dtype conversion (torch.Tensor.to(dtype), .float(), .double(), .long()).
public sealed partial class Tensor
{
    /// <summary>
    /// This tensor converted to another dtype; the same tensor when it already has it. Float↔float conversions
    /// pass gradients back (converted to the source dtype); conversion to Int64 truncates toward zero and cuts the graph.
    /// </summary>
    public Tensor To(DType dtype)
    {
        if (dtype == DType) return this;
        var result = Empty(dtype, shape);
        Kernels.Strided.CopyInto(this, result);
        if (!dtype.IsFloatingPoint()) return result;
        return Autograd.Record(result, "ToCopy", this, static (n, g) => [g.To((DType)n.Ints[0])], ints: [(int)DType]);
    }

    /// <summary>Converts to Float32.</summary>
    public Tensor Float() => To(DType.Float32);

    /// <summary>Converts to Float64.</summary>
    public Tensor Double() => To(DType.Float64);

    /// <summary>Converts to Int64 (truncating toward zero).</summary>
    public Tensor Long() => To(DType.Int64);
}
