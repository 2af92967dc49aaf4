using System.Globalization;

namespace CGDmer.Signal.Wfdb;

/// <summary>
/// The storage formats this reader decodes. The numeric values are the WFDB format codes so that a header's code can be
/// compared directly; only the formats found in the datasets this project uses (MIT-BIH: 212, PTB-XL: 16) plus the trivial
/// 8-bit offset format are supported, because every extra decoder is untested surface.
/// </summary>
public enum WfdbStorageFormat
{
    /// <summary>8-bit offset binary (value 128 = 0).</summary>
    Format80 = 80,
    /// <summary>Little-endian two's complement 16-bit.</summary>
    Format16 = 16,
    /// <summary>Two 12-bit two's complement samples packed into three bytes.</summary>
    Format212 = 212,
}

/// <summary>
/// One signal line of a header. <see cref="Baseline"/> is the ADC value that corresponds to 0 physical units; when the
/// header gives none, WFDB defines it to be <see cref="AdcZero"/>, which is what this parser stores.
/// </summary>
public sealed record WfdbSignalSpec(
    string FileName,
    WfdbStorageFormat Format,
    int ByteOffset,
    double Gain,
    bool GainWasDefaulted,
    int Baseline,
    string Units,
    int AdcResolution,
    int AdcZero,
    int? InitialValue,
    int? Checksum,
    int BlockSize,
    string Description)
{
    /// <summary>Physical value (in <see cref="Units"/>) of one raw ADC sample: (adc - baseline) / gain.</summary>
    public double ToPhysical(int adc) => (adc - Baseline) / Gain;
}

/// <summary>
/// A parsed WFDB header (.hea): the record line, one <see cref="WfdbSignalSpec"/> per signal and the '#' comment lines
/// (PTB-XL and MIT-BIH put age/sex/medication there, and other tools want them back verbatim).
/// </summary>
public sealed record WfdbHeader(
    string RecordName,
    int SignalCount,
    double SampleRateHz,
    long SampleCount,
    TimeOnly? BaseTime,
    DateOnly? BaseDate,
    IReadOnlyList<WfdbSignalSpec> Signals,
    IReadOnlyList<string> Comments)
{
    /// <summary>Start of the recording when the header gives both time and date; WFDB times carry no zone, UTC is assumed.</summary>
    public DateTimeOffset? StartTime =>
        BaseTime is { } t && BaseDate is { } d ? new DateTimeOffset(d.ToDateTime(t), TimeSpan.Zero) : null;
}

/// <summary>
/// Parser for WFDB header files. It is strict about what it does not understand (multi-segment records, samples-per-frame
/// above one, skew) and throws <see cref="WfdbFormatException"/> instead of guessing, because a silently misread header
/// yields plausible-looking but wrong signals that poison training data.
/// </summary>
public static class WfdbHeaderParser
{
    /// <summary>WFDB's default gain (ADC units per physical unit) when a header gives 0 or nothing.</summary>
    public const double DefaultGain = 200.0;

    /// <summary>Parses header text; <paramref name="sourceName"/> is used only in error messages.</summary>
    public static WfdbHeader Parse(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Parse(new StringReader(text), sourceName);
    }

    public static WfdbHeader Parse(TextReader reader, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        sourceName ??= "<header>";
        var comments = new List<string>();
        string? recordLine = null;
        int lineNo = 0;
        string? line;
        var signalLines = new List<(string Text, int LineNo)>();
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            var trimmed = line.Trim();
            if (trimmed.Length == 0) continue;
            if (trimmed[0] == '#')
            {
                comments.Add(trimmed[1..].Trim());
                continue;
            }
            // Trailing comments on a specification line are allowed by WFDB.
            int hash = trimmed.IndexOf('#');
            if (hash >= 0) trimmed = trimmed[..hash].TrimEnd();
            if (recordLine is null) recordLine = trimmed;
            else signalLines.Add((trimmed, lineNo));
        }
        if (recordLine is null) throw new WfdbFormatException(sourceName, "header has no record line.");

        var f = Split(recordLine);
        string name = f[0];
        if (name.Contains('/'))
            throw new WfdbFormatException(sourceName, $"multi-segment record '{name}' is not supported.");
        if (f.Length < 2 || !int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out int nsig) || nsig < 0)
            throw new WfdbFormatException(sourceName, $"record line '{recordLine}': missing or invalid number of signals.");
        if (nsig > 4096)
            throw new WfdbFormatException(sourceName, $"record line '{recordLine}': implausible number of signals {nsig}.");

        double fs = 250.0; // WFDB default sampling frequency
        if (f.Length > 2)
        {
            var fsText = f[2];
            int cut = fsText.IndexOfAny(['/', '(']);
            if (cut >= 0) fsText = fsText[..cut]; // counter frequency and base counter are not needed here
            if (!double.TryParse(fsText, NumberStyles.Float, CultureInfo.InvariantCulture, out fs) || !(fs > 0) || !double.IsFinite(fs))
                throw new WfdbFormatException(sourceName, $"record line '{recordLine}': invalid sampling frequency '{f[2]}'.");
        }
        long nsamp = 0;
        if (f.Length > 3 && (!long.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out nsamp) || nsamp < 0))
            throw new WfdbFormatException(sourceName, $"record line '{recordLine}': invalid number of samples '{f[3]}'.");
        TimeOnly? baseTime = null;
        DateOnly? baseDate = null;
        if (f.Length > 4 && IsIsoDate(f[4]))
        {
            // PhysioNet/CinC 2017 headers write "yyyy-mm-dd [hh:mm:ss]" where WFDB has "hh:mm:ss dd/mm/yyyy". That order is
            // accepted because an ISO date cannot be mistaken for a time; anything else in the time field is still an error.
            baseDate = ParseIsoDate(f[4], sourceName);
            if (f.Length > 5) baseTime = ParseTime(f[5], sourceName);
        }
        else
        {
            if (f.Length > 4) baseTime = ParseTime(f[4], sourceName);
            if (f.Length > 5) baseDate = ParseDate(f[5], sourceName);
        }

        if (signalLines.Count < nsig)
            throw new WfdbFormatException(sourceName, $"record line announces {nsig} signals but only {signalLines.Count} signal lines follow.");
        var specs = new WfdbSignalSpec[nsig];
        for (int i = 0; i < nsig; i++) specs[i] = ParseSignal(signalLines[i].Text, signalLines[i].LineNo, sourceName);
        // Lines beyond nsig are tolerated (some writers append info lines) but ignored.
        return new WfdbHeader(name, nsig, fs, nsamp, baseTime, baseDate, specs, comments);
    }

    private static string[] Split(string s) => s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private static WfdbSignalSpec ParseSignal(string line, int lineNo, string src)
    {
        var f = Split(line);
        string where = $"line {lineNo}";
        if (f.Length < 2) throw new WfdbFormatException(src, $"{where}: signal line needs at least a file name and a format.");
        string file = f[0];

        // format[xsamp][:skew][+offset]
        string fmtText = f[1];
        int offset = 0;
        int plus = fmtText.IndexOf('+');
        if (plus >= 0)
        {
            if (!int.TryParse(fmtText.AsSpan(plus + 1), NumberStyles.None, CultureInfo.InvariantCulture, out offset))
                throw new WfdbFormatException(src, $"{where}: invalid byte offset in '{fmtText}'.");
            fmtText = fmtText[..plus];
        }
        int colon = fmtText.IndexOf(':');
        if (colon >= 0)
        {
            if (!int.TryParse(fmtText.AsSpan(colon + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int skew))
                throw new WfdbFormatException(src, $"{where}: invalid skew in '{f[1]}'.");
            if (skew != 0) throw new WfdbFormatException(src, $"{where}: signal skew is not supported ('{f[1]}').");
            fmtText = fmtText[..colon];
        }
        int x = fmtText.IndexOf('x');
        if (x >= 0)
        {
            if (!int.TryParse(fmtText.AsSpan(x + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int spf))
                throw new WfdbFormatException(src, $"{where}: invalid samples-per-frame in '{f[1]}'.");
            if (spf != 1) throw new WfdbFormatException(src, $"{where}: more than one sample per frame is not supported ('{f[1]}').");
            fmtText = fmtText[..x];
        }
        if (!int.TryParse(fmtText, NumberStyles.None, CultureInfo.InvariantCulture, out int fmtCode))
            throw new WfdbFormatException(src, $"{where}: invalid format '{f[1]}'.");
        var format = fmtCode switch
        {
            16 => WfdbStorageFormat.Format16,
            212 => WfdbStorageFormat.Format212,
            80 => WfdbStorageFormat.Format80,
            _ => throw new WfdbFormatException(src, $"{where}: signal format {fmtCode} is not supported (supported: 16, 212, 80)."),
        };

        // gain[(baseline)][/units]
        double gain = DefaultGain;
        bool gainDefaulted = true;
        int? baseline = null;
        string units = "mV";
        if (f.Length > 2)
        {
            var g = f[2].AsSpan();
            int slash = g.IndexOf('/');
            if (slash >= 0)
            {
                units = g[(slash + 1)..].ToString();
                if (units.Length == 0) throw new WfdbFormatException(src, $"{where}: empty units in '{f[2]}'.");
                g = g[..slash];
            }
            int paren = g.IndexOf('(');
            if (paren >= 0)
            {
                if (g[^1] != ')' || g.Length - paren < 3)
                    throw new WfdbFormatException(src, $"{where}: malformed baseline in '{f[2]}'.");
                if (!int.TryParse(g[(paren + 1)..^1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int b))
                    throw new WfdbFormatException(src, $"{where}: invalid baseline in '{f[2]}'.");
                baseline = b;
                g = g[..paren];
            }
            if (!double.TryParse(g, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsedGain) || !double.IsFinite(parsedGain) || parsedGain < 0)
                throw new WfdbFormatException(src, $"{where}: invalid gain in '{f[2]}'.");
            if (parsedGain != 0) { gain = parsedGain; gainDefaulted = false; }
        }
        int adcres = f.Length > 3 ? ParseInt(f[3], "ADC resolution", where, src) : 0;
        if (adcres == 0) adcres = format == WfdbStorageFormat.Format212 ? 12 : format == WfdbStorageFormat.Format80 ? 8 : 16;
        int adczero = f.Length > 4 ? ParseInt(f[4], "ADC zero", where, src) : 0;
        int? initval = f.Length > 5 ? ParseInt(f[5], "initial value", where, src) : null;
        int? checksum = f.Length > 6 ? ParseInt(f[6], "checksum", where, src) : null;
        int blocksize = f.Length > 7 ? ParseInt(f[7], "block size", where, src) : 0;
        string description = f.Length > 8 ? string.Join(' ', f, 8, f.Length - 8) : "";
        return new WfdbSignalSpec(file, format, offset, gain, gainDefaulted, baseline ?? adczero, units, adcres, adczero,
            initval, checksum, blocksize, description);
    }

    private static int ParseInt(string s, string what, string where, string src) =>
        int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new WfdbFormatException(src, $"{where}: invalid {what} '{s}'.");

    private static TimeOnly ParseTime(string s, string src)
    {
        // WFDB base time: hh:mm:ss[.sss] (hours and minutes optional: "ss", "mm:ss").
        var parts = s.Split(':');
        if (parts.Length > 3) throw new WfdbFormatException(src, $"invalid base time '{s}'.");
        int h = 0, m = 0;
        double sec;
        try
        {
            int i = 0;
            if (parts.Length == 3) h = int.Parse(parts[i++], NumberStyles.None, CultureInfo.InvariantCulture);
            if (parts.Length >= 2) m = int.Parse(parts[i++], NumberStyles.None, CultureInfo.InvariantCulture);
            sec = double.Parse(parts[i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new WfdbFormatException(src, $"invalid base time '{s}'.", e);
        }
        // The negated comparison also rejects "NaN", which double.Parse accepts.
        if (h > 23 || m > 59 || !(sec >= 0 && sec < 60)) throw new WfdbFormatException(src, $"invalid base time '{s}'.");
        return new TimeOnly(h, m).Add(TimeSpan.FromSeconds(sec));
    }

    /// <summary>Shape of an ISO date (four digits, dash, ...): decides which field order a record line uses.</summary>
    private static bool IsIsoDate(string s) => s.Length >= 8 && s[4] == '-' && char.IsAsciiDigit(s[0]) && char.IsAsciiDigit(s[3]);

    private static DateOnly ParseIsoDate(string s, string src)
    {
        if (DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
        throw new WfdbFormatException(src, $"invalid base date '{s}' (expected yyyy-mm-dd before the time).");
    }

    private static DateOnly ParseDate(string s, string src)
    {
        if (DateOnly.TryParseExact(s, ["d/M/yyyy", "dd/MM/yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            return d;
        throw new WfdbFormatException(src, $"invalid base date '{s}' (expected dd/mm/yyyy).");
    }
}
