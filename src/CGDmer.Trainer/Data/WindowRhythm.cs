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

    /// <summary>Index of the analysis lead's signal quality (SQI, 0–1) among the features: what the service's interpretation calls poor.</summary>
    public static int SignalQualityFeature { get; } = RhythmFeatures.Names.ToList().IndexOf("signal_quality");

    /// <summary>Index of the analysis lead's beat agreement (bSQI, 0–1) among the features.</summary>
    public static int BeatAgreementFeature { get; } = RhythmFeatures.Names.ToList().IndexOf("beat_agreement");

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
                                      context: RhythmFeatures.MeasuresOnBeatStream(set) ? default : stream?.Context(null, windowStart, samples));
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
        if (RhythmFeatures.MeasuresOnBeatStream(set))
        {
            bool quality = RhythmFeatures.MeasuresQualityOnStream(set);
            if (quality && !stream!.MeasuresQuality)
                throw new ArgumentException($"the rhythm feature set {set} takes the leads' quality from the beat stream: make the recording's with quality", nameof(stream));
            MeasureOnStream(set, rows, present, samples, mask, leadOfRow, sampleRateHz, stream!.WindowBeats(windowStart, samples), destination,
                            quality ? stream.WindowQuality(windowStart, samples) : null);
            return;
        }
        var m = Measurer.Measure(rows, present, samples, mask, sampleRateHz);
        var lead = m.HasAnalysisLead ? rows.AsSpan(m.AnalysisRow * samples, samples) : [];
        var context = stream?.Context(m.HasAnalysisLead ? leadOfRow[m.AnalysisRow] : null, windowStart, samples) ?? [];
        RhythmFeatures.ComputeSet(set, m.Beats, lead, sampleRateHz, samples, m.SignalQuality, m.BeatAgreement, destination,
                                  context: context);
    }

    /// <summary>
    /// A set measured on the beat stream: the streamed leads' window beats stand in for detection, row by row in the
    /// compacted layout (the service measures the same leads: the first streamed, present ones in row order).
    /// </summary>
    private static void MeasureOnStream(string set, float[] rows, int present, int samples, float[] mask, Lead[] leadOfRow, int sampleRateHz,
                                        IReadOnlyList<(Lead Lead, ClassifiedBeat[] Beats)> windowBeats, Span<float> destination,
                                        IReadOnlyList<(Lead Lead, QualityBlock[] Blocks, int[] SecondBeats)>? windowQuality)
    {
        var starts = new int[present + 1];
        var all = new List<ClassifiedBeat>();
        int streamedRows = 0;
        for (int r = 0; r < present; r++)
        {
            starts[r] = all.Count;
            foreach (var (lead, beats) in windowBeats)
            {
                if (lead != leadOfRow[r]) continue;
                streamedRows |= 1 << r;
                all.AddRange(beats);
            }
        }
        starts[present] = all.Count;
        var streamed = new StreamedBeats(streamedRows, starts, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(all));
        BeatMeasurement m;
        if (windowQuality is null) m = Measurer.Measure(rows, present, samples, mask, sampleRateHz, streamed);
        else
        {
            // The same compacted layout for the quality: row r's blocks and second beats are its lead's.
            var blockStarts = new int[present + 1];
            var beatStarts = new int[present + 1];
            var blocks = new List<QualityBlock>();
            var second = new List<int>();
            for (int r = 0; r < present; r++)
            {
                blockStarts[r] = blocks.Count;
                beatStarts[r] = second.Count;
                foreach (var (lead, b, s) in windowQuality)
                {
                    if (lead != leadOfRow[r]) continue;
                    blocks.AddRange(b);
                    second.AddRange(s);
                }
            }
            blockStarts[present] = blocks.Count;
            beatStarts[present] = second.Count;
            var quality = new StreamedQuality(blockStarts, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(blocks),
                                              beatStarts, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(second));
            m = Measurer.Measure(rows, present, samples, mask, sampleRateHz, streamed, quality);
        }
        var analysisLead = m.HasAnalysisLead ? rows.AsSpan(m.AnalysisRow * samples, samples) : [];   // rr-v8's atrial half reads it
        RhythmFeatures.ComputeSet(set, m.Beats, analysisLead, sampleRateHz, samples, m.SignalQuality, m.BeatAgreement, destination,
                                  context: m.HasAnalysisLead ? streamed.Row(m.AnalysisRow) : default);
    }
}
