using System.Text;

namespace CGDmer.Transports.Files;

/// <summary>
/// Appends one JSON document per line to a file (NDJSON), thread-safe, buffered, flushed on <see cref="Flush"/> and
/// <see cref="Dispose"/>. The embedded default's stand-in for an output topic. The file is created 0600 on Unix
/// (<see cref="PatientDataFile"/>): its lines hold patient data.
/// <para>
/// The file only ever ends in a complete line: whole lines are buffered and handed to the file in one write call of a
/// complete buffer, and when a write fails (a full disk) the file is cut back to its last complete line and the error is
/// thrown once, naming the file; later calls throw that the writer failed, and <see cref="Dispose"/> never throws.
/// </para>
/// </summary>
public sealed class NdjsonFileWriter : IDisposable
{
    /// <summary>Lines are handed to the file when this many bytes are buffered (a longer line goes alone).</summary>
    private const int BufferBytes = 1 << 16;
    private static readonly UTF8Encoding Utf8 = new(false);

    private readonly Stream _stream;
    private readonly object _gate = new();
    private byte[] _buffer = new byte[BufferBytes];
    private int _buffered;
    private long _committed;   // bytes of complete lines in the file
    private long _lines;
    private IOException? _failure;
    private bool _disposed;

    public NdjsonFileWriter(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(Path);
        try
        {
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            _stream = PatientDataFile.Create(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write output file '{Path}': {e.Message}", e);
        }
    }

    /// <summary>Writes to <paramref name="stream"/> (seekable, so that a failed write can be cut back), named <paramref name="name"/> in errors.</summary>
    public NdjsonFileWriter(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!stream.CanWrite || !stream.CanSeek) throw new ArgumentException("the stream must be writable and seekable", nameof(stream));
        _stream = stream;
        _committed = stream.Position;
        Path = name;
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
            ThrowIfFailed();
            int bytes = Utf8.GetByteCount(json) + 1;
            if (_buffered > 0 && _buffered + bytes > _buffer.Length) WriteBuffered();
            if (bytes > _buffer.Length) _buffer = new byte[bytes];
            _buffered += Utf8.GetBytes(json, _buffer.AsSpan(_buffered));
            _buffer[_buffered++] = (byte)'\n';
            _lines++;
            if (_buffered >= BufferBytes) WriteBuffered();
        }
    }

    public void Flush()
    {
        lock (_gate)
        {
            ThrowIfFailed();
            WriteBuffered();
            Flushed();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            try
            {
                if (_failure is null) { WriteBuffered(); Flushed(); }
            }
            catch (IOException) { }   // reported by WriteBuffered's cut-back already; the file ends in a complete line
            finally { _stream.Dispose(); }
        }
    }

    private void ThrowIfFailed()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is not null) throw new IOException($"Output file '{Path}' failed earlier and holds the lines before the failure.", _failure);
    }

    /// <summary>Hands the buffered whole lines to the file in one write; on failure cuts the file back to its last complete line.</summary>
    private void WriteBuffered()
    {
        if (_buffered == 0) return;
        try
        {
            _stream.Write(_buffer, 0, _buffered);
            _committed += _buffered;
            _buffered = 0;
        }
        catch (IOException e) { Fail(e); }
    }

    private void Flushed()
    {
        try { _stream.Flush(); }
        catch (IOException e) { Fail(e); }
    }

    private void Fail(IOException e)
    {
        _buffered = 0;
        string cut;
        try
        {
            _stream.SetLength(_committed);
            _stream.Position = _committed;
            cut = "cut back to its last complete line";
        }
        catch (Exception inner) when (inner is IOException or NotSupportedException or UnauthorizedAccessException)
        {
            cut = $"and could not be cut back to its last complete line ({inner.Message})";
        }
        _failure = new IOException($"Cannot write output file '{Path}' ({e.Message}); it was {cut}.", e);
        throw _failure;
    }
}
