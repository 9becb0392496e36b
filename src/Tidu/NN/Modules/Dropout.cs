namespace Tidu.NN;

/// <summary>
/// Zeroes elements with probability p during training and scales the others by 1/(1−p); does nothing in eval
/// mode (torch.nn.Dropout). Remove it, or call Eval(), while debugging: it makes every step random.
/// </summary>
public sealed class Dropout : Module
{
    /// <summary>Dropout with probability <paramref name="p"/> (default 0.5).</summary>
    public Dropout(double p = 0.5, Generator? generator = null)
    {
        if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: probability must be in [0, 1], got {p}.");
        P = p;
        Generator = generator;
    }

    /// <summary>The probability of zeroing an element.</summary>
    public double P { get; }

    /// <summary>The random source; null uses the default generator.</summary>
    public Generator? Generator { get; set; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => Functional.Dropout(input, P, Training, Generator);

    /// <inheritdoc/>
    public override string ToString() => $"Dropout(p={P})";
}
