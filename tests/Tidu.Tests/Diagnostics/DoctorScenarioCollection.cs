namespace Tidu.Tests.Diagnostics;

/// <summary>
/// The doctor's benchmark scenarios seed the process-wide default generator (<c>Tensor.ManualSeed</c>) and then
/// initialise their models from it, so any other test drawing from it at the same time would change their weights
/// and, now and then, their findings. These tests therefore run alone, outside the parallel test run.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DoctorScenarioCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Doctor scenarios";
}
