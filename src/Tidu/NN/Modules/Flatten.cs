namespace Tidu.NN;

/// <summary>Flattens dims startDim..endDim, by default everything but the batch dim (torch.nn.Flatten).</summary>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module
{
    /// <summary>First dimension flattened.</summary>
    public int StartDim { get; } = startDim;

    /// <summary>Last dimension flattened.</summary>
    public int EndDim { get; } = endDim;

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) => input.Flatten(StartDim, EndDim);
}
