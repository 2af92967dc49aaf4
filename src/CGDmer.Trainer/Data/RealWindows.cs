using CGDmer.Model;
using CGDmer.Signal;
using CGDmer.Signal.Datasets;
using CGDmer.Signal.Dsp;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Trainer.Data;

/// <summary>
/// Cuts the real recordings without reports (PhysioNet/CinC 2017, AFTDB) into model windows, preprocessed exactly as
/// the service does, with the labels their source annotates and the beat-interval features the service computes.
/// Their report is empty: they train masked modelling and the rhythm heads, not the ECG–report arm.
/// </summary>
public static class RealWindows
{
    /// <summary>The labels a CinC 2017 class annotates, and which of them are present.</summary>
    /// <remarks>
    /// N: sinus rhythm, no AF, no other rhythm. A: AF, no sinus rhythm, no other rhythm. O: other rhythm, no AF (whether
    /// the underlying rhythm is sinus, e.g. sinus with ectopy, is not said). ~: too noisy to say anything.
    /// </remarks>
    public static (EcgLabel[] Present, EcgLabel[] Annotated) CincLabels(Cinc2017Label label) => label switch
    {
        Cinc2017Label.Normal => ([EcgLabels.SinusRhythm], [EcgLabels.SinusRhythm, EcgLabels.AtrialFibrillation, EcgLabels.OtherRhythm]),
        Cinc2017Label.AtrialFibrillation => ([EcgLabels.AtrialFibrillation], [EcgLabels.SinusRhythm, EcgLabels.AtrialFibrillation, EcgLabels.OtherRhythm]),
        Cinc2017Label.Other => ([EcgLabels.OtherRhythm], [EcgLabels.AtrialFibrillation, EcgLabels.OtherRhythm]),
        _ => ([], []),
    };

    /// <summary>AFTDB: every record is AF throughout; nothing else is annotated.</summary>
    public static readonly EcgLabel[] AftdbAnnotated = [EcgLabels.SinusRhythm, EcgLabels.AtrialFibrillation];

    /// <summary>Adds one CinC 2017 recording; returns the number of windows.</summary>
    public static int AddCinc(WindowSet set, string root, Cinc2017Entry entry, int sampleRateHz, double strideSeconds)
    {
        var rec = Cinc2017.ReadRecord(Cinc2017.RecordPath(root, entry.RecordId));
        var (present, annotated) = CincLabels(entry.Label);
        return AddRecord(set, rec.Ecg, sampleRateHz, strideSeconds, "cinc-" + entry.RecordId, WindowSources.Cinc2017, (_, _) => (present, annotated), padShort: true);
    }

    /// <summary>
    /// Adds one AFTDB record; returns the number of windows. Each lead of <paramref name="singleLeadCopies"/> it has also
    /// trains alone (<see cref="SingleLeadViews"/>).
    /// </summary>
    public static int AddAftdb(WindowSet set, AftdbRecordInfo info, int sampleRateHz, double strideSeconds, IReadOnlyList<Lead>? singleLeadCopies)
    {
        var rec = Aftdb.ReadRecord(info.Path);
        int added = 0;
        foreach (var view in (EcgRecord[])[rec.Ecg, .. SingleLeadViews(rec.Ecg, singleLeadCopies)])
            added += AddRecord(set, view, sampleRateHz, strideSeconds, "aftdb-" + info.RecordId, WindowSources.Aftdb,
                (_, _) => ([EcgLabels.AtrialFibrillation], AftdbAnnotated), padShort: false);
        return added;
    }

    /// <summary>
    /// A bedside record as a monitor sends it with all but one lead off, for each of <paramref name="leads"/> it has
    /// (null: each of its leads, in its order): the service then measures and classifies that lead alone, and the model
    /// must too. Empty for a record of one lead.
    /// </summary>
    public static IEnumerable<EcgRecord> SingleLeadViews(EcgRecord ecg, IReadOnlyList<Lead>? leads)
    {
        var placed = ecg.Channels.Where(c => c.Lead is not null).ToList();
        if (placed.Count < 2) yield break;
        foreach (var c in leads is null ? placed : leads.Select(ecg.Channel).OfType<EcgChannel>())
            yield return new EcgRecord(ecg.Id, ecg.SampleRateHz, [c], ecg.StartTime);
    }

    /// <summary>
    /// Windows of <paramref name="record"/> at <paramref name="stride"/>, each labelled by <paramref name="label"/> (window
    /// start and end in seconds). With <paramref name="padShort"/>, a recording shorter than one window gives one window
    /// padded with zeros at its end (CinC has 9 s recordings); otherwise it gives none.
    /// </summary>
    public static int AddRecord(WindowSet set, EcgRecord record, int sampleRateHz, double strideSeconds, string patient, string source,
        Func<double, double, (EcgLabel[] Present, EcgLabel[] Annotated)> label, bool padShort)
    {
        var leads = new float[]?[Leads.Count];
        foreach (var ch in record.Channels)
            if (ch.Lead is { } l && leads[(int)l] is null)
                leads[(int)l] = Resampler.Resample(ch.Samples, record.SampleRateHz, sampleRateHz);
        int length = leads.FirstOrDefault(x => x is not null)?.Length
                     ?? throw new InvalidDataException($"Record '{record.Id}' has no channel on a known ECG lead.");
        int win = set.WindowSamples, stride = Math.Max(1, (int)Math.Round(strideSeconds * sampleRateHz));
        var window = new float[]?[Leads.Count];
        var rhythm = new float[set.RhythmFeatureCount];
        var stream = new RecordBeatStream(leads, sampleRateHz, length, win, quality: CGDmer.Signal.Beats.RhythmFeatures.MeasuresQualityOnStream(set.RhythmFeatureSet));
        int added = 0;
        int lastStart = length >= win ? length - win : padShort && length >= win * 0.8 ? 0 : -1;
        for (int start = 0; start <= lastStart; start += stride)
        {
            for (int l = 0; l < Leads.Count; l++)
            {
                if (leads[l] is null) { window[l] = null; continue; }
                var w = new float[win];
                leads[l]!.AsSpan(start, Math.Min(win, length - start)).CopyTo(w);
                EcgPreprocessing.Apply(w, sampleRateHz);
                window[l] = w;
            }
            if (rhythm.Length > 0) WindowRhythm.Compute(window, sampleRateHz, rhythm, stream, start, set.RhythmFeatureSet);
            var (present, annotated) = label((double)start / sampleRateHz, (double)(start + win) / sampleRateHz);
            set.Add(window, present, annotated, "", patient, source, rhythm);
            added++;
        }
        return added;
    }
}
