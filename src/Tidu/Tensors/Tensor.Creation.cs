namespace Tidu;

// Factory functions (torch.tensor, zeros, ones, full, arange, linspace, eye, rand, randn, randint).
public sealed partial class Tensor
{
    /// <summary>A Float32 tensor from values in row-major order; without a shape it is 1-D.</summary>
    public static Tensor From(float[] data, params int[] shape) => FromArray(data, DType.Float32, shape);

    /// <summary>A Float64 tensor from values in row-major order; without a shape it is 1-D.</summary>
    public static Tensor From(double[] data, params int[] shape) => FromArray(data, DType.Float64, shape);

    /// <summary>An Int64 tensor from values in row-major order; without a shape it is 1-D.</summary>
    public static Tensor From(long[] data, params int[] shape) => FromArray(data, DType.Int64, shape);

    /// <summary>A Float32 tensor from a rectangular array of any rank, e.g. <c>new float[,] {{1, 2}, {3, 4}}</c>.</summary>
    public static Tensor From(Array data) => data switch
    {
        null => throw new ArgumentNullException(nameof(data)),
        float[] f => From(f),
        double[] d => From(d),
        long[] l => From(l),
        _ => FromMultidimensional(data),
    };

    private static Tensor FromMultidimensional(Array data)
    {
        var elementType = data.GetType().GetElementType();
        DType dtype = elementType == typeof(float) ? DType.Float32
            : elementType == typeof(double) ? DType.Float64
            : elementType == typeof(long) ? DType.Int64
            : throw new ArgumentException($"From: arrays of {elementType?.Name} are not supported; use float, double or long.");
        var shape = new int[data.Rank];
        for (int i = 0; i < shape.Length; i++) shape[i] = data.GetLength(i);
        var result = Empty(dtype, shape);
        // a multidimensional array enumerates in row-major order
        int k = 0;
        switch (dtype)
        {
            case DType.Float32: { var d = result.storage.As<float>(); foreach (float v in data) d[k++] = v; break; }
            case DType.Float64: { var d = result.storage.As<double>(); foreach (double v in data) d[k++] = v; break; }
            default: { var d = result.storage.As<long>(); foreach (long v in data) d[k++] = v; break; }
        }
        return result;
    }

    private static Tensor FromArray<T>(T[] data, DType dtype, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        shape = shape is null || shape.Length == 0 ? [data.Length] : (int[])shape.Clone();
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"From: shape {ShapeUtil.Format(shape)} has a negative dimension.");
        int n = ShapeUtil.Numel(shape);
        if (n != data.Length)
            throw new ArgumentException($"From: {data.Length} values cannot fill shape {ShapeUtil.Format(shape)} ({n} elements).");
        var copy = (T[])data.Clone();
        return new Tensor(new Storage(copy, dtype), shape, ShapeUtil.ContiguousStrides(shape), 0, new VersionCounter());
    }

    /// <summary>A 0-dimensional Float32 tensor.</summary>
    public static Tensor Scalar(float value) => ScalarOf(new[] { value }, DType.Float32);

    /// <summary>A 0-dimensional Float64 tensor.</summary>
    public static Tensor Scalar(double value) => ScalarOf(new[] { value }, DType.Float64);

    /// <summary>A 0-dimensional Int64 tensor.</summary>
    public static Tensor Scalar(long value) => ScalarOf(new[] { value }, DType.Int64);

    private static Tensor ScalarOf(Array one, DType dtype) => new(new Storage(one, dtype), ShapeUtil.Scalar, ShapeUtil.Scalar, 0, new VersionCounter());

    private static int[] CheckShape(string op, int[] shape)
    {
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"{op}: shape {ShapeUtil.Format(shape)} has a negative dimension.");
        return (int[])shape.Clone();
    }

    /// <summary>Zeros of the given shape (Float32).</summary>
    public static Tensor Zeros(params int[] shape) => Zeros(shape, DType.Float32);

    /// <summary>Zeros of the given shape and dtype.</summary>
    public static Tensor Zeros(int[] shape, DType dtype)
    {
        shape = CheckShape("Zeros", shape);
        return new Tensor(Storage.AllocateZeroed(dtype, ShapeUtil.Numel(shape)), shape, ShapeUtil.ContiguousStrides(shape), 0, new VersionCounter());
    }

    /// <summary>Ones of the given shape (Float32).</summary>
    public static Tensor Ones(params int[] shape) => Full(shape, 1.0, DType.Float32);

    /// <summary>Ones of the given shape and dtype.</summary>
    public static Tensor Ones(int[] shape, DType dtype) => Full(shape, 1.0, dtype);

    /// <summary>A tensor filled with one value (Float32 unless a dtype is given).</summary>
    public static Tensor Full(int[] shape, double value, DType dtype = DType.Float32)
    {
        var result = Empty(dtype, CheckShape("Full", shape));
        result.FillRaw(value);
        return result;
    }

    /// <summary>Zeros with the shape and dtype of <paramref name="t"/>.</summary>
    public static Tensor ZerosLike(Tensor t) => Zeros(t.shape, t.DType);

    /// <summary>Ones with the shape and dtype of <paramref name="t"/>.</summary>
    public static Tensor OnesLike(Tensor t) => Full(t.shape, 1.0, t.DType);

    /// <summary>A value with the shape and dtype of <paramref name="t"/>.</summary>
    public static Tensor FullLike(Tensor t, double value) => Full(t.shape, value, t.DType);

    /// <summary>0, 1, …, end−1 as Int64 (torch.arange(end)).</summary>
    public static Tensor Arange(long end) => Arange(0, end, 1);

    /// <summary>start, start+step, … below end as Int64.</summary>
    public static Tensor Arange(long start, long end, long step = 1)
    {
        if (step == 0) throw new ArgumentException("Arange: step must be non-zero.");
        long count = Math.Max(0, (end - start + step - Math.Sign(step)) / step);
        if (count > int.MaxValue)
            throw new ArgumentException($"Arange: {count} elements are more than a tensor holds.");
        var result = Empty(DType.Int64, [(int)count]);
        var data = result.storage.As<long>();
        for (int i = 0; i < (int)count; i++) data[i] = start + i * step;
        return result;
    }

    /// <summary>start, start+step, … below end as floating point (Float32 unless a dtype is given).</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Float32)
    {
        if (step == 0) throw new ArgumentException("Arange: step must be non-zero.");
        int count = (int)Math.Max(0, Math.Ceiling((end - start) / step));
        var result = Empty(dtype, [count]);
        for (int i = 0; i < count; i++) result.SetRaw(i, start + i * step);
        return result;
    }

    /// <summary><paramref name="steps"/> evenly spaced values from start to end inclusive (torch.linspace).</summary>
    public static Tensor Linspace(double start, double end, int steps, DType dtype = DType.Float32)
    {
        if (steps < 0) throw new ArgumentException($"Linspace: steps must be non-negative, got {steps}.");
        var result = Empty(dtype, [steps]);
        double step = steps > 1 ? (end - start) / (steps - 1) : 0;
        // like PyTorch, fill the second half from the end so both endpoints are exact; one step gives start
        int half = steps == 1 ? 1 : steps / 2;
        for (int i = 0; i < steps; i++) result.SetRaw(i, i < half ? start + step * i : end - step * (steps - 1 - i));
        return result;
    }

    /// <summary>The n×m identity (m = n when omitted).</summary>
    public static Tensor Eye(int n, int? m = null, DType dtype = DType.Float32)
    {
        int cols = m ?? n;
        var result = Zeros([n, cols], dtype);
        for (int i = 0; i < Math.Min(n, cols); i++) result.SetRaw(i * cols + i, 1);
        return result;
    }

    /// <summary>Reseeds the default generator (torch.manual_seed).</summary>
    public static void ManualSeed(long seed) => Generator.Default.ManualSeed(seed);

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(int[] shape, DType dtype = DType.Float32, Generator? generator = null)
    {
        var g = generator ?? Generator.Default;
        var result = Empty(dtype, CheckShape("Rand", shape));
        int n = result.NumberOfElements;
        // a double just below 1 rounds to 1f; keep Float32 samples in [0, 1) as torch.rand promises
        double below1 = dtype == DType.Float32 ? MathF.BitDecrement(1f) : 1;
        for (int i = 0; i < n; i++) result.SetRaw(i, Math.Min(g.NextDouble(), below1));
        return result;
    }

    /// <summary>Uniform samples in [0, 1) of the given shape (Float32).</summary>
    public static Tensor Rand(params int[] shape) => Rand(shape, DType.Float32);

    /// <summary>Standard normal samples.</summary>
    public static Tensor Randn(int[] shape, DType dtype = DType.Float32, Generator? generator = null)
    {
        var g = generator ?? Generator.Default;
        var result = Empty(dtype, CheckShape("Randn", shape));
        int n = result.NumberOfElements;
        for (int i = 0; i < n; i++) result.SetRaw(i, g.NextNormal());
        return result;
    }

    /// <summary>Standard normal samples of the given shape (Float32).</summary>
    public static Tensor Randn(params int[] shape) => Randn(shape, DType.Float32);

    /// <summary>Uniform integers in [low, high) as Int64 (torch.randint).</summary>
    public static Tensor RandInt(long low, long high, int[] shape, Generator? generator = null)
    {
        var g = generator ?? Generator.Default;
        var result = Empty(DType.Int64, CheckShape("RandInt", shape));
        var d = result.storage.As<long>();
        for (int i = 0; i < d.Length; i++) d[i] = g.NextInt64(low, high);
        return result;
    }

    /// <summary>Writes a value at a flat storage index (creation helpers only).</summary>
    private void SetRaw(int i, double v)
    {
        switch (DType)
        {
            case DType.Float32: storage.As<float>()[i] = (float)v; break;
            case DType.Float64: storage.As<double>()[i] = v; break;
            default: storage.As<long>()[i] = (long)v; break;
        }
    }

    private void FillRaw(double v)
    {
        switch (DType)
        {
            case DType.Float32: storage.As<float>().AsSpan().Fill((float)v); break;
            case DType.Float64: storage.As<double>().AsSpan().Fill(v); break;
            default: storage.As<long>().AsSpan().Fill((long)v); break;
        }
    }
}
