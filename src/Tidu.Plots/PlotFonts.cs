using ScottPlot;

namespace Tidu.Plots;

/// <summary>
/// Finds a font file for chart text. On Linux SkiaSharp's dependency-free native build has no font-config, so
/// named system fonts cannot be looked up and text would be missing; we register a TrueType file ourselves.
/// </summary>
internal static class PlotFonts
{
    /// <summary>The family name under which the found font is registered with ScottPlot.</summary>
    internal const string Family = "Tidu Sans";

    // Debian/Ubuntu's fonts-dejavu-core first, then other common locations of the same fonts.
    private static readonly string[] Candidates =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    ];

    private static readonly Lazy<string?> Registered = new(Register, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The font family to draw with, or null to keep ScottPlot's default (on Windows and macOS the system fonts
    /// work without help).
    /// </summary>
    internal static string? Resolve() => Registered.Value;

    /// <summary>False on Linux when no font file was found: charts are then drawn without any text.</summary>
    internal static bool TextAvailable => !OperatingSystem.IsLinux() || Registered.Value is not null;

    private static string? Register()
    {
        string? file = Find();
        if (file is null) return null;
        Fonts.AddFontFile(Family, file, bold: false, italic: false);
        string bold = Path.Combine(Path.GetDirectoryName(file)!, Path.GetFileNameWithoutExtension(file) + "-Bold.ttf");
        if (File.Exists(bold)) Fonts.AddFontFile(Family, bold, bold: true, italic: false);
        return Family;
    }

    private static string? Find()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("TIDU_PLOT_FONT");
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(fromEnv)) return fromEnv;
        if (!OperatingSystem.IsLinux()) return null;
        foreach (string candidate in Candidates)
            if (File.Exists(candidate)) return candidate;
        // Any TrueType or OpenType font is better than none: labels stay readable.
        foreach (string root in new[] { "/usr/share/fonts", "/usr/local/share/fonts" })
        {
            if (!Directory.Exists(root)) continue;
            try
            {
                string? any = Directory.EnumerateFiles(root, "*.*", SearchOption.AllDirectories)
                    .Where(f => f.EndsWith(".ttf", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".otf", StringComparison.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal).FirstOrDefault();
                if (any is not null) return any;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // an unreadable font folder means no font, not a failed plot
            }
        }
        return null;
    }
}
