using System.Text;

namespace Tidu.Diagnostics;

/// <summary>HTML text escaping for the report.</summary>
internal static class Html
{
    /// <summary>
    /// Encodes text for HTML element content and quoted attribute values: &amp; &lt; &gt; " ' become entities,
    /// control characters (other than tab and line breaks) and unpaired surrogates become U+FFFD, so a parameter
    /// or series name can contain anything without changing the page's structure.
    /// </summary>
    public static string Encode(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            string? replacement = c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\t' or '\n' or '\r' => null,
                _ when char.IsControl(c) => "\uFFFD",
                _ when char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) => null,
                _ when char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1]) => null,
                _ when char.IsSurrogate(c) => "\uFFFD",
                _ => null,
            };
            if (replacement is null)
            {
                sb?.Append(c);
                continue;
            }
            sb ??= new StringBuilder(text.Length + 16).Append(text, 0, i);
            sb.Append(replacement);
        }
        return sb?.ToString() ?? text;
    }
}
