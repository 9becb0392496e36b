namespace Tidu.Plots;

internal static class Placeholder { }
