using System.Globalization;
using System.Text;

namespace CGDmer.Evaluation.Ec57;

/// <summary>
/// Plain-text, fixed-width tables of an <see cref="Ec57Report"/> in the manner of bxb's line format: one row per record,
/// then a gross and an average row. Percentages have two decimals; an undefined statistic prints as "-".
/// </summary>
public static class Ec57Summary
{
    public static string Format(Ec57Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        var o = report.Options;
        if (report.Beats is { } beats)
        {
            sb.AppendLine(Invariant($"Beat-by-beat comparison (match window {o.MatchWindowSeconds * 1000:0.#} ms, learning period {o.LearningPeriodSeconds:0.#} s)"));
            Format(sb, beats);
            sb.AppendLine();
        }
        if (report.HeartRate is { } hr)
        {
            sb.AppendLine(Invariant($"Heart rate comparison (every {o.HeartRateStepSeconds:0.###} s over {o.HeartRateWindowSeconds:0.###} s of beats; errors per minute)"));
            Format(sb, hr);
            sb.AppendLine();
        }
        foreach (var episodes in report.Episodes)
        {
            sb.AppendLine($"Episode comparison {episodes.Rhythm}");
            Format(sb, episodes);
            sb.AppendLine();
        }
        return sb.ToString();
    }

    public static void Format(StringBuilder sb, BeatByBeatSummary summary)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(summary);
        sb.AppendLine(Invariant($"{"Record",-8}{"Beats",8} {"TP",8}{"FN",8}{"FP",8} {"QRS Se",7} {"QRS +P",7} {"VEB Se",7} {"VEB +P",7}"));
        foreach (var r in summary.Records.Append(summary.Gross)) sb.AppendLine(Row(r));
        var a = summary.Average;
        sb.AppendLine(Invariant($"{"Average",-8}{"",33} {Pct(a.QrsSensitivity)} {Pct(a.QrsPositivePredictivity)} {Pct(a.VebSensitivity)} {Pct(a.VebPositivePredictivity)}"));

        static string Row(BeatByBeatResult r) => Invariant(
            $"{Name(r.Record),-8}{r.ReferenceBeats,8} {r.Qrs.TruePositives,8}{r.Qrs.FalseNegatives,8}{r.Qrs.FalsePositives,8} {Pct(r.Qrs.Sensitivity)} {Pct(r.Qrs.PositivePredictivity)} {Pct(r.Veb?.Sensitivity)} {Pct(r.Veb?.PositivePredictivity)}");
    }

    public static void Format(StringBuilder sb, HeartRateSummary summary)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(summary);
        sb.AppendLine(Invariant($"{"Record",-8}{"Steps",8} {"No test",8} {"No ref",8} {"Median |err|",13} {"RMS err",9}"));
        foreach (var r in summary.Records.Append(summary.Gross))
            sb.AppendLine(Invariant($"{Name(r.Record),-8}{r.Steps,8} {r.StepsWithoutTestRate,8} {r.StepsWithoutReferenceRate,8} {Num(r.MedianAbsoluteErrorPerMinute),13} {Num(r.RmsErrorPerMinute),9}"));
        sb.AppendLine(Invariant($"{"Average",-8}{"",26} {Num(summary.AverageMedianAbsoluteErrorPerMinute),13} {Num(summary.AverageRmsErrorPerMinute),9}"));
    }

    public static void Format(StringBuilder sb, EpisodeSummary summary)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(summary);
        sb.AppendLine(Invariant($"{"Record",-8}{"Ref",5}{"Det",5}{"Test",6}{"True",6} {"Ep Se",7} {"Ep +P",7} {"Dur Se",7} {"Dur +P",7} {"Ref s",8} {"Test s",8} {"Overlap s",10}"));
        foreach (var r in summary.Records.Append(summary.Gross))
            sb.AppendLine(Invariant(
                $"{Name(r.Record),-8}{r.ReferenceEpisodes,5}{r.ReferenceEpisodesDetected,5}{r.TestEpisodes,6}{r.TestEpisodesTrue,6} {Pct(r.EpisodeSensitivity)} {Pct(r.EpisodePositivePredictivity)} {Pct(r.DurationSensitivity)} {Pct(r.DurationPositivePredictivity)} {r.ReferenceSeconds,8:F0} {r.TestSeconds,8:F0} {r.OverlapSeconds,10:F0}"));
        var a = summary.Average;
        sb.AppendLine(Invariant($"{"Average",-8}{"",22} {Pct(a.EpisodeSensitivity)} {Pct(a.EpisodePositivePredictivity)} {Pct(a.DurationSensitivity)} {Pct(a.DurationPositivePredictivity)}"));
    }

    /// <summary>A fraction as a percentage in 7 characters, or "-".</summary>
    private static string Pct(double? fraction) => fraction is { } f ? Invariant($"{100 * f,7:F2}") : "      -";

    private static string Num(double? value) => value is { } v ? Invariant($"{v:F2}") : "-";

    /// <summary>Record names longer than the column are cut, so the columns stay aligned.</summary>
    private static string Name(string record) => record.Length <= 8 ? record : record[..8];

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
