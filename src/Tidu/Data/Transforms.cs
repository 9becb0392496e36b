namespace Tidu.Data;

/// <summary>
/// A function of a tensor used to prepare or augment data (torchvision.transforms). Image transforms accept a
/// batch [N, C, H, W] or a single image [C, H, W]; random ones draw from their own seeded generator, so a run
/// is repeatable. Pass one to <see cref="DataLoader"/> to apply it to every batch.
/// </summary>
public abstract class Transform
{
    /// <summary>The transformed tensor; the input is never modified in place.</summary>
    public abstract Tensor Apply(Tensor input);

    /// <summary>
    /// The generators this transform draws from (none for a deterministic transform; a <see cref="Compose"/>
    /// lists those of its parts). A trainer saves their states with <see cref="Generator.GetState"/> in a
    /// checkpoint and restores them on resume, so the augmentations of a resumed run match an uninterrupted one.
    /// </summary>
    public virtual IReadOnlyList<Generator> Generators => [];

    /// <summary>The generator a random transform draws from: the given one, else one seeded from the default generator.</summary>
    private protected static Generator OwnGenerator(Generator? generator) =>
        generator ?? new Generator((long)Generator.Default.NextUInt64());

    /// <summary>Throws unless <paramref name="input"/> is [C, H, W] or [N, C, H, W]; returns (N, C, H, W) with N = 1 for an image.</summary>
    private protected static (int N, int C, int H, int W) ImageShape(string op, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var s = input.shape;
        return s.Length switch
        {
            3 => (1, s[0], s[1], s[2]),
            4 => (s[0], s[1], s[2], s[3]),
            _ => throw new ArgumentException($"{op}: expected an image [C, H, W] or a batch [N, C, H, W], got shape {ShapeUtil.Format(s)}.", nameof(input)),
        };
    }
}

/// <summary>Applies transforms one after another (torchvision.transforms.Compose).</summary>
public sealed class Compose : Transform
{
    private readonly Transform[] transforms;

    /// <summary>Chains <paramref name="transforms"/>, applied first to last.</summary>
    public Compose(params Transform[] transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        for (int i = 0; i < transforms.Length; i++)
            if (transforms[i] is null) throw new ArgumentNullException(nameof(transforms), $"Compose: transform {i} is null.");
        this.transforms = (Transform[])transforms.Clone();
    }

    /// <summary>The chained transforms (a copy).</summary>
    public Transform[] Transforms => (Transform[])transforms.Clone();

    /// <inheritdoc/>
    public override IReadOnlyList<Generator> Generators => transforms.SelectMany(t => t.Generators).Distinct().ToArray();

    /// <inheritdoc/>
    public override Tensor Apply(Tensor input)
    {
        foreach (var t in transforms) input = t.Apply(input);
        return input;
    }

    /// <inheritdoc/>
    public override string ToString() => $"Compose({string.Join(", ", transforms.Select(t => t.ToString()))})";
}

/// <summary>A transform from a function (torchvision.transforms.Lambda).</summary>
public sealed class Lambda : Transform
{
    private readonly Func<Tensor, Tensor> function;

    /// <summary>Wraps <paramref name="function"/>.</summary>
    public Lambda(Func<Tensor, Tensor> function) => this.function = function ?? throw new ArgumentNullException(nameof(function));

    /// <inheritdoc/>
    public override Tensor Apply(Tensor input) => function(input);
}

/// <summary>
/// Normalises each channel: <c>output[c] = (input[c] − mean[c]) / std[c]</c> (torchvision.transforms.Normalize),
/// on a floating-point image [C, H, W] or batch [N, C, H, W]. A single mean or std applies to every channel.
/// </summary>
public sealed class Normalize : Transform
{
    private readonly double[] mean;
    private readonly double[] std;

    /// <summary>Normalises with per-channel <paramref name="mean"/> and <paramref name="std"/>.</summary>
    /// <exception cref="ArgumentException">Empty arrays, or a standard deviation of zero.</exception>
    public Normalize(double[] mean, double[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || std.Length == 0)
            throw new ArgumentException("Normalize: mean and std need at least one value each.");
        foreach (double s in std)
            if (s == 0) throw new ArgumentException($"Normalize: std evaluated to zero ([{string.Join(", ", std)}]), leading to division by zero.", nameof(std));
        this.mean = (double[])mean.Clone();
        this.std = (double[])std.Clone();
    }

    /// <summary>The per-channel means (a copy).</summary>
    public double[] Mean => (double[])mean.Clone();

    /// <summary>The per-channel standard deviations (a copy).</summary>
    public double[] Std => (double[])std.Clone();

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A tensor that is not a floating-point image or batch, or a channel count that the mean or std does not match.</exception>
    public override Tensor Apply(Tensor input)
    {
        var (_, c, _, _) = ImageShape("Normalize", input);
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"Normalize: expects a floating-point tensor, got {input.DType} of shape {ShapeUtil.Format(input.shape)}; convert it with To(DType.Float32) first.", nameof(input));
        return (input - Channels("mean", mean, c, input.DType)) / Channels("std", std, c, input.DType);
    }

    private static Tensor Channels(string name, double[] values, int c, DType dtype)
    {
        if (values.Length != 1 && values.Length != c)
            throw new ArgumentException($"Normalize: {name} has {values.Length} values but the input has {c} channels.");
        return Tensor.From(values, values.Length, 1, 1).To(dtype);
    }

    /// <inheritdoc/>
    public override string ToString() => $"Normalize(mean=[{string.Join(", ", mean)}], std=[{string.Join(", ", std)}])";
}

/// <summary>
/// Mirrors images left to right with probability <see cref="P"/> (torchvision.transforms.RandomHorizontalFlip).
/// Each image of a batch [N, C, H, W] is decided separately — unlike torchvision on a batched tensor, which
/// flips all or none — so augmenting whole batches in the <see cref="DataLoader"/> matches augmenting samples.
/// </summary>
public sealed class RandomHorizontalFlip : Transform
{
    private readonly Generator generator;

    /// <summary>Flips with probability <paramref name="p"/>, drawing from <paramref name="generator"/>.</summary>
    /// <param name="p">The flip probability, in [0, 1].</param>
    /// <param name="generator">The random source; when null, one seeded once from the default generator.</param>
    /// <exception cref="ArgumentOutOfRangeException">A probability outside [0, 1].</exception>
    public RandomHorizontalFlip(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, $"RandomHorizontalFlip: p must be in [0, 1], got {p}.");
        P = p;
        this.generator = OwnGenerator(generator);
    }

    /// <summary>The probability that an image is flipped.</summary>
    public double P { get; }

    /// <summary>
    /// A copy in which each image is flipped with probability <see cref="P"/> (one draw per image, in batch
    /// order); the input itself when no image is flipped.
    /// </summary>
    public override Tensor Apply(Tensor input)
    {
        var (n, c, h, w) = ImageShape("RandomHorizontalFlip", input);
        var flip = new bool[n];
        bool any = false;
        for (int i = 0; i < n; i++) any |= flip[i] = generator.NextDouble() < P;
        if (!any) return input;
        var source = input.Contiguous();
        var result = Tensor.Empty(input.DType, input.shape);
        switch (input.DType)
        {
            case DType.Float32: Flip<float>(source, result, flip, c * h, w); break;
            case DType.Float64: Flip<double>(source, result, flip, c * h, w); break;
            default: Flip<long>(source, result, flip, c * h, w); break;
        }
        return result;
    }

    private static void Flip<T>(Tensor source, Tensor result, bool[] flip, int rowsPerImage, int width)
    {
        var dst = result.ContiguousSpan<T>();
        source.ContiguousSpan<T>().CopyTo(dst);
        for (int i = 0; i < flip.Length; i++)
        {
            if (!flip[i]) continue;
            for (int r = 0; r < rowsPerImage; r++) dst.Slice((i * rowsPerImage + r) * width, width).Reverse();
        }
    }

    /// <summary>The random source of this transform (snapshot it with <see cref="Generator.GetState"/> to resume a run).</summary>
    public Generator Generator => generator;

    /// <inheritdoc/>
    public override IReadOnlyList<Generator> Generators => [generator];

    /// <inheritdoc/>
    public override string ToString() => $"RandomHorizontalFlip(p={P})";
}

/// <summary>
/// Crops a random <see cref="Height"/>×<see cref="Width"/> window after padding each side with
/// <see cref="Padding"/> zeros (torchvision.transforms.RandomCrop with constant padding 0). Each image of a
/// batch gets its own window; the result is [N, C, Height, Width] (or [C, Height, Width]).
/// </summary>
public sealed class RandomCrop : Transform
{
    private readonly Generator generator;

    /// <summary>Crops a square of <paramref name="size"/> pixels.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1 or negative padding.</exception>
    public RandomCrop(int size, int padding = 0, Generator? generator = null) : this(size, size, padding, generator) { }

    /// <summary>Crops <paramref name="height"/>×<paramref name="width"/> pixels.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1 or negative padding.</exception>
    public RandomCrop(int height, int width, int padding = 0, Generator? generator = null)
    {
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, $"RandomCrop: height must be at least 1, got {height}.");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, $"RandomCrop: width must be at least 1, got {width}.");
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, $"RandomCrop: padding must be non-negative, got {padding}.");
        Height = height;
        Width = width;
        Padding = padding;
        this.generator = OwnGenerator(generator);
    }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <summary>Zeros added on every side before cropping.</summary>
    public int Padding { get; }

    /// <summary>
    /// The cropped copy. For each image (in batch order) the top row is drawn uniformly from
    /// <c>[0, H + 2·Padding − Height]</c>, then the left column likewise, as torchvision draws them.
    /// </summary>
    /// <exception cref="ArgumentException">The padded image is smaller than the crop.</exception>
    public override Tensor Apply(Tensor input)
    {
        var (n, c, h, w) = ImageShape("RandomCrop", input);
        int ph = h + 2 * Padding, pw = w + 2 * Padding;
        if (ph < Height || pw < Width)
            throw new ArgumentException(
                $"RandomCrop: required crop size ({Height}, {Width}) is larger than the padded input image size ({ph}, {pw}) of input shape {ShapeUtil.Format(input.shape)}.", nameof(input));
        var tops = new int[n];
        var lefts = new int[n];
        for (int i = 0; i < n; i++)
        {
            tops[i] = (int)generator.NextInt64(0, ph - Height + 1);
            lefts[i] = (int)generator.NextInt64(0, pw - Width + 1);
        }
        int[] outShape = input.Rank == 3 ? [c, Height, Width] : [n, c, Height, Width];
        var source = input.Contiguous();
        var result = Tensor.Empty(input.DType, outShape);
        switch (input.DType)
        {
            case DType.Float32: Crop<float>(source, result, tops, lefts, c, h, w); break;
            case DType.Float64: Crop<double>(source, result, tops, lefts, c, h, w); break;
            default: Crop<long>(source, result, tops, lefts, c, h, w); break;
        }
        return result;
    }

    private void Crop<T>(Tensor source, Tensor result, int[] tops, int[] lefts, int c, int h, int w)
    {
        var src = source.ContiguousSpan<T>();
        var dst = result.ContiguousSpan<T>();
        for (int i = 0; i < tops.Length; i++)
        {
            // output column x reads padded column lefts[i] + x, i.e. source column lefts[i] + x − Padding
            int shift = lefts[i] - Padding;
            int x0 = Math.Clamp(-shift, 0, Width), x1 = Math.Clamp(w - shift, x0, Width);
            for (int ch = 0; ch < c; ch++)
            {
                for (int y = 0; y < Height; y++)
                {
                    var row = dst.Slice(((i * c + ch) * Height + y) * Width, Width);
                    int sy = tops[i] + y - Padding;
                    if (sy < 0 || sy >= h)
                    {
                        row.Clear();
                        continue;
                    }
                    row[..x0].Clear();
                    if (x1 > x0) src.Slice(((i * c + ch) * h + sy) * w + x0 + shift, x1 - x0).CopyTo(row[x0..x1]);
                    row[x1..].Clear();
                }
            }
        }
    }

    /// <summary>The random source of this transform (snapshot it with <see cref="Generator.GetState"/> to resume a run).</summary>
    public Generator Generator => generator;

    /// <inheritdoc/>
    public override IReadOnlyList<Generator> Generators => [generator];

    /// <inheritdoc/>
    public override string ToString() => $"RandomCrop(size=({Height}, {Width}), padding={Padding})";
}
