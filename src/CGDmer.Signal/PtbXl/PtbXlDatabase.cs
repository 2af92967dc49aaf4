using System.Globalization;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Signal.PtbXl;

/// <summary>The recommended PTB-XL split by <c>strat_fold</c>: folds 1–8 train, 9 validation, 10 test.</summary>
public enum PtbXlSplit { Train, Validation, Test }

/// <summary>Which copy of a PTB-XL record to load: <c>records100/</c> (100 Hz) or <c>records500/</c> (500 Hz).</summary>
public enum PtbXlResolution { Low100Hz, High500Hz }

/// <summary>One row of <c>scp_statements.csv</c>.</summary>
public sealed record ScpStatement(
    string Code, string Description, bool IsDiagnostic, bool IsForm, bool IsRhythm,
    string? DiagnosticClass, string? DiagnosticSubclass, string? Category);

/// <summary>One row of <c>ptbxl_database.csv</c> with the fields the dataset builders use.</summary>
public sealed record PtbXlEntry(
    int EcgId,
    int PatientId,
    int StratFold,
    IReadOnlyDictionary<string, double> ScpCodes,
    string FilenameLr,
    string FilenameHr,
    double? Age,
    int? Sex,
    string? Report)
{
    /// <summary>Split by the dataset authors' recommendation; folds are patient-disjoint, so no patient leaks across splits.</summary>
    public PtbXlSplit Split => PtbXlDatabase.SplitOf(StratFold);

    /// <summary>This project's labels implied by the SCP codes (see <see cref="PtbXlDatabase.ScpToLabel"/>), distinct, in vocabulary order.</summary>
    /// <param name="minLikelihood">
    /// Minimum SCP likelihood (0–100). PTB-XL gives rhythm and form statements likelihood 0 ("unspecified"), so the
    /// default 0 keeps every stated code, which is how the PTB-XL benchmark builds its labels.
    /// </param>
    public IReadOnlyList<EcgLabel> Labels(double minLikelihood = 0)
    {
        var result = new List<EcgLabel>();
        foreach (var label in EcgLabels.All)
            foreach (var (code, likelihood) in ScpCodes)
                if (likelihood >= minLikelihood && PtbXlDatabase.ScpToLabel.TryGetValue(code, out var l) && l == label)
                {
                    result.Add(label);
                    break;
                }
        return result;
    }
}

/// <summary>
/// The PTB-XL metadata (<c>ptbxl_database.csv</c>, <c>scp_statements.csv</c>) and access to its WFDB records. PTB-XL is
/// the 12-lead training set for the model; this class pins down the two things that are easy to get subtly wrong with
/// it: the split (strat_fold) and the mapping of SCP-ECG statements onto this project's label vocabulary.
/// </summary>
public sealed class PtbXlDatabase
{
    private PtbXlDatabase(string root, IReadOnlyList<PtbXlEntry> entries, IReadOnlyDictionary<string, ScpStatement> statements)
    {
        Root = root;
        Entries = entries;
        Statements = statements;
    }

    /// <summary>Directory holding <c>ptbxl_database.csv</c>, <c>scp_statements.csv</c>, <c>records100/</c>, <c>records500/</c>.</summary>
    public string Root { get; }
    public IReadOnlyList<PtbXlEntry> Entries { get; }
    public IReadOnlyDictionary<string, ScpStatement> Statements { get; }

    /// <summary>
    /// SCP-ECG statements that correspond to a label of this project. Only direct equivalents are mapped: NORM (normal ECG
    /// implies sinus rhythm) and SR; the rhythm statements AFIB, AFLT, SBRAD, STACH; PVC; complete bundle branch blocks
    /// (CLBBB, CRBBB; incomplete blocks are not the same finding); LVH; LVOLT; STE_, STD_ and INVT. Statements with no
    /// equivalent (e.g. the myocardial infarction classes) are simply not labels here.
    /// </summary>
    public static IReadOnlyDictionary<string, EcgLabel> ScpToLabel { get; } = new Dictionary<string, EcgLabel>(StringComparer.Ordinal)
    {
        ["NORM"] = EcgLabels.SinusRhythm,
        ["SR"] = EcgLabels.SinusRhythm,
        ["AFIB"] = EcgLabels.AtrialFibrillation,
        ["AFLT"] = EcgLabels.AtrialFlutter,
        ["SBRAD"] = EcgLabels.SinusBradycardia,
        ["STACH"] = EcgLabels.SinusTachycardia,
        ["PVC"] = EcgLabels.PrematureVentricularContractions,
        ["CLBBB"] = EcgLabels.LeftBundleBranchBlock,
        ["CRBBB"] = EcgLabels.RightBundleBranchBlock,
        ["LVH"] = EcgLabels.LeftVentricularHypertrophy,
        ["LVOLT"] = EcgLabels.LowQrsVoltage,
        ["STE_"] = EcgLabels.StElevation,
        ["STD_"] = EcgLabels.StDepression,
        ["INVT"] = EcgLabels.TWaveInversion,
    };

    public static PtbXlSplit SplitOf(int stratFold) => stratFold switch
    {
        >= 1 and <= 8 => PtbXlSplit.Train,
        9 => PtbXlSplit.Validation,
        10 => PtbXlSplit.Test,
        _ => throw new ArgumentOutOfRangeException(nameof(stratFold), stratFold, "PTB-XL strat_fold must be 1..10."),
    };

    /// <summary>Loads the metadata from <paramref name="root"/>; <c>scp_statements.csv</c> is optional.</summary>
    public static PtbXlDatabase Load(string root)
    {
        string dbPath = Path.Combine(root, "ptbxl_database.csv");
        List<PtbXlEntry> entries;
        using (var r = new StreamReader(dbPath)) entries = ReadDatabase(r, dbPath);
        string stPath = Path.Combine(root, "scp_statements.csv");
        IReadOnlyDictionary<string, ScpStatement> statements = new Dictionary<string, ScpStatement>();
        if (File.Exists(stPath))
            using (var r = new StreamReader(stPath)) statements = ReadStatements(r, stPath);
        return new PtbXlDatabase(root, entries, statements);
    }

    public IEnumerable<PtbXlEntry> InSplit(PtbXlSplit split)
    {
        foreach (var e in Entries)
            if (e.Split == split) yield return e;
    }

    /// <summary>Path of the record without extension, as <see cref="WfdbReader.Read(string)"/> expects.</summary>
    public string RecordPath(PtbXlEntry entry, PtbXlResolution resolution) =>
        Path.Combine(Root, (resolution == PtbXlResolution.Low100Hz ? entry.FilenameLr : entry.FilenameHr).Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Reads the record's signals (format 16, 12 leads, mV) with checksum verification.</summary>
    public WfdbRecord LoadRecord(PtbXlEntry entry, PtbXlResolution resolution = PtbXlResolution.Low100Hz) =>
        WfdbReader.Read(RecordPath(entry, resolution));

    /// <summary>Parses <c>ptbxl_database.csv</c>; columns are found by name so extra or reordered columns do not matter.</summary>
    public static List<PtbXlEntry> ReadDatabase(TextReader reader, string sourceName = "ptbxl_database.csv")
    {
        using var rows = Csv.ReadRows(reader, sourceName).GetEnumerator();
        if (!rows.MoveNext()) throw new FormatException($"{sourceName}: empty file.");
        var header = rows.Current;
        int Col(string name, bool required = true)
        {
            int i = Array.IndexOf(header, name);
            if (i < 0 && required) throw new FormatException($"{sourceName}: missing column '{name}'.");
            return i;
        }
        int cId = Col("ecg_id"), cPatient = Col("patient_id"), cScp = Col("scp_codes"), cFold = Col("strat_fold"),
            cLr = Col("filename_lr"), cHr = Col("filename_hr"), cAge = Col("age", false), cSex = Col("sex", false),
            cReport = Col("report", false);
        var list = new List<PtbXlEntry>();
        int line = 1;
        while (rows.MoveNext())
        {
            line++;
            var f = rows.Current;
            if (f.Length == 1 && f[0].Length == 0) continue;
            if (f.Length < header.Length) throw new FormatException($"{sourceName}: row {line} has {f.Length} fields, expected {header.Length}.");
            try
            {
                list.Add(new PtbXlEntry(
                    (int)ParseNumber(f[cId]),
                    (int)ParseNumber(f[cPatient]), // pandas writes patient_id as a float ("15709.0")
                    (int)ParseNumber(f[cFold]),
                    ParseScpCodes(f[cScp]),
                    f[cLr], f[cHr],
                    cAge >= 0 && f[cAge].Length > 0 ? ParseNumber(f[cAge]) : null,
                    cSex >= 0 && f[cSex].Length > 0 ? (int)ParseNumber(f[cSex]) : null,
                    cReport >= 0 ? f[cReport] : null));
            }
            catch (FormatException e)
            {
                throw new FormatException($"{sourceName}: row {line}: {e.Message}", e);
            }
        }
        return list;
    }

    public static Dictionary<string, ScpStatement> ReadStatements(TextReader reader, string sourceName = "scp_statements.csv")
    {
        using var rows = Csv.ReadRows(reader, sourceName).GetEnumerator();
        if (!rows.MoveNext()) throw new FormatException($"{sourceName}: empty file.");
        var header = rows.Current;
        int Col(string name) => Array.IndexOf(header, name);
        int cDesc = Col("description"), cDiag = Col("diagnostic"), cForm = Col("form"), cRhythm = Col("rhythm"),
            cClass = Col("diagnostic_class"), cSub = Col("diagnostic_subclass"), cCat = Col("Statement Category");
        string? Get(string[] f, int i) => i >= 0 && i < f.Length && f[i].Length > 0 ? f[i] : null;
        bool Flag(string[] f, int i) => Get(f, i) is { } s && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v != 0;
        var result = new Dictionary<string, ScpStatement>(StringComparer.Ordinal);
        while (rows.MoveNext())
        {
            var f = rows.Current;
            if (f.Length == 0 || f[0].Length == 0) continue;
            result[f[0]] = new ScpStatement(f[0], Get(f, cDesc) ?? "", Flag(f, cDiag), Flag(f, cForm), Flag(f, cRhythm),
                Get(f, cClass), Get(f, cSub), Get(f, cCat));
        }
        return result;
    }

    /// <summary>
    /// Parses the Python dict literal PTB-XL uses for scp_codes, e.g. <c>{'NORM': 100.0, 'SR': 0.0}</c>. Only string keys
    /// and numeric values occur, so a small scanner suffices (and rejects anything else instead of evaluating it).
    /// </summary>
    public static Dictionary<string, double> ParseScpCodes(string text)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        var s = text.AsSpan().Trim();
        if (s.Length < 2 || s[0] != '{' || s[^1] != '}') throw new FormatException($"scp_codes '{text}' is not a dict literal.");
        s = s[1..^1].Trim();
        while (s.Length > 0)
        {
            char q = s[0];
            if (q != '\'' && q != '"') throw new FormatException($"scp_codes '{text}': expected a quoted key.");
            int end = s[1..].IndexOf(q);
            if (end < 0) throw new FormatException($"scp_codes '{text}': unterminated key.");
            string key = s.Slice(1, end).ToString();
            s = s[(end + 2)..].TrimStart();
            if (s.Length == 0 || s[0] != ':') throw new FormatException($"scp_codes '{text}': expected ':' after '{key}'.");
            s = s[1..].TrimStart();
            int comma = s.IndexOf(',');
            var num = (comma < 0 ? s : s[..comma]).Trim();
            if (!double.TryParse(num, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                throw new FormatException($"scp_codes '{text}': invalid likelihood '{num.ToString()}' for '{key}'.");
            result[key] = value;
            s = comma < 0 ? ReadOnlySpan<char>.Empty : s[(comma + 1)..].TrimStart();
        }
        return result;
    }

    private static double ParseNumber(string s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            ? v
            : throw new FormatException($"'{s}' is not a number.");
}
