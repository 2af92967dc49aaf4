using CGDmer.Pipeline.Measurement;

namespace CGDmer.Pipeline.Batching;

/// <summary>
/// Windows from any number of patients that go to the model together. Never empty. Windows that are not analyzable ride
/// along (so every patient's windows stay in order) but are not fed to the model.
/// </summary>
public sealed class WindowBatch
{
    public WindowBatch(long sequence, IReadOnlyList<MeasuredWindow> windows, long formedTimestamp)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0) throw new ArgumentException("a batch is never empty", nameof(windows));
        Sequence = sequence;
        Windows = windows;
        FormedTimestamp = formedTimestamp;
        int n = 0;
        foreach (var w in windows) if (w.Window.IsAnalyzable) n++;
        AnalyzableCount = n;
    }

    /// <summary>0, 1, 2, … in the order batches were formed.</summary>
    public long Sequence { get; }
    public IReadOnlyList<MeasuredWindow> Windows { get; }
    /// <summary>Windows that go to the model.</summary>
    public int AnalyzableCount { get; }
    /// <summary><see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> when the batch was closed.</summary>
    public long FormedTimestamp { get; }
}
