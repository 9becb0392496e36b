using System.Text.Json.Serialization;

namespace Tidu.Cli.Commands;

/// <summary>The content of <c>metrics.json</c> written by <c>tidu train</c>; accuracies are fractions in [0, 1].</summary>
internal sealed record TrainMetricsReport(
    string Dataset,
    string Model,
    string Optimizer,
    double Lr,
    int BatchSize,
    long Seed,
    int? Limit,
    IReadOnlyList<EpochReport> Epochs,
    double? TestLoss,
    double? TestAccuracy,
    double? SecondsPerEpoch,
    bool Interrupted,
    string Checkpoint);

/// <summary>One epoch of <see cref="TrainMetricsReport"/>.</summary>
internal sealed record EpochReport(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double? TestLoss,
    double? TestAccuracy,
    double Seconds,
    double Lr);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(TrainMetricsReport))]
internal sealed partial class TrainJsonContext : JsonSerializerContext;
