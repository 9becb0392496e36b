using System.Globalization;
using System.Text;

namespace Tidu.Data;

/// <summary>
/// Reads numeric CSV files into a <see cref="TensorDataset"/>: one sample per line, one column the target and
/// every other column a Float32 feature. Fields may be quoted with double quotes ("" inside quotes is a quote);
/// blank lines are skipped; numbers use the invariant culture (a dot as decimal separator).
/// </summary>
public static class Csv
{
    /// <summary>
    /// Reads <paramref name="path"/>: inputs are Float32 [N, F] (F = columns − 1); targets are Int64 class
    /// indices [N], or Float32 [N, 1] with <paramref name="regression"/> (the shape a <c>Linear(F, 1)</c>
    /// predicts, so MSELoss does not broadcast [N, 1] against [N]).
    /// </summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="labelColumn">The zero-based target column; negative counts from the end (−1 is the last).</param>
    /// <param name="hasHeader">Whether the first line holds column names.</param>
    /// <param name="separator">The field separator.</param>
    /// <param name="regression">Read the target as a Float32 value instead of an integer class index.</param>
    /// <exception cref="InvalidDataException">
    /// A value that is not a finite number (or, for class targets, not an integer), a line whose number of
    /// columns differs from the first line's, a label column outside the row, or no data; the message gives
    /// the line and column (both 1-based).
    /// </exception>
    public static TensorDataset Read(string path, int labelColumn, bool hasHeader = true, char separator = ',', bool regression = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(path, header => labelColumn, hasHeader, separator, regression);
    }

    /// <summary>Reads <paramref name="path"/>, whose first line names the columns, with the target in the column named <paramref name="labelColumn"/>.</summary>
    /// <exception cref="InvalidDataException">No column of that name, or any problem listed for <see cref="Read(string, int, bool, char, bool)"/>.</exception>
    public static TensorDataset Read(string path, string labelColumn, char separator = ',', bool regression = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(labelColumn);
        return Parse(path, header =>
        {
            int i = Array.IndexOf(header!, labelColumn);
            if (i < 0) throw new InvalidDataException($"CSV file '{path}', line 1: no column named '{labelColumn}' (columns: {string.Join(", ", header!)}).");
            return i;
        }, hasHeader: true, separator, regression);
    }

    private static TensorDataset Parse(string path, Func<string[]?, int> chooseLabel, bool hasHeader, char separator, bool regression)
    {
        string[]? names = null;
        int columns = -1, label = -1, rows = 0, columnsLine = 0;
        var features = new List<float>();
        var classes = new List<long>();
        var values = new List<float>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var fields = Split(path, line, lineNumber, separator);
            if (columns < 0)
            {
                columns = fields.Length;
                columnsLine = lineNumber;
                if (hasHeader) names = fields;
                int chosen = chooseLabel(names);
                label = chosen < 0 ? chosen + columns : chosen;
                if (label < 0 || label >= columns)
                    throw new InvalidDataException($"CSV file '{path}', line {lineNumber}: label column {chosen} is outside the {columns} columns.");
                if (hasHeader) continue;
            }
            else if (fields.Length != columns)
            {
                throw new InvalidDataException(
                    $"CSV file '{path}', line {lineNumber}: {fields.Length} columns, but line {columnsLine} has {columns}.");
            }
            for (int c = 0; c < columns; c++)
            {
                string field = fields[c].Trim();
                if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                    throw new InvalidDataException(
                        $"CSV file '{path}', line {lineNumber}, column {c + 1}{ColumnName(names, c)}: {(field.Length == 0 ? "empty value" : $"'{field}' is not a finite number")}.");
                if (c != label) features.Add((float)v);
                else if (regression) values.Add((float)v);
                else if (v != Math.Floor(v) || Math.Abs(v) > 1L << 53)
                    throw new InvalidDataException(
                        $"CSV file '{path}', line {lineNumber}, column {c + 1}{ColumnName(names, c)}: class label '{field}' is not an integer (pass regression: true for real-valued targets).");
                else classes.Add((long)v);
            }
            rows++;
        }
        if (rows == 0) throw new InvalidDataException($"CSV file '{path}': no data rows.");
        var inputs = Tensor.From(features.ToArray(), rows, columns - 1);
        var targets = regression ? Tensor.From(values.ToArray(), rows, 1) : Tensor.From(classes.ToArray());
        return new TensorDataset(inputs, targets);
    }

    private static string ColumnName(string[]? names, int c) => names is null ? "" : $" ('{names[c]}')";

    /// <summary>Splits one line at <paramref name="separator"/>, honouring double-quoted fields.</summary>
    private static string[] Split(string path, string line, int lineNumber, char separator)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch != '"') field.Append(ch);
                else if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
            }
            else if (ch == '"') quoted = true;
            else if (ch == separator) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(ch);
        }
        if (quoted) throw new InvalidDataException($"CSV file '{path}', line {lineNumber}: a quoted field is not closed (fields spanning lines are not supported).");
        fields.Add(field.ToString());
        return fields.ToArray();
    }
}
