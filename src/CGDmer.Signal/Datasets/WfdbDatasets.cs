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
public static class WfdbDatasets
{
    /// <summary>The dataset a header belongs to, by the header's form alone (<see cref="Cinc2017.IsCinc2017Header"/>, <see cref="Aftdb.IsAftdbHeader"/>).</summary>
    public static WfdbDataset Identify(WfdbHeader header) =>
        Cinc2017.IsCinc2017Header(header) ? WfdbDataset.Cinc2017
        : Aftdb.IsAftdbHeader(header) ? WfdbDataset.Aftdb
        : WfdbDataset.Other;

    /// <summary>The dataset of the record at <paramref name="recordPathWithoutExtension"/> (reads its header only).</summary>
    public static WfdbDataset Identify(string recordPathWithoutExtension) => Identify(WfdbReader.ReadHeader(recordPathWithoutExtension));

    /// <summary>Reads a record through its dataset's loader, so its channels carry their leads; <see cref="WfdbReader.Read(string)"/> for others.</summary>
    public static WfdbRecord Read(string recordPathWithoutExtension, out WfdbDataset dataset)
    {
        dataset = Identify(recordPathWithoutExtension);
        return dataset switch
        {
            WfdbDataset.Cinc2017 => Cinc2017.ReadRecord(recordPathWithoutExtension),
            WfdbDataset.Aftdb => Aftdb.ReadRecord(recordPathWithoutExtension),
            _ => WfdbReader.Read(recordPathWithoutExtension),
        };
    }
}
