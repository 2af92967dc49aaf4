using CGDmer.Contracts;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using static CGDmer.Pipeline.Tests.Interpretation.Fx;

namespace CGDmer.Pipeline.Tests.Interpretation;

public class AlertTrackerTests
{
    private static string Obs(long index, string patient = "patient-1", string version = "0.1.0") =>
        ObservationIds.Derive(patient, ObservationIds.Findings, T0 + Hop * index, T0 + Hop * index + Hop, version);

    [Fact]
    public void One_window_above_threshold_does_not_alert()
    {
        var events = Run(Tracker(), Series(Af, [0.1f, 0.9f, 0.1f, 0.1f, 0.9f, 0.2f]));
        Assert.Empty(events);
    }

    [Fact]
    public void N_consecutive_windows_start_the_alert_at_the_first_windows_start()
    {
        var tracker = Tracker(Options(o => o.OnsetWindows = 3));
        var events = Run(tracker, Series(Af, [0.1f, 0.8f, 0.9f, 0.85f, 0.9f]));
        var onset = Assert.Single(events);
        Assert.Equal(AlertVocabulary.Onset, onset.Event);
        Assert.Equal(AlertVocabulary.Clinical, onset.Kind);
        Assert.Equal(Af, onset.Code);
        Assert.Equal(T0 + Hop, onset.Onset);
        Assert.Equal(T0 + Hop * 4, onset.ObservedAt);            // end of the third window of the run
        Assert.Equal(0.85, onset.Probability);
        Assert.Equal("49436004", onset.SnomedCt);
        Assert.Equal("Atrial fibrillation", onset.Display);
        Assert.Equal("medium", onset.Priority);
        Assert.Equal(("cgdmer-test", "0.1.0"), (onset.ModelName, onset.ModelVersion));
        Assert.Null(onset.Leads);
        Assert.Null(onset.End);
        Assert.Equal([Obs(1), Obs(2), Obs(3)], onset.ObservationIds);
        Assert.Equal(AlertIds.Derive("patient-1", "clinical", Af, T0 + Hop, "0.1.0"), onset.AlertId);
        Assert.Equal([Af], tracker.ActiveCodes("patient-1"));
    }

    [Fact]
    public void A_window_between_the_thresholds_breaks_a_pending_run()
    {
        // 0.45 is under the onset threshold 0.5 but above the end threshold 0.375: not "above", so no persistence.
        Assert.Empty(Run(Tracker(), Series(Af, [0.9f, 0.45f, 0.9f, 0.45f, 0.9f])));
    }

    [Fact]
    public void Dipping_between_end_and_onset_thresholds_keeps_the_alert_and_M_below_end_it()
    {
        var tracker = Tracker(Options(o => o.EndWindows = 3));
        //                                     0     1     2     3     4     5     6     7     8      9     10    11
        var events = Run(tracker, Series(Af, [0.9f, 0.9f, 0.4f, 0.4f, 0.4f, 0.1f, 0.1f, 0.8f, 0.1f, 0.2f, 0.3f, 0.9f]));
        Assert.Equal([AlertVocabulary.Onset, AlertVocabulary.End], events.Select(e => e.Event));
        var end = events[1];
        Assert.Equal(events[0].AlertId, end.AlertId);
        Assert.Equal(T0, end.Onset);
        Assert.Equal(T0 + Hop * 8, end.End);                      // start of the first window of the closing run
        Assert.Equal(T0 + Hop * 11, end.ObservedAt);
        Assert.Equal(0.3, end.Probability);
        Assert.Equal([Obs(10)], end.ObservationIds);
        Assert.Empty(tracker.ActiveCodes("patient-1"));
    }

    [Fact]
    public void Threshold_overrides_and_end_ratio_apply()
    {
        var tracker = Tracker(Options(o => { o.Thresholds[Af] = 0.8; o.EndThresholdRatio = 0.5; o.EndWindows = 1; }));
        Assert.Empty(Run(tracker, Series(Af, [0.79f, 0.79f])));
        var events = Run(tracker, Series(Af, [0.8f, 0.8f, 0.41f, 0.40f, 0.39f], first: 2));
        Assert.Equal([AlertVocabulary.Onset, AlertVocabulary.End], events.Select(e => e.Event));
        Assert.Equal(T0 + Hop * 6, events[1].End);
    }

    [Fact]
    public void Labels_without_a_priority_and_sinus_rhythm_never_alert_but_are_findings()
    {
        var tracker = Tracker();
        var interpreter = tracker.Interpreter;
        var windows = Series("lbbb", Enumerable.Repeat<float?>(0.95f, 10)).ToList();
        Assert.Empty(Run(tracker, windows));
        var a = interpreter.Assess(windows[0]);
        Assert.Contains(a.Findings, f => f.Label.Key == "lbbb" && f.Present);
        Assert.Empty(Run(tracker, Series("sinus_rhythm", Enumerable.Repeat<float?>(0.99f, 10), first: 10)));
        Assert.Equal(0, tracker.StateCount);
    }

    [Fact]
    public void Updates_come_periodically_and_on_large_probability_moves_but_not_per_window()
    {
        var tracker = Tracker(Options(o =>
        {
            o.UpdateInterval = TimeSpan.FromMinutes(1);
            o.UpdateProbabilityDelta = 0.2;
            o.MinUpdateSpacing = TimeSpan.FromSeconds(30);
        }));
        // Onset observed at window 1 (t = 20 s). Small moves do not update; 60 s later a periodic one comes.
        var ps = new float?[] { 0.9f, 0.9f, 0.85f, 0.95f, 0.9f, 0.88f, 0.9f, 0.9f, 0.9f };
        var events = Run(tracker, Series(Af, ps));
        Assert.Equal([AlertVocabulary.Onset, AlertVocabulary.Update], events.Select(e => e.Event));
        Assert.Equal(T0 + Hop * 8, events[1].ObservedAt);          // 60 s after the onset event's 20 s
        Assert.Equal([Obs(7)], events[1].ObservationIds);

        // A big move right after an event waits for the spacing, then reports the current value.
        events = Run(tracker, Series(Af, [0.6f, 0.6f, 0.6f, 0.6f], first: 9));
        var update = Assert.Single(events);
        Assert.Equal(T0 + Hop * 11, update.ObservedAt);            // 30 s after the update at 80 s
        Assert.Equal(0.6, update.Probability);
        Assert.All(events, e => Assert.Equal(events[0].AlertId, e.AlertId));
    }

    [Fact]
    public void No_updates_while_the_closing_run_is_counting()
    {
        var tracker = Tracker(Options(o => { o.UpdateProbabilityDelta = 0.1; o.EndWindows = 3; }));
        var events = Run(tracker, Series(Af, [0.9f, 0.9f, 0.1f, 0.05f, 0.2f]));
        Assert.Equal([AlertVocabulary.Onset, AlertVocabulary.End], events.Select(e => e.Event));
    }

    [Fact]
    public void Refractory_holds_a_restart_back_and_keeps_the_true_onset()
    {
        var tracker = Tracker(Options(o => { o.EndWindows = 1; o.ClinicalRefractory = TimeSpan.FromSeconds(60); }));
        // Onset at 0, end at window 2 (t = 20 s). The condition returns at window 3; the restart may not be observed
        // before 20 + 60 = 80 s, i.e. the window ending at 80 s (index 7).
        var events = Run(tracker, Series(Af, [0.9f, 0.9f, 0.1f, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f]));
        Assert.Equal([AlertVocabulary.Onset, AlertVocabulary.End, AlertVocabulary.Onset], events.Select(e => e.Event));
        Assert.Equal(T0 + Hop * 2, events[1].End);
        var again = events[2];
        Assert.Equal(T0 + Hop * 8, again.ObservedAt);
        Assert.Equal(T0 + Hop * 3, again.Onset);
        Assert.NotEqual(events[0].AlertId, again.AlertId);
        Assert.Equal([Obs(3), Obs(4)], again.ObservationIds);
    }

    [Fact]
    public void A_short_return_within_the_refractory_is_absorbed()
    {
        var tracker = Tracker(Options(o => { o.EndWindows = 1; o.ClinicalRefractory = TimeSpan.FromMinutes(2); }));
        var events = Run(tracker, Series(Af, [0.9f, 0.9f, 0.1f, 0.9f, 0.9f, 0.9f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f]));
        Assert.Equal([AlertVocabulary.Onset, AlertVocabulary.End], events.Select(e => e.Event));
        Assert.Equal(0, tracker.StateCount);                       // the refractory state is gone once the period is over
        Assert.Equal(0, tracker.PatientCount);
    }

    [Fact]
    public void High_priority_alerts_restart_immediately_unless_configured_otherwise()
    {
        float?[] ps = [0.9f, 0.9f, 0.1f, 0.9f, 0.9f];
        var vt = Run(Tracker(Options(o => o.EndWindows = 1)), Series(Vt, ps));
        Assert.Equal([AlertVocabulary.Onset, AlertVocabulary.End, AlertVocabulary.Onset], vt.Select(e => e.Event));
        Assert.Equal("high", vt[0].Priority);

        var held = Run(Tracker(Options(o => { o.EndWindows = 1; o.RefractoryExemptPriority = null; })), Series(Vt, ps));
        Assert.Equal([AlertVocabulary.Onset, AlertVocabulary.End], held.Select(e => e.Event));
    }

    [Fact]
    public void Lead_off_lists_the_leads_updates_on_a_set_change_and_ends()
    {
        var tracker = Tracker(Options(o => o.MinUpdateSpacing = TimeSpan.Zero));
        var n = Normal();
        var events = Run(tracker, [
            Window(0, n, missing: [Lead.V1]),
            Window(1, n, missing: [Lead.V1]),
            Window(2, n, missing: [Lead.V2, Lead.V1]),
            Window(3, n, missing: [Lead.V1, Lead.V2]),
            Window(4, n),
            Window(5, n),
        ]);
        Assert.Equal([AlertVocabulary.Onset, AlertVocabulary.Update, AlertVocabulary.End], events.Select(e => e.Event));
        Assert.All(events, e =>
        {
            Assert.Equal(AlertVocabulary.Technical, e.Kind);
            Assert.Equal(AlertVocabulary.LeadOff, e.Code);
            Assert.Equal(events[0].AlertId, e.AlertId);
            Assert.Null(e.Probability);
            Assert.Null(e.SnomedCt);
            Assert.Null(e.ModelVersion);
            Assert.Empty(e.ObservationIds);
            Assert.Equal("medium", e.Priority);
        });
        Assert.Equal(AlertIds.Derive("patient-1", "technical", "lead_off", T0, null), events[0].AlertId);
        Assert.Equal(["V1"], events[0].Leads);
        Assert.Equal(["V1", "V2"], events[1].Leads);
        Assert.Equal(T0 + Hop * 3, events[1].ObservedAt);
        Assert.Equal(["V1", "V2"], events[2].Leads);
        Assert.Equal(T0 + Hop * 4, events[2].End);
    }

    [Fact]
    public void Technical_alerts_run_independently_of_clinical_ones()
    {
        var tracker = Tracker();
        var af = Probs(Af, 0.9f);
        var events = Run(tracker, [
            Window(0, af),
            Window(1, af, missing: [Lead.V3]),
            Window(2, af, missing: [Lead.V3]),
            Window(3, af),
            Window(4, af),
        ]);
        Assert.Equal([(Af, "onset"), ("lead_off", "onset"), ("lead_off", "end")], events.Select(e => (e.Code, e.Event)));
        Assert.Equal([Af], tracker.ActiveCodes("patient-1"));
    }

    [Fact]
    public void Poor_signal_withholds_findings_and_holds_clinical_state_while_its_own_alert_runs()
    {
        var tracker = Tracker();
        var interpreter = tracker.Interpreter;
        var af = Probs(Af, 0.9f);
        var low = Probs(Af, 0.01f);
        var poor = Window(2, low, sqi: 0.2);
        var a = interpreter.Assess(poor);
        Assert.Empty(a.Findings);
        Assert.Equal(SuppressionReasons.PoorSignal, a.SuppressedReason);

        var events = Run(tracker, [
            Window(0, af), Window(1, af),                                    // AF onset
            poor, Window(3, low, sqi: 0.2), Window(4, low, sqi: 0.2),       // model says "no AF", but the signal is poor
            Window(5, af),
        ]);
        // AF neither ended (the model's "no AF" on poor windows does not count) nor updated; poor_signal started.
        Assert.Equal([(Af, "onset"), ("poor_signal", "onset")], events.Select(e => (e.Code, e.Event)));
        Assert.Equal(["poor_signal", Af], tracker.ActiveCodes("patient-1"));
        Assert.Equal(["II"], events[1].Leads);
        Assert.Equal("low", events[1].Priority);
        Assert.Equal(T0 + Hop * 2, events[1].Onset);
    }

    [Fact]
    public void Poor_signal_neither_starts_nor_breaks_a_pending_clinical_run()
    {
        var tracker = Tracker(Options(o => o.OnsetWindows = 2));
        // above, poor, poor, above: the two counted windows are consecutive → onset at window 0.
        var events = Run(tracker, Series(Af, [0.9f, null, null, 0.9f]));
        var onset = Assert.Single(events, e => e.Kind == AlertVocabulary.Clinical);
        Assert.Equal(T0, onset.Onset);
        Assert.Equal([Obs(0), Obs(3)], onset.ObservationIds);
        // Only poor windows with a high probability: no clinical alert at all.
        Assert.DoesNotContain(Run(Tracker(), Series(Af, [null, null, null, null], patient: "p2")), e => e.Kind == AlertVocabulary.Clinical);
    }

    [Fact]
    public void No_signal_raises_its_alert_and_holds_clinical_lead_off_and_poor_signal()
    {
        var tracker = Tracker(Options(o => o.TechnicalEndWindows = 1));
        var af = Probs(Af, 0.9f);
        var events = Run(tracker, [
            Window(0, af), Window(1, af, missing: [Lead.V1]), Window(2, af, missing: [Lead.V1]),
            Window(3, null, status: WindowStatus.NoSignal, missing: Fx.AllLeads),
            Window(4, null, status: WindowStatus.NoSignal, missing: Fx.AllLeads),
            Window(5, null, status: WindowStatus.NoSignal, missing: Fx.AllLeads),
            Window(6, af, missing: [Lead.V1]),
        ]);
        Assert.Equal([(Af, "onset"), ("lead_off", "onset"), ("no_signal", "onset"), ("no_signal", "end")],
                     events.Select(e => (e.Code, e.Event)));
        var noSignal = events[2];
        Assert.Equal(T0 + Hop * 3, noSignal.Onset);
        Assert.Equal("high", noSignal.Priority);
        Assert.Equal(12, noSignal.Leads!.Count);
        Assert.Equal(["lead_off", Af], tracker.ActiveCodes("patient-1"));

        var a = tracker.Interpreter.Assess(Window(9, null, status: WindowStatus.NoSignal));
        Assert.Equal(SuppressionReasons.NoSignal, a.SuppressedReason);
        Assert.Empty(a.Findings);
    }

    [Fact]
    public void Inference_failure_holds_clinical_state()
    {
        var tracker = Tracker(Options(o => o.EndWindows = 1));
        var af = Probs(Af, 0.9f);
        var failed = Window(2, null, failure: "OnnxRuntimeException: out of memory");
        var a = tracker.Interpreter.Assess(failed);
        Assert.Empty(a.Findings);
        Assert.Null(a.SuppressedReason);
        Assert.Equal(ClinicalEvidence.Unavailable, a.Evidence);
        var events = Run(tracker, [Window(0, af), Window(1, af), failed, Window(3, null, failure: "x"), Window(4, af)]);
        Assert.Equal([AlertVocabulary.Onset], events.Select(e => e.Event));
        Assert.Equal([Af], tracker.ActiveCodes("patient-1"));
    }

    [Fact]
    public void Patients_are_isolated_and_interleaving_changes_nothing()
    {
        float?[] a = [0.9f, 0.9f, 0.9f, 0.1f, 0.1f, 0.9f];
        float?[] b = [0.1f, 0.9f, 0.1f, 0.9f, 0.9f, 0.1f];
        var alone = Run(Tracker(), Series(Af, a, "pa")).Concat(Run(Tracker(), Series(Af, b, "pb"))).ToList();
        var wa = Series(Af, a, "pa").ToList();
        var wb = Series(Af, b, "pb").ToList();
        var interleaved = Run(Tracker(), wa.Zip(wb).SelectMany(p => new[] { p.First, p.Second }));
        Assert.Equal(alone.Select(AlertEventJson.Serialize).Order(), interleaved.Select(AlertEventJson.Serialize).Order());
        Assert.Contains(interleaved, e => e.PatientId == "pb" && e.Event == "onset");
        Assert.Equal(2, interleaved.Count(e => e.PatientId == "pa"));
    }

    [Fact]
    public void Same_input_twice_gives_identical_output()
    {
        var rng = new Random(7);
        var windows = Enumerable.Range(0, 300).Select(i => rng.Next(10) switch
        {
            0 => Window(i, null, status: WindowStatus.NoSignal),
            1 => Window(i, Probs(Vt, (float)rng.NextDouble()), missing: [Lead.V2]),
            2 => Window(i, Probs(Af, 0.9f), sqi: 0.1),
            _ => Window(i, Probs(Af, (float)rng.NextDouble())),
        }).ToList();
        var first = Run(Tracker(new InterpretationOptions()), windows).Select(AlertEventJson.Serialize).ToList();
        var second = Run(Tracker(new InterpretationOptions()), windows).Select(AlertEventJson.Serialize).ToList();
        Assert.NotEmpty(first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Replayed_or_older_windows_do_not_move_state()
    {
        var tracker = Tracker();
        var af = Probs(Af, 0.9f);
        Assert.Empty(Run(tracker, [Window(5, af)]));
        Assert.Empty(Run(tracker, [Window(5, af), Window(4, af)]));   // would complete the run if counted
        Assert.Single(Run(tracker, [Window(6, af)]));
    }

    [Fact]
    public void Dropping_a_patient_ends_its_alerts_and_frees_its_state()
    {
        var tracker = Tracker();
        var af = Probs(Af, 0.9f);
        Run(tracker, [Window(0, af, missing: [Lead.I]), Window(1, af, missing: [Lead.I]), Window(2, af)]);
        Run(tracker, Series(Af, [0.9f], patient: "other"));
        Assert.Equal(2, tracker.PatientCount);
        var ends = tracker.DropPatient("patient-1");
        Assert.Equal([("lead_off", "end"), (Af, "end")], ends.Select(e => (e.Code, e.Event)));
        foreach (var e in ends) AssertSchemaValid(e);
        Assert.Equal(T0 + Hop * 2, ends[0].End);                     // lead_off was already clearing at window 2
        Assert.Equal(T0 + Hop * 3, ends[1].End);                     // AF lasted to the end of the data
        Assert.Equal([Obs(2)], ends[1].ObservationIds);
        Assert.Equal(1, tracker.PatientCount);
        Assert.Empty(tracker.DropPatient("patient-1"));
        Assert.Empty(tracker.ActiveCodes("patient-1"));
    }

    [Fact]
    public void Memory_is_held_only_for_pending_active_or_refractory_codes()
    {
        var tracker = Tracker();
        Run(tracker, Enumerable.Range(0, 50).Select(i => Window(i, Normal(), patient: $"p{i % 10}")));
        Assert.Equal(0, tracker.PatientCount);
        Run(tracker, [Window(100, Probs(Af, 0.9f), patient: "p1")]);
        Assert.Equal(1, tracker.StateCount);
        Run(tracker, [Window(101, Normal(), patient: "p1")]);
        Assert.Equal(0, tracker.PatientCount);
    }
}

public class RhythmArbitrationTests
{
    private static AlertTracker Arbitrating() => Tracker(Options(o => o.ExclusiveRhythms = new InterpretationOptions().ExclusiveRhythms));

    private static float[] Ambiguous(float af, float flutter, float tachy)
    {
        var p = Probs(Af, af);
        p[IndexOf("atrial_flutter")] = flutter;
        p[IndexOf("sinus_tachycardia")] = tachy;
        p[IndexOf("sinus_rhythm")] = 0.05f;
        return p;
    }

    [Fact]
    public void Only_the_most_probable_rhythm_alerts_when_several_pass_their_thresholds()
    {
        var windows = Enumerable.Range(0, 6).Select(i => Window(i, Ambiguous(0.9f, 0.8f, 0.7f))).ToList();
        var events = Run(Arbitrating(), windows);
        Assert.Equal(["atrial_fibrillation"], events.Where(e => e.Event == "onset").Select(e => e.Code));

        var findings = Arbitrating().Interpreter.Assess(windows[0]).Findings.Where(f => f.Present).Select(f => f.Label.Key);
        Assert.Equal(["atrial_fibrillation"], findings);
    }

    [Fact]
    public void Without_arbitration_every_rhythm_above_threshold_alerts()
    {
        var windows = Enumerable.Range(0, 6).Select(i => Window(i, Ambiguous(0.9f, 0.8f, 0.7f)));
        var events = Run(Tracker(Options(o => o.ExclusiveRhythms = [])), windows);
        Assert.Equal(3, events.Count(e => e.Event == "onset"));
    }

    [Fact]
    public void A_rhythm_change_ends_the_old_rhythm_alert_and_starts_the_new_one()
    {
        var windows = Enumerable.Range(0, 4).Select(i => Window(i, Ambiguous(0.9f, 0.6f, 0.01f)))
            .Concat(Enumerable.Range(4, 4).Select(i => Window(i, Ambiguous(0.7f, 0.95f, 0.01f))))
            .ToList();
        var events = Run(Arbitrating(), windows);
        Assert.Equal(
            [("atrial_fibrillation", "onset"), ("atrial_fibrillation", "end"), ("atrial_flutter", "onset")],
            events.Select(e => (e.Code, e.Event)));
        // Never two rhythm alarms at once: AF ends before (or with) flutter's onset.
        var afEnd = events.Single(e => e.Code == "atrial_fibrillation" && e.Event == "end");
        var flOnset = events.Single(e => e.Code == "atrial_flutter" && e.Event == "onset");
        Assert.True(afEnd.End <= flOnset.Onset);
    }

    [Fact]
    public void Unknown_rhythm_key_is_an_invalid_option()
    {
        var ex = Assert.Throws<ArgumentException>(() => new InterpretationOptions { ExclusiveRhythms = ["atrial_fib"] }.Validate());
        Assert.Equal(nameof(InterpretationOptions.ExclusiveRhythms), ex.ParamName);
    }
}
