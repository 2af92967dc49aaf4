using System.Text;
using CGDmer.Evaluation.Ec57;
using CGDmer.Signal.Dsp;
using Xunit.Abstractions;
using static CGDmer.Evaluation.Tests.Ec57.Ec57TestData;

namespace CGDmer.Evaluation.Tests.Ec57;

public class DetectorScoringTests(ITestOutputHelper output)
{
    /// <summary>The project's offline detector on the first lead it is given.</summary>
    private static readonly BeatDetector Offline = (leads, fs) => QrsDetector.Detect(leads[0], fs);

    [Fact]
    public void The_annotated_beats_as_a_detector_score_100_percent_on_201()
    {
        var beats = CGDmer.Signal.Wfdb.AnnotationReader.Beats(CGDmer.Signal.Wfdb.AnnotationReader.Read(Record201 + ".atr"))
            .Select(a => (int)a.Sample).ToArray();
        var score = DetectorScoring.Score(Record201, (_, _) => beats);
        Assert.Equal(1.0, score.Beats.Qrs.Sensitivity);
        Assert.Equal(1.0, score.Beats.Qrs.PositivePredictivity);
        Assert.Equal(0.0, score.HeartRate.RmsErrorPerMinute);
        Assert.Null(score.Beats.Veb);
    }

    [Fact]
    public void The_offline_detector_on_201_lead_0()
    {
        var score = DetectorScoring.Score(Record201, Offline);
        output.WriteLine(Ec57Summary.Format(Ec57Report.Create(null, [score.Beats], [score.HeartRate])));
        Assert.True(score.Beats.Qrs.Sensitivity > 0.9, score.Beats.ToString());
    }

    [Fact]
    public void Both_leads_reach_the_detector_and_bad_leads_are_refused()
    {
        int seen = 0;
        DetectorScoring.Score(Record201, (leads, fs) => { seen = leads.Count; Assert.Equal(360, fs); return []; }, leads: [0, 1]);
        Assert.Equal(2, seen);
        var e = Assert.Throws<ArgumentException>(() => DetectorScoring.Score(Record201, Offline, leads: [2]));
        Assert.Contains("lead 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => DetectorScoring.Score(Record201, (_, _) => [700_000]));
        Assert.Contains("sample 700000", e.Message);
    }

    /// <summary>
    /// Opt-in: the offline detector on lead 0 of every MIT-BIH DS1 record in ../shared/data/mitbih-ds1, printed the way
    /// bxb prints it. Only a loose bound is asserted; the figures are for reading.
    /// </summary>
    [Fact]
    public void Offline_detector_on_mitbih_ds1_when_present()
    {
        if (SharedMitBihDs1 is not { } dir)
        {
            output.WriteLine("Skipped: ../shared/data/mitbih-ds1 not present.");
            return;
        }
        var scores = Directory.EnumerateFiles(dir, "*.atr").Order()
            .Select(atr => DetectorScoring.Score(atr[..^4], Offline))
            .ToList();
        var report = Ec57Report.Create(null, scores.Select(s => s.Beats), scores.Select(s => s.HeartRate));
        output.WriteLine($"QrsDetector.Detect, lead 0, {scores.Count} records of {dir}");
        output.WriteLine(Ec57Summary.Format(report));
        var gross = report.Beats!.Gross.Qrs;
        output.WriteLine($"Gross: Se {gross.Sensitivity:P2}, +P {gross.PositivePredictivity:P2}");
        Assert.Equal(22, scores.Count);
        Assert.True(gross.Sensitivity > 0.9, $"gross Se {gross.Sensitivity:P2}");
    }
}
