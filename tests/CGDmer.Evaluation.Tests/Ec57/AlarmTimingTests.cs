using CGDmer.Evaluation.Ec57;

namespace CGDmer.Evaluation.Tests.Ec57;

public class AlarmTimingTests
{
    private const double Fs = 100;

    [Fact]
    public void The_delay_runs_from_the_episode_onset_to_when_the_alarm_was_raised()
    {
        var reference = new[] { new Episode(1000, 5000), new Episode(8000, 9000), new Episode(20000, 21000) };
        var alarms = new[]
        {
            (new Episode(900, 5200), 1800L),    // raised 8 s after the onset (its extent starts earlier)
            (new Episode(7000, 9500), 7500L),   // raised before the onset and still active: 0 s
        };
        var r = AlarmTiming.Compare("x", "(AFIB", reference, alarms, Fs);
        Assert.Equal((3, 2), (r.Episodes, r.Alarmed));
        Assert.Equal([8.0, 0.0], r.DelaysSeconds);
        Assert.Equal(4.0, r.MedianSeconds);
        Assert.Equal(8.0, r.WorstSeconds);
    }

    [Fact]
    public void No_alarm_means_no_delay_and_gross_pools_the_records()
    {
        var none = AlarmTiming.Compare("a", "(VT", [new Episode(0, 100)], [], Fs);
        Assert.Equal((1, 0), (none.Episodes, none.Alarmed));
        Assert.Null(none.MedianSeconds);
        var some = AlarmTiming.Compare("b", "(VT", [new Episode(0, 100)], [(new Episode(50, 150), 300L)], Fs);
        var gross = AlarmTimingResult.Gross("(VT", [none, some]);
        Assert.Equal((2, 1), (gross.Episodes, gross.Alarmed));
        Assert.Equal(3.0, gross.WorstSeconds);
    }
}
