using CGDmer.Model;
using CGDmer.Signal;
using CGDmer.Signal.Dsp;
using CGDmer.Signal.Synthesis;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Trainer.Data;

/// <summary>Labels of one real window, derived from the reference annotations, with the facts the report is written from.</summary>
public sealed record WindowAnnotation(IReadOnlyList<EcgLabel> Labels, double? HeartRateBpm, int Beats, int Pvcs, double AfFraction);

/// <summary>
/// Cuts MIT-BIH (or any WFDB record with MIT reference annotations) into model windows: resampled to the model rate,
/// leads placed on their standard slots (MLII → II), preprocessed exactly as the service will, labelled from the
/// reference rhythm and beat annotations, and given a report written from those labels.
/// </summary>
public static class MitBihWindows
{
    /// <summary>Share of a window a rhythm must cover for the window to carry that rhythm's label.</summary>
    public const double RhythmCoverage = 0.5;

    /// <summary>The labels the reference annotations decide: all but "other rhythm", which MIT-BIH's rhythm codes do not map onto.</summary>
    public static readonly EcgLabel[] Annotated = EcgLabels.All.Where(l => l != EcgLabels.OtherRhythm).ToArray();

    /// <summary>
    /// The labels that rhythm annotations alone decide: those of a record whose reference has no beat annotations (the
    /// MIT-BIH AF Database's <c>.atr</c>). Rate, ectopy, block and pause labels need the beats, so they are not scored there.
    /// </summary>
    public static readonly EcgLabel[] RhythmAnnotated =
        [EcgLabels.AtrialFibrillation, EcgLabels.AtrialFlutter, EcgLabels.VentricularTachycardia, EcgLabels.SinusRhythm];

    public static int AddRecord(WindowSet set, string recordPath, int sampleRateHz, double strideSeconds, int reportSeed, double maxSeconds = 0)
    {
        var (rec, ann) = Read(recordPath);
        return AddRecord(set, rec, ann, sampleRateHz, strideSeconds, reportSeed, maxSeconds);
    }

    /// <summary>
    /// A bedside record (path without extension) and its reference annotations, read as the replay reads it: signals
    /// called only "ECG" (AFDB, NSRDB, SVDB) go on II and V1.
    /// </summary>
    public static (WfdbRecord Record, IReadOnlyList<Annotation> Annotations) Read(string recordPath) =>
        (CGDmer.Signal.Datasets.WfdbDatasets.Read(recordPath, out _), AnnotationReader.Read(recordPath + ".atr"));

    /// <param name="maxSeconds">Use only the first seconds of the record (0 = all).</param>
    public static int AddRecord(WindowSet set, WfdbRecord rec, IReadOnlyList<Annotation> annotations, int sampleRateHz, double strideSeconds,
        int reportSeed, double maxSeconds = 0) =>
        AddRecord(set, rec.Ecg, rec.Name, annotations, sampleRateHz, strideSeconds, reportSeed, maxSeconds);

    /// <summary>As above for the channels of <paramref name="ecg"/> (a record's, or a subset of them) of the record <paramref name="name"/>.</summary>
    public static int AddRecord(WindowSet set, EcgRecord ecg, string name, IReadOnlyList<Annotation> annotations, int sampleRateHz,
        double strideSeconds, int reportSeed, double maxSeconds = 0)
    {
        double fsIn = ecg.SampleRateHz;
        var leads = new float[]?[Leads.Count];
        foreach (var ch in ecg.Channels)
            if (ch.Lead is { } l && leads[(int)l] is null)
                leads[(int)l] = Resampler.Resample(ch.Samples, fsIn, sampleRateHz);
        int length = leads.FirstOrDefault(x => x is not null)?.Length
                     ?? throw new InvalidDataException($"Record '{name}' has no channel on a known ECG lead.");
        if (maxSeconds > 0) length = Math.Min(length, (int)(maxSeconds * sampleRateHz));
        var episodes = AnnotationReader.RhythmEpisodes(annotations, ecg.Length);
        var beats = AnnotationReader.Beats(annotations);
        var annotated = beats.Count > 0 ? Annotated : RhythmAnnotated;
        int win = set.WindowSamples, stride = Math.Max(1, (int)Math.Round(strideSeconds * sampleRateHz));
        var window = new float[]?[Leads.Count];
        var rhythm = new float[set.RhythmFeatureCount];
        var stream = new RecordBeatStream(leads, sampleRateHz, length, win, quality: CGDmer.Signal.Beats.RhythmFeatures.MeasuresQualityOnStream(set.RhythmFeatureSet));
        int added = 0;
        string patient = "mitbih-" + name;
        for (int start = 0; start + win <= length; start += stride)
        {
            long s0 = (long)Math.Round(start * fsIn / sampleRateHz), s1 = (long)Math.Round((start + win) * fsIn / sampleRateHz);
            var a = Annotate(episodes, beats, s0, s1, fsIn);
            for (int l = 0; l < Leads.Count; l++)
            {
                if (leads[l] is null) { window[l] = null; continue; }
                var w = leads[l]!.AsSpan(start, win).ToArray();
                EcgPreprocessing.Apply(w, sampleRateHz);
                window[l] = w;
            }
            string report = ReportWriter.Write(a.Labels, reportSeed + start, a.HeartRateBpm);
            if (rhythm.Length > 0) WindowRhythm.Compute(window, sampleRateHz, rhythm, stream, start, set.RhythmFeatureSet);
            set.Add(window, a.Labels, annotated, report, patient, WindowSources.MitBih, rhythm);
            added++;
        }
        return added;
    }

    /// <summary>Derives the labels of the span [s0, s1) (samples at the record's own rate).</summary>
    public static WindowAnnotation Annotate(IReadOnlyList<RhythmEpisode> episodes, IReadOnlyList<Annotation> beats, long s0, long s1, double fs)
    {
        double span = s1 - s0;
        var cover = new Dictionary<string, double>();
        foreach (var e in episodes)
        {
            long o = Math.Min(e.End, s1) - Math.Max(e.Start, s0);
            if (o > 0) cover[e.Rhythm] = cover.GetValueOrDefault(e.Rhythm) + o / span;
        }
        int n = 0, pvc = 0, lbbb = 0, rbbb = 0;
        long first = -1, last = -1, maxRr = 0, prev = -1;
        foreach (var b in beats)
        {
            if (b.Sample < s0) continue;
            if (b.Sample >= s1) break;
            n++;
            if (b.Symbol == "V") pvc++;
            else if (b.Symbol == "L") lbbb++;
            else if (b.Symbol == "R") rbbb++;
            if (first < 0) first = b.Sample;
            if (prev >= 0) maxRr = Math.Max(maxRr, b.Sample - prev);
            prev = last = b.Sample;
        }
        double? hr = n >= 2 ? 60.0 * (n - 1) / ((last - first) / fs) : null;
        var labels = new List<EcgLabel>();
        double Cover(string r) => cover.GetValueOrDefault(r);
        double af = Cover("(AFIB");
        if (af >= RhythmCoverage) labels.Add(EcgLabels.AtrialFibrillation);
        if (Cover("(AFL") >= RhythmCoverage) labels.Add(EcgLabels.AtrialFlutter);
        if (Cover("(VT") > 0) labels.Add(EcgLabels.VentricularTachycardia); // any run of VT in the window is the finding
        bool sinus = Cover("(N") + Cover("(SBR") + Cover("(B") + Cover("(T") >= RhythmCoverage; // bigeminy/trigeminy: sinus with PVCs
        if (sinus)
        {
            labels.Add(EcgLabels.SinusRhythm);
            if (Cover("(SBR") >= RhythmCoverage || hr < 60) labels.Add(EcgLabels.SinusBradycardia);
            else if (hr > 100) labels.Add(EcgLabels.SinusTachycardia);
        }
        if (pvc >= 2 && !labels.Contains(EcgLabels.VentricularTachycardia)) labels.Add(EcgLabels.PrematureVentricularContractions);
        if (n > 0 && lbbb * 2 > n) labels.Add(EcgLabels.LeftBundleBranchBlock);
        if (n > 0 && rbbb * 2 > n) labels.Add(EcgLabels.RightBundleBranchBlock);
        if (maxRr > 2.0 * fs && !labels.Contains(EcgLabels.AtrialFibrillation)) labels.Add(EcgLabels.SinusPause);
        return new WindowAnnotation(labels, hr, n, pvc, af);
    }
}
