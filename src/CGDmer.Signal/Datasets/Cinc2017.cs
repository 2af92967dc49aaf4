using CGDmer.Signal.Wfdb;

namespace CGDmer.Signal.Datasets;

/// <summary>The four classes of the PhysioNet/CinC Challenge 2017, as coded in <c>REFERENCE.csv</c>.</summary>
public enum Cinc2017Label
{
    /// <summary><c>N</c>: normal sinus rhythm.</summary>
    Normal,
    /// <summary><c>A</c>: atrial fibrillation.</summary>
    AtrialFibrillation,
    /// <summary><c>O</c>: another rhythm (neither normal nor AF).</summary>
    Other,
    /// <summary><c>~</c>: too noisy to classify.</summary>
    Noisy,
}

/// <summary>One line of <c>REFERENCE.csv</c>: a record and its label.</summary>
public sealed record Cinc2017Entry(string RecordId, Cinc2017Label Label);

/// <summary>
/// Loader for the PhysioNet/Computing in Cardiology Challenge 2017 recordings: one AliveCor lead at 300 Hz stored as
/// <c>A00001.hea</c> + <c>A00001.mat</c> (WFDB format 16 behind the 24-byte MATLAB v4 header, <c>16+24</c>), labels in
/// <c>REFERENCE.csv</c>. The headers' checksum is 0 and their initial value is stale in some records, so those two fields
/// are not verified (<see cref="WfdbReadOptions.Unverified"/>); the MATLAB prefix, the sample count and the file length are.
/// </summary>
public static class Cinc2017
{
    public const string ReferenceFileName = "REFERENCE.csv";

    /// <summary>Sampling rate of every record.</summary>
    public const double SampleRateHz = 300;

    /// <summary>
    /// The lead the single channel is placed on. The header only says "ECG"; the device is held between the two hands, which
    /// the dataset's description calls similar to lead I.
    /// </summary>
    public const Lead RecordedLead = Lead.I;

    /// <summary>Reads <c>REFERENCE.csv</c> (lines <c>A00001,N</c>) in file order; a malformed line is an error naming the file and line.</summary>
    public static IReadOnlyList<Cinc2017Entry> ReadReference(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"CinC 2017 reference file not found: {path}", path);
        var entries = new List<Cinc2017Entry>();
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            int comma = line.IndexOf(',');
            if (comma <= 0 || line.IndexOf(',', comma + 1) >= 0)
                throw new FormatException($"{path}: line {lineNo}: expected 'record,label', got '{line}'.");
            var id = line[..comma].Trim();
            if (!TryParseLabel(line[(comma + 1)..].Trim(), out var label))
                throw new FormatException($"{path}: line {lineNo}: unknown label '{line[(comma + 1)..]}' (expected N, A, O or ~).");
            entries.Add(new Cinc2017Entry(id, label));
        }
        return entries;
    }

    /// <summary>The entries of the dataset folder <paramref name="root"/> (its <c>REFERENCE.csv</c>).</summary>
    public static IReadOnlyList<Cinc2017Entry> Load(string root) => ReadReference(Path.Combine(root, ReferenceFileName));

    /// <summary>Path of a record without extension, as <see cref="ReadRecord"/> expects.</summary>
    public static string RecordPath(string root, string recordId) => Path.Combine(root, recordId);

    /// <summary>Parses a label code: N, A, O or ~.</summary>
    public static bool TryParseLabel(string code, out Cinc2017Label label)
    {
        (bool ok, label) = code switch
        {
            "N" => (true, Cinc2017Label.Normal),
            "A" => (true, Cinc2017Label.AtrialFibrillation),
            "O" => (true, Cinc2017Label.Other),
            "~" => (true, Cinc2017Label.Noisy),
            _ => (false, default),
        };
        return ok;
    }

    /// <summary>The code of a label as <c>REFERENCE.csv</c> writes it.</summary>
    public static string Code(Cinc2017Label label) => label switch
    {
        Cinc2017Label.Normal => "N",
        Cinc2017Label.AtrialFibrillation => "A",
        Cinc2017Label.Other => "O",
        Cinc2017Label.Noisy => "~",
        _ => throw new ArgumentOutOfRangeException(nameof(label), label, null),
    };

    /// <summary>
    /// The project's label for a class, or null for "noisy", a recording-quality verdict that says nothing about the rhythm.
    /// </summary>
    public static EcgLabel? ToEcgLabel(Cinc2017Label label) => label switch
    {
        Cinc2017Label.Normal => EcgLabels.SinusRhythm,
        Cinc2017Label.AtrialFibrillation => EcgLabels.AtrialFibrillation,
        Cinc2017Label.Other => EcgLabels.OtherRhythm,
        _ => null,
    };

    /// <summary>
    /// Whether a header has the CinC 2017 form: one signal in a <c>.mat</c> file, format 16 with a byte offset, checksum 0.
    /// That combination is what marks the header fields that cannot be trusted; any other record is read fully verified.
    /// </summary>
    public static bool IsCinc2017Header(WfdbHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header.SignalCount != 1) return false;
        var s = header.Signals[0];
        return s.FileName.EndsWith(".mat", StringComparison.OrdinalIgnoreCase)
               && s.Format == WfdbStorageFormat.Format16 && s.ByteOffset > 0 && s.Checksum == 0;
    }

    /// <summary>
    /// Reads one record (path without extension, e.g. <c>…/cinc2017/A00001</c>) with its channel on lead I. Throws
    /// <see cref="FileNotFoundException"/> for a missing header or <c>.mat</c> file and <see cref="WfdbFormatException"/>
    /// (naming the file) for a header not of the CinC form, a MATLAB prefix that is not the int16 vector <c>val</c> of the
    /// header's length, or a truncated file.
    /// </summary>
    public static WfdbRecord ReadRecord(string recordPathWithoutExtension)
    {
        var header = WfdbReader.ReadHeader(recordPathWithoutExtension);
        string headerPath = recordPathWithoutExtension + ".hea";
        if (!IsCinc2017Header(header))
            throw new WfdbFormatException(headerPath,
                "not a CinC 2017 header (expected one signal in a .mat file, format 16 with a byte offset such as 16+24, checksum 0).");
        var spec = header.Signals[0];
        MatV4Prefix.Validate(WfdbReader.SignalFilePath(headerPath, spec.FileName), "val", header.SignalCount, header.SampleCount,
            spec.ByteOffset);
        return WfdbReader.Read(header, headerPath, WfdbReadOptions.Unverified).WithLeads(RecordedLead);
    }
}
