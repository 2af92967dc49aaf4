using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Settlement;
using CGDmer.Pipeline.Validation;
using Prometheus;

namespace CGDmer.Pipeline.Windowing;

/// <summary>
/// The window state of all patients: one <see cref="PatientWindower"/> each, in least-recently-active order, bounded by
/// <see cref="WindowingOptions.MaxPatients"/> and <see cref="WindowingOptions.SilentPatientTimeoutSeconds"/>. Time is
/// passed in (the scheduler's clock), so the class is deterministic and testable. Not thread-safe: the operator
/// serializes segments and timer callbacks.
/// </summary>
public sealed class PatientWindowerRegistry : IDisposable
{
    private sealed class Entry(PatientWindower windower, DateTimeOffset lastActivity)
    {
        public PatientWindower Windower { get; } = windower;
        public DateTimeOffset LastActivity { get; set; } = lastActivity;
    }

    private readonly WindowAssembler _assembler;
    private readonly Dictionary<string, LinkedListNode<Entry>> _byPatient = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _byActivity = new();   // head = least recently active
    private readonly TimeSpan _silence;
    private readonly Gauge? _active;
    private readonly Counter.Child? _silent, _capacity, _error, _droppedError;
    private readonly Action<PatientStateClosed>? _closed;
    private long _lastStateId;

    /// <param name="closed">Told when a patient's state is closed (silent, evicted, failed) with what that settles; not at
    /// the end of the stream (see <see cref="PatientStateClosed"/>).</param>
    public PatientWindowerRegistry(WindowGeometry geometry, WindowingOptions options, PipelineMetrics? metrics = null,
                            Action<PatientStateClosed>? closed = null)
    {
        _assembler = new WindowAssembler(geometry, options, metrics);
        _closed = closed;
        _silence = options.SilentPatientTimeout;
        if (metrics is not null)
        {
            _active = metrics.ActivePatients;
            _silent = metrics.PatientsEvicted.WithLabels("silent");
            _capacity = metrics.PatientsEvicted.WithLabels("capacity");
            _error = metrics.PatientsEvicted.WithLabels("error");
            _droppedError = metrics.SegmentsDropped.WithLabels("error");
        }
    }

    public int ActivePatients => _byPatient.Count;

    /// <summary>Native-rate layouts the stage's cache holds (≤ <see cref="WindowingOptions.MaxCachedSampleRates"/>).</summary>
    internal int CachedLayouts => _assembler.CachedLayouts;

    /// <summary>When the least recently active patient falls silent, or null when none is held.</summary>
    public DateTimeOffset? NextSilenceDeadline => _byActivity.First?.Value.LastActivity + _silence;

    /// <summary>The windower of <paramref name="patientId"/>, if its state is held (for diagnostics and tests).</summary>
    public PatientWindower? Find(string patientId) => _byPatient.TryGetValue(patientId, out var node) ? node.Value.Windower : null;

    /// <summary>
    /// Routes <paramref name="segment"/> to its patient (creating the state, evicting the least recently active patient
    /// when full) and appends the windows it completes. If the patient's windower throws, the segment is dropped and
    /// counted (reason "error") and that patient's state is discarded, since it may be half-updated; the stage goes on.
    /// </summary>
    public SegmentOutcome Add(EcgSegmentData segment, DateTimeOffset now, ICollection<EcgWindow> output)
    {
        ArgumentNullException.ThrowIfNull(segment);
        ArgumentNullException.ThrowIfNull(output);
        if (!_byPatient.TryGetValue(segment.PatientId, out var node))
        {
            while (_byPatient.Count >= _assembler.Options.MaxPatients)
                Evict(_byActivity.First!, output, _capacity);
            node = _byActivity.AddLast(new Entry(new PatientWindower(segment.PatientId, _assembler, ++_lastStateId), now));
            _byPatient.Add(segment.PatientId, node);
            _active?.Inc();
        }
        else
        {
            node.Value.LastActivity = now;
            _byActivity.Remove(node);
            _byActivity.AddLast(node);
        }
        try
        {
            return node.Value.Windower.Add(segment, output);
        }
        catch (Exception)
        {
            // No log: exception messages may carry identifiers. The metric is the signal.
            _droppedError?.Inc();
            var failed = node.Value.Windower;
            Remove(node);
            _error?.Inc();
            // The state is gone with whatever it held: settle it (including this segment) rather than pin the input
            // position forever; the loss is what the "error" metrics count.
            _closed?.Invoke(new PatientStateClosed(failed.PatientId,
                failed.Closing with { InputsThrough = Math.Max(failed.LastInputOrdinal, segment.InputOrdinal) }));
            return SegmentOutcome.Failed;
        }
    }

    /// <summary>Flushes and drops every patient silent for the timeout at <paramref name="now"/>.</summary>
    public void FlushSilent(DateTimeOffset now, ICollection<EcgWindow> output)
    {
        while (_byActivity.First is { } head && head.Value.LastActivity + _silence <= now)
            Evict(head, output, _silent);
    }

    /// <summary>Flushes every patient and drops all state (end of stream).</summary>
    /// <param name="endOfStream">The source completed: emit only windows whose span has elapsed (see <see cref="PatientWindower.Flush"/>).</param>
    public void FlushAll(ICollection<EcgWindow> output, bool endOfStream = false)
    {
        while (_byActivity.First is { } head) Evict(head, output, null, endOfStream);
    }

    private void Evict(LinkedListNode<Entry> node, ICollection<EcgWindow> output, Counter.Child? reason, bool endOfStream = false)
    {
        try
        {
            node.Value.Windower.Flush(output, endOfStream);
        }
        catch (Exception)
        {
            // The patient's pending windows are lost; the others must still be flushed.
            reason = _error;
        }
        var windower = node.Value.Windower;
        Remove(node);
        reason?.Inc();
        if (!endOfStream) _closed?.Invoke(new PatientStateClosed(windower.PatientId, windower.Closing));
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _byActivity.Remove(node);
        _byPatient.Remove(node.Value.Windower.PatientId);
        node.Value.Windower.Dispose();
        _active?.Dec();
    }

    /// <summary>Drops all state without emitting (the subscription ended).</summary>
    public void Dispose()
    {
        while (_byActivity.First is { } head) Remove(head);
    }
}

