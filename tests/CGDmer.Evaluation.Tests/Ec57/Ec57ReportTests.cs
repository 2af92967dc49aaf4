using CGDmer.Evaluation.Ec57;
using Xunit.Abstractions;

namespace CGDmer.Evaluation.Tests.Ec57;

public class Ec57ReportTests(ITestOutputHelper output)
{
    private static Ec57Report Sample() => Ec57Report.Create(Ec57Options.Default,
        [new BeatByBeatResult("100", new(2000, 3, 4), new(30, 1, 0)), new BeatByBeatResult("a-long-record-name", new(0, 0, 5), null)],
        [HeartRateComparison.Compare("100", [0, 360, 720], [0, 360, 720], 360, 720, new Ec57Options { LearningPeriodSeconds = 0, HeartRateWindowSeconds = 2 })],
        [new EpisodeResult("100", "(AFIB", 2, 1, 3, 2, 100, 60, 50), new EpisodeResult("100", "(VT", 0, 0, 0, 0, 0, 0, 0)]);

    [Fact]
    public void The_summary_has_a_row_per_record_then_gross_and_average_in_fixed_columns()
    {
        var text = Ec57Summary.Format(Sample());
        output.WriteLine(text);
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int header = lines.FindIndex(l => l.StartsWith("Record", StringComparison.Ordinal) && l.Contains("QRS Se", StringComparison.Ordinal));
        Assert.True(header >= 0, text);
        var rows = lines.Skip(header).TakeWhile(l => l.Length > 0).ToList();
        Assert.Equal(5, rows.Count); // header, two records, gross, average
        Assert.All(rows, r => Assert.Equal(rows[0].Length, r.Length));
        Assert.StartsWith("100         2003     2000       3       4   99.85   99.80   96.77  100.00", rows[1], StringComparison.Ordinal);
        Assert.StartsWith("a-long-r", rows[2], StringComparison.Ordinal);
        Assert.Contains("      -", rows[2], StringComparison.Ordinal);
        Assert.StartsWith("Gross       2003     2000       3       9", rows[3], StringComparison.Ordinal);
        Assert.StartsWith("Average ", rows[4], StringComparison.Ordinal);
        Assert.Contains("Episode comparison (AFIB", text, StringComparison.Ordinal);
        Assert.Contains("Episode comparison (VT", text, StringComparison.Ordinal);
        Assert.Contains("Heart rate comparison", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_report_round_trips_through_json_with_undefined_statistics_as_null()
    {
        var report = Sample();
        var json = report.ToJson();
        output.WriteLine(json);
        Assert.Contains("\"sensitivity\": null", json, StringComparison.Ordinal); // a record without reference beats
        Assert.DoesNotContain("NaN", json, StringComparison.Ordinal);
        var back = Ec57Report.FromJson(json);
        Assert.Equal(report.Beats!.Records, back.Beats!.Records);
        Assert.Equal(report.Beats.Gross, back.Beats.Gross);
        Assert.Equal(report.Beats.Average, back.Beats.Average);
        Assert.Equal(report.Episodes.Select(e => e.Gross), back.Episodes.Select(e => e.Gross));
        Assert.Equal(report.HeartRate!.Records[0].Steps, back.HeartRate!.Records[0].Steps);
        Assert.Equal(report.Options, back.Options);
    }
}
