namespace Tidu.Diagnostics;

/// <summary>
/// Thrown in <see cref="AnomalyMode"/> when an op's output (forward) or a backward node's gradient contains NaN or
/// ±∞. The message names the op, the element, the op's inputs and the line of user code that created the op.
/// </summary>
public sealed class NonFiniteValueException : ArithmeticException
{
    /// <summary>Creates the exception with a message only (for serializers and tests; Tidu uses the full constructor).</summary>
    public NonFiniteValueException(string message) : base(message)
    {
        OpName = "";
        Shape = [];
        FirstIndex = [];
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public NonFiniteValueException(string message, Exception innerException) : base(message, innerException)
    {
        OpName = "";
        Shape = [];
        FirstIndex = [];
    }

    /// <summary>Creates an empty exception.</summary>
    public NonFiniteValueException() : this("A tensor contains NaN or infinite values.")
    {
    }

    internal NonFiniteValueException(string message, string opName, bool inBackward, int gradientIndex, int[] shape,
        int nonFiniteCount, int[] firstIndex, double firstValue, string? creationSite) : base(message)
    {
        OpName = opName;
        InBackward = inBackward;
        GradientIndex = gradientIndex;
        Shape = shape;
        NonFiniteCount = nonFiniteCount;
        FirstIndex = firstIndex;
        FirstValue = firstValue;
        CreationSite = creationSite;
    }

    /// <summary>The op whose output, or whose backward's gradient, holds the non-finite values (e.g. "Log").</summary>
    public string OpName { get; }

    /// <summary>True when a backward node produced them; false when the forward op's output did.</summary>
    public bool InBackward { get; }

    /// <summary>In backward, which of the op's inputs the non-finite gradient is for; −1 in forward.</summary>
    public int GradientIndex { get; } = -1;

    /// <summary>The shape of the offending tensor (the op's output, or the input the gradient is for).</summary>
    public int[] Shape { get; }

    /// <summary>How many of its elements are NaN or ±∞.</summary>
    public int NonFiniteCount { get; }

    /// <summary>The multi-index of the first non-finite element in row-major order.</summary>
    public int[] FirstIndex { get; }

    /// <summary>The value of that element (NaN, +∞ or −∞).</summary>
    public double FirstValue { get; }

    /// <summary>
    /// Where the user's code created the op: "File.cs:42 in Type.Method" (the method alone without a PDB); null when
    /// the op was recorded before anomaly mode was turned on.
    /// </summary>
    public string? CreationSite { get; }
}
