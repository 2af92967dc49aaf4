using System.Diagnostics;
using CGDmer.Pipeline.Measurement;

namespace CGDmer.Pipeline.Batching;

/// <summary>
/// The batch stage's logic without timers: collects windows in arrival order and says when a batch is full. The
/// operator (<see cref="BatchOperator"/>) adds the delay trigger. Not thread-safe; the operator serialises calls.
/// </summary>
/// <remarks>
/// Only analyzable windows count towards <see cref="BatchingOptions.MaxBatchSize"/>, because only they occupy model input
/// rows. A window without signal that arrives while no analyzable window is waiting is closed into a batch of its own at
/// once: nothing would be gained by holding its technical result back. So an open batch always holds at least one
/// analyzable window.
/// </remarks>
public sealed class WindowBatcher
{
    private readonly int _maxBatchSize;
    private List<MeasuredWindow> _pending;
    private int _pendingAnalyzable;
    private long _nextSequence;

    public WindowBatcher(BatchingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _maxBatchSize = options.MaxBatchSize;
        _pending = new List<MeasuredWindow>(_maxBatchSize);
    }

    /// <summary>Whether an open batch holds windows (then it holds at least one analyzable window).</summary>
    public bool HasPending => _pending.Count > 0;

    /// <summary>Analyzable windows in the open batch.</summary>
    public int PendingAnalyzable => _pendingAnalyzable;

    /// <summary>Sequence number the next closed batch gets.</summary>
    public long NextSequence => _nextSequence;

    /// <summary>
    /// Adds a window. Returns the batch it closed (full, or a lone window without signal), else null.
    /// <paramref name="openedBatch"/> is true when this window opened a new batch, i.e. when the delay clock starts.
    /// </summary>
    public WindowBatch? Add(MeasuredWindow window, out bool openedBatch)
    {
        ArgumentNullException.ThrowIfNull(window);
        openedBatch = false;
        if (!window.Window.IsAnalyzable)
        {
            if (_pending.Count == 0) return Close([window]);
            _pending.Add(window);
            return null;
        }
        openedBatch = _pending.Count == 0;
        _pending.Add(window);
        return ++_pendingAnalyzable >= _maxBatchSize ? Flush() : null;
    }

    /// <summary>Closes the open batch (delay expired, or the stream ended). Null when none is open: never an empty batch.</summary>
    public WindowBatch? Flush()
    {
        if (_pending.Count == 0) return null;
        var windows = _pending;
        _pending = new List<MeasuredWindow>(_maxBatchSize);
        _pendingAnalyzable = 0;
        return Close(windows);
    }

    private WindowBatch Close(IReadOnlyList<MeasuredWindow> windows) => new(_nextSequence++, windows, Stopwatch.GetTimestamp());
}
