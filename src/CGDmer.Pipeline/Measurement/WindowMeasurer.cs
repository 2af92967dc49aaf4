using CGDmer.Pipeline.Windowing;
using CGDmer.Signal.Beats;

namespace CGDmer.Pipeline.Measurement;

/// <summary>
/// Measures one <see cref="EcgWindow"/> without the model: signal quality per lead, the analysis lead, its beats, the
/// heart rate and the RR irregularity. A thin adapter over the signal-domain <see cref="BeatMeasurer"/> (which the
/// trainer uses too, so training and service measure beats identically): it passes the window's rows, lead mask and
/// rate, and names the analysis row's lead (<see cref="WindowGeometry.LeadOrder"/>). The SQI formula and the definitions
/// of heart rate and RR irregularity are in <see cref="BeatMeasurer"/>'s doc comment; their accuracy on MIT-BIH, in
/// docs/performance.md.
/// Thread-safe and stateless between windows, like <see cref="BeatMeasurer"/>: one instance can serve every patient
/// and thread.
/// </summary>
public sealed class WindowMeasurer
{
    private readonly BeatMeasurer _measurer;

    public WindowMeasurer(MeasurementOptions? options = null)
    {
        Options = (options ?? new MeasurementOptions()).Validate();
        _measurer = new BeatMeasurer(Options);
    }

    public MeasurementOptions Options { get; }

    /// <summary>The signal-domain measurer this adapter runs (same options).</summary>
    public BeatMeasurer BeatMeasurer => _measurer;

    // Per thread: the stream's beats of the window being measured, reused window after window (the measurer is shared).
    [ThreadStatic] private static ClassifiedBeat[]? t_streamBeats;
    [ThreadStatic] private static int[]? t_rowStarts;

    /// <summary>
    /// Measures one window. The window's samples are read, never released or changed. With <paramref name="onBeatStream"/>
    /// each lead's beats are the window's beat-stream beats (<see cref="EcgWindow.StreamBeats"/>) and only the streamed
    /// leads are measured (<see cref="BeatMeasurer.Measure(ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, double, StreamedBeats)"/>):
    /// what a model whose rhythm features are measured on the stream was trained on (<see cref="RhythmFeatures.MeasuresOnBeatStream"/>).
    /// </summary>
    /// <remarks>With <paramref name="qualityOnStream"/> (a model measured so, <see cref="RhythmFeatures.MeasuresQualityOnStream"/>)
    /// each streamed lead's quality also comes from the stream (<see cref="EcgWindow.StreamQuality"/>): nothing is filtered or
    /// detected in the window.</remarks>
    /// <exception cref="InvalidOperationException"><paramref name="qualityOnStream"/> for a window whose stream measured no quality.</exception>
    public WindowMeasurement Measure(EcgWindow window, bool onBeatStream = false, bool qualityOnStream = false)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (!window.IsAnalyzable) return WindowMeasurement.None;
        var geometry = window.Geometry;
        // Samples are read only for a present lead: a released window without one measures None (as it always did).
        if (window.SignalReleased && !AnyPresent(window.LeadMask, geometry.LeadCount)) return WindowMeasurement.None;
        BeatMeasurement m;
        if (onBeatStream)
        {
            var beats = t_streamBeats ??= new ClassifiedBeat[64];
            var starts = t_rowStarts ??= [];   // sized by CopyWindowBeats
            var streamed = window.CopyWindowBeats(ref beats, ref starts);
            t_streamBeats = beats;
            t_rowStarts = starts;
            if (qualityOnStream)
            {
                var quality = window.StreamQuality ?? throw new InvalidOperationException("the window's beat stream measured no quality (WindowingOptions.BeatStreamQuality is off)");
                m = _measurer.Measure(window.Signal, geometry.LeadCount, geometry.WindowSamples, window.LeadMask, geometry.SampleRateHz, streamed, quality.AsStreamed());
            }
            else m = _measurer.Measure(window.Signal, geometry.LeadCount, geometry.WindowSamples, window.LeadMask, geometry.SampleRateHz, streamed);
        }
        else m = _measurer.Measure(window.Signal, geometry.LeadCount, geometry.WindowSamples, window.LeadMask, geometry.SampleRateHz);
        // An analyzable window has a present lead; none usable means every present one is flat (BeatMeasurer skips only those).
        int end = geometry.WindowSamples;
        double fs = geometry.SampleRateHz;
        // On the stream only streamed rows are measured: a present row the stream did not read is no flat-line evidence.
        if (!m.HasAnalysisLead)
            return AnyPresent(window.LeadMask, geometry.LeadCount, onBeatStream ? window.StreamedRows : -1) ? WindowMeasurement.FlatLine(end / fs) : WindowMeasurement.None;
        // The published rate counts every beat the leads together found (lead fusion); the model's rhythm features keep
        // the analysis lead's beats, which it was trained on.
        return new WindowMeasurement(m.Beats, BeatMeasurer.HeartRateBpm(m.FusedBeats, fs), m.RrIrregularity, m.SignalQuality, geometry.LeadOrder[m.AnalysisRow])
        {
            BeatAgreement = m.BeatAgreement,
            LeadRates = m.LeadRates,
            FusedBeatSamples = m.FusedBeats,
            SecondsQuiet = QuietTail(window.Signal, window.LeadMask, geometry.LeadCount, end, Options.QuietRangeMv) / fs,
        };
    }

    /// <summary>
    /// Samples at the end of the window over which every present row stays within <paramref name="rangeMv"/> peak to
    /// peak: a backward scan per row that stops at the first sample breaking it (at the last QRS, in a normal window).
    /// </summary>
    internal static int QuietTail(ReadOnlySpan<float> rows, ReadOnlySpan<float> mask, int leadCount, int windowSamples, double rangeMv)
    {
        int quiet = windowSamples;
        for (int row = 0; row < leadCount && quiet > 0; row++)
        {
            if (!(mask[row] > 0.5f)) continue;
            var x = rows.Slice(row * windowSamples, windowSamples);
            float lo = x[^1], hi = x[^1];
            int n = 1;
            for (int i = windowSamples - 2; i >= windowSamples - quiet; i--, n++)
            {
                float v = x[i];
                if (v < lo) lo = v;
                if (v > hi) hi = v;
                if (hi - lo > rangeMv) break;
            }
            quiet = Math.Min(quiet, n);
        }
        return quiet;
    }

    /// <summary>The signal quality of one preprocessed lead sampled at <paramref name="sampleRateHz"/> (<see cref="BeatMeasurer.AssessLead"/>).</summary>
    public LeadQuality AssessLead(ReadOnlySpan<float> samples, double sampleRateHz) => _measurer.AssessLead(samples, sampleRateHz);

    /// <summary>Beats of one preprocessed lead as the measure stage finds them (primary detector, edge beats dropped).</summary>
    public int[] DetectBeats(ReadOnlySpan<float> samples, double sampleRateHz) => _measurer.DetectBeats(samples, sampleRateHz);

    /// <summary>60 / mean RR in bpm, or null with fewer than two beats (<see cref="BeatMeasurer.HeartRateBpm(IReadOnlyList{int}, double)"/>).</summary>
    public static double? HeartRateBpm(IReadOnlyList<int> beats, double sampleRateHz) => BeatMeasurer.HeartRateBpm(beats, sampleRateHz);

    /// <summary>
    /// Pattern-tolerant RR irregularity of ascending beat positions, or null with fewer than three beats
    /// (<see cref="BeatMeasurer.RrIrregularity(IReadOnlyList{int})"/>): median over i of min over lag L ∈ {1, 2, 3}
    /// (L ≤ i) of |RR(i) − RR(i−L)|, divided by the median RR.
    /// </summary>
    public static double? RrIrregularity(IReadOnlyList<int> beats) => BeatMeasurer.RrIrregularity(beats);

    /// <summary>Longest repeating RR pattern <see cref="RrIrregularity"/> tolerates (3: trigeminy).</summary>
    public const int MaxPatternLag = BeatMeasurer.MaxPatternLag;

    /// <summary>One-to-one matches of two ascending beat lists within ±<paramref name="tolerance"/> samples.</summary>
    internal static int Matched(ReadOnlySpan<int> a, ReadOnlySpan<int> b, int tolerance) => BeatMeasurer.Matched(a, b, tolerance);

    /// <summary>Whether a row among <paramref name="rows"/> (bit per row; −1: all) is present.</summary>
    private static bool AnyPresent(float[] mask, int leadCount, int rows = -1)
    {
        for (int row = 0; row < leadCount; row++)
            if (mask[row] > 0.5f && (rows & (1 << row)) != 0) return true;
        return false;
    }
}
