using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Windowing;
using static CGDmer.Pipeline.Tests.Interpretation.Fx;

namespace CGDmer.Pipeline.Tests.Interpretation;

/// <summary>The heart-rate meter's alarms: the rate shown at a window's end against its limits, and asystole.</summary>
public class HeartRateAlarmTests
{
    private static List<AlertEvent> Rates(AlertTracker tracker, params double?[] rates)
    {
        var windows = rates.Select((r, i) => Window(i, Normal(), rateAtEnd: r, sinceLastBeat: r is null ? 5 : 0.5));
        return Run(tracker, windows);
    }

    [Fact]
    public void A_rate_above_the_high_limit_alarms_in_the_first_window_and_ends_after_two_windows_clearly_below()
    {
        var events = Rates(Tracker(), 80, 150, 150, 118, 90, 90, 90);
        Assert.Equal(["onset", "end"], events.Select(e => e.Event));
        var onset = events[0];
        Assert.Equal(("heart_rate", "heart_rate_high", "medium"), (onset.Kind, onset.Code, onset.Priority));
        Assert.Equal(("3424008", "Heart rate high", 150.0), (onset.SnomedCt, onset.Display, onset.HeartRateBpm));
        Assert.Null(onset.Probability);
        Assert.Null(onset.ModelVersion);
        Assert.Null(onset.Leads);
        Assert.Equal(T0 + Hop, onset.Onset);
        Assert.Equal(T0 + 2 * Hop, onset.ObservedAt);
        // 118 lies within the 5 /min hysteresis band under 120: it neither ends nor counts toward the end.
        Assert.Equal(T0 + 4 * Hop, events[1].End);
        Assert.Equal(90.0, events[1].HeartRateBpm);
    }

    [Fact]
    public void A_rate_below_the_low_limit_raises_heart_rate_low_and_a_blanked_rate_holds_it()
    {
        var events = Rates(Tracker(), 70, 42, null, 44, 60, 60);
        Assert.Equal([("heart_rate_low", "onset"), ("heart_rate_low", "end")], events.Where(e => e.Code == "heart_rate_low").Select(e => (e.Code, e.Event)));
        Assert.Equal(T0 + 4 * Hop, events.Single(e => e is { Code: "heart_rate_low", Event: "end" }).End);
    }

    [Fact]
    public void Asystole_is_a_high_priority_alarm_after_the_configured_silence_and_its_rate_is_blanked()
    {
        var tracker = Tracker();
        var windows = new[]
        {
            Window(0, Normal(), rateAtEnd: 70, sinceLastBeat: 0.7),
            Window(1, Normal(), rateAtEnd: null, sinceLastBeat: 4.2),
            Window(2, Normal(), rateAtEnd: 70, sinceLastBeat: 0.3),
            Window(3, Normal(), rateAtEnd: 70, sinceLastBeat: 0.3),
        };
        var events = Run(tracker, windows);
        Assert.Equal([("asystole", "onset"), ("asystole", "end")], events.Select(e => (e.Code, e.Event)));
        Assert.Equal(("high", "397829000", (double?)null), (events[0].Priority, events[0].SnomedCt, events[0].HeartRateBpm));
        Assert.Equal(T0 + 2 * Hop, events[1].End);
    }

    [Fact]
    public void A_flat_line_with_the_leads_attached_is_asystole_not_poor_signal_and_withholds_the_findings()
    {
        var tracker = Tracker();
        var windows = Enumerable.Range(0, 4).Select(i => Window(i, Normal(), sqi: 0, flat: true)).ToList();
        var events = Run(tracker, windows);
        Assert.Equal([("asystole", "onset")], events.Select(e => (e.Code, e.Event)));
        Assert.Equal(ClinicalEvidence.PoorSignal, tracker.Interpreter.Assess(windows[0]).Evidence);

        // With the asystole alarm off, a flat line is what it was before: poor signal.
        var off = Tracker(Options(o => o.HeartRateAlarms[AlertVocabulary.Asystole] = "off"));
        Assert.Equal([("poor_signal", "onset")], Run(off, windows).Select(e => (e.Code, e.Event)));
    }

    [Fact]
    public void Untrusted_beats_hold_the_heart_rate_alarms_and_a_failed_inference_does_not()
    {
        // Poor quality, detectors that disagree, and activity in the silence: noise, not a rate and not asystole.
        var poor = Run(Tracker(), [Window(0, Normal(), sqi: 0.2, rateAtEnd: 200, sinceLastBeat: 6, quiet: 0.5, beatAgreement: 0.4)]);
        Assert.DoesNotContain(poor, e => e.Kind == "heart_rate");

        var failed = Run(Tracker(), [Window(0, null, failure: "x", rateAtEnd: 200, sinceLastBeat: 0.3)]);
        Assert.Equal([("heart_rate_high", "onset")], failed.Select(e => (e.Code, e.Event)));
    }

    [Fact]
    public void Wide_fast_complexes_that_score_poor_still_alarm_when_the_detectors_agree_on_their_beats()
    {
        // Ventricular tachycardia: kurtosis and spectrum make the quality index poor, the two detectors agree.
        var events = Run(Tracker(), [Window(0, Normal(), sqi: 0.13, rateAtEnd: 206, sinceLastBeat: 0.2, beatAgreement: 0.95)]);
        Assert.Contains(events, e => e is { Code: "heart_rate_high", Event: "onset", HeartRateBpm: 206.0 });
    }

    [Fact]
    public void Asystole_needs_quiet_leads_as_well_as_no_beats()
    {
        // No beat for 6 s but the leads moved 1 s ago (noise or a low QRS the detector missed): no alarm, held.
        Assert.DoesNotContain(Run(Tracker(), [Window(0, Normal(), rateAtEnd: null, sinceLastBeat: 6, quiet: 1)]), e => e.Code == "asystole");
        // The same silence with quiet leads, even with a poor quality index (a silent stretch scores as a railed lead).
        var events = Run(Tracker(), [Window(0, Normal(), sqi: 0, rateAtEnd: null, sinceLastBeat: 6, quiet: 6)]);
        Assert.Equal([("asystole", "onset")], events.Select(e => (e.Code, e.Event)));
    }

    [Fact]
    public void Limits_onset_persistence_and_priorities_are_options()
    {
        var strict = Tracker(Options(o =>
        {
            o.HeartRateHighAboveBpm = 140;
            o.HeartRateAlarmOnsetWindows = 2;
            o.HeartRateAlarms[AlertVocabulary.HeartRateHigh] = "high";
        }));
        var events = Rates(strict, 150, 130, 150, 150);
        var onset = Assert.Single(events);
        Assert.Equal(("heart_rate_high", "high", T0 + 2 * Hop), (onset.Code, onset.Priority, onset.Onset));

        var off = Tracker(Options(o => o.HeartRateAlarms[AlertVocabulary.HeartRateHigh] = "off"));
        Assert.Empty(Rates(off, 150, 150, 150));
    }

    [Fact]
    public void An_active_asystole_alarm_survives_a_restart_from_its_checkpoint()
    {
        var store = new AlertCheckpointStore();
        var first = new AlertTracker(new Interpreter(Metadata(), Options()), store);
        var silent = Window(0, Normal(), rateAtEnd: null, sinceLastBeat: 6);
        first.Track(silent, first.Interpreter.Assess(silent), out var update);
        Assert.NotNull(update);
        store.Load([AlertCheckpointJson.Deserialize(AlertCheckpointJson.Serialize(update!))]);

        var second = new AlertTracker(new Interpreter(Metadata(), Options()), store);
        var events = Run(second, [Window(1, Normal(), rateAtEnd: 70, sinceLastBeat: 0.5), Window(2, Normal(), rateAtEnd: 70, sinceLastBeat: 0.5)]);
        var end = Assert.Single(events);
        Assert.Equal(("asystole", "end", T0 + Hop), (end.Code, end.Event, end.End));
    }

    [Theory]
    [InlineData("HeartRateAlarms", "unknown code")]
    [InlineData("HeartRateAlarms", "bad priority")]
    [InlineData("HeartRateHighAboveBpm", "below low + 2 × hysteresis")]
    [InlineData("HeartRateLowBelowBpm", "zero")]
    [InlineData("AsystoleAfterSeconds", "too long")]
    [InlineData("HeartRateAlarmOnsetWindows", "zero")]
    [InlineData("HeartRateAlarmEndWindows", "zero")]
    public void Invalid_heart_rate_alarm_options_are_refused_with_their_name(string option, string what)
    {
        var o = new InterpretationOptions();
        switch (option, what)
        {
            case ("HeartRateAlarms", "unknown code"): o.HeartRateAlarms["heart_rate_extreme"] = "high"; break;
            case ("HeartRateAlarms", _): o.HeartRateAlarms[AlertVocabulary.Asystole] = "urgent"; break;
            case ("HeartRateHighAboveBpm", _): o.HeartRateHighAboveBpm = 55; break;
            case ("HeartRateLowBelowBpm", _): o.HeartRateLowBelowBpm = 0; break;
            case ("AsystoleAfterSeconds", _): o.AsystoleAfterSeconds = 12; break;
            case ("HeartRateAlarmOnsetWindows", _): o.HeartRateAlarmOnsetWindows = 0; break;
            default: o.HeartRateAlarmEndWindows = 0; break;
        }
        var e = Assert.Throws<ArgumentException>(() => o.Validate());
        Assert.Equal(option, e.ParamName);
    }
}
