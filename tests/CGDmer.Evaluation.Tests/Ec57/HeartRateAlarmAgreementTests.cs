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
}
