using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Tidu.Serialization;
using static Tidu.Tests.Serialization.SafeTensorsTestData;

namespace Tidu.Tests.Serialization;

/// <summary>
/// Seeded random corruptions of a valid file: every load either succeeds with consistent tensors or throws
/// InvalidDataException / NotSupportedException — never another exception type, never a hang.
/// </summary>
public class SafeTensorsFuzzTests
{
    private const int Iterations = 3000;

    private static readonly string[] NumberReplacements =
        ["0", "1", "2", "3", "4", "8", "12", "-1", "-0", "1.5", "1e3", "2E0", "4294967296", "2147483648",
         "18446744073709551615", "18446744073709551616", "99999999999999999999999", "9223372036854775807", "", "00"];

    private static readonly string[] DTypeReplacements =
        ["F16", "BF16", "I32", "BOOL", "U8", "F4", "F8_E4M3", "C64", "U64", "XYZ", "", "f32", "F32", "F64", "I64"];

    private static readonly string Punctuation = "{}[],:\" 0a\\-.";

    private static byte[] ValidFile() => SaveToBytes(
        new Dictionary<string, Tensor>
        {
            ["bias"] = Tensor.From(new float[] { 1, float.NaN, -0f }),
            ["weight"] = Tensor.From(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3),
            ["step"] = Tensor.Scalar(7L),
            ["empty"] = Tensor.Zeros(0, 4),
            ["ids"] = Tensor.From(new long[] { 1, 2 }, 2, 1),
        },
        new Dictionary<string, string> { ["format"] = "pt", ["epoch"] = "3" });

    [Fact]
    public void RandomCorruptionsOnlyEverRaiseFormatOrNotSupportedErrors()
    {
        var valid = ValidFile();
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        string headerText = Encoding.UTF8.GetString(valid, 8, headerLength);
        byte[] data = valid[(8 + headerLength)..];
        var rng = new System.Random(20240611);
        int loaded = 0, rejected = 0, unsupported = 0;
        var counts = new int[9];
        var clock = Stopwatch.StartNew();

        for (int i = 0; i < Iterations; i++)
        {
            int kind = rng.Next(counts.Length);
            counts[kind]++;
            byte[] bytes = Corrupt(kind, valid, headerLength, headerText, data, rng);
            try
            {
                var file = LoadBytes(bytes);
                AssertConsistent(file, bytes);
                loaded++;
            }
            catch (InvalidDataException ex)
            {
                Assert.StartsWith("Invalid safetensors data", ex.Message);
                rejected++;
            }
            catch (NotSupportedException ex)
            {
                Assert.Contains("tensor \"", ex.Message);
                unsupported++;
            }
            catch (Exception ex)
            {
                Assert.Fail($"iteration {i} (corruption kind {kind}) threw {ex.GetType().Name}: {ex.Message}\nfile: {Convert.ToHexString(bytes)}");
            }
        }

        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the fuzz run took {clock.Elapsed}");
        // the corruptions exercise every outcome, not just one
        Assert.True(loaded > 100 && rejected > 1000 && unsupported > 10, $"loaded {loaded}, rejected {rejected}, unsupported {unsupported}");
        Assert.All(counts, c => Assert.True(c > 100));
    }

    private static byte[] Corrupt(int kind, byte[] valid, int headerLength, string headerText, byte[] data, System.Random rng)
    {
        var bytes = (byte[])valid.Clone();
        switch (kind)
        {
            case 0: // truncation at a random point
                return valid[..rng.Next(valid.Length)];
            case 1: // byte flips in the header
                for (int k = rng.Next(1, 4); k > 0; k--) bytes[8 + rng.Next(headerLength)] ^= (byte)rng.Next(1, 256);
                return bytes;
            case 2: // byte flips in the length prefix
                bytes[rng.Next(8)] ^= (byte)rng.Next(1, 256);
                return bytes;
            case 3: // huge or slightly wrong header lengths
            {
                ulong[] choices = [ulong.MaxValue, long.MaxValue, 1UL << 40, (ulong)SafeTensors.MaxHeaderLength + 1,
                    (ulong)valid.Length, (ulong)(headerLength + rng.Next(-16, 17)), (ulong)rng.NextInt64(), 0];
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, choices[rng.Next(choices.Length)]);
                return bytes;
            }
            case 4: // a number in the JSON (a shape entry or an offset) replaced
            {
                var numbers = Regex.Matches(headerText, "[0-9]+");
                var m = numbers[rng.Next(numbers.Count)];
                string replacement = rng.Next(3) == 0 ? rng.Next(0, 200).ToString() : NumberReplacements[rng.Next(NumberReplacements.Length)];
                return Rebuild(headerText.Remove(m.Index, m.Length).Insert(m.Index, replacement), data, rng);
            }
            case 5: // a dtype replaced
            {
                var dtypes = Regex.Matches(headerText, "\"(F32|F64|I64)\"");
                var m = dtypes[rng.Next(dtypes.Count)];
                return Rebuild(headerText.Remove(m.Index + 1, m.Length - 2).Insert(m.Index + 1, DTypeReplacements[rng.Next(DTypeReplacements.Length)]), data, rng);
            }
            case 6: // a JSON character deleted, inserted or a span duplicated
            {
                string text = headerText.TrimEnd();
                int at = rng.Next(text.Length);
                text = rng.Next(3) switch
                {
                    0 => text.Remove(at, 1),
                    1 => text.Insert(at, Punctuation[rng.Next(Punctuation.Length)].ToString()),
                    _ => text.Insert(at, text.Substring(rng.Next(text.Length - 20), rng.Next(1, 20))),
                };
                return Rebuild(text, data, rng);
            }
            case 7: // trailing garbage or missing data
                return rng.Next(2) == 0
                    ? [.. valid, .. Enumerable.Range(0, rng.Next(1, 17)).Select(_ => (byte)rng.Next(256))]
                    : Raw(Encoding.UTF8.GetBytes(headerText), data[..rng.Next(data.Length)]);
            default: // flips in the data area: still a valid file
                bytes[8 + headerLength + rng.Next(data.Length)] ^= (byte)rng.Next(1, 256);
                return bytes;
        }
    }

    /// <summary>Reassembles a file around an edited header, usually with a correct length prefix.</summary>
    private static byte[] Rebuild(string header, byte[] data, System.Random rng)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        ulong? wrongPrefix = rng.Next(10) == 0 ? (ulong)rng.Next(headerBytes.Length + data.Length + 8) : null;
        return Raw(headerBytes, data, wrongPrefix);
    }

    /// <summary>A successful load must describe exactly the bytes of the file.</summary>
    private static void AssertConsistent(SafeTensorsFile file, byte[] bytes)
    {
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        long dataBytes = 0;
        foreach (var t in file.Tensors.Values)
        {
            Assert.Equal(t.Shape.Aggregate(1L, (a, b) => a * b), t.NumberOfElements);
            Assert.Equal(ShapeUtil.ContiguousStrides(t.Shape), t.Strides);
            dataBytes += (long)t.NumberOfElements * t.DType.ElementSize();
            Assert.Equal(t.NumberOfElements, RawBytes(t).Length / t.DType.ElementSize());
        }
        Assert.Equal(bytes.Length - 8 - headerLength, dataBytes);
    }
}
