namespace CGDmer.Signal.Wfdb;

/// <summary>
/// Writer for WFDB annotation files in MIT format, the format <see cref="AnnotationReader"/> parses, laid out the way
/// WFDB's putann lays it out: reading a written file gives back the annotations written, and rewriting an annotation
/// file that putann wrote gives back its bytes (given the matching <see cref="AnnotationWriterOptions.NulTerminateAux"/>).
/// </summary>
public static class AnnotationWriter
{
    private const int Skip = 59, NumCode = 60, Sub = 61, Chn = 62, AuxCode = 63, MaxDelta = 0x3FF;

    /// <summary>Longest aux string in bytes: WFDB keeps its length in one byte.</summary>
    public const int MaxAuxBytes = 255;

    /// <summary>
    /// Writes <paramref name="annotations"/> to the file <paramref name="path"/> (the full name, e.g. <c>100.qrs</c>).
    /// Every annotation is checked before the file is created, so a refused list leaves no file behind.
    /// </summary>
    /// <exception cref="ArgumentException">An annotation is out of time order or has a field the format cannot hold; the message names its index.</exception>
    public static void Write(string path, IEnumerable<Annotation> annotations, AnnotationWriterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        File.WriteAllBytes(path, Encode(annotations, options));
    }

    /// <summary>Writes <paramref name="annotations"/> to <paramref name="stream"/>, after checking all of them, and leaves it open.</summary>
    /// <exception cref="ArgumentException">As for <see cref="Write(string, IEnumerable{Annotation}, AnnotationWriterOptions?)"/>.</exception>
    public static void Write(Stream stream, IEnumerable<Annotation> annotations, AnnotationWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(Encode(annotations, options));
    }

    /// <summary>
    /// The file's bytes: one 16-bit little-endian word per annotation (6-bit code, 10-bit time difference), SKIP before a
    /// difference over 1023 samples, SUB for a non-zero subtype, CHN and NUM when the sticky channel or number changes,
    /// AUX with the string padded to an even length, and the terminating zero word.
    /// </summary>
    public static byte[] Encode(IEnumerable<Annotation> annotations, AnnotationWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        bool nul = (options ?? AnnotationWriterOptions.Default).NulTerminateAux;
        var output = new List<byte>();
        long time = 0;
        int chan = 0, num = 0, index = 0;
        foreach (var a in annotations)
        {
            Check(a, index, time, nul);
            long delta = a.Sample - time;
            while (delta > MaxDelta)
            {
                // putann's layout: SKIP carries the whole difference (a signed 32-bit count, high word first), the
                // annotation word then carries 0. Differences beyond int.MaxValue take more than one SKIP.
                int step = (int)Math.Min(delta, int.MaxValue);
                Word(output, Skip, 0);
                Word16(output, step >>> 16);
                Word16(output, step & 0xFFFF);
                delta -= step;
            }
            Word(output, a.Code, (int)delta);
            if (a.SubType != 0) Word(output, Sub, a.SubType);
            if (a.Channel != chan) Word(output, Chn, a.Channel);
            if (a.Num != num) Word(output, NumCode, a.Num & MaxDelta);
            if (a.Aux is { } aux)
            {
                int length = aux.Length + (nul ? 1 : 0);
                Word(output, AuxCode, length);
                foreach (char c in aux) output.Add((byte)c);
                if (nul) output.Add(0);
                if ((length & 1) != 0) output.Add(0);
            }
            time = a.Sample;
            chan = a.Channel;
            num = a.Num;
            index++;
        }
        Word(output, 0, 0);
        return output.ToArray();
    }

    private static void Check(Annotation? a, int index, long previous, bool nul)
    {
        if (a is null) throw new ArgumentException($"annotation {index} is null.", "annotations");
        string at = $"annotation {index} (sample {a.Sample}, code {a.Code})";
        if (a.Sample < 0) throw new ArgumentException($"{at}: the sample time is negative.", "annotations");
        if (a.Sample < previous)
            throw new ArgumentException($"{at}: precedes the previous annotation at sample {previous}; annotations must be in ascending time order.", "annotations");
        if (a.Code is < 1 or > AnnotationCodes.MaxCode)
            throw new ArgumentException($"{at}: code {a.Code} is outside 1..{AnnotationCodes.MaxCode}, the codes an annotation file can hold.", "annotations");
        if (a.SubType is < 0 or > MaxDelta)
            throw new ArgumentException($"{at}: subtype {a.SubType} is outside 0..{MaxDelta}.", "annotations");
        if (a.Channel is < 0 or > MaxDelta)
            throw new ArgumentException($"{at}: channel {a.Channel} is outside 0..{MaxDelta}.", "annotations");
        if (a.Num is < -512 or > 511)
            throw new ArgumentException($"{at}: num {a.Num} is outside -512..511, the 10-bit signed field.", "annotations");
        if (a.Aux is not { } aux) return;
        if (aux.Length + (nul ? 1 : 0) > MaxAuxBytes)
            throw new ArgumentException($"{at}: aux string of {aux.Length} characters is longer than {MaxAuxBytes} bytes{(nul ? " with its NUL" : "")}.", "annotations");
        for (int i = 0; i < aux.Length; i++)
            if (aux[i] is '\0' or > '\u00FF')
                throw new ArgumentException($"{at}: aux string has character U+{(int)aux[i]:X4} at position {i}; aux strings are Latin-1 text without NUL.", "annotations");
    }

    /// <summary>Appends the word holding <paramref name="code"/> in its top 6 bits and <paramref name="value"/> in its low 10.</summary>
    private static void Word(List<byte> output, int code, int value) => Word16(output, (code << 10) | (value & MaxDelta));

    /// <summary>Appends a 16-bit little-endian word.</summary>
    private static void Word16(List<byte> output, int word)
    {
        output.Add((byte)word);
        output.Add((byte)(word >>> 8));
    }
}
