namespace Tidu.Tests.Random;

public sealed class NextDoublesTests
{
    /// <summary>The bulk draw must give the values, and leave the state, that one-at-a-time draws do.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(257)]
    public void MatchesRepeatedNextDoubleAndLeavesTheSameState(int count)
    {
        var bulk = new Generator(42);
        var single = new Generator(42);
        var values = new double[count];
        bulk.NextDoubles(values);
        for (int i = 0; i < count; i++) Assert.Equal(single.NextDouble(), values[i]);
        Assert.Equal(single.GetState(), bulk.GetState());
        Assert.Equal(single.NextUInt64(), bulk.NextUInt64());
    }
}
