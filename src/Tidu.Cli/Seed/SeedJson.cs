using System.Text.Json.Serialization;

namespace Tidu.Cli.Seed;

/// <summary>The <c>tidu seed --json</c> document.</summary>
/// <param name="Problems">Each problem's run.</param>
public sealed record SeedReport(IReadOnlyList<SeedProblemReport> Problems);

/// <summary>One problem's run in the JSON document.</summary>
/// <param name="Name">The problem's name.</param>
/// <param name="Iterations">Each iteration, in order.</param>
public sealed record SeedProblemReport(string Name, IReadOnlyList<SeedIterationReport> Iterations);

/// <summary>One iteration in the JSON document; weights and grads are those printed in that iteration (before the update, except problem 3 which prints after Step() as the post does).</summary>
/// <param name="Pred">The prediction.</param>
/// <param name="Loss">The loss.</param>
/// <param name="Weights">All parameters' values, concatenated in the problem's parameter order.</param>
/// <param name="Grads">All parameters' gradients, in the same order.</param>
public sealed record SeedIterationReport(double Pred, double Loss, double[] Weights, double[] Grads)
{
    internal static SeedIterationReport From(SeedIteration it) => new(
        it.Pred, it.Loss,
        [.. it.Parameters.SelectMany(p => p.Data)],
        [.. it.Parameters.SelectMany(p => p.Grad)]);
}

/// <summary>Compile-time generated serialisers: no reflection, so the tool stays trimming and NativeAOT safe.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SeedReport))]
public sealed partial class SeedJsonContext : JsonSerializerContext;
