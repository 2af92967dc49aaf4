using CGDmer.Evaluation.Iec60601;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Beats;

namespace CGDmer.Evaluation.Tests.Iec60601;

/// <summary>
/// The signal quality measured on the stream (<c>rr-v10</c>) on IEC 60601-2-27's noise-free synthesized signals, through
/// the window and measure stages. A noise-free signal sits exactly still between its waves; the quality must not take
/// that for clipping or a disconnected lead. If it did, both leads of the physiological bigeminy would score 0, the lead
/// fusion would not count the ventricular beats lead II hardly shows, and the published rate would read half (the
/// service-level check of the same signal: <c>IecAlarmTimingTests</c>).
/// </summary>
public class StreamQualityOnIecSignalsTests
{
    [Fact]
    public void On_the_physiological_bigeminy_both_leads_are_clean_and_the_published_rate_counts_every_beat()
    {
        var (ecg, truth) = HeartRateMeterSuite.PhysiologicalBigeminy(3);
        var ii = ecg.Lead(Lead.II);
        var v1 = ecg.Lead(Lead.V1);
        const int fs = 500;
        var t0 = new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
        var windows = new List<EcgWindow>();
        using (var windower = new PatientWindower("p", MitBihEvaluation.ModelGeometry,
                                                  new WindowingOptions { BeatStreamLeads = 2 }.ForModel(RhythmFeatures.StreamQualityIdentifier)))
            for (int s = 0; s < ii.Length / fs; s++)
            {
                var leads = new List<EcgLeadData>
                {
                    new(Lead.II, "II", ii.AsSpan(s * fs, fs).ToArray(), false, []),
                    new(Lead.V1, "V1", v1.AsSpan(s * fs, fs).ToArray(), false, []),
                };
                windower.Add(new EcgSegmentData("p", "m", (ulong)s + 1, t0.AddSeconds(s), 0, fs, fs, leads), windows);
            }
        var measurer = new WindowMeasurer();
        var shown = windows.Where(w => w.Start >= t0.AddSeconds(20)).ToList();
        Assert.NotEmpty(shown);
        foreach (var w in shown)
        {
            var m = measurer.Measure(w, onBeatStream: true, qualityOnStream: true);
            Assert.All(m.LeadRates, r => Assert.True(r.Sqi >= 0.5, $"window {w.Start:mm:ss}: row {r.Row} SQI {r.Sqi:F2}"));
            Assert.True(m.HeartRateBpm is { } hr && Math.Abs(hr - truth) <= 5, $"window {w.Start:mm:ss}: {m.HeartRateBpm:F1} /min published, {truth:F1} /min the mean rate");
            w.ReleaseSignal();
        }
    }
}
