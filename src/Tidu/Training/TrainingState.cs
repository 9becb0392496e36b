using System.Globalization;
using System.Text;

namespace Tidu.Training;

/// <summary>
/// The non-tensor part of a training checkpoint, stored as string metadata under <c>trainer.*</c> keys. Doubles
/// are written as their IEEE bits in hex so that a resumed run's sums are bit-identical.
/// </summary>
internal sealed class TrainingState
{
    internal const string Prefix = "trainer.";
    private const string VersionKey = Prefix + "version";
    private const string Version = "1";

    internal int Epoch { get; init; }
    internal int BatchIndex { get; init; }
    internal long GlobalStep { get; init; }
    internal int? SchedulerLastEpoch { get; init; }
    internal long? LoaderSeed { get; init; }
    internal long? Seed { get; init; }
    internal GeneratorState DefaultGenerator { get; init; }
    internal GeneratorState[] DropoutGenerators { get; init; } = [];
    internal GeneratorState[] TransformGenerators { get; init; } = [];
    internal EpochMetrics[] History { get; init; } = [];
    internal double EpochLossSum { get; init; }
    internal long EpochCorrect { get; init; }
    internal long EpochSamples { get; init; }
    internal double EpochSeconds { get; init; }
    internal bool EpochHasAccuracy { get; init; } = true;

    internal void WriteTo(Dictionary<string, string> meta)
    {
        meta[VersionKey] = Version;
        meta[Prefix + "epoch"] = Int(Epoch);
        meta[Prefix + "batch_index"] = Int(BatchIndex);
        meta[Prefix + "global_step"] = Int(GlobalStep);
        if (SchedulerLastEpoch is { } last) meta[Prefix + "scheduler_last_epoch"] = Int(last);
        if (LoaderSeed is { } loaderSeed) meta[Prefix + "loader_seed"] = Int(loaderSeed);
        if (Seed is { } seed) meta[Prefix + "seed"] = Int(seed);
        meta[Prefix + "generator.default"] = Format(DefaultGenerator);
        meta[Prefix + "generator.dropout"] = string.Join(";", DropoutGenerators.Select(Format));
        meta[Prefix + "generator.transforms"] = string.Join(";", TransformGenerators.Select(Format));
        meta[Prefix + "epoch_loss_sum"] = Bits(EpochLossSum);
        meta[Prefix + "epoch_correct"] = Int(EpochCorrect);
        meta[Prefix + "epoch_samples"] = Int(EpochSamples);
        meta[Prefix + "epoch_seconds"] = Bits(EpochSeconds);
        meta[Prefix + "epoch_has_accuracy"] = EpochHasAccuracy ? "1" : "0";
        meta[Prefix + "history"] = string.Join(";", History.Select(Format));
    }

    internal static TrainingState ReadFrom(IReadOnlyDictionary<string, string> meta, string path)
    {
        if (!meta.TryGetValue(VersionKey, out var version))
            throw new InvalidDataException($"Checkpoint '{path}' holds weights but no training state (no '{VersionKey}'); it was not written by Trainer.SaveCheckpoint.");
        if (version != Version)
            throw new InvalidDataException($"Checkpoint '{path}': training state version '{version}' is not supported (expected '{Version}').");
        try
        {
            return new TrainingState
            {
                Epoch = (int)Long(Get(meta, "epoch")),
                BatchIndex = (int)Long(Get(meta, "batch_index")),
                GlobalStep = Long(Get(meta, "global_step")),
                SchedulerLastEpoch = meta.TryGetValue(Prefix + "scheduler_last_epoch", out var s) ? (int)Long(s) : null,
                LoaderSeed = meta.TryGetValue(Prefix + "loader_seed", out var l) ? Long(l) : null,
                Seed = meta.TryGetValue(Prefix + "seed", out var seed) ? Long(seed) : null,
                DefaultGenerator = ParseGenerator(Get(meta, "generator.default")),
                DropoutGenerators = List(Get(meta, "generator.dropout"), ParseGenerator),
                TransformGenerators = List(Get(meta, "generator.transforms"), ParseGenerator),
                EpochLossSum = FromBits(Get(meta, "epoch_loss_sum")),
                EpochCorrect = Long(Get(meta, "epoch_correct")),
                EpochSamples = Long(Get(meta, "epoch_samples")),
                EpochSeconds = FromBits(Get(meta, "epoch_seconds")),
                EpochHasAccuracy = Get(meta, "epoch_has_accuracy") == "1",
                History = List(Get(meta, "history"), ParseMetrics),
            };
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"Checkpoint '{path}': malformed training state: {e.Message}", e);
        }

        string Get(IReadOnlyDictionary<string, string> m, string key) =>
            m.TryGetValue(Prefix + key, out var v) ? v : throw new InvalidDataException($"Checkpoint '{path}': training state '{Prefix + key}' is missing.");
    }

    private static T[] List<T>(string text, Func<string, T> parse) =>
        text.Length == 0 ? [] : text.Split(';').Select(parse).ToArray();

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static long Long(string text) => long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static string Bits(double value) => BitConverter.DoubleToInt64Bits(value).ToString("x16", CultureInfo.InvariantCulture);

    private static double FromBits(string text) => BitConverter.Int64BitsToDouble(long.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));

    private static string OptionalBits(double? value) => value is { } v ? Bits(v) : "";

    private static double? OptionalFromBits(string text) => text.Length == 0 ? null : FromBits(text);

    private static ulong Hex(string text) => ulong.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    /// <summary>"s0,s1,s2,s3,spare,seed": the four state words and the spare normal's bits in hex (empty when none).</summary>
    private static string Format(GeneratorState g) =>
        string.Join(",", g.S0.ToString("x16", CultureInfo.InvariantCulture), g.S1.ToString("x16", CultureInfo.InvariantCulture),
            g.S2.ToString("x16", CultureInfo.InvariantCulture), g.S3.ToString("x16", CultureInfo.InvariantCulture),
            OptionalBits(g.SpareNormal), Int(g.InitialSeed));

    private static GeneratorState ParseGenerator(string text)
    {
        var p = text.Split(',');
        if (p.Length != 6) throw new FormatException($"a generator state has 6 fields, got '{text}'");
        return new GeneratorState(Hex(p[0]), Hex(p[1]), Hex(p[2]), Hex(p[3]), OptionalFromBits(p[4]), Long(p[5]));
    }

    private static string Format(EpochMetrics m)
    {
        var sb = new StringBuilder();
        sb.Append(Int(m.Epoch)).Append(',').Append(Bits(m.TrainLoss)).Append(',').Append(Bits(m.TrainAccuracy)).Append(',')
            .Append(OptionalBits(m.ValidationLoss)).Append(',').Append(OptionalBits(m.ValidationAccuracy)).Append(',')
            .Append(Bits(m.Seconds)).Append(',').Append(Bits(m.LearningRate));
        return sb.ToString();
    }

    private static EpochMetrics ParseMetrics(string text)
    {
        var p = text.Split(',');
        if (p.Length != 7) throw new FormatException($"an epoch record has 7 fields, got '{text}'");
        return new EpochMetrics((int)Long(p[0]), FromBits(p[1]), FromBits(p[2]), OptionalFromBits(p[3]), OptionalFromBits(p[4]), FromBits(p[5]), FromBits(p[6]));
    }
}
