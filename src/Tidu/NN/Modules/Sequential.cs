namespace Tidu.NN;

/// <summary>Runs modules one after another (torch.nn.Sequential); they are named "0", "1", ….</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> layers = [];

    /// <summary>A chain of the given modules.</summary>
    public Sequential(params Module[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Add(m);
    }

    /// <summary>Appends a module; returns this sequence.</summary>
    public Sequential Add(Module module)
    {
        layers.Add(RegisterModule(layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module));
        return this;
    }

    /// <summary>The number of modules.</summary>
    public int Count => layers.Count;

    /// <summary>The module at a position (negative counts from the end).</summary>
    public Module this[int index] => layers[index < 0 ? index + layers.Count : index];

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input)
    {
        var x = input;
        foreach (var layer in layers) x = layer.Forward(x);
        return x;
    }

    /// <inheritdoc/>
    public override string ToString() => "Sequential(" + string.Join(", ", layers) + ")";
}
