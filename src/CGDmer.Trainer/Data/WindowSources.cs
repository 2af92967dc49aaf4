namespace CGDmer.Trainer.Data;

/// <summary>The source names the loaders give their windows (<see cref="WindowSet.Sources"/>).</summary>
public static class WindowSources
{
    public const string MitBih = "mitbih", Cinc2017 = "cinc2017", Aftdb = "aftdb", PtbXl = "ptbxl", Synthetic = "synthetic";

    /// <summary>Every source a training set can hold.</summary>
    public static readonly IReadOnlyList<string> All = [MitBih, Cinc2017, Aftdb, PtbXl, Synthetic];

    /// <summary>Whether the source's recordings are continuous bedside or Holter recordings, as the service's are.</summary>
    public static bool IsBedside(string source) => source is MitBih or Aftdb;
}
