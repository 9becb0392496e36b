namespace Tidu.Tests.Random;

public class GeneratorTests
{
    [Fact]
    public void SameSeedGivesTheSameStream()
    {
        var a = new Generator(123);
        var b = new Generator(123);
        for (int i = 0; i < 10; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
        Assert.Equal(123, a.InitialSeed);
    }

    [Fact]
    public void ManualSeedRestartsTheStreamIncludingTheSpareNormal()
    {
        var g = new Generator(1);
        double first = g.NextNormal();
        g.ManualSeed(1);
        Assert.Equal(first, g.NextNormal());
        g.NextNormal(); // leaves no spare behind after ManualSeed
        g.ManualSeed(1);
        Assert.Equal(first, g.NextNormal());
    }

    [Fact]
    public void NextDoubleIsInTheHalfOpenUnitInterval()
    {
        var g = new Generator(2);
        for (int i = 0; i < 1000; i++) Assert.InRange(g.NextDouble(), 0, 0.9999999999999999);
    }

    [Fact]
    public void NextInt64RejectsAnEmptyRange() =>
        Assert.Throws<ArgumentException>(() => new Generator(3).NextInt64(2, 2));
}

public class GeneratorStateTests
{
    [Fact]
    public void RestoringAStateReplaysTheSameNumbers()
    {
        var g = new Generator(5);
        g.NextNormal(); // leaves a spare normal cached
        var state = g.GetState();
        var first = Enumerable.Range(0, 5).Select(_ => g.NextNormal()).ToArray();
        var other = new Generator(99);
        other.SetState(state);
        Assert.Equal(first, Enumerable.Range(0, 5).Select(_ => other.NextNormal()).ToArray());
        Assert.Equal(5, other.InitialSeed);
    }
}
