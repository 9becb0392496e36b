namespace Tidu.Cli.Seed;

/// <summary>The seed post's problems in the order the post presents them.</summary>
public static class SeedProblems
{
    /// <summary>A fresh instance of every problem.</summary>
    public static IReadOnlyList<SeedProblem> All() =>
        [new Problem1HandWritten(), new Problem1Linear(), new Problem2TwoParents(), new Problem3TwoLayers()];
}
