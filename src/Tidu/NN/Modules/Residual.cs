namespace Tidu.NN;

/// <summary>
/// x + block(x): a skip connection. The identity path carries the gradient past the block unchanged, which is
/// what keeps deep stacks from vanishing gradients (He et al., 2016). The block must keep the shape.
/// </summary>
public sealed class Residual : Module
{
    /// <summary>Wraps <paramref name="block"/> with a skip connection.</summary>
    public Residual(Module block) => Block = RegisterModule("block", block);

    /// <summary>The wrapped block.</summary>
    public Module Block { get; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input)
    {
        var y = Block.Forward(input);
        if (!y.Shape.AsSpan().SequenceEqual(input.Shape))
            throw new InvalidOperationException(
                $"Residual: the block changed the shape from {ShapeUtil.Format(input.Shape)} to {ShapeUtil.Format(y.Shape)}; x + block(x) needs equal shapes.");
        return input + y;
    }
}
