namespace Tidu;

/// <summary>The kind of one entry of a basic index (see <see cref="TensorIndex"/>).</summary>
public enum TensorIndexKind
{
    /// <summary>A single position: the dimension is removed (PyTorch <c>t[1]</c>).</summary>
    Integer,
    /// <summary>A range of positions with a step: the dimension is kept (PyTorch <c>t[1:3]</c>, <c>t[::2]</c>).</summary>
    Slice,
    /// <summary>As many full slices as needed to index every dimension (PyTorch <c>t[..., 0]</c>).</summary>
    Ellipsis,
    /// <summary>A new dimension of size 1 (PyTorch <c>t[None]</c>).</summary>
    NewAxis,
}

/// <summary>
/// One entry of a basic (view-producing) index into a <see cref="Tensor"/>, following PyTorch's basic indexing:
/// an integer or <see cref="System.Index"/> selects one position and removes the dimension, a
/// <see cref="System.Range"/> or <see cref="Slice(int?, int?, int)"/> keeps it, <see cref="Ellipsis"/> stands for
/// the unmentioned dimensions and <see cref="NewAxis"/> inserts a dimension of size 1.
/// </summary>
/// <example><code>
/// var row = t[1];                          // t[1]
/// var cols = t[.., 1..3];                  // t[:, 1:3]
/// var last = t[^1];                        // t[-1]
/// var firsts = t[TensorIndex.Ellipsis, 0]; // t[..., 0]
/// var evens = t[TensorIndex.Slice(null, null, 2)]; // t[::2]
/// </code></example>
public readonly struct TensorIndex : IEquatable<TensorIndex>
{
    private TensorIndex(TensorIndexKind kind, Index? start, Index? end, int step)
    {
        Kind = kind;
        Start = start;
        End = end;
        Step = step;
    }

    /// <summary>What this entry does.</summary>
    public TensorIndexKind Kind { get; }

    /// <summary>The position of an <see cref="TensorIndexKind.Integer"/> entry or the start of a slice (null: from the beginning).</summary>
    public Index? Start { get; }

    /// <summary>The exclusive end of a slice (null: to the end).</summary>
    public Index? End { get; }

    /// <summary>The step of a slice (at least 1; 0 for entries that are not slices).</summary>
    public int Step { get; }

    /// <summary>All unmentioned dimensions, taken whole (Python's <c>...</c>).</summary>
    public static TensorIndex Ellipsis { get; } = new(TensorIndexKind.Ellipsis, null, null, 0);

    /// <summary>Inserts a dimension of size 1 (Python's <c>None</c>).</summary>
    public static TensorIndex NewAxis { get; } = new(TensorIndexKind.NewAxis, null, null, 0);

    /// <summary>The whole dimension (Python's <c>:</c>).</summary>
    public static TensorIndex All { get; } = new(TensorIndexKind.Slice, null, null, 1);

    /// <summary>A single position; a negative value counts from the end (−1 is the last).</summary>
    public static TensorIndex Single(int index) => new(TensorIndexKind.Integer, FromInt(index), null, 0);

    /// <summary>
    /// A Python slice <c>start:end:step</c>: negative bounds count from the end, bounds past the ends are clamped,
    /// null means "from the beginning" / "to the end". As in PyTorch the step must be positive.
    /// </summary>
    public static TensorIndex Slice(int? start = null, int? end = null, int step = 1)
    {
        if (step <= 0)
            throw new ArgumentOutOfRangeException(nameof(step), $"Slice: step must be greater than zero (got {step}).");
        return new(TensorIndexKind.Slice, start is int s ? FromInt(s) : null, end is int e ? FromInt(e) : null, step);
    }

    /// <summary>A single position (negative counts from the end).</summary>
    public static implicit operator TensorIndex(int index) => Single(index);

    /// <summary>A single position, possibly from the end (<c>^1</c> is the last).</summary>
    public static implicit operator TensorIndex(Index index) => new(TensorIndexKind.Integer, index, null, 0);

    /// <summary>A slice with step 1 (<c>1..3</c> is Python's <c>1:3</c>, <c>..</c> is <c>:</c>).</summary>
    public static implicit operator TensorIndex(Range range) => new(TensorIndexKind.Slice, range.Start, range.End, 1);

    /// <summary>Creates an entry from an int (same as the implicit conversion).</summary>
    public static TensorIndex FromInt32(int index) => Single(index);

    /// <summary>Creates an entry from a <see cref="System.Index"/> (same as the implicit conversion).</summary>
    public static TensorIndex FromIndex(Index index) => index;

    /// <summary>Creates an entry from a <see cref="System.Range"/> (same as the implicit conversion).</summary>
    public static TensorIndex FromRange(Range range) => range;

    internal static Index FromInt(int value) => value < 0 ? Index.FromEnd(-(long)value > int.MaxValue ? int.MaxValue : -value) : Index.FromStart(value);

    internal static string Describe(Index? index) => index switch
    {
        null => "",
        { IsFromEnd: true, Value: 0 } => "^0",
        { IsFromEnd: true } i => (-i.Value).ToString(System.Globalization.CultureInfo.InvariantCulture),
        { } i => i.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Python-like text: <c>1</c>, <c>1:3</c>, <c>::2</c>, <c>...</c>, <c>None</c>.</summary>
    public override string ToString() => Kind switch
    {
        TensorIndexKind.Integer => Describe(Start),
        TensorIndexKind.Slice => $"{Describe(Start)}:{Describe(End)}{(Step != 1 ? ":" + Step.ToString(System.Globalization.CultureInfo.InvariantCulture) : "")}",
        TensorIndexKind.Ellipsis => "...",
        _ => "None",
    };

    /// <inheritdoc/>
    public bool Equals(TensorIndex other) => Kind == other.Kind && Start.Equals(other.Start) && End.Equals(other.End) && Step == other.Step;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TensorIndex other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Start, End, Step);

    /// <summary>True when both entries are the same.</summary>
    public static bool operator ==(TensorIndex left, TensorIndex right) => left.Equals(right);

    /// <summary>True when the entries differ.</summary>
    public static bool operator !=(TensorIndex left, TensorIndex right) => !left.Equals(right);
}
