namespace Tidu;

/// <summary>
/// A seedable pseudo-random source for tensor creation (xoshiro256** seeded through SplitMix64). The same seed
/// gives the same tensors on every machine and .NET version. Tidu does not reproduce PyTorch's random streams.
/// </summary>
public sealed class Generator
{
    private ulong s0, s1, s2, s3;
    private double? spareNormal;

    /// <summary>A generator started from <paramref name="seed"/>.</summary>
    public Generator(long seed) => ManualSeed(seed);

    /// <summary>The generator used when none is passed; reseed it with <see cref="Tensor.ManualSeed"/>.</summary>
    public static Generator Default { get; } = new(0x5EED);

    /// <summary>The seed this generator was last started from.</summary>
    public long InitialSeed { get; private set; }

    /// <summary>Restarts the stream from a seed.</summary>
    public void ManualSeed(long seed)
    {
        InitialSeed = seed;
        ulong x = (ulong)seed;
        s0 = SplitMix(ref x); s1 = SplitMix(ref x); s2 = SplitMix(ref x); s3 = SplitMix(ref x);
        spareNormal = null;
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// The generator's full state, to save in a checkpoint and restore with <see cref="SetState"/> so a resumed run
    /// draws exactly the numbers an uninterrupted one would.
    /// </summary>
    public GeneratorState GetState() => new(s0, s1, s2, s3, spareNormal, InitialSeed);

    /// <summary>Restores a state taken by <see cref="GetState"/>.</summary>
    public void SetState(GeneratorState state)
    {
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
            throw new ArgumentException("Generator: an all-zero state is invalid for xoshiro256**.", nameof(state));
        (s0, s1, s2, s3, spareNormal, InitialSeed) = (state.S0, state.S1, state.S2, state.S3, state.SpareNormal, state.InitialSeed);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// Fills <paramref name="destination"/> with the values that many <see cref="NextDouble"/> calls would return,
    /// with the state in registers rather than written back to this object after every draw (the store-to-load
    /// chain through the fields made each draw several times slower).
    /// </summary>
    internal void NextDoubles(Span<double> destination)
    {
        ulong a = s0, b = s1, c = s2, d = s3;
        for (int i = 0; i < destination.Length; i++)
        {
            ulong result = ulong.RotateLeft(b * 5, 7) * 9;
            ulong t = b << 17;
            c ^= a; d ^= b; b ^= c; a ^= d; c ^= t;
            d = ulong.RotateLeft(d, 45);
            destination[i] = (result >> 11) * (1.0 / (1UL << 53));
        }
        s0 = a; s1 = b; s2 = c; s3 = d;
    }

    /// <summary>Standard normal (Box–Muller; the second value of each pair is kept for the next call).</summary>
    public double NextNormal()
    {
        if (spareNormal is { } spare)
        {
            spareNormal = null;
            return spare;
        }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double r = Math.Sqrt(-2 * Math.Log(u1));
        spareNormal = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Uniform integer in [low, high) without modulo bias.</summary>
    public long NextInt64(long low, long high)
    {
        if (high <= low) throw new ArgumentException($"RandInt: high ({high}) must be greater than low ({low}).");
        ulong range = (ulong)(high - low);
        ulong limit = ulong.MaxValue - ulong.MaxValue % range;
        ulong v;
        do v = NextUInt64(); while (v >= limit);
        return low + (long)(v % range);
    }
}

/// <summary>A snapshot of a <see cref="Generator"/>'s state (xoshiro256** words, the cached normal, the seed).</summary>
/// <param name="S0">State word 0.</param>
/// <param name="S1">State word 1.</param>
/// <param name="S2">State word 2.</param>
/// <param name="S3">State word 3.</param>
/// <param name="SpareNormal">The second normal of the last Box–Muller pair, if not yet used.</param>
/// <param name="InitialSeed">The seed the generator was last started from.</param>
public readonly record struct GeneratorState(ulong S0, ulong S1, ulong S2, ulong S3, double? SpareNormal, long InitialSeed);
