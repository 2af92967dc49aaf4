using CGDmer.Signal.Wfdb;

namespace CGDmer.Signal.Datasets;

/// <summary>The datasets whose WFDB records need a dedicated loader; everything else is <see cref="Other"/>.</summary>
public enum WfdbDataset
{
    /// <summary>Any other record (MIT-BIH, PTB-XL, ...): read fully verified, leads from the header descriptions.</summary>
    Other,
    /// <summary>PhysioNet/CinC Challenge 2017 (<see cref="Datasets.Cinc2017"/>).</summary>
    Cinc2017,
    /// <summary>AF Termination Challenge Database (<see cref="Datasets.Aftdb"/>).</summary>
    Aftdb,
}

/// <summary>
/// Reads a WFDB record of any dataset this project knows, recognising it by its header (<see cref="Identify(WfdbHeader)"/>),
/// so that tools taking a record path (replay, simulate, bench) need no dataset flag.
/// </summary>
public static partial class WfdbDatasets
{
    /// <summary>The dataset a header belongs to, by the header's form alone (<see cref="Cinc2017.IsCinc2017Header"/>, <see cref="Aftdb.IsAftdbHeader"/>).</summary>
    public static WfdbDataset Identify(WfdbHeader header) =>
        Cinc2017.IsCinc2017Header(header) ? WfdbDataset.Cinc2017
        : Aftdb.IsAftdbHeader(header) ? WfdbDataset.Aftdb
        : WfdbDataset.Other;

    /// <summary>
    /// Whether a record of <see cref="WfdbDataset.Other"/> is one of the MIT-BIH Arrhythmia Database's: those are
    /// sampled at 360 Hz and named 100 to 124 and 200 to 234. Records of other databases (AFDB, NSRDB, LTAFDB ...) are
    /// named otherwise or sampled at other rates.
    /// </summary>
    public static bool IsMitBihArrhythmiaRecord(string recordName, double sampleRateHz) =>
        sampleRateHz == 360 && recordName.Length == 3 && int.TryParse(recordName, System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out int n) && n is >= 100 and <= 124 or >= 200 and <= 234;

    /// <summary>The dataset of the record at <paramref name="recordPathWithoutExtension"/> (reads its header only).</summary>
    public static WfdbDataset Identify(string recordPathWithoutExtension) => Identify(WfdbReader.ReadHeader(recordPathWithoutExtension));

    /// <summary>
    /// Reads a record through its dataset's loader, so its channels carry their leads; for others
    /// <see cref="WfdbReader.Read(string)"/>, with unnamed ECG signals placed by <see cref="PlaceUnnamedEcg"/>.
    /// </summary>
    public static WfdbRecord Read(string recordPathWithoutExtension, out WfdbDataset dataset)
    {
        dataset = Identify(recordPathWithoutExtension);
        return dataset switch
        {
            WfdbDataset.Cinc2017 => Cinc2017.ReadRecord(recordPathWithoutExtension),
            WfdbDataset.Aftdb => Aftdb.ReadRecord(recordPathWithoutExtension),
            _ => PlaceUnnamedEcg(WfdbReader.Read(recordPathWithoutExtension)),
        };
    }

    /// <summary>Where <see cref="PlaceUnnamedEcg"/> puts a record's first and second unnamed ECG signal.</summary>
    public static IReadOnlyList<Lead> UnnamedEcgLeads { get; } = [Lead.II, Lead.V1];

    /// <summary>
    /// A record none of whose signals names a lead, but some of which are described only as an ECG ("ECG", "ECG1",
    /// "ECG 2": the MIT-BIH AF, Normal Sinus Rhythm and Supraventricular Arrhythmia databases, the Long-Term AF database):
    /// its first two such signals are placed on <see cref="UnnamedEcgLeads"/>, the usual two-lead Holter montage, as
    /// AFTDB's are. An assumption: the placed channels keep their recorded label, so a caller can report it. A record
    /// with a named lead is returned as it is.
    /// </summary>
    public static WfdbRecord PlaceUnnamedEcg(WfdbRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var channels = record.Ecg.Channels;
        foreach (var c in channels)
            if (c.Lead is not null) return record;
        var leads = new Lead?[channels.Count];
        int placed = 0;
        for (int i = 0; i < channels.Count && placed < UnnamedEcgLeads.Count; i++)
            if (IsUnnamedEcg(record.Signal(i).Description)) leads[i] = UnnamedEcgLeads[placed++];
        return placed == 0 ? record : record.WithLeads(leads);
    }

    /// <summary>"ECG", optionally followed by a space and a number ("ECG1", "ECG 2"), in any case.</summary>
    public static bool IsUnnamedEcg(string? description) => description is not null && UnnamedEcg().IsMatch(description);

    [System.Text.RegularExpressions.GeneratedRegex("^ECG ?[0-9]?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex UnnamedEcg();
}
