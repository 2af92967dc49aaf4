using System.Text;

namespace CGDmer.Signal.PtbXl;

/// <summary>
/// Minimal RFC 4180 CSV reader (quoted fields, doubled quotes, line breaks inside quotes). PTB-XL's CSVs are written by
/// pandas and quote the report and dict-valued columns, so splitting on commas is not enough; a full CSV library would
/// be the only external dependency of this assembly.
/// </summary>
internal static class Csv
{
    public static IEnumerable<string[]> ReadRows(TextReader reader, string sourceName)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool inQuotes = false, any = false, fieldWasQuoted = false;
        int c;
        long line = 1;
        while ((c = reader.Read()) >= 0)
        {
            char ch = (char)c;
            any = true;
            if (inQuotes)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else inQuotes = false;
                }
                else
                {
                    if (ch == '\n') line++;
                    field.Append(ch);
                }
                continue;
            }
            switch (ch)
            {
                case '"' when field.Length == 0 && !fieldWasQuoted:
                    inQuotes = true;
                    fieldWasQuoted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldWasQuoted = false;
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldWasQuoted = false;
                    yield return fields.ToArray();
                    fields.Clear();
                    any = false;
                    line++;
                    break;
                default:
                    field.Append(ch);
                    break;
            }
        }
        if (inQuotes) throw new FormatException($"{sourceName}: unterminated quoted field starting before line {line}.");
        if (any)
        {
            fields.Add(field.ToString());
            yield return fields.ToArray();
        }
    }
}
