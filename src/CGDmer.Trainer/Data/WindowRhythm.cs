using CGDmer.Model;
using CGDmer.Signal;
using CGDmer.Signal.Beats;

namespace CGDmer.Trainer.Data;

/// <summary>
/// The beat-interval features of a training window, measured exactly as the service's measure stage does (the same
/// <see cref="BeatMeasurer"/> over the present leads, the analysis lead chosen by signal quality), so that the model sees
/// in training what it will see in the service.
/// </summary>
public static class WindowRhythm
{
    private static readonly BeatMeasurer Measurer = new();

    /// <summary>Index of the pattern-tolerant RR irregularity among the features: the service's own AF indicator, the baseline of every evaluation.</summary>
    public static int IrregularityFeature { get; } = RhythmFeatures.Names.ToList().IndexOf("rr_irregularity");

    /// <summary>
    /// Writes the features of set <see cref="RhythmFeatures.Identifier"/> (<see cref="RhythmFeatures.ComputeSet"/>) of a
    /// window given as 12 rows (null = absent lead), preprocessed, at <paramref name="sampleRateHz"/>. A set that reads the
    /// beat stream takes its context from <paramref name="stream"/>, the recording's, at <paramref name="windowStart"/>.
    /// <paramref name="featureSet"/>: another set than the trainer's (for comparisons and tests).
    /// </summary>
    public static void Compute(IReadOnlyList<float[]?> window, int sampleRateHz, Span<float> destination, RecordBeatStream? stream = null, int windowStart = 0,
                               string? featureSet = null)
    {
        string set = featureSet ?? RhythmFeatures.Identifier;
        bool readsStream = RhythmFeatures.ReadsBeatStream(set);
        if (readsStream && stream is null)
            throw new ArgumentException($"the rhythm feature set {set} reads the beat stream: pass the recording's", nameof(stream));
        if (!readsStream) stream = null;   // not fed: a set without context costs no stream
        int samples = 0, present = 0;
        foreach (var row in window) if (row is not null) { samples = row.Length; present++; }
        if (present == 0)
        {
            RhythmFeatures.ComputeSet(set, [], [], sampleRateHz, samples, 0, 0, destination,
                                      context: stream?.Context(null, windowStart, samples));
            return;
        }
        var rows = new float[present * samples];
        var mask = new float[present];
        var leadOfRow = new Lead[present];
        int r = 0;
        for (int l = 0; l < window.Count; l++)
        {
            var row = window[l];
            if (row is null) continue;
            row.CopyTo(rows, r * samples);
            leadOfRow[r] = (Lead)l;
            mask[r++] = 1;
        }
        var m = Measurer.Measure(rows, present, samples, mask, sampleRateHz);
        var lead = m.HasAnalysisLead ? rows.AsSpan(m.AnalysisRow * samples, samples) : [];
        var context = stream?.Context(m.HasAnalysisLead ? leadOfRow[m.AnalysisRow] : null, windowStart, samples) ?? [];
        RhythmFeatures.ComputeSet(set, m.Beats, lead, sampleRateHz, samples, m.SignalQuality, m.BeatAgreement, destination,
                                  context: context);
    }
}
