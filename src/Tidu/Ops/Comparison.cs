using Tidu.Kernels;

namespace Tidu;

// Comparisons give Int64 masks of 0 and 1 (Tidu's stand-in for torch.bool); they carry no gradient.
public sealed partial class Tensor
{
    private Tensor Compare<TCmp>(string op, Tensor other) where TCmp : ICompare
    {
        var (a, b) = Promoted(Detach(), other.Detach());
        return BinaryKernel<CompareOp<TCmp>>(op, a, b).To(DType.Int64);
    }

    private Tensor Compare<TCmp>(double scalar, bool isFloat) where TCmp : ICompare
    {
        var a = Detach().To(ScalarResultType(this, isFloat));
        return ScalarKernel<CompareOp<TCmp>>(a, scalar, false).To(DType.Int64);
    }

    /// <summary>1 where equal, else 0 (broadcasting).</summary>
    public Tensor Eq(Tensor other) => Compare<EqCmp>("Eq", other);
    /// <summary>1 where not equal, else 0.</summary>
    public Tensor Ne(Tensor other) => Compare<NeCmp>("Ne", other);
    /// <summary>1 where this &lt; other.</summary>
    public Tensor Lt(Tensor other) => Compare<LtCmp>("Lt", other);
    /// <summary>1 where this ≤ other.</summary>
    public Tensor Le(Tensor other) => Compare<LeCmp>("Le", other);
    /// <summary>1 where this &gt; other.</summary>
    public Tensor Gt(Tensor other) => Compare<GtCmp>("Gt", other);
    /// <summary>1 where this ≥ other.</summary>
    public Tensor Ge(Tensor other) => Compare<GeCmp>("Ge", other);

    /// <summary>1 where equal to the scalar.</summary>
    public Tensor Eq(double scalar) => Compare<EqCmp>(scalar, true);
    /// <summary>1 where not equal to the scalar.</summary>
    public Tensor Ne(double scalar) => Compare<NeCmp>(scalar, true);
    /// <summary>1 where less than the scalar.</summary>
    public Tensor Lt(double scalar) => Compare<LtCmp>(scalar, true);
    /// <summary>1 where less than or equal to the scalar.</summary>
    public Tensor Le(double scalar) => Compare<LeCmp>(scalar, true);
    /// <summary>1 where greater than the scalar.</summary>
    public Tensor Gt(double scalar) => Compare<GtCmp>(scalar, true);
    /// <summary>1 where greater than or equal to the scalar.</summary>
    public Tensor Ge(double scalar) => Compare<GeCmp>(scalar, true);
    /// <summary>1 where equal to the integer.</summary>
    public Tensor Eq(long scalar) => Compare<EqCmp>(scalar, false);
    /// <summary>1 where not equal to the integer.</summary>
    public Tensor Ne(long scalar) => Compare<NeCmp>(scalar, false);
    /// <summary>1 where less than the integer.</summary>
    public Tensor Lt(long scalar) => Compare<LtCmp>(scalar, false);
    /// <summary>1 where less than or equal to the integer.</summary>
    public Tensor Le(long scalar) => Compare<LeCmp>(scalar, false);
    /// <summary>1 where greater than the integer.</summary>
    public Tensor Gt(long scalar) => Compare<GtCmp>(scalar, false);
    /// <summary>1 where greater than or equal to the integer.</summary>
    public Tensor Ge(long scalar) => Compare<GeCmp>(scalar, false);

    /// <summary>Mask of elements less than the other tensor.</summary>
    public static Tensor operator <(Tensor a, Tensor b) => a.Lt(b);
    /// <summary>Mask of elements greater than the other tensor.</summary>
    public static Tensor operator >(Tensor a, Tensor b) => a.Gt(b);
    /// <summary>Mask of elements less than or equal to the other tensor.</summary>
    public static Tensor operator <=(Tensor a, Tensor b) => a.Le(b);
    /// <summary>Mask of elements greater than or equal to the other tensor.</summary>
    public static Tensor operator >=(Tensor a, Tensor b) => a.Ge(b);
    /// <summary>Mask of elements less than the scalar.</summary>
    public static Tensor operator <(Tensor a, double s) => a.Lt(s);
    /// <summary>Mask of elements greater than the scalar.</summary>
    public static Tensor operator >(Tensor a, double s) => a.Gt(s);
    /// <summary>Mask of elements less than or equal to the scalar.</summary>
    public static Tensor operator <=(Tensor a, double s) => a.Le(s);
    /// <summary>Mask of elements greater than or equal to the scalar.</summary>
    public static Tensor operator >=(Tensor a, double s) => a.Ge(s);

    /// <summary>True when both tensors have the same shape and element values (after dtype promotion).</summary>
    public bool ValueEquals(Tensor other) =>
        shape.AsSpan().SequenceEqual(other.shape) && (NumberOfElements == 0 || Eq(other).Sum().Item() == NumberOfElements);
}
