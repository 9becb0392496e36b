namespace Tidu;

public sealed partial class Tensor
{
    /// <summary>
    /// Hands this tensor (its memory, with every view of it) from the <see cref="TensorScope"/> that owns it to the
    /// enclosing scope, so it lives until that one ends; with no enclosing scope the GC owns it. A tensor that no
    /// scope owns is left as it is. Returns this tensor.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The tensor's scope has already ended.</exception>
    public Tensor MoveToOuterScope()
    {
        if (storage.IsReleased) throw Storage.Released();
        storage.Scope?.PassOutward(storage);
        return this;
    }

    /// <summary>True while a <see cref="TensorScope"/> owns this tensor's memory (it is released when the scope ends).</summary>
    public bool IsScoped => storage.Scope is not null;

    /// <summary>True once the scope that owned this tensor ended: any use of its values throws.</summary>
    public bool IsReleased => storage.IsReleased;
}
