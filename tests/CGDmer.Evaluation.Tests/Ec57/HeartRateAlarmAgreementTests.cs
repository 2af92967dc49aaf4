using CGDmer.Evaluation.Ec57;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Evaluation.Tests.Ec57;

public class HeartRateAlarmAgreementTests
{
    private const double Fs = 100;
    private static readonly HeartRateAlarmLimits Limits = new(120, 50, 5, 4);

    /// <summary>Normal beats every <paramref name="rrSeconds"/> from 1 s to <paramref name="until"/> s.</summary>
    private static List<Annotation> Beats(double rrSeconds, double from, double until) =>
        Enumerable.Range(0, (int)((until - from) / rrSeconds)).Select(i => new Annotation((long)Math.Round((from + i * rrSeconds) * Fs), "N", AnnotationCodes.Normal, 0, 0, 0, null)).ToList();

    [Fact]
    public void An_onset_is_confirmed_when_the_reference_rate_meets_the_condition_within_the_hysteresis()
    {
        // 150 /min for a minute, then 72 /min, then silence from 120 s.
        var reference = Beats(0.4, 1, 60).Concat(Beats(60.0 / 72, 60, 120)).ToList();
        long S(double seconds) => (long)(seconds * Fs);
        var high = HeartRateAlarmAgreement.Compare("r", "heart_rate_high", reference, [S(30), S(100)], Fs, S(200), Limits);
        Assert.Equal((2, 1), (high.Onsets, high.Confirmed));
        var low = HeartRateAlarmAgreement.Compare("r", "heart_rate_low", reference, [S(100), S(125)], Fs, S(200), Limits);
        Assert.Equal((2, 1), (low.Onsets, low.Confirmed));           // at 125 s the reference rate is blanked: a low rate
        var asystole = HeartRateAlarmAgreement.Compare("r", "asystole", reference, [S(119.5), S(125)], Fs, S(200), Limits);
        Assert.Equal((2, 1), (asystole.Onsets, asystole.Confirmed));
        Assert.Equal(1 / (200 / 3600.0), asystole.UnconfirmedPerHour, 9);
        var gross = HeartRateAlarmResult.Gross("asystole", [asystole, asystole]);
        Assert.Equal((4, 2, 0.5), (gross.Onsets, gross.Confirmed, gross.PositivePredictivity!.Value));
    }

    [Fact]
    public void Ventricular_flutter_confirms_a_high_rate_alarm_is_no_asystole_and_is_a_high_rate_episode()
    {
        long S(double seconds) => (long)(seconds * Fs);
        Annotation Rhythm(double at, string aux) => new(S(at), "+", AnnotationCodes.Rhythm, 0, 0, 0, aux);
        // 75 /min, 20 s of ventricular flutter (no beat annotations), 75 /min again, then a pause to 86 s.
        var reference = new List<Annotation> { Rhythm(0.5, "(N") };
        reference.AddRange(Beats(0.8, 1, 40));
        reference.Add(Rhythm(40.5, "(VFL"));
        reference.Add(Rhythm(60.5, "(N"));
        reference.AddRange(Beats(0.8, 61, 80));
        reference.AddRange(Beats(0.8, 86, 120));
        reference.Sort((a, b) => a.Sample.CompareTo(b.Sample));
        var high = HeartRateAlarmAgreement.Compare("r", "heart_rate_high", reference, [S(50), S(65), S(100)], Fs, S(120), Limits);
        Assert.Equal((3, 2), (high.Onsets, high.Confirmed));   // in flutter, within 10 s after it, not at 100 s
        var asystole = HeartRateAlarmAgreement.ReferenceEpisodes("asystole", reference, Fs, S(120), Limits);
        var pause = Assert.Single(asystole);                     // the 7.4 s pause after the last beat at 78.6 s, not the flutter
        Assert.Equal((7860L, S(86)), (pause.Start, pause.End));
        var episodes = HeartRateAlarmAgreement.ReferenceEpisodes("heart_rate_high", reference, Fs, S(120), Limits);
        Assert.Equal([new Episode(S(40.5), S(60.5))], episodes);
        Assert.Empty(HeartRateAlarmAgreement.ReferenceEpisodes("heart_rate_low", reference, Fs, S(120), Limits));
    }
}
