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
                line.Append(" || ").Append(string.Join(',', m.BeatSamples)).Append(' ').Append(m.HeartRateBpm?.ToString("R")).Append(' ')
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
}
