namespace CGDmer.Signal.Wfdb;

/// <summary>
/// Which header fields <see cref="WfdbReader"/> checks the samples against. Both checks are on by default and should stay
/// on: they are what catches a truncated download or a misread format. Turn them off only for a dataset whose headers are
/// known to carry meaningless values there (PhysioNet/CinC 2017: checksum 0 and stale initial values), as its loader does.
/// </summary>
public sealed record WfdbReadOptions
{
    /// <summary>Every check on: what <see cref="WfdbReader.Read(string)"/> uses.</summary>
    public static WfdbReadOptions Default { get; } = new();

    /// <summary>Neither the initial values nor the checksums are compared; sample counts and truncation are still checked.</summary>
    public static WfdbReadOptions Unverified { get; } = new() { VerifyInitialValues = false, VerifyChecksums = false };

    /// <summary>Compare each signal's first sample with the header's initial value (when the header gives one).</summary>
    public bool VerifyInitialValues { get; init; } = true;

    /// <summary>Compare each signal's 16-bit sample sum with the header's checksum (when the header gives one).</summary>
    public bool VerifyChecksums { get; init; } = true;
}
