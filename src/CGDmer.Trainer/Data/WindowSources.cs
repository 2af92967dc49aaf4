namespace CGDmer.Trainer.Data;

/// <summary>The source names the loaders give their windows (<see cref="WindowSet.Sources"/>).</summary>
public static class WindowSources
{
    public const string MitBih = "mitbih", Cinc2017 = "cinc2017", Aftdb = "aftdb", PtbXl = "ptbxl", Synthetic = "synthetic";

    /// <summary>Every source a training set can hold.</summary>
    public static readonly IReadOnlyList<string> All = [MitBih, Cinc2017, Aftdb, PtbXl, Synthetic];

    /// <summary>Whether the source's recordings are continuous bedside or Holter recordings, as the service's are.</summary>
    public static bool IsBedside(string source) => source is MitBih or Aftdb;

    /// <summary>
    /// The handheld recording window <paramref name="i"/> of <paramref name="data"/> belongs to (a CinC 2017 recording: its
    /// label says what the whole recording shows), or null for every other window. Two windows are of one recording when
    /// both give the same id.
    /// </summary>
    public static string? HandheldRecordingOf(WindowSet data, int i) => data.Sources[i] == Cinc2017 ? data.Patients[i] : null;
}
