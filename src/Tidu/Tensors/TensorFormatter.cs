using System.Globalization;
using System.Text;

namespace Tidu;

/// <summary>Text for ToString and the debugger: shape, dtype, grad status and values, summarised when large.</summary>
internal static class TensorFormatter
{
    private const int SummaryThreshold = 1000;
    private const int EdgeItems = 3;

    internal static string Format(Tensor t)
    {
        var sb = new StringBuilder();
        sb.Append("Tensor(shape=").Append(ShapeUtil.Format(t.shape)).Append(", dtype=").Append(t.DType);
        if (t.GradFn is not null) sb.Append(", gradFn=").Append(t.GradFn.Name);
        else if (t.RequiresGrad) sb.Append(", requiresGrad=true");
        sb.Append(")\n");
        var values = t.Detach().To(DType.Float64).Contiguous().ContiguousSpan<double>().ToArray();
        bool summarise = values.Length > SummaryThreshold;
        AppendDim(sb, t, values, 0, 0, summarise, 0);
        return sb.ToString();
    }

    private static void AppendDim(StringBuilder sb, Tensor t, double[] values, int dim, int start, bool summarise, int indent)
    {
        if (t.Rank == 0)
        {
            sb.Append(FormatValue(values[0], t.DType));
            return;
        }
        int size = t.shape[dim];
        int stride = 1;
        for (int i = dim + 1; i < t.Rank; i++) stride *= t.shape[i];
        sb.Append('[');
        for (int i = 0; i < size; i++)
        {
            if (summarise && size > 2 * EdgeItems && i == EdgeItems)
            {
                sb.Append(dim == t.Rank - 1 ? "..., " : "...,\n" + new string(' ', indent + 1));
                i = size - EdgeItems;
            }
            if (dim == t.Rank - 1) sb.Append(FormatValue(values[start + i], t.DType));
            else AppendDim(sb, t, values, dim + 1, start + i * stride, summarise, indent + 1);
            if (i < size - 1) sb.Append(dim == t.Rank - 1 ? ", " : ",\n" + new string(' ', indent + 1));
        }
        sb.Append(']');
    }

    private static string FormatValue(double v, DType dtype) => dtype switch
    {
        DType.Int64 => ((long)v).ToString(CultureInfo.InvariantCulture),
        DType.Float32 => ((float)v).ToString("G6", CultureInfo.InvariantCulture),
        _ => v.ToString("G8", CultureInfo.InvariantCulture),
    };

    /// <summary>The first few values on one line, for the debugger.</summary>
    internal static string Preview(Tensor t, int count)
    {
        var flat = t.Detach().Contiguous();
        int n = Math.Min(count, flat.NumberOfElements);
        var sb = new StringBuilder("[");
        for (int i = 0; i < n; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(FormatValue(flat.GetAsDouble(flat.offset + i), t.DType));
        }
        if (flat.NumberOfElements > n) sb.Append(", …");
        return sb.Append(']').ToString();
    }
}
