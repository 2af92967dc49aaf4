using System.Text;

namespace CGDmer.Signal.Wfdb;

/// <summary>
/// Reader for WFDB annotation files in MIT format (e.g. <c>.atr</c>), and helpers that turn annotation streams into the
/// beats and rhythm episodes the dataset builders and evaluations need.
/// </summary>
public static class AnnotationReader
{
    private const int Skip = 59, NumCode = 60, Sub = 61, Chn = 62, AuxCode = 63;

    /// <summary>Reads an annotation file; <paramref name="path"/> is the full file name (e.g. <c>data/mitbih/201.atr</c>).</summary>
    public static IReadOnlyList<Annotation> Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw; }
        catch (IOException e) { throw new WfdbFormatException(path, $"cannot read annotation file: {e.Message}", e); }
        return Parse(bytes, path);
    }

    public static IReadOnlyList<Annotation> Read(Stream stream, string sourceName = "<annotations>")
    {
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return Parse(ms.GetBuffer().AsSpan(0, (int)ms.Length), sourceName);
    }

    /// <summary>
    /// Decodes the MIT format: a stream of little-endian 16-bit words, code in the top 6 bits and time difference (or data)
    /// in the low 10. SUB/CHN/NUM/AUX words modify the annotation they follow; SKIP words precede the annotation whose
    /// time they extend. A zero word ends the file (a missing terminator at end of data is tolerated).
    /// </summary>
    public static IReadOnlyList<Annotation> Parse(ReadOnlySpan<byte> data, string sourceName = "<annotations>")
    {
        var result = new List<Annotation>(data.Length / 2);
        long time = 0;
        int num = 0, chan = 0;
        // Fields of the annotation being assembled (modifiers follow its word).
        bool pending = false;
        long pTime = 0;
        int pCode = 0, pSub = 0;
        string? pAux = null;
        int p = 0;

        void Flush()
        {
            if (pending) result.Add(new Annotation(pTime, AnnotationCodes.Symbol(pCode), pCode, pSub, chan, num, pAux));
            pending = false;
        }

        while (true)
        {
            if (p + 2 > data.Length)
            {
                if (p != data.Length) throw new WfdbFormatException(sourceName, "annotation file ends with half a word.");
                break; // tolerate missing terminator
            }
            int word = data[p] | (data[p + 1] << 8);
            p += 2;
            int code = word >> 10;
            int value = word & 0x3FF;
            if (code == 0 && value == 0) break;
            switch (code)
            {
                case Skip:
                    if (p + 4 > data.Length) throw new WfdbFormatException(sourceName, $"SKIP at byte {p - 2} is truncated.");
                    // 32-bit interval stored as two 16-bit words, most significant word first (PDP-11 order).
                    int hi = data[p] | (data[p + 1] << 8);
                    int lo = data[p + 2] | (data[p + 3] << 8);
                    p += 4;
                    Flush();
                    time += (hi << 16) | lo;
                    break;
                case NumCode:
                    // Sign-extend the 10-bit field: WFDB stores num as a small signed integer.
                    if (!pending) throw new WfdbFormatException(sourceName, $"NUM at byte {p - 2} precedes any annotation.");
                    num = value >= 512 ? value - 1024 : value;
                    break;
                case Sub:
                    if (!pending) throw new WfdbFormatException(sourceName, $"SUB at byte {p - 2} precedes any annotation.");
                    pSub = value;
                    break;
                case Chn:
                    if (!pending) throw new WfdbFormatException(sourceName, $"CHN at byte {p - 2} precedes any annotation.");
                    chan = value;
                    break;
                case AuxCode:
                    if (!pending) throw new WfdbFormatException(sourceName, $"AUX at byte {p - 2} precedes any annotation.");
                    // `value` bytes of text, padded with one byte to an even length so that words stay aligned.
                    int len = value, padded = (value + 1) & ~1;
                    if (p + padded > data.Length)
                    {
                        if (p + len > data.Length) throw new WfdbFormatException(sourceName, $"AUX string at byte {p} is truncated.");
                        padded = len;
                    }
                    var text = data.Slice(p, len);
                    int nul = text.IndexOf((byte)0);
                    if (nul >= 0) text = text[..nul];
                    pAux = Encoding.Latin1.GetString(text);
                    p += padded;
                    break;
                default:
                    if (code > AnnotationCodes.MaxCode)
                        throw new WfdbFormatException(sourceName, $"invalid annotation code {code} at byte {p - 2}.");
                    Flush();
                    time += value;
                    pending = true;
                    pTime = time;
                    pCode = code;
                    pSub = 0;
                    pAux = null;
                    break;
            }
        }
        Flush();
        return result;
    }

    /// <summary>The annotations that are beats (WFDB isqrs), in file order.</summary>
    public static List<Annotation> Beats(IEnumerable<Annotation> annotations)
    {
        var beats = new List<Annotation>();
        foreach (var a in annotations)
            if (a.IsBeat) beats.Add(a);
        return beats;
    }

    /// <summary>
    /// Rhythm episodes from the <c>+</c> annotations: each one runs from its annotation to the next rhythm annotation (or
    /// <paramref name="recordLength"/>). The reference annotates rhythm changes, not intervals, so this is the only faithful
    /// reading; consecutive annotations naming the same rhythm are merged into one episode.
    /// </summary>
    public static List<RhythmEpisode> RhythmEpisodes(IEnumerable<Annotation> annotations, long recordLength)
    {
        var episodes = new List<RhythmEpisode>();
        string? current = null;
        long start = 0;
        foreach (var a in annotations)
        {
            if (a.Rhythm is not { } rhythm) continue;
            if (current is not null)
            {
                if (rhythm == current) continue;
                if (a.Sample > start) episodes.Add(new RhythmEpisode(start, a.Sample, current));
            }
            current = rhythm;
            start = a.Sample;
        }
        if (current is not null && recordLength > start) episodes.Add(new RhythmEpisode(start, recordLength, current));
        return episodes;
    }
}
