using CGDmer.Model;
using CGDmer.Signal;
using CGDmer.Signal.Dsp;
using CGDmer.Signal.PtbXl;
using CGDmer.Signal.Synthesis;

namespace CGDmer.Trainer.Data;

/// <summary>PTB-XL records (10 s, 12 leads) as model windows, with the standard fold split and SCP-derived labels.</summary>
public static class PtbXlWindows
{
    /// <summary>Adds the records of <paramref name="split"/>; PTB-XL's own report text is used when present.</summary>
    public static int Add(WindowSet set, string root, PtbXlSplit split, int sampleRateHz, int? limit = null, double minLikelihood = 50)
    {
        var db = PtbXlDatabase.Load(root);
        var resolution = sampleRateHz <= 100 ? PtbXlResolution.Low100Hz : PtbXlResolution.High500Hz;
        var window = new float[]?[Leads.Count];
        var raw = new float[]?[Leads.Count];
        var rhythm = new float[set.RhythmFeatureCount];
        int added = 0;
        foreach (var entry in db.InSplit(split))
        {
            if (limit is { } lim && added >= lim) break;
            var rec = db.LoadRecord(entry, resolution).Ecg;
            for (int l = 0; l < Leads.Count; l++)
            {
                var ch = rec.Channel((Lead)l);
                if (ch is null) { window[l] = null; continue; }
                var x = Math.Abs(rec.SampleRateHz - sampleRateHz) < 1e-9 ? ch.Samples : Resampler.Resample(ch.Samples, rec.SampleRateHz, sampleRateHz);
                var w = new float[set.WindowSamples];
                x.AsSpan(0, Math.Min(x.Length, w.Length)).CopyTo(w);
                raw[l] = (float[])w.Clone();   // the beat stream reads the samples before preprocessing
                EcgPreprocessing.Apply(w, sampleRateHz);
                window[l] = w;
            }
            for (int l = 0; l < Leads.Count; l++) if (window[l] is null) raw[l] = null;
            var labels = entry.Labels(minLikelihood);
            string report = string.IsNullOrWhiteSpace(entry.Report) ? ReportWriter.Write(labels, entry.EcgId) : entry.Report;
            if (rhythm.Length > 0) WindowRhythm.Compute(window, sampleRateHz, rhythm, RecordBeatStream.OverClip(raw, sampleRateHz, set.WindowSamples, CGDmer.Signal.Beats.RhythmFeatures.MeasuresQualityOnStream(set.RhythmFeatureSet)), 0, set.RhythmFeatureSet);
            set.Add(window, labels, MitBihWindows.Annotated, report, "ptbxl-" + entry.PatientId, WindowSources.PtbXl, rhythm);
            added++;
        }
        return added;
    }
}
