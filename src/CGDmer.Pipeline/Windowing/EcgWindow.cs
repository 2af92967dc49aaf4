using System.Buffers;
using CGDmer.Pipeline.Settlement;
using CGDmer.Signal;

namespace CGDmer.Pipeline.Windowing;

/// <summary>Whether a window carries enough signal for the model.</summary>
public enum WindowStatus
{
    /// <summary>At least one lead is present for enough of the window: it goes to the model.</summary>
    Analyzable,
    /// <summary>Too little signal in every lead (all off, gaps, device silent): an INOP-style technical result, no finding.</summary>
    NoSignal,
}

/// <summary>
/// One model-input window of one patient: all leads aligned on the same time span, resampled to the model's rate and
/// preprocessed, with the lead mask that tells the model which rows are real. Output of the window stage.
/// </summary>
/// <remarks>
/// <see cref="Signal"/> is rented from <see cref="ArrayPool{T}.Shared"/> (windows are the hot path: one per patient per
/// hop). Ownership passes down the pipeline; the infer stage copies it into the model's input buffer and calls
/// <see cref="ReleaseSignal"/>. Stages after infer must not read the samples.
/// </remarks>
public sealed class EcgWindow
{
    private float[]? _signal;

    public EcgWindow(string patientId, string deviceId, long index, DateTimeOffset start, WindowGeometry geometry,
                     float[] signal, float[] leadMask, IReadOnlyList<Lead> recordedLeads, IReadOnlyList<Lead> missingLeads,
                     double signalCoverage, WindowStatus status, long completedTimestamp)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        if (signal.Length < geometry.LeadCount * geometry.WindowSamples)
            throw new ArgumentException($"signal holds {signal.Length} floats; the window needs {geometry.LeadCount * geometry.WindowSamples}", nameof(signal));
        if (leadMask.Length != geometry.LeadCount)
            throw new ArgumentException($"lead mask has {leadMask.Length} entries; the model has {geometry.LeadCount} leads", nameof(leadMask));
        PatientId = patientId;
        DeviceId = deviceId;
        Index = index;
        Start = start;
        Geometry = geometry;
        _signal = signal;
        LeadMask = leadMask;
        RecordedLeads = recordedLeads;
        MissingLeads = missingLeads;
        SignalCoverage = signalCoverage;
        Status = status;
        CompletedTimestamp = completedTimestamp;
    }

    public string PatientId { get; }
    /// <summary>Device that delivered the window's latest segment.</summary>
    public string DeviceId { get; }
    /// <summary>Position on the patient's window grid: window k starts at grid origin + k × hop.</summary>
    public long Index { get; }
    /// <summary>ECG time (UTC) of the window's first sample.</summary>
    public DateTimeOffset Start { get; }
    /// <summary>ECG time just after the window's last sample.</summary>
    public DateTimeOffset End => Start + Geometry.WindowDuration;
    public WindowGeometry Geometry { get; }

    /// <summary>
    /// [LeadCount × WindowSamples] row-major, rows in <see cref="WindowGeometry.LeadOrder"/>: preprocessed mV at the model's
    /// rate; rows of absent leads are zero. May be longer than that (pooled). Throws after <see cref="ReleaseSignal"/>.
    /// </summary>
    public float[] Signal => _signal ?? throw new ObjectDisposedException(nameof(EcgWindow), "the window's samples were released after inference");

    /// <summary>The samples of model row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> Row(int row) => Signal.AsSpan(row * Geometry.WindowSamples, Geometry.WindowSamples);

    /// <summary>[LeadCount]: 1 = the row is real signal for (nearly) the whole window, 0 = absent. The model's <c>lead_mask</c>.</summary>
    public float[] LeadMask { get; }
    /// <summary>Leads the device delivered during the window (present or not).</summary>
    public IReadOnlyList<Lead> RecordedLeads { get; }
    /// <summary>Recorded leads masked out of this window because of lead-off flags or gaps (the technical "lead_off" concern).</summary>
    public IReadOnlyList<Lead> MissingLeads { get; }
    /// <summary>Fraction (0..1) of the window's duration covered by at least one present lead.</summary>
    public double SignalCoverage { get; }
    public WindowStatus Status { get; }
    public bool IsAnalyzable => Status == WindowStatus.Analyzable;

    /// <summary><see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> when the window was completed (its last sample arrived or it was forced out): the start of end-to-end latency.</summary>
    public long CompletedTimestamp { get; }

    public bool SignalReleased => _signal is null;

    /// <summary>
    /// The beats of the patient's beat stream (<see cref="WindowingOptions.BeatStreamLeads"/>) in the window's context:
    /// the <see cref="CGDmer.Signal.Beats.RhythmFeatures.ContextSeconds"/> ending with the window (sample indices
    /// relative to its start, negative before it), row by row, each row ascending. The beats of the window's last moments
    /// are not final yet and come with the next window. Empty when the stream is off or found none. Unlike
    /// <see cref="Signal"/>, kept after inference.
    /// </summary>
    public IReadOnlyList<StreamBeat> StreamBeats { get; internal set; } = [];

    /// <summary>Bit r set: row r was streamed in this window (its beats are <see cref="StreamBeats"/>'s); 0 when the stream is off.</summary>
    public int StreamedRows { get; internal set; }

    /// <summary>
    /// The streamed rows' quality inside the window, when the stream measures it (<see cref="WindowingOptions.BeatStreamQuality"/>):
    /// what the measure stage computes their signal quality from for a model measured so (<c>rr-v10</c>). Null otherwise.
    /// </summary>
    public WindowStreamQuality? StreamQuality { get; internal set; }

    /// <summary>
    /// The stream's beats inside the window (samples in [0, <see cref="WindowGeometry.WindowSamples"/>)), row by row, as the
    /// measure stage reads them instead of detecting again: written to <paramref name="beats"/> (grown when short), with
    /// <paramref name="rowStarts"/> (grown to one entry per row and one more) saying where each row's begin.
    /// </summary>
    public CGDmer.Signal.Beats.StreamedBeats CopyWindowBeats(ref CGDmer.Signal.Beats.ClassifiedBeat[] beats, ref int[] rowStarts)
    {
        ArgumentNullException.ThrowIfNull(beats);
        ArgumentNullException.ThrowIfNull(rowStarts);
        int rows = Geometry.LeadCount, end = Geometry.WindowSamples;
        if (rowStarts.Length < rows + 1) rowStarts = new int[rows + 1];
        var all = StreamBeats;
        int n = 0, i = 0;
        for (int row = 0; row < rows; row++)
        {
            rowStarts[row] = n;
            for (; i < all.Count && all[i].Row == row; i++)
            {
                var b = all[i];
                if (b.Sample < 0 || b.Sample >= end) continue;
                if (n == beats.Length) Array.Resize(ref beats, Math.Max(32, 2 * n));
                beats[n++] = new CGDmer.Signal.Beats.ClassifiedBeat(b.Sample, b.SearchBack, b.Type);
            }
        }
        rowStarts[rows] = n;
        return new CGDmer.Signal.Beats.StreamedBeats(StreamedRows, rowStarts.AsSpan(0, rows + 1), beats.AsSpan(0, n));
    }

    /// <summary>
    /// Copies the stream beats <c>rr-v5</c>'s context reads into <paramref name="buffer"/> (grown when short) and returns
    /// how many: those of <paramref name="analysisRow"/>, or, when that row has none, of the first streamed row that has
    /// any (as the trainer's <c>RecordBeatStream</c> chooses).
    /// </summary>
    public int CopyContextBeats(int analysisRow, ref CGDmer.Signal.Beats.ClassifiedBeat[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var beats = StreamBeats;
        int chosen = -1;
        for (int i = 0; i < beats.Count && chosen < 0; i++) if (beats[i].Row == analysisRow) chosen = analysisRow;
        if (chosen < 0 && beats.Count > 0) chosen = beats[0].Row;   // rows ascending: the first streamed row with beats
        int n = 0;
        for (int i = 0; i < beats.Count; i++)
        {
            var b = beats[i];
            if (b.Row != chosen) continue;
            if (n == buffer.Length) Array.Resize(ref buffer, Math.Max(16, 2 * n));
            buffer[n++] = new CGDmer.Signal.Beats.ClassifiedBeat(b.Sample, b.SearchBack, b.Type);
        }
        return n;
    }

    /// <summary>
    /// Which of the patient's inputs this window settles once it and the patient's earlier windows are delivered (set by
    /// the window stage; default outside it). See <see cref="InputSettlement"/>.
    /// </summary>
    public InputSettlement Settlement { get; internal set; }

    /// <summary>Returns the samples to the pool. Idempotent.</summary>
    public void ReleaseSignal()
    {
        var s = Interlocked.Exchange(ref _signal, null);
        if (s is not null) ArrayPool<float>.Shared.Return(s);
    }

    public override string ToString() => $"EcgWindow(#{Index} {Start:O} {Status}, {RecordedLeads.Count - MissingLeads.Count}/{RecordedLeads.Count} leads)";
}
