namespace CGDmer.Signal.Wfdb;

/// <summary>How <see cref="AnnotationWriter"/> lays out what the annotations themselves do not say.</summary>
public sealed record AnnotationWriterOptions
{
    /// <summary>Aux strings stored as they are, without a terminating NUL.</summary>
    public static AnnotationWriterOptions Default { get; } = new();

    /// <summary>Aux strings stored with a NUL counted in their length, the way most MIT-BIH <c>.atr</c> files store them.</summary>
    public static AnnotationWriterOptions MitBih { get; } = new() { NulTerminateAux = true };

    /// <summary>
    /// Whether each aux string is followed by a NUL that its length counts. <see cref="AnnotationReader"/> reads both
    /// layouts to the same string, so this matters only for byte-identical files.
    /// </summary>
    public bool NulTerminateAux { get; init; }
}
