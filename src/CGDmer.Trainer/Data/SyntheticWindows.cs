using CGDmer.Model;
using CGDmer.Signal;
using CGDmer.Signal.Dsp;
using CGDmer.Signal.Synthesis;

namespace CGDmer.Trainer.Data;

/// <summary>
/// Synthetic 12-lead windows for training. Some windows are presented with a subset of leads (a 2-lead Holter layout
/// or a random subset) so the model learns to read whatever the bedside monitor provides, through the lead mask.
/// </summary>
public static class SyntheticWindows
{
    public sealed record Options
    {
        public int Count { get; init; } = 2000;
        public int BaseSeed { get; init; } = 1000;
        /// <summary>Share of windows shown as II + V1 only (the usual two-lead monitoring layout).</summary>
        public double TwoLeadShare { get; init; } = 0.35;
        /// <summary>Share shown with a random subset of 1–8 leads.</summary>
        public double RandomSubsetShare { get; init; } = 0.15;
        public ConditionMix? Mix { get; init; }
    }

    public static int Add(WindowSet set, int sampleRateHz, Options o, Action<int>? progress = null)
    {
        double seconds = (double)set.WindowSamples / sampleRateHz;
        var sampler = new DatasetSampler(o.Mix ?? ConditionMix.Default, seconds, sampleRateHz);
        var window = new float[]?[Leads.Count];
        var rhythm = new float[set.RhythmFeatureCount];
        var raw = new float[]?[Leads.Count];
        for (int k = 0; k < o.Count; k++)
        {
            int seed = o.BaseSeed + k;
            var syn = sampler.Generate(seed);
            var rng = new Random(seed);
            double u = rng.NextDouble();
            for (int l = 0; l < Leads.Count; l++)
            {
                bool keep = u < o.TwoLeadShare ? l is (int)Lead.II or (int)Lead.V1
                          : u < o.TwoLeadShare + o.RandomSubsetShare ? rng.NextDouble() < 0.4 || l == (int)Lead.II
                          : true;
                if (!keep) { window[l] = null; continue; }
                var src = syn.Record.Channels[l].Samples;
                var w = new float[set.WindowSamples];
                src.AsSpan(0, Math.Min(src.Length, w.Length)).CopyTo(w);
                raw[l] = (float[])w.Clone();   // the beat stream reads the samples before preprocessing
                EcgPreprocessing.Apply(w, sampleRateHz);
                window[l] = w;
            }
            for (int l = 0; l < Leads.Count; l++) if (window[l] is null) raw[l] = null;
            if (rhythm.Length > 0) WindowRhythm.Compute(window, sampleRateHz, rhythm, RecordBeatStream.OverClip(raw, sampleRateHz, set.WindowSamples, CGDmer.Signal.Beats.RhythmFeatures.MeasuresQualityOnStream(set.RhythmFeatureSet)), 0, set.RhythmFeatureSet);
            set.Add(window, syn.Labels.ToArray(), MitBihWindows.Annotated, syn.Report, $"synthetic-{seed}", WindowSources.Synthetic, rhythm);
            progress?.Invoke(k + 1);
        }
        return o.Count;
    }
}
