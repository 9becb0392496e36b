namespace Tidu.Optim;

/// <summary>
/// The hyper-parameters a <see cref="ParamGroup"/> can hold. Their names in a state dict are PyTorch's
/// (<c>lr</c>, <c>weight_decay</c>…); Adam's <c>betas</c> pair is kept as two options, <c>beta1</c> and <c>beta2</c>.
/// </summary>
internal enum GroupOption
{
    Lr,
    Momentum,
    Dampening,
    Nesterov,
    WeightDecay,
    Beta1,
    Beta2,
    Eps,
    Amsgrad,
    Alpha,
    Centered,
    LrDecay,
    InitialAccumulatorValue,
    Maximize,
    InitialLr,
}

internal static class GroupOptions
{
    internal const int Count = (int)GroupOption.InitialLr + 1;

    private static readonly string[] Names =
    [
        "lr", "momentum", "dampening", "nesterov", "weight_decay", "beta1", "beta2", "eps", "amsgrad", "alpha",
        "centered", "lr_decay", "initial_accumulator_value", "maximize", "initial_lr",
    ];

    /// <summary>The option's name in a state dict, as PyTorch spells the param_groups key.</summary>
    internal static string Name(GroupOption option) => Names[(int)option];

    internal static bool TryParse(string name, out GroupOption option)
    {
        int i = Array.IndexOf(Names, name);
        option = (GroupOption)Math.Max(i, 0);
        return i >= 0;
    }

    /// <summary>Every option's state-dict name, for error messages.</summary>
    internal static string AllNames => string.Join(", ", Names);
}
