namespace Tidu.NN;

/// <summary>How a loss combines its per-element values (PyTorch's <c>reduction='mean' | 'sum' | 'none'</c>).</summary>
public enum Reduction
{
    /// <summary>The average: over all elements, or over the class weights of the targets for the class-index losses.</summary>
    Mean,
    /// <summary>The sum over all elements.</summary>
    Sum,
    /// <summary>No reduction: the per-element (or per-position) losses.</summary>
    None,
}
