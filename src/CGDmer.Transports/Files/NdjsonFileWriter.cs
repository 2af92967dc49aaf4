using System.Text;

namespace CGDmer.Transports.Files;

/// <summary>
/// Appends one JSON document per line to a file (NDJSON), thread-safe, buffered, flushed on <see cref="Flush"/> and
/// <see cref="Dispose"/>. The embedded default's stand-in for an output topic.
/// </summary>
public sealed class NdjsonFileWriter : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly object _gate = new();
    private long _lines;

    public NdjsonFileWriter(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        try { _writer = new StreamWriter(Path, append: false, new UTF8Encoding(false), bufferSize: 1 << 16); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write output file '{Path}': {e.Message}", e);
        }
    }

    public string Path { get; }
    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>Writes one document; a line break inside it would break NDJSON, so it is refused.</summary>
    public void Write(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.AsSpan().IndexOfAny('\n', '\r') >= 0) throw new ArgumentException("an NDJSON document must be on one line", nameof(json));
        lock (_gate)
        {
            _writer.Write(json);
            _writer.Write('\n');
            _lines++;
        }
    }

    public void Flush()
    {
        lock (_gate) _writer.Flush();
    }

    public void Dispose()
    {
        lock (_gate) _writer.Dispose();
    }
}
