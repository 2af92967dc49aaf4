using CGDmer.Evaluation;
using CGDmer.Pipeline.Measurement;
using Xunit.Abstractions;
using static CGDmer.TestSupport.MeasurementTestData;

namespace CGDmer.Evaluation.Tests;

/// <summary>
/// The measure stage on the two MIT-BIH records in the repository (201, 203: both with AF), in 10 s windows built like
/// the window stage builds them, against the reference annotations. Bounds are the achieved figures plus a small margin.
/// </summary>
public class MitBihMeasurementTests(ITestOutputHelper output)
{
    private static readonly Lazy<List<WindowEvaluation>> Evaluated = new(() =>
    {
        var measurer = new WindowMeasurer();
        var all = new List<WindowEvaluation>();
        foreach (var record in new[] { "201", "203" })
            all.AddRange(MitBihEvaluation.EvaluateRecord(Path.Combine(MitBihFolder, record), measurer));
        return all;
    });

    [Fact]
    public void Heart_rate_matches_the_annotated_beats()
    {
        var windows = Evaluated.Value;
        var summary = MitBihEvaluation.Summarize(windows);
        output.WriteLine(summary.ToString());
        Assert.Equal(360, summary.Windows); // 2 × 30 min in 10 s windows
        // Achieved: median 0.05 bpm, mean 1.7 bpm, 90th percentile 6.4 bpm (one missed or extra beat in a fast AF window).
        Assert.True(summary.MedianAbsoluteErrorBpm <= 0.5, $"median |error| {summary.MedianAbsoluteErrorBpm:F2} bpm");
        Assert.True(summary.MeanAbsoluteErrorBpm <= 2.5, $"mean |error| {summary.MeanAbsoluteErrorBpm:F2} bpm");
        Assert.True(summary.Percentile90AbsoluteErrorBpm <= 8, $"p90 |error| {summary.Percentile90AbsoluteErrorBpm:F2} bpm");
        Assert.Equal(0, summary.WindowsMissingRate);
        Assert.All(windows, w => Assert.InRange(w.Measurement.SignalQuality, 0, 1));
    }

    [Fact]
    public void Rr_irregularity_separates_atrial_fibrillation()
    {
        var summary = MitBihEvaluation.Summarize(Evaluated.Value);
        output.WriteLine(summary.ToString());
        Assert.True(summary.AfWindows >= 150 && summary.NonAfWindows >= 100, $"{summary.AfWindows} AF, {summary.NonAfWindows} non-AF windows");
        // The only non-AF windows here are 201's: sinus with frequent ectopy, trigeminy, junctional and SVTA runs, which
        // is irregular itself (even the annotated beats give AUROC 0.59 there). Achieved 0.62; over the 22 DS1 records,
        // where non-AF windows come from every record, the same index reaches 0.95 (see the measure stage's report).
        Assert.True(summary.IrregularityAuroc >= 0.58, $"AUROC {summary.IrregularityAuroc:F3}");
        Assert.True(summary.AfIrregularityMedian > summary.NonAfIrregularityMedian);
    }

    [Fact]
    public void Auroc_is_the_Mann_Whitney_statistic()
    {
        Assert.Equal(1.0, MitBihEvaluation.Auroc([3, 4], [1, 2]));
        Assert.Equal(0.0, MitBihEvaluation.Auroc([1], [2, 3]));
        Assert.Equal(0.5, MitBihEvaluation.Auroc([1, 2], [1, 2]));
        Assert.True(double.IsNaN(MitBihEvaluation.Auroc([], [1])));
    }
}
