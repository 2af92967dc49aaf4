namespace CGDmer.Signal.Wfdb;

/// <summary>
/// Raised for anything wrong with WFDB input: malformed headers, unsupported formats, truncated signal files, checksum or
/// initial-value mismatches. It always names the file, because a dataset build reads thousands of records and the only
/// useful error is one that tells which file to look at. Callers can catch this one type to skip bad records.
/// </summary>
public sealed class WfdbFormatException : Exception
{
    public WfdbFormatException(string fileName, string message, Exception? inner = null)
        : base($"{fileName}: {message}", inner)
    {
        FileName = fileName;
    }

    /// <summary>The file (path or name as given to the reader) the problem was found in.</summary>
    public string FileName { get; }
}
