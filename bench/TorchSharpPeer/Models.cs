using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchSharpPeer;

/// <summary>The two models of Tidu.Training.FashionMnistModels, layer for layer.</summary>
internal static class Models
{
    /// <summary>784 → 256 → 128 → 10 with ReLU and dropout 0.2 after each hidden layer (FashionMnistModels.Mlp()).</summary>
    internal static Sequential Mlp() => nn.Sequential(
        ("flatten", nn.Flatten()),
        ("fc1", nn.Linear(28 * 28, 256)), ("relu1", nn.ReLU()), ("drop1", nn.Dropout(0.2)),
        ("fc2", nn.Linear(256, 128)), ("relu2", nn.ReLU()), ("drop2", nn.Dropout(0.2)),
        ("fc3", nn.Linear(128, 10)));

    /// <summary>conv3×3(1→32)-BN-ReLU-pool2, conv3×3(32→64)-BN-ReLU-pool2, flatten, 3136 → 128, ReLU, dropout 0.3, → 10 (FashionMnistModels.Cnn()).</summary>
    internal static Sequential Cnn() => nn.Sequential(
        ("conv1", nn.Conv2d(1, 32, 3, padding: 1)), ("bn1", nn.BatchNorm2d(32)), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
        ("conv2", nn.Conv2d(32, 64, 3, padding: 1)), ("bn2", nn.BatchNorm2d(64)), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
        ("flatten", nn.Flatten()),
        ("fc1", nn.Linear(64 * 7 * 7, 128)), ("relu3", nn.ReLU()), ("drop", nn.Dropout(0.3)),
        ("fc2", nn.Linear(128, 10)));

    internal static Sequential Create(string kind) => kind switch
    {
        "mlp" => Mlp(),
        "cnn" => Cnn(),
        _ => throw new ArgumentException($"unknown model '{kind}'; expected mlp or cnn"),
    };
}
