using CGDmer.Evaluation.Ec57;
using CGDmer.Signal.Wfdb;
using static CGDmer.Evaluation.Tests.Ec57.Ec57TestData;

namespace CGDmer.Evaluation.Tests.Ec57;

public class EpisodeComparisonTests
{
    // At 1 Hz, samples are seconds.
    private static readonly Episode[] Reference = [new(100, 200), new(300, 400), new(600, 700)];
    private static readonly Episode[] Test = [new(150, 350), new(500, 550), new(690, 800)];

    [Fact]
    public void Hand_made_intervals_give_the_four_statistics()
    {
        var r = EpisodeComparison.Compare("x", "(AFIB", Reference, Test, 1, 1000, new Ec57Options { LearningPeriodSeconds = 0 });
        Assert.Equal((3, 3, 3, 2), (r.ReferenceEpisodes, r.ReferenceEpisodesDetected, r.TestEpisodes, r.TestEpisodesTrue));
        Assert.Equal((300.0, 360.0, 110.0), (r.ReferenceSeconds, r.TestSeconds, r.OverlapSeconds));
        Assert.Equal(1.0, r.EpisodeSensitivity);
        Assert.Equal(2.0 / 3, r.EpisodePositivePredictivity!.Value, 12);
        Assert.Equal(110.0 / 300, r.DurationSensitivity!.Value, 12);
        Assert.Equal(110.0 / 360, r.DurationPositivePredictivity!.Value, 12);
    }

    [Fact]
    public void Episodes_are_clipped_to_the_test_period()
    {
        var r = EpisodeComparison.Compare("x", "(AFIB", Reference, Test, 1, 1000, new Ec57Options { LearningPeriodSeconds = 250, EndSeconds = 750 });
        // Reference [300,400) [600,700); test [250,350) [500,550) [690,750).
        Assert.Equal((2, 2, 3, 2), (r.ReferenceEpisodes, r.ReferenceEpisodesDetected, r.TestEpisodes, r.TestEpisodesTrue));
        Assert.Equal((200.0, 210.0, 60.0), (r.ReferenceSeconds, r.TestSeconds, r.OverlapSeconds));
    }

    [Fact]
    public void Touching_or_overlapping_test_episodes_are_one_and_empty_ones_none()
    {
        var r = EpisodeComparison.Compare("x", "(VT", [new Episode(0, 100)], [new(10, 20), new(20, 30), new(25, 40), new(60, 60), new(200, 210)], 1, 1000,
            new Ec57Options { LearningPeriodSeconds = 0 });
        Assert.Equal((1, 1, 2, 1), (r.ReferenceEpisodes, r.ReferenceEpisodesDetected, r.TestEpisodes, r.TestEpisodesTrue));
        Assert.Equal((100.0, 40.0, 30.0), (r.ReferenceSeconds, r.TestSeconds, r.OverlapSeconds));
    }

    [Fact]
    public void No_episodes_leave_the_statistics_undefined()
    {
        var r = EpisodeComparison.Compare("x", "(VT", [], [], 360, 650_000);
        Assert.Null(r.EpisodeSensitivity);
        Assert.Null(r.EpisodePositivePredictivity);
        Assert.Null(r.DurationSensitivity);
        Assert.Null(r.DurationPositivePredictivity);
        var missed = EpisodeComparison.Compare("x", "(VT", Reference, [], 1, 1000, new Ec57Options { LearningPeriodSeconds = 0 });
        Assert.Equal(0.0, missed.EpisodeSensitivity);
        Assert.Null(missed.EpisodePositivePredictivity);
    }

    [Fact]
    public void An_episode_ending_before_it_starts_is_refused_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => EpisodeComparison.Compare("x", "(VT", Reference, [new(1, 2), new(50, 40)], 1, 1000));
        Assert.Contains("test episode 1", e.Message);
    }

    [Fact]
    public void Record_201_af_episodes_against_themselves_are_100_percent()
    {
        var atr = AnnotationReader.Read(Record201 + ".atr");
        var af = EpisodeComparison.ReferenceEpisodes(atr, "(AFIB", 650_000);
        Assert.NotEmpty(af);
        var r = EpisodeComparison.Compare("201", "(AFIB", atr, af, Fs, 650_000);
        Assert.Equal(r.ReferenceEpisodes, r.TestEpisodes);
        Assert.Equal(1.0, r.EpisodeSensitivity);
        Assert.Equal(1.0, r.EpisodePositivePredictivity);
        Assert.Equal(1.0, r.DurationSensitivity);
        Assert.Equal(1.0, r.DurationPositivePredictivity);
        // 201 has no VT: nothing to find, nothing reported.
        Assert.Null(EpisodeComparison.Compare("201", "(VT", atr, [], Fs, 650_000).EpisodeSensitivity);
    }

    [Fact]
    public void Alert_times_become_episodes_on_the_record_clock()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);
        Assert.Equal(new Episode(3600, 7200), Episode.FromTimes(t0.AddSeconds(10), t0.AddSeconds(20), t0, Fs));
    }

    [Fact]
    public void Gross_sums_and_average_means_the_defined_records()
    {
        var a = new EpisodeResult("a", "(AFIB", 2, 1, 2, 2, 100, 50, 50);
        var b = new EpisodeResult("b", "(AFIB", 0, 0, 1, 0, 0, 10, 0);
        var s = EpisodeSummary.Of("(AFIB", [a, b]);
        Assert.Equal(new EpisodeResult("Gross", "(AFIB", 2, 1, 3, 2, 100, 60, 50), s.Gross);
        Assert.Equal(0.5, s.Average.EpisodeSensitivity);
        Assert.Equal(0.5, s.Average.EpisodePositivePredictivity);
        Assert.Equal(0.5, s.Average.DurationSensitivity);
        Assert.Equal(0.5, s.Average.DurationPositivePredictivity);
        Assert.Throws<ArgumentException>(() => EpisodeSummary.Of("(VT", [a]));
    }
}
