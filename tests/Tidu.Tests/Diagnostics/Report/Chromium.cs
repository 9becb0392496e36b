using System.Diagnostics;
using System.IO.Compression;
using System.Text;

namespace Tidu.Tests.Diagnostics.Report;

/// <summary>A [Fact] that is skipped, with the reason, only when Debian's chromium binary is missing (CI installs it).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Path is null)
            Skip = "headless Chromium is not installed (/usr/bin/chromium missing; `apt-get install -y chromium`, as .ci/run does)";
    }
}

/// <summary>Runs headless Chromium on a local file with the flags this machine's closed network needs, under a time limit.</summary>
internal static class Chromium
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static string? Path =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    /// <summary>Runs Chromium with the given extra arguments; returns its standard output. Kills it after 30 s.</summary>
    public static string Run(string workDir, params string[] args)
    {
        var psi = new ProcessStartInfo(Path ?? throw new InvalidOperationException("chromium is not installed"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string profile = System.IO.Path.Combine(workDir, "profile-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        foreach (var a in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--hide-scrollbars", "--user-data-dir=" + profile,
                 })
            psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"chromium did not finish within {Timeout.TotalSeconds} s: {string.Join(' ', args)}");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"chromium exited with {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }
}

/// <summary>Just enough of a PNG decoder (8-bit RGB/RGBA, non-interlaced, as Chromium writes) to look at pixels.</summary>
internal sealed class PngImage
{
    public int Width { get; }
    public int Height { get; }
    private readonly byte[] _pixels;
    private readonly int _channels;

    private PngImage(int width, int height, int channels, byte[] pixels)
    {
        Width = width;
        Height = height;
        _channels = channels;
        _pixels = pixels;
    }

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            int i = (y * Width + x) * _channels;
            return (_pixels[i], _pixels[i + 1], _pixels[i + 2]);
        }
    }

    public static PngImage Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        byte[] signature = [137, 80, 78, 71, 13, 10, 26, 10];
        Assert.True(bytes.AsSpan(0, 8).SequenceEqual(signature), "not a PNG file");
        int pos = 8, width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        while (pos < bytes.Length)
        {
            int length = BigEndian(bytes, pos);
            string type = Encoding.ASCII.GetString(bytes, pos + 4, 4);
            if (type == "IHDR")
            {
                width = BigEndian(bytes, pos + 8);
                height = BigEndian(bytes, pos + 12);
                Assert.Equal(8, bytes[pos + 16]);            // bit depth
                channels = bytes[pos + 17] switch { 2 => 3, 6 => 4, var c => throw new NotSupportedException($"PNG colour type {c}") };
                Assert.Equal(0, bytes[pos + 20]);            // not interlaced
            }
            else if (type == "IDAT") idat.Write(bytes, pos + 8, length);
            else if (type == "IEND") break;
            pos += 12 + length;
        }

        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        int stride = width * channels;
        var pixels = new byte[height * stride];
        var row = new byte[stride + 1];
        for (int y = 0; y < height; y++)
        {
            z.ReadExactly(row);
            var cur = pixels.AsSpan(y * stride, stride);
            var prev = y == 0 ? new byte[stride] : pixels.AsSpan((y - 1) * stride, stride).ToArray();
            for (int i = 0; i < stride; i++)
            {
                int a = i >= channels ? cur[i - channels] : 0, b = prev[i], c = i >= channels ? prev[i - channels] : 0;
                int predictor = row[0] switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    var f => throw new NotSupportedException($"PNG filter {f}"),
                };
                cur[i] = (byte)(row[i + 1] + predictor);
            }
        }
        return new PngImage(width, height, channels, pixels);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static int BigEndian(byte[] b, int i) => b[i] << 24 | b[i + 1] << 16 | b[i + 2] << 8 | b[i + 3];
}
