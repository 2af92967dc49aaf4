using System.Text.RegularExpressions;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Signal.Datasets;

/// <summary>The three folders of the AF Termination Challenge Database.</summary>
public enum AftdbSet
{
    /// <summary><c>learning-set/</c>: n01-n10 (AF does not terminate within an hour), s01-s10 (terminates one minute after the segment), t01-t10 (terminates right after).</summary>
    LearningSet,
    /// <summary><c>test-set-a/</c>: a01-a30.</summary>
    TestSetA,
    /// <summary><c>test-set-b/</c>: b01-b20.</summary>
    TestSetB,
}

/// <summary>One AFTDB record: its id (e.g. <c>n01</c>), its folder and its path without extension.</summary>
public sealed record AftdbRecordInfo(string RecordId, AftdbSet Set, string Path);

/// <summary>
/// Loader for the AF Termination Challenge Database (Computers in Cardiology Challenge 2004): one-minute two-lead Holter
/// segments at 128 Hz in WFDB format 16, read with checksums and initial values verified, with unaudited automatic beat
/// marks in <c>.qrs</c> files. Every record is atrial fibrillation from start to end.
/// </summary>
/// <remarks>
/// The headers describe both signals as "ECG". They are placed on <see cref="Lead.II"/> and <see cref="Lead.V1"/>: an
/// assumption, following the usual two-lead Holter montage that the MIT-BIH records in this project use (MLII, V1).
/// </remarks>
public static partial class Aftdb
{
    /// <summary>Extension of the beat annotation files (annotator <c>qrs</c>).</summary>
    public const string BeatAnnotator = "qrs";

    /// <summary>Sampling rate of every record.</summary>
    public const double SampleRateHz = 128;

    /// <summary>The leads the two signals are placed on, in signal order (assumed, see the type's remarks).</summary>
    public static IReadOnlyList<Lead> RecordedLeads { get; } = [Lead.II, Lead.V1];

    /// <summary>The rhythm of every record, throughout.</summary>
    public static EcgLabel Rhythm => EcgLabels.AtrialFibrillation;

    /// <summary>The folders in the order they are enumerated.</summary>
    public static IReadOnlyList<AftdbSet> Sets { get; } = [AftdbSet.LearningSet, AftdbSet.TestSetA, AftdbSet.TestSetB];

    /// <summary>Folder name of a set: <c>learning-set</c>, <c>test-set-a</c>, <c>test-set-b</c>.</summary>
    public static string FolderName(AftdbSet set) => set switch
    {
        AftdbSet.LearningSet => "learning-set",
        AftdbSet.TestSetA => "test-set-a",
        AftdbSet.TestSetB => "test-set-b",
        _ => throw new ArgumentOutOfRangeException(nameof(set), set, null),
    };

    /// <summary>
    /// The records under <paramref name="root"/>: every <c>.hea</c> of the three set folders, folder by folder, by id. A set
    /// folder that is absent is skipped (a copy may hold only some sets); a root with no record at all is an error.
    /// </summary>
    public static IReadOnlyList<AftdbRecordInfo> Enumerate(string root)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"AFTDB folder not found: {root}");
        var records = new List<AftdbRecordInfo>();
        foreach (var set in Sets)
        {
            var dir = Path.Combine(root, FolderName(set));
            if (!Directory.Exists(dir)) continue;
            foreach (var hea in Directory.EnumerateFiles(dir, "*.hea").Order(StringComparer.Ordinal))
            {
                var id = System.IO.Path.GetFileNameWithoutExtension(hea);
                records.Add(new AftdbRecordInfo(id, set, System.IO.Path.Combine(dir, id)));
            }
        }
        if (records.Count == 0)
            throw new DirectoryNotFoundException($"{root} holds no AFTDB record (expected .hea files in learning-set/, test-set-a/ or test-set-b/).");
        return records;
    }

    /// <summary>
    /// Whether a header has the AFTDB form: a record named like <c>n01</c>/<c>s01</c>/<c>t01</c>/<c>a01</c>/<c>b01</c>,
    /// two format-16 signals both described as "ECG", at 128 Hz.
    /// </summary>
    public static bool IsAftdbHeader(WfdbHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return header.SignalCount == 2 && header.SampleRateHz == SampleRateHz && RecordName().IsMatch(header.RecordName)
               && header.Signals.All(s => s.Format == WfdbStorageFormat.Format16 && s.Description == "ECG");
    }

    /// <summary>
    /// Reads one record (path without extension), fully verified, with its signals on <see cref="RecordedLeads"/>.
    /// Throws <see cref="FileNotFoundException"/> for a missing header and <see cref="WfdbFormatException"/> (naming the
    /// file) for a header not of the AFTDB form or a damaged signal file.
    /// </summary>
    public static WfdbRecord ReadRecord(string recordPathWithoutExtension)
    {
        var header = WfdbReader.ReadHeader(recordPathWithoutExtension);
        string headerPath = recordPathWithoutExtension + ".hea";
        if (!IsAftdbHeader(header))
            throw new WfdbFormatException(headerPath, "not an AFTDB header (expected a record like n01, two format-16 'ECG' signals at 128 Hz).");
        return WfdbReader.Read(header, headerPath, WfdbReadOptions.Default).WithLeads([.. RecordedLeads.Select(l => (Lead?)l)]);
    }

    /// <summary>The record's beat marks from <c>path.qrs</c> (automatic and unaudited: good for heart rate, not for scoring a detector).</summary>
    public static IReadOnlyList<Annotation> ReadBeats(string recordPathWithoutExtension)
    {
        var path = recordPathWithoutExtension + "." + BeatAnnotator;
        if (!File.Exists(path)) throw new FileNotFoundException($"AFTDB beat annotation file not found: {path}", path);
        return AnnotationReader.Beats(AnnotationReader.Read(path));
    }

    [GeneratedRegex("^[nstab][0-9]{2}$")]
    private static partial Regex RecordName();
}
