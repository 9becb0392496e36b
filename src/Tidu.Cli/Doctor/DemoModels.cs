using Tidu.NN;

namespace Tidu.Cli.DoctorDemos;

/// <summary>How a demo model's Linear weights are initialised.</summary>
internal enum WeightInit
{
    /// <summary>PyTorch's nn.Linear default: U(±1/√fan_in) for weights and biases.</summary>
    Default,
    /// <summary>Glorot/Xavier uniform (suits sigmoid/tanh), zero biases.</summary>
    Xavier,
    /// <summary>He/Kaiming normal for ReLU (gain √2), zero biases.</summary>
    Kaiming,
}

/// <summary>The demo networks. Every weight is drawn from the demo's own generator, so a run does not depend on
/// the process-wide default generator (tests run in parallel).</summary>
internal static class DemoModels
{
    /// <summary>
    /// An MLP of <paramref name="linears"/> Linear layers (inputs → width → … → outputs) with
    /// <paramref name="activation"/> after every hidden one, optionally BatchNorm1d before each activation.
    /// </summary>
    internal static Sequential Mlp(int inputs, int outputs, int width, int linears, Func<Module> activation,
        WeightInit init, Generator g, bool batchNorm = false, double weightScale = 1)
    {
        var seq = new Sequential();
        int prev = inputs;
        for (int i = 0; i < linears - 1; i++)
        {
            seq.Add(NewLinear(prev, width, init, g, weightScale));
            if (batchNorm) seq.Add(new BatchNorm1d(width));
            seq.Add(activation());
            prev = width;
        }
        seq.Add(NewLinear(prev, outputs, init, g, weightScale));
        return seq;
    }

    /// <summary>
    /// The same depth with skip connections: Linear + activation into the width, then residual blocks
    /// x + activation(Linear(x)), then the output Linear. The identity path carries the gradient past every block.
    /// </summary>
    internal static Sequential ResidualMlp(int inputs, int outputs, int width, int linears, Func<Module> activation,
        WeightInit init, Generator g)
    {
        var seq = new Sequential(NewLinear(inputs, width, init, g), activation());
        for (int i = 0; i < linears - 2; i++)
            seq.Add(new Residual(new Sequential(NewLinear(width, width, init, g), activation())));
        seq.Add(NewLinear(width, outputs, init, g));
        return seq;
    }

    internal static Linear NewLinear(int inputs, int outputs, WeightInit init, Generator g, double weightScale = 1)
    {
        var linear = new Linear(inputs, outputs);
        double bound = 1 / Math.Sqrt(inputs);
        switch (init)
        {
            case WeightInit.Default:
                Init.Uniform(linear.Weight, -bound, bound, g);
                break;
            case WeightInit.Xavier:
                Init.XavierUniform(linear.Weight, generator: g);
                break;
            case WeightInit.Kaiming:
                Init.KaimingNormal(linear.Weight, nonlinearity: Nonlinearity.Relu, generator: g);
                break;
        }
        if (init == WeightInit.Default) Init.Uniform(linear.Bias!, -bound, bound, g);
        else Init.Zeros(linear.Bias!);
        if (weightScale != 1) linear.Weight.Data = linear.Weight.Data * weightScale;
        return linear;
    }
}
