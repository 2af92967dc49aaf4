using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Settlement;
using CGDmer.Pipeline.Validation;
using CGDmer.Signal;

namespace CGDmer.Pipeline.Windowing;

/// <summary>What the window stage did with one accepted segment.</summary>
public enum SegmentOutcome
{
    /// <summary>At least one new sample was stored.</summary>
    Stored,
    /// <summary>All of it was for windows already emitted or older than the buffer: dropped (reason "late").</summary>
    Late,
    /// <summary>Every sample had already been received: dropped (reason "duplicate").</summary>
    Duplicate,
    /// <summary>No samples, or only leads the model has no row for: nothing to do, not counted.</summary>
    Ignored,
    /// <summary>The patient's windower failed on it: dropped (reason "error") and the patient's state discarded.</summary>
    Failed,
}

/// <summary>
/// The window state of one patient: the recent samples of each model lead at the native rate (one <see cref="LeadRing"/>
/// per lead, bounded to window + 2 resampler margins + reorder bound + hop), and the position on the absolute window grid.
/// Windows come out in grid order, each exactly once. Not thread-safe: the stage serializes calls.
/// </summary>
/// <remarks>
/// <para><b>First window.</b> The first grid window whose left resampler margin starts at or after the earliest sample
/// received, so that every window is resampled from real samples on its left: its content then does not depend on
/// where the stream began. That is what makes a window re-processed after a restart or rebalance — which re-reads from
/// an offset that may fall anywhere in a patient's stream — publish exactly the same Observation as the first time.
/// It is not emitted before the watermark has reached its start, so a segment delivered out of order at the very start
/// of the stream (within the reorder bound) still counts as the patient's first data.</para>
/// <para><b>Emission</b> of the next window: as soon as every lead of the newest segment has received every sample of
/// the window and its right resampler margin (and the watermark has reached the window's start); or when the watermark
/// (newest sample − reorder bound) passes the window's end and margin, whatever is missing then is missing; or on
/// <see cref="Flush"/>. Under the reorder bound (no segment starts before the watermark at its arrival) the content of
/// every window is therefore independent of the arrival order.</para>
/// <para><b>Late and duplicate data.</b> Samples before the span of the next window (or older than the ring) are late;
/// samples already received are ignored (first write wins). A segment none of whose samples were stored is dropped and
/// counted with its reason. A segment starting a whole window or more after the newest data (a long gap) flushes the
/// patient and starts a new run, as does a change of native sample rate (rates that agree to the millihertz are one rate).</para>
/// <para><b>Clock jitter.</b> A segment whose start lands one native sample before or after the end of the newest data
/// is taken as its continuation, so timestamp rounding at the producer cannot open one-sample gaps (which would mask a
/// lead) or overlaps.</para>
/// </remarks>
public sealed class PatientWindower : IDisposable
{
    private enum EmitMode { Ready, Before, All, Elapsed }

    private readonly WindowAssembler _assembler;
    private readonly LeadRing?[] _rings = new LeadRing?[Leads.Count];
    private NativeLayout? _layout;
    private bool _hasData;
    private long _earliest;      // earliest received native sample of the run (decides the first window)
    private long _latest;        // end (exclusive) of the newest received sample; the ring holds [_latest − capacity, _latest)
    private bool _anyEmitted;
    private long _next;          // next grid window once one has been emitted
    private int _currentLeads;   // bit per Lead: model leads of the newest segment (the ones completeness waits for)
    private string _deviceId = "";
    // Inputs whose samples a window not yet emitted may still read: (input ordinal, last grid window that can read them),
    // in ordinal order. The first one bounds what emitted windows settle (see InputSettlement).
    private readonly List<(long Ordinal, long LastWindow)> _held = [];
    private readonly PatientBeatStream? _beats;

    public PatientWindower(string patientId, WindowGeometry geometry, WindowingOptions options, PipelineMetrics? metrics = null)
        : this(patientId, new WindowAssembler(geometry, options, metrics)) { }

    internal PatientWindower(string patientId, WindowAssembler assembler, long stateId = 0)
    {
        PatientId = patientId ?? throw new ArgumentNullException(nameof(patientId));
        _assembler = assembler;
        if (assembler.Options.BeatStreamLeads > 0) _beats = new PatientBeatStream(assembler.Geometry, assembler.Options);
        StateId = stateId;
    }

    public string PatientId { get; }
    /// <summary>Which of the patient's successive states this is (see <see cref="InputSettlement.StateId"/>).</summary>
    public long StateId { get; }
    /// <summary>Windows emitted so far (the last one's <see cref="InputSettlement.WindowNumber"/>).</summary>
    public long WindowsEmitted { get; private set; }
    /// <summary>Largest input ordinal this state has been given (stored, dropped or ignored).</summary>
    public long LastInputOrdinal { get; private set; }
    /// <summary>Inputs a window not yet emitted may still read (bounded by the ring: only stored segments count).</summary>
    internal int HeldInputs => _held.Count;
    /// <summary>What closing this state now settles: every input it was given, once its windows are delivered.</summary>
    public InputSettlement Closing => new(StateId, WindowsEmitted, LastInputOrdinal);
    /// <summary>The native rate of the current run (to the nearest millihertz), or null before any data.</summary>
    public double? NativeRateHz => _layout?.RateHz;
    /// <summary>Samples held per lead (fixed per native rate: the memory bound).</summary>
    public int BufferCapacitySamples => _layout?.Capacity ?? 0;
    /// <summary>Leads with a buffer.</summary>
    public int BufferedLeads => _rings.Count(r => r is not null);
    /// <summary>Grid index of the next window to emit, once the first has been emitted.</summary>
    public long? NextWindowIndex => _anyEmitted ? _next : null;
    /// <summary>True while samples not yet fully windowed are held.</summary>
    public bool HasPendingData => _hasData;

    /// <summary>Stores <paramref name="segment"/> and appends every window it completes (in grid order) to <paramref name="output"/>.</summary>
    public SegmentOutcome Add(EcgSegmentData segment, ICollection<EcgWindow> output)
    {
        ArgumentNullException.ThrowIfNull(segment);
        ArgumentNullException.ThrowIfNull(output);
        var g = _assembler.Geometry;
        var leads = segment.Leads;   // indexed below: no enumerator allocation per segment
        int segmentLeads = 0;
        for (int i = 0; i < leads.Count; i++)
            if (g.RowOf(leads[i].Lead) >= 0) segmentLeads |= 1 << (int)leads[i].Lead;
        if (segment.SampleCount == 0 || segmentLeads == 0)
        {
            LastInputOrdinal = Math.Max(LastInputOrdinal, segment.InputOrdinal);
            return SegmentOutcome.Ignored;
        }

        if (_layout is null || _layout.RateMilliHz != NativeLayout.MilliHz(segment.SampleRateHz))
        {
            // Built first: a rate that cannot be processed throws before anything held is touched.
            var next = _assembler.LayoutFor(segment.SampleRateHz);
            if (_layout is not null)
            {
                // A device change or reconfiguration: samples at two rates cannot share a buffer or a window.
                Flush(output);
                ReleaseRings();
            }
            _layout = next;
        }
        var layout = _layout;

        long a = layout.SampleIndexAt(segment.StartTimeUtcTicks);
        if (_hasData && Math.Abs(a - _latest) == 1) a = _latest;
        long b = a + segment.SampleCount;
        if (_hasData && a >= _latest + layout.WindowNative) Flush(output);
        // Held until the window after the last one whose span or resampler margin reaches into [a, b) is emitted: a
        // restart then rebuilds the window before the first one it must publish, and an alarm strip's pre-roll (that
        // window's last hop, Publishing/AlarmStrips) comes out the same. Registered whether or not samples get stored: a
        // dropped segment is then settled a little later than it could be, never too early. Only now is it "given": the
        // flushes above settle what came before it, not this segment.
        _held.Add((segment.InputOrdinal, HeldUntil(layout, b)));
        LastInputOrdinal = Math.Max(LastInputOrdinal, segment.InputOrdinal);

        long written = 0, late = 0;
        for (long pos = a; pos < b;)
        {
            long chunkEnd = Math.Min(b, pos + layout.ChunkSamples);
            if (_hasData && chunkEnd > _latest)
            {
                // The chunk reuses the slots of [chunkEnd − capacity, …): close the windows that still need them (they
                // end before pos, see NativeLayout.ChunkSamples), then forget what the slots held.
                long floor = chunkEnd - layout.Capacity;
                Emit(EmitMode.Before, floor, output);
                long forgetFrom = Math.Max(_latest, floor);
                foreach (var ring in _rings) ring?.Forget(forgetFrom, chunkEnd);
            }
            long lo = pos;
            if (_hasData)
            {
                lo = Math.Max(lo, Math.Max(_latest, chunkEnd) - layout.Capacity);
                if (_anyEmitted) lo = Math.Max(lo, layout.WindowStart(_next) - layout.Margin);
            }
            late += Math.Min(lo, chunkEnd) - pos;
            if (lo < chunkEnd)
            {
                long chunkWritten = 0;
                int offset = (int)(lo - a), count = (int)(chunkEnd - lo);
                for (int i = 0; i < leads.Count; i++)
                {
                    var lead = leads[i];
                    if (g.RowOf(lead.Lead) < 0) continue;   // the model has no row for it
                    var ring = _rings[(int)lead.Lead] ??= new LeadRing(layout.Capacity);
                    var samples = _assembler.LeadScratch(count);
                    lead.CopyMillivolts(offset, samples);
                    chunkWritten += ring.Write(lo, samples, lead.LeadOff, lead.LeadOffRanges, offset);
                }
                if (chunkWritten > 0)
                {
                    if (!_hasData) { _hasData = true; _earliest = lo; _latest = chunkEnd; _currentLeads = segmentLeads; }
                    else
                    {
                        _earliest = Math.Min(_earliest, lo);
                        if (chunkEnd >= _latest) { _latest = chunkEnd; _currentLeads = segmentLeads; }
                    }
                    _deviceId = segment.DeviceId;
                    written += chunkWritten;
                }
            }
            Emit(EmitMode.Ready, 0, output);
            pos = chunkEnd;
        }

        if (written > 0) return SegmentOutcome.Stored;
        // Nothing stored: no window reads this segment, so it holds nothing back (and a device re-sending old samples
        // under new sequence numbers cannot grow the list).
        for (int i = _held.Count - 1; i >= 0; i--)
            if (_held[i].Ordinal == segment.InputOrdinal) { _held.RemoveAt(i); break; }
        var outcome = late == b - a ? SegmentOutcome.Late : SegmentOutcome.Duplicate;
        _assembler.CountDropped(outcome);
        return outcome;
    }

    /// <summary>
    /// Emits every pending window that holds any received sample (missing parts masked as usual), then forgets all
    /// samples; the next segment starts a new run (new first window). Used on silence, eviction and rate changes: the
    /// signal did stop, so the windows it left half-filled are reported (as NoSignal or with masked leads).
    /// With <paramref name="endOfStream"/> (the source completed: a replay ended, the service shuts down) only windows
    /// whose time span has fully elapsed are emitted; the trailing ones that reach past the last received sample are
    /// dropped, because the signal did not stop — the stream did — and reporting them would raise false no-signal alarms.
    /// When the input resumes after its end (<see cref="WindowingOptions.InputResumesAfterEnd"/>), a window's right
    /// resampler margin must have been received too.
    /// </summary>
    public void Flush(ICollection<EcgWindow> output, bool endOfStream = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        Emit(endOfStream ? EmitMode.Elapsed : EmitMode.All, 0, output);
        // After a full flush no later window reads these inputs; at the end of the stream the unelapsed windows were not
        // emitted, so neither were these inputs used: either way nothing is settled here (see InputSettlement).
        _held.Clear();
        foreach (var ring in _rings) ring?.Clear();
        _beats?.InterruptAll();
        _hasData = false;
        _anyEmitted = false;
        _currentLeads = 0;
    }

    private void Emit(EmitMode mode, long floor, ICollection<EcgWindow> output)
    {
        if (!_hasData) return;
        var layout = _layout!;
        long watermark = _latest - layout.BoundSamples;
        while (true)
        {
            long k = _anyEmitted ? _next : layout.FirstWindowAtOrAfter(_earliest + layout.Margin);
            long s = layout.WindowStart(k), end = s + layout.WindowNative + layout.Margin;
            bool emit = mode switch
            {
                EmitMode.Before => s - layout.Margin < floor,
                EmitMode.All => s < _latest,
                EmitMode.Elapsed => (_assembler.Options.InputResumesAfterEnd ? end : s + layout.WindowNative) <= _latest,
                _ => watermark >= end || (watermark >= s && IsComplete(s, end)),
            };
            if (!emit) return;
            var window = _assembler.Build(PatientId, _deviceId, layout, k, _rings, _latest - layout.Capacity, _latest, _beats);
            if (window is not null)
            {
                window.Settlement = new InputSettlement(StateId, ++WindowsEmitted, SettledThrough(k));
                output.Add(window);
            }
            _next = k + 1;
            _anyEmitted = true;
        }
    }

    // The window after which an input ending at native sample b is no longer needed: the one after the last whose span or
    // margin reaches into it (see Add), and with the beat stream the one after the last that reads beats of an epoch
    // whose classifier may have read it (PatientBeatStream.LastWindowReadingEpochOf), so that a restart re-reads each such
    // epoch from its classifier's start and finds the same beats.
    private long HeldUntil(NativeLayout layout, long b)
    {
        long firstAfter = layout.FirstWindowAtOrAfter(b + layout.Margin);
        return _beats is null ? firstAfter : Math.Max(firstAfter, _beats.LastWindowReadingEpochOf(_beats.WindowStart(firstAfter)) + 1);
    }

    // Once window k is out, inputs whose last window is k or earlier are no longer held; everything below the oldest input
    // still held is settled (inputs reach the stage in ordinal order, so no smaller ordinal of this patient is to come).
    private long SettledThrough(long k)
    {
        int kept = 0;
        for (int i = 0; i < _held.Count; i++)
            if (_held[i].LastWindow > k) _held[kept++] = _held[i];
        _held.RemoveRange(kept, _held.Count - kept);
        return kept > 0 ? _held[0].Ordinal - 1 : LastInputOrdinal;
    }

    private bool IsComplete(long from, long to)
    {
        if (to > _latest || from < _latest - _layout!.Capacity || _currentLeads == 0) return false;
        for (int lead = 0; lead < Leads.Count; lead++)
            if ((_currentLeads & (1 << lead)) != 0 && _rings[lead]!.CountReceived(from, to) != to - from) return false;
        return true;
    }

    private void ReleaseRings()
    {
        for (int i = 0; i < _rings.Length; i++)
        {
            _rings[i]?.Dispose();
            _rings[i] = null;
        }
    }

    /// <summary>Returns the buffers to the pool without emitting anything.</summary>
    public void Dispose()
    {
        ReleaseRings();
        _hasData = false;
        _anyEmitted = false;
    }
}
