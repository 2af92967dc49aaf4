using System.Globalization;
using System.Text;

namespace CGDmer.Transports.Hl7.Er7;

/// <summary>
/// HL7 v2 encoding rules (ER7, v2.6 chapter 2.7) with the default delimiters <c>|^~\&amp;</c>: escaping of text, and the
/// DTM timestamp form. Strict: what cannot be carried as text (a control character other than CR, LF or TAB) is refused
/// rather than sent.
/// </summary>
public static class Er7
{
    public const char FieldSeparator = '|';
    public const char ComponentSeparator = '^';
    public const char RepetitionSeparator = '~';
    public const char EscapeCharacter = '\\';
    public const char SubcomponentSeparator = '&';
    /// <summary>MSH-2: the encoding characters after the field separator.</summary>
    public const string EncodingCharacters = "^~\\&";
    /// <summary>The segment terminator on the wire (chapter 2.7: a carriage return).</summary>
    public const char SegmentTerminator = '\r';

    /// <summary>
    /// <paramref name="text"/> with every delimiter written as its escape sequence (<c>\F\ \S\ \T\ \R\ \E\</c>) and CR, LF
    /// and TAB as hexadecimal escapes (<c>\X0D\ \X0A\ \X09\</c>), so that it is one primitive value.
    /// </summary>
    /// <exception cref="ArgumentException">It holds another control character (HL7 text cannot carry it).</exception>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int i = text.AsSpan().IndexOfAny("|^~\\&\r\n\t");
        if (i < 0) { RejectControl(text, 0); return text; }
        var sb = new StringBuilder(text.Length + 16);
        sb.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case FieldSeparator: sb.Append("\\F\\"); break;
                case ComponentSeparator: sb.Append("\\S\\"); break;
                case SubcomponentSeparator: sb.Append("\\T\\"); break;
                case RepetitionSeparator: sb.Append("\\R\\"); break;
                case EscapeCharacter: sb.Append("\\E\\"); break;
                case '\r': sb.Append("\\X0D\\"); break;
                case '\n': sb.Append("\\X0A\\"); break;
                case '\t': sb.Append("\\X09\\"); break;
                default:
                    if (char.IsControl(c)) throw ControlCharacter(c, i);
                    sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>The inverse of <see cref="Escape"/> for the sequences it writes (tests and the ACK reader use it).</summary>
    /// <exception cref="FormatException">An escape sequence is not closed or not one of those.</exception>
    public static string Unescape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.Contains(EscapeCharacter)) return value;
        var sb = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c != EscapeCharacter) { sb.Append(c); continue; }
            int end = value.IndexOf(EscapeCharacter, i + 1);
            if (end < 0) throw new FormatException($"unterminated HL7 escape sequence at position {i}");
            string seq = value[(i + 1)..end];
            sb.Append(seq switch
            {
                "F" => "|", "S" => "^", "T" => "&", "R" => "~", "E" => "\\",
                "X0D" => "\r", "X0A" => "\n", "X09" => "\t",
                _ => throw new FormatException($"unsupported HL7 escape sequence '\\{seq}\\' at position {i}"),
            });
            i = end;
        }
        return sb.ToString();
    }

    /// <summary>A DTM (v2.6) to the millisecond with its UTC offset: <c>yyyyMMddHHmmss.fff+0000</c>.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyyMMddHHmmss.fff", CultureInfo.InvariantCulture) + "+0000";

    /// <summary>A number as NM: invariant culture, no exponent, at most <paramref name="decimals"/> decimals.</summary>
    /// <exception cref="ArgumentException">It is NaN or infinite (NM has no form for them).</exception>
    public static string Number(double value, int decimals)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"NM cannot carry {value}", nameof(value));
        return Math.Round(value, decimals, MidpointRounding.AwayFromZero).ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture);
    }

    private static void RejectControl(string text, int from)
    {
        for (int i = from; i < text.Length; i++)
            if (char.IsControl(text[i])) throw ControlCharacter(text[i], i);
    }

    private static ArgumentException ControlCharacter(char c, int at) =>
        new($"HL7 text cannot carry the control character U+{(int)c:X4} (at position {at})", "text");
}
