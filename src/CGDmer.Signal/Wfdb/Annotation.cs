namespace CGDmer.Signal.Wfdb;

/// <summary>
/// One annotation as WFDB defines it. <see cref="Num"/> and <see cref="Channel"/> are "sticky" in the MIT format (they
/// carry over from the previous annotation unless changed), and are reported here with that carried-over value, exactly
/// as WFDB's getann does, so that round-trips and comparisons with rdann output agree.
/// </summary>
public sealed record Annotation(long Sample, string Symbol, int Code, int SubType, int Channel, int Num, string? Aux)
{
    /// <summary>Whether this annotation marks a QRS complex (WFDB's isqrs).</summary>
    public bool IsBeat => AnnotationCodes.IsQrs(Code);

    /// <summary>For rhythm annotations (<c>+</c>), the rhythm named in the aux string, e.g. "(AFIB"; otherwise null.</summary>
    public string? Rhythm => Code == AnnotationCodes.Rhythm && Aux is { Length: > 0 } a ? a.TrimEnd('\0', ' ') : null;
}

/// <summary>A rhythm episode: samples [Start, End) carry the rhythm named by a <c>+</c> annotation, e.g. "(AFIB".</summary>
public readonly record struct RhythmEpisode(long Start, long End, string Rhythm)
{
    public long Length => End - Start;
}

/// <summary>
/// The standard WFDB annotation codes (ecgcodes.h) and their mnemonics. Kept as a table instead of an enum because the
/// codes are data from files: unknown codes must survive reading rather than fail a cast.
/// </summary>
public static class AnnotationCodes
{
    public const int NotQrs = 0, Normal = 1, Lbbb = 2, Rbbb = 3, Aberrant = 4, Pvc = 5, Fusion = 6, Npc = 7, Apc = 8,
        Svpb = 9, VentricularEscape = 10, NodalEscape = 11, Paced = 12, Unknown = 13, Noise = 14, Artifact = 16,
        StChange = 18, TChange = 19, Systole = 20, Diastole = 21, Note = 22, Measure = 23, PWave = 24, Bbb = 25,
        PacerSpike = 26, TWave = 27, Rhythm = 28, UWave = 29, Learn = 30, FlutterWave = 31, VfOn = 32, VfOff = 33,
        AtrialEscape = 34, SvEscape = 35, Link = 36, NonConductedP = 37, PacedFusion = 38, WaveOnset = 39,
        WaveOffset = 40, RonT = 41;

    /// <summary>Highest code that denotes an annotation; 59..63 are MIT-format pseudo-codes.</summary>
    public const int MaxCode = 49;

    private static readonly string[] Symbols = BuildSymbols();

    private static string[] BuildSymbols()
    {
        var s = new string[MaxCode + 1];
        for (int i = 0; i < s.Length; i++) s[i] = "[" + i + "]";
        s[0] = " ";
        string table = "NLRaVFJASEj/Q~";
        for (int i = 0; i < table.Length; i++) s[i + 1] = table[i].ToString();
        s[16] = "|"; s[18] = "s"; s[19] = "T"; s[20] = "*"; s[21] = "D"; s[22] = "\""; s[23] = "="; s[24] = "p";
        s[25] = "B"; s[26] = "^"; s[27] = "t"; s[28] = "+"; s[29] = "u"; s[30] = "?"; s[31] = "!"; s[32] = "[";
        s[33] = "]"; s[34] = "e"; s[35] = "n"; s[36] = "@"; s[37] = "x"; s[38] = "f"; s[39] = "("; s[40] = ")";
        s[41] = "r";
        return s;
    }

    /// <summary>Mnemonic of a code ("N", "V", "+", ...); unassigned codes render as "[code]" like WFDB does.</summary>
    public static string Symbol(int code) => (uint)code < (uint)Symbols.Length ? Symbols[code] : "[" + code + "]";

    /// <summary>Code for a mnemonic, or -1.</summary>
    public static int Code(string symbol)
    {
        for (int i = 0; i < Symbols.Length; i++)
            if (Symbols[i] == symbol) return i;
        return -1;
    }

    /// <summary>
    /// WFDB's isqrs: the beat labels (N L R a V F J A S E j / Q B ? e n f r). Heart rate and detector evaluation count
    /// exactly these, so a detector is scored against the same beats the reference software uses.
    /// </summary>
    public static bool IsQrs(int code) => code switch
    {
        >= Normal and <= Unknown => true,
        Bbb or Learn or AtrialEscape or SvEscape or PacedFusion or RonT => true,
        _ => false,
    };
}
