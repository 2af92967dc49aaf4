using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using CGDmer.Pipeline.Metrics;
using CGDmer.Signal;
using CGDmer.Signal.Dsp;
using Prometheus;

namespace CGDmer.Pipeline.Windowing;

/// <summary>
/// Turns the native-rate rings of one patient into an <see cref="EcgWindow"/>: mask, coverage, status, and for each
/// present lead resample (with real margins) → cut → preprocess into a pooled signal array. Holds the per-rate layouts and
/// the scratch buffers, so it is shared by the patients of one stage and, like them, not thread-safe.
/// </summary>
internal sealed class WindowAssembler
{
    private readonly LayoutCache _layouts;
    private readonly Counter.Child? _analyzable, _noSignal, _late, _duplicate;
    private readonly Counter.Child?[] _maskedByLead = new Counter.Child?[Leads.Count];
    private float[] _leadScratch = [];
    private float[] _native = [];
    private ulong[] _union = [];

    public WindowAssembler(WindowGeometry geometry, WindowingOptions options, PipelineMetrics? metrics)
    {
        Geometry = geometry ?? throw new ArgumentNullException(nameof(geometry));
        Options = (options ?? throw new ArgumentNullException(nameof(options))).Validate(geometry);
        Metrics = metrics;
        _layouts = new LayoutCache(Options.MaxCachedSampleRates, milliHz => new NativeLayout(milliHz / 1000.0, Geometry, Options));
        if (metrics is not null)
        {
            // Labelled children are looked up once: the window path then only increments.
            _analyzable = metrics.Windows.WithLabels("analyzable");
            _noSignal = metrics.Windows.WithLabels("no_signal");
            _late = metrics.SegmentsDropped.WithLabels("late");
            _duplicate = metrics.SegmentsDropped.WithLabels("duplicate");
            foreach (var lead in geometry.LeadOrder) _maskedByLead[(int)lead] = metrics.MaskedLeads.WithLabels(Leads.Name(lead));
        }
    }

    public WindowGeometry Geometry { get; }
    public WindowingOptions Options { get; }
    public PipelineMetrics? Metrics { get; }

    /// <summary>Whether rows copy the outputs they share with the lead's previous row (<see cref="ResampledRowCache"/>);
    /// off only in tests that compare the two.</summary>
    internal bool ReuseResampledOutputs { get; init; } = true;

    /// <summary>Model-rate outputs copied from previous rows rather than computed, over all patients (for tests).</summary>
    internal long ReusedOutputs { get; private set; }

    /// <summary>Counts a segment the window stage could not use.</summary>
    public void CountDropped(SegmentOutcome outcome) =>
        (outcome == SegmentOutcome.Late ? _late : outcome == SegmentOutcome.Duplicate ? _duplicate : null)?.Inc();

    /// <summary>
    /// The layout for native rate <paramref name="rateHz"/> (to the nearest millihertz), from a cache of at most
    /// <see cref="WindowingOptions.MaxCachedSampleRates"/> rates.
    /// </summary>
    /// <exception cref="ArgumentException">The rate cannot be placed or resampled (the validator's range excludes such rates).</exception>
    public NativeLayout LayoutFor(double rateHz) => _layouts.Get(NativeLayout.MilliHz(rateHz));

    /// <summary>Layouts held by the cache (for tests: bounded by <see cref="WindowingOptions.MaxCachedSampleRates"/>).</summary>
    internal int CachedLayouts => _layouts.Count;

    /// <summary>
    /// Room for one lead's samples of the segment being stored, in mV (<see cref="EcgLeadData.CopyMillivolts"/>): the
    /// assembler's windowers run on one thread, one segment at a time.
    /// </summary>
    internal Span<float> LeadScratch(int length)
    {
        if (_leadScratch.Length < length) _leadScratch = new float[Math.Max(length, 2 * _leadScratch.Length)];
        return _leadScratch.AsSpan(0, length);
    }

    /// <summary>
    /// Builds grid window <paramref name="k"/> from <paramref name="rings"/> (indexed by <see cref="Lead"/>, null = never
    /// delivered), whose live range is [<paramref name="liveFrom"/>, <paramref name="liveTo"/>): slots outside it hold
    /// other indices' samples and count as never received. Returns null when no lead delivered a single sample of the
    /// window's span (nothing to report). <paramref name="beats"/>, the patient's beat stream, is fed the window's
    /// resampled rows and gives the window its <see cref="EcgWindow.StreamBeats"/>.
    /// </summary>
    public EcgWindow? Build(string patientId, string deviceId, NativeLayout layout, long k, LeadRing?[] rings, long liveFrom, long liveTo,
                           PatientBeatStream? beats = null)
    {
        var g = Geometry;
        long s = layout.WindowStart(k), e = s + layout.WindowNative;
        int n = layout.WindowNative;
        long cs = Math.Max(s, liveFrom), ce = Math.Min(e, liveTo);   // the part of the window the ring can answer for

        Span<bool> recorded = stackalloc bool[g.LeadCount];
        Span<bool> present = stackalloc bool[g.LeadCount];
        int recordedCount = 0, presentCount = 0;
        int words = (n + 63) / 64;
        if (_union.Length < words) _union = new ulong[words];
        Array.Clear(_union, 0, words);
        for (int row = 0; row < g.LeadCount; row++)
        {
            var ring = rings[(int)g.LeadOrder[row]];
            if (ring is null || ce <= cs || ring.CountReceived(cs, ce) == 0) continue;
            recorded[row] = true;
            recordedCount++;
            int missing = n - ring.CountPresent(cs, ce);
            if (missing < n) ring.OrPresentInto(cs, ce, s, _union);
            if (missing <= Options.MaxMissingFractionPerLead * n) { present[row] = true; presentCount++; }
        }
        if (recordedCount == 0) return null;

        int covered = 0;
        for (int w = 0; w < words; w++) covered += BitOperations.PopCount(_union[w]);
        double coverage = (double)covered / n;
        var status = presentCount == 0 || coverage < Options.MinSignalCoverage ? WindowStatus.NoSignal : WindowStatus.Analyzable;

        var signal = ArrayPool<float>.Shared.Rent(g.LeadCount * g.WindowSamples);
        var mask = new float[g.LeadCount];
        var recordedLeads = new Lead[recordedCount];
        Lead[] missingLeads = recordedCount == presentCount ? [] : new Lead[recordedCount - presentCount];
        int ri = 0, mi = 0;
        Span<int> filled = stackalloc int[g.LeadCount];
        int filledCount = 0;
        beats?.BeginWindow();
        try
        {
            for (int row = 0; row < g.LeadCount; row++)
            {
                var lead = g.LeadOrder[row];
                var dst = signal.AsSpan(row * g.WindowSamples, g.WindowSamples);
                if (recorded[row]) recordedLeads[ri++] = lead;
                if (!present[row])
                {
                    beats?.Interrupt(row);
                    dst.Clear();   // rented memory holds old data; absent rows must be zero
                    if (recorded[row])
                    {
                        missingLeads[mi++] = lead;
                        _maskedByLead[(int)lead]?.Inc();
                    }
                    continue;
                }
                mask[row] = 1;
                FillRow(layout, rings[(int)lead]!, s, liveFrom, liveTo, dst, beats, row, k);
                filled[filledCount++] = row;
            }
            // The model's preprocessing, two rows at a time: their recurrences share one loop (same result as one by one).
            for (int i = 0; i < filledCount; i += 2)
            {
                var first = signal.AsSpan(filled[i] * g.WindowSamples, g.WindowSamples);
                if (i + 1 < filledCount) EcgPreprocessing.Apply(first, signal.AsSpan(filled[i + 1] * g.WindowSamples, g.WindowSamples), g.SampleRateHz);
                else EcgPreprocessing.Apply(first, g.SampleRateHz);
            }
        }
        catch
        {
            ArrayPool<float>.Shared.Return(signal);
            throw;
        }
        (status == WindowStatus.Analyzable ? _analyzable : _noSignal)?.Inc();
        return new EcgWindow(patientId, deviceId, k, layout.WindowStartTime(k), g, signal, mask, recordedLeads, missingLeads,
                             coverage, status, Stopwatch.GetTimestamp())
        {
            StreamBeats = beats?.Collect(k) ?? [],
            StreamedRows = beats?.StreamedRows ?? 0,
            StreamQuality = beats?.CollectQuality(k),
        };
    }

    /// <summary>
    /// Native span with margins → model rate → exact cut, into <paramref name="row"/>, which the beat stream then reads
    /// (its own filters are causal); <see cref="Build"/> applies the model's preprocessing after every row is filled.
    /// </summary>
    private void FillRow(NativeLayout layout, LeadRing ring, long windowStart, long liveFrom, long liveTo, Span<float> row,
                         PatientBeatStream? beats, int rowIndex, long k)
    {
        int len = layout.ScratchLength;
        if (_native.Length < len) _native = new float[len];
        var native = _native.AsSpan(0, len);
        long from = windowStart - layout.Margin, to = from + len;
        if (!ring.CopyHoldingMissing(from, to, liveFrom, liveTo, native))
            throw new InvalidOperationException("a lead in the mask has no present sample"); // unreachable: present ⇒ ≥ 1 sample
        bool complete = from >= liveFrom && to <= liveTo && ring.CountPresent(from, to) == len;
        // Only the window's outputs, straight into the row; those the previous window shares are copied from it.
        ReusedOutputs += ring.Resampled.Resample(layout, from, native, complete, row, ReuseResampledOutputs);
        beats?.Feed(rowIndex, k, row);
    }
}
