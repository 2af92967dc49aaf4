using System.Text;
using CGDmer.Pipeline;
using CGDmer.Transports.Hl7.Pcd;

namespace CGDmer.Transports.Hl7;

/// <summary>
/// Appends the pipeline's PCD-01 and PCD-04 messages to an ER7 file, in the order written: each segment followed by
/// CR LF (the wire's CR, plus LF so that the file reads as lines; <c>mllp_send --loose</c> and HL7 file readers take it),
/// each message beginning with its MSH. A write is acknowledged once its messages are handed to the operating system;
/// <see cref="DrainAsync"/> also forces them to disk. Thread-safe.
/// </summary>
public sealed class Hl7FileSink : IAcknowledgedSink, IDisposable
{
    private readonly PcdMessageEncoder _encoder;
    private readonly FileStream _file;
    private readonly Hl7SinkMetrics? _metrics;
    private readonly Lock _gate = new();
    private long _written;

    /// <exception cref="IOException">The file cannot be opened for appending (the message names it).</exception>
    public Hl7FileSink(Hl7Options options, Hl7SinkMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!options.HasFile()) throw new ArgumentException($"{Hl7Options.SectionName}:{nameof(Hl7Options.File)} is not set", nameof(options));
        _encoder = new PcdMessageEncoder(options);
        _metrics = metrics;
        string path = Path.GetFullPath(options.File);
        try
        {
            if (Path.GetDirectoryName(path) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
            _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 64 * 1024);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException or NotSupportedException)
        {
            throw new IOException($"HL7 file '{path}' cannot be opened for writing: {e.Message}", e);
        }
        FullPath = path;
    }

    /// <summary>The file's full path.</summary>
    public string FullPath { get; }

    /// <summary>Messages written.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>A message's file form: its CR segment terminators as CR LF.</summary>
    public static string FileForm(Hl7Message message) => message.Text.Replace("\r", "\r\n", StringComparison.Ordinal);

    public Task? Write(PipelineOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.Published is not { } window) return null;
        bool any = false;
        lock (_gate)
        {
            foreach (var message in _encoder.Encode(window))
            {
                _file.Write(Encoding.UTF8.GetBytes(FileForm(message)));
                _metrics?.Accepted.WithLabels(message.KindLabel).Inc();
                Interlocked.Increment(ref _written);
                any = true;
            }
            if (any) _file.Flush(flushToDisk: false);
        }
        return any ? Task.CompletedTask : null;
    }

    public Task<bool> DrainAsync(TimeSpan timeout)
    {
        lock (_gate) _file.Flush(flushToDisk: true);
        return Task.FromResult(true);
    }

    public void Dispose()
    {
        lock (_gate) _file.Dispose();
    }
}
