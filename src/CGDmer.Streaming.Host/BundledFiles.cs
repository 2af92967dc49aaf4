namespace CGDmer.Streaming.Host;

/// <summary>
/// The files that ship with the program (the default model, the default records in <c>data/mitbih</c>): the build and
/// publish copy them beside it. A default is looked for in the working directory first, as a path given on the command
/// line is, so a checkout's own files (a model just trained) win; then beside the program, so that a published
/// <c>cgdmer-stream</c> run from any directory still finds them.
/// </summary>
public static class BundledFiles
{
    /// <summary>The shipped model, relative to the working directory or to the program.</summary>
    public static readonly string DefaultModel = Path.Combine("models", "cgdmer-small.onnx");

    /// <summary>The folder of the shipped MIT-BIH records (201, 203, 122, with their annotations).</summary>
    public static readonly string DefaultRecordsFolder = Path.Combine("data", "mitbih");

    /// <summary>
    /// <paramref name="relativePath"/> if it exists from the working directory, else the program's own copy if that
    /// exists, else <paramref name="relativePath"/> unchanged (so that the caller's error names the usual place).
    /// <paramref name="probe"/> is what must exist: the path itself, or (for a WFDB record) its header.
    /// </summary>
    public static string Resolve(string relativePath, Func<string, bool>? probe = null, string? programDirectory = null)
    {
        probe ??= p => File.Exists(p) || Directory.Exists(p);
        if (Path.IsPathRooted(relativePath) || probe(relativePath)) return relativePath;
        var beside = Path.Combine(programDirectory ?? AppContext.BaseDirectory, relativePath);
        return probe(beside) ? beside : relativePath;
    }

    /// <summary>A WFDB record (path without extension) found by its header.</summary>
    public static string ResolveRecord(string relativeRecord, string? programDirectory = null) =>
        Resolve(relativeRecord, r => File.Exists(r + ".hea"), programDirectory);

    /// <summary>One of the shipped MIT-BIH records (e.g. "201"), resolved as <see cref="ResolveRecord"/> does.</summary>
    public static string MitBihRecord(string name) => ResolveRecord(Path.Combine(DefaultRecordsFolder, name));

    /// <summary>Where a default is looked for, for an error message: the working directory's path, then the program's.</summary>
    public static string Places(string relativePath, string? programDirectory = null) =>
        $"'{Path.GetFullPath(relativePath)}' or beside the program, '{Path.Combine(programDirectory ?? AppContext.BaseDirectory, relativePath)}'";
}
