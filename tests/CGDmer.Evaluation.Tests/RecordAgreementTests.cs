namespace CGDmer.Evaluation.Tests;

public class RecordAgreementTests
{
    private static string Asset(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "assets", .. parts]);

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Reference_heart_rate_is_sixty_over_the_mean_annotated_rr()
    {
        // Record 201's annotations: check against a direct computation from the .atr beats.
        var reference = RecordReference.TryLoad(Asset("mitbih", "201"), 360, 650000, T0)!;
        Assert.NotNull(reference);
        var beats = CGDmer.Signal.Wfdb.AnnotationReader.Beats(CGDmer.Signal.Wfdb.AnnotationReader.Read(Asset("mitbih", "201") + ".atr"))
            .Select(b => b.Sample).Where(s => s >= 3600 && s < 7200).ToList();
        double expected = 60.0 / ((beats[^1] - beats[0]) / 360.0 / (beats.Count - 1));
        Assert.Equal(expected, reference.HeartRate(T0.AddSeconds(10), T0.AddSeconds(20))!.Value, 3);
        Assert.Null(reference.HeartRate(T0.AddSeconds(10), T0.AddSeconds(10.1)));
    }

    [Fact]
    public void Alert_time_inside_and_outside_annotated_af_is_split_exactly()
    {
        var reference = RecordReference.TryLoad(Asset("mitbih", "201"), 360, 650000, T0)!;
        var (afStart, afEnd) = reference.AfEpisodes[0];
        var alerts = new List<(DateTimeOffset, DateTimeOffset)> { (afStart.AddSeconds(-20), afStart.AddSeconds(30)) };
        var a = RecordAgreement.Compute(reference, [], alerts);
        Assert.Equal(Math.Min(30, (afEnd - afStart).TotalSeconds), a.AfAlertedSecondsInAf, 6);
        Assert.Equal(20 + Math.Max(0, 30 - (afEnd - afStart).TotalSeconds), a.AfAlertSecondsOutsideAf, 6);
        Assert.Equal(1, a.AfAlertOnsets);
        Assert.Equal(0, a.AfAlertOnsetsOutsideAf);
        Assert.Null(a.HeartRateMeanAbsError);
    }

    [Fact]
    public void Time_to_alarm_runs_from_each_annotated_onset_to_when_its_alert_was_raised()
    {
        var reference = RecordReference.TryLoad(Asset("mitbih", "201"), 360, 650000, T0)!;
        Assert.True(reference.AfEpisodes.Count >= 2);
        var (first, firstEnd) = reference.AfEpisodes[0];
        // One alert over the first episode, raised 12 s after its onset (its clinical onset is the window's start, earlier).
        var alerts = new List<(DateTimeOffset, DateTimeOffset)> { (first.AddSeconds(-3), firstEnd) };
        var a = RecordAgreement.Compute(reference, [], alerts, [first.AddSeconds(12)]);
        Assert.Equal([12.0], a.AfTimesToAlarmSeconds);
        Assert.Equal(reference.AfEpisodes.Count - 1, a.AfEpisodesMissed);
        // Without raise times there is no delay to report, only the misses.
        var b = RecordAgreement.Compute(reference, [], alerts);
        Assert.Empty(b.AfTimesToAlarmSeconds);
        Assert.Equal(reference.AfEpisodes.Count - 1, b.AfEpisodesMissed);
    }

    [Fact]
    public void An_atr_with_rhythms_but_no_beats_is_a_rhythm_reference_only()
    {
        // As the MIT-BIH AF Database's .atr files: 201's rhythm annotations without its beats.
        var dir = Directory.CreateTempSubdirectory("cgdmer-rhythm-").FullName;
        try
        {
            var all = CGDmer.Signal.Wfdb.AnnotationReader.Read(Asset("mitbih", "201") + ".atr");
            CGDmer.Signal.Wfdb.AnnotationWriter.Write(Path.Combine(dir, "201.atr"), all.Where(x => x.Rhythm is not null));
            var full = RecordReference.TryLoad(Asset("mitbih", "201"), 360, 650000, T0)!;
            var rhythms = RecordReference.TryLoad(Path.Combine(dir, "201"), 360, 650000, T0)!;
            Assert.False(rhythms.HasBeats);
            Assert.True(full.HasBeats);
            Assert.Equal(full.AfEpisodes, rhythms.AfEpisodes);
            Assert.Null(rhythms.HeartRate(T0.AddSeconds(10), T0.AddSeconds(20)));

            // The AF figures are compared; the service's beats and rates are not (no false positives, no +P of 0).
            var (afStart, afEnd) = rhythms.AfEpisodes[0];
            var beats = (Ticks: (IReadOnlyList<long>)[T0.AddSeconds(1).UtcTicks, T0.AddSeconds(2).UtcTicks], From: T0, To: T0.AddSeconds(60));
            var a = RecordAgreement.Compute(rhythms, [(T0, T0.AddSeconds(10), 80.0)], [(afStart, afEnd)], null, beats);
            Assert.Equal((afEnd - afStart).TotalSeconds, a.AfAlertedSecondsInAf, 6);
            Assert.Equal((0, 0, 0), (a.QrsReferenceBeats, a.QrsMatched, a.QrsDetected));
            Assert.Null(a.QrsPositivePredictivity);
            Assert.Equal(0, a.HeartRateWindows);
            Assert.Equal(0, rhythms.Until(T0.AddMinutes(1)).BeatCount);
            Assert.False(rhythms.Until(T0.AddMinutes(1)).HasBeats);

            // A file with neither beats nor rhythms is still an error that names it.
            CGDmer.Signal.Wfdb.AnnotationWriter.Write(Path.Combine(dir, "empty.atr"), all.Where(x => !x.IsBeat && x.Rhythm is null).Take(1));
            var e = Assert.Throws<InvalidDataException>(() => RecordReference.TryLoad(Path.Combine(dir, "empty"), 360, 650000, T0));
            Assert.Contains("no beat or rhythm annotations", e.Message);
            Assert.Contains("empty.atr", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_record_without_annotations_has_no_reference()
    {
        Assert.Null(RecordReference.TryLoad("/nonexistent/record", 360, 1000, T0));
    }

    [Fact]
    public void Beats_match_the_reference_one_to_one_within_the_tolerance()
    {
        var reference = RecordReference.TryLoad(Asset("mitbih", "201"), 360, 650000, T0)!;
        var beats = CGDmer.Signal.Wfdb.AnnotationReader.Beats(CGDmer.Signal.Wfdb.AnnotationReader.Read(Asset("mitbih", "201") + ".atr"))
            .Select(b => b.Sample).Where(s => s < 360 * 60).Select(s => T0.UtcTicks + s * TimeSpan.TicksPerSecond / 360).ToList();
        var tolerance = TimeSpan.FromMilliseconds(150);
        var span = (T0, T0.AddSeconds(60));
        // The reference itself, shifted by 100 ms: every beat matched.
        var shifted = beats.Select(t => t + TimeSpan.FromMilliseconds(100).Ticks).ToList();
        Assert.Equal((beats.Count, beats.Count, beats.Count), reference.MatchBeats(shifted, span.Item1, span.Item2, tolerance));
        // Beyond the tolerance nothing matches; a doubled detection matches once; a dropped beat is missed.
        var late = beats.Select(t => t + TimeSpan.FromMilliseconds(200).Ticks).Where(t => t < span.Item2.UtcTicks).ToList();
        Assert.Equal(0, reference.MatchBeats(late, span.Item1, span.Item2, tolerance).Matched);
        var doubled = beats.SelectMany(t => new[] { t, t + TimeSpan.FromMilliseconds(20).Ticks }).ToList();
        Assert.Equal((beats.Count, beats.Count, 2 * beats.Count), reference.MatchBeats(doubled, span.Item1, span.Item2, tolerance));
        Assert.Equal((beats.Count - 1, beats.Count, beats.Count - 1), reference.MatchBeats(beats.Skip(1).ToList(), span.Item1, span.Item2, tolerance));
    }
}
