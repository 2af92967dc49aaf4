using CGDmer.Evaluation;
using System.Security.Cryptography;
using System.Text;
using CGDmer.Pipeline.Measurement;
using CGDmer.Signal.Wfdb;
using static CGDmer.TestSupport.MeasurementTestData;

namespace CGDmer.Pipeline.Tests.Measurement;

/// <summary>
/// The measure stage's results to the bit on every window of MIT-BIH 201 and 203: every present lead's quality (all its
/// indices, shortest round-trip text) and beats, and the window's measurement, stored as SHA-256 per window. The golden file was written by the stage
/// before its hot path was optimised (sorts, allocations, filter loops); faster must not mean different.
/// </summary>
public class MeasurementGoldenTests
{
    [Fact]
    public void Every_window_of_201_and_203_measures_exactly_as_before()
    {
        var measurer = new WindowMeasurer();
        var lines = new List<string>();
        var details = new List<string>();
        foreach (var name in new[] { "201", "203" })
        {
            var record = WfdbReader.Read(Path.Combine(MitBihFolder, name));
            foreach (var window in MitBihEvaluation.Windows(record))
            {
                var line = new StringBuilder().Append(record.Name).Append(' ').Append(window.Index);
                for (int row = 0; row < window.Geometry.LeadCount; row++)
                {
                    if (window.LeadMask[row] <= 0.5f) continue;
                    var quality = measurer.AssessLead(window.Row(row), window.Geometry.SampleRateHz);
                    var beats = measurer.DetectBeats(window.Row(row), window.Geometry.SampleRateHz);
                    line.Append(" | ").Append(row).Append(' ').Append(quality.ToString()).Append(" beats ").Append(string.Join(',', beats));
                }
                var m = measurer.Measure(window);
                // The analysis lead's rate (what the stage published before lead fusion): the golden pins the analysis lead.
                double? analysisRate = WindowMeasurer.HeartRateBpm(m.BeatSamples, window.Geometry.SampleRateHz);
                line.Append(" || ").Append(string.Join(',', m.BeatSamples)).Append(' ').Append(analysisRate?.ToString("R")).Append(' ')
                    .Append(m.RrIrregularity?.ToString("R")).Append(' ').Append(m.SignalQuality.ToString("R")).Append(' ').Append(m.AnalysisLead);
                // Stored as record, window and SHA-256 of the full line; a failure shows the line as it is now.
                var text = line.ToString();
                lines.Add($"{record.Name} {window.Index} {Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))}");
                details.Add(text);
                window.ReleaseSignal();
            }
        }
        GoldenFiles.AssertMatches(Path.Combine("Measurement", "Golden", "measure-201-203.txt"), lines, details);
    }

    [Fact]
    public void Lead_fusion_only_adds_beats_inside_the_analysis_lead_s_gaps_and_the_rate_counts_them()
    {
        var measurer = new WindowMeasurer();
        int added = 0;
        foreach (var name in new[] { "201", "203" })
        {
            var record = WfdbReader.Read(Path.Combine(MitBihFolder, name));
            foreach (var window in MitBihEvaluation.Windows(record))
            {
                var m = measurer.Measure(window);
                double fs = window.Geometry.SampleRateHz;
                Assert.Subset(m.FusedBeatSamples.ToHashSet(), m.BeatSamples.ToHashSet());
                Assert.Equal(m.FusedBeatSamples.Order(), m.FusedBeatSamples);
                var extra = m.FusedBeatSamples.Except(m.BeatSamples).ToList();
                foreach (int b in extra)
                {
                    int i = m.FusedBeatSamples.ToList().IndexOf(b);
                    Assert.InRange(i, 1, m.FusedBeatSamples.Count - 2);   // never at the window's edges
                    Assert.True(b - m.FusedBeatSamples[i - 1] >= 0.2 * fs && m.FusedBeatSamples[i + 1] - b >= 0.2 * fs);
                }
                added += extra.Count;
                Assert.Equal(WindowMeasurer.HeartRateBpm(m.FusedBeatSamples, fs), m.HeartRateBpm);
                window.ReleaseSignal();
            }
        }
        Assert.True(added > 0, "201 and 203 have ventricular beats that one lead misses");
    }
}
