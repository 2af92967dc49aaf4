using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using static CGDmer.Pipeline.Tests.Interpretation.Fx;

namespace CGDmer.Pipeline.Tests.Interpretation;

/// <summary>
/// <see cref="InterpretationOptions.ConfirmAlertingFindings"/>: an alerting label's finding is published only once its
/// alert's persistence confirms it.
/// </summary>
public class FindingConfirmationTests
{
    private static readonly int AfIndex = IndexOf(Af);
    private static readonly int SinusIndex = IndexOf("sinus_rhythm");

    /// <summary>Each window's findings as the interpret stage publishes them.</summary>
    private static List<IReadOnlyList<Finding>> Publish(AlertTracker tracker, IEnumerable<AnalyzedWindow> windows) =>
        windows.Select(w => InterpretOperator.InterpretWindow(w, tracker.Interpreter, tracker, null).Findings).ToList();

    private static bool[] AfPresent(List<IReadOnlyList<Finding>> published) =>
        published.Select(f => f.Count > 0 && f[AfIndex].Present).ToArray();

    [Fact]
    public void A_lone_window_is_not_published_and_a_run_is_from_its_onset_window_on()
    {
        var published = Publish(Tracker(), Series(Af, [0.9f, 0.1f, 0.9f, 0.9f, 0.9f, 0.45f, 0.1f, 0.1f]));
        // Alone (0), the run's first window (2), and a window under the threshold (0.5) while the alert is on (5) are not present.
        Assert.Equal([false, false, false, true, true, false, false, false], AfPresent(published));
        Assert.True(published[0][AfIndex].Unconfirmed);
        Assert.True(published[2][AfIndex].Unconfirmed);
        Assert.False(published[5][AfIndex].Unconfirmed);   // below its threshold: not detected, nothing to confirm
        Assert.Equal(0.9f, published[0][AfIndex].Probability);
    }

    [Fact]
    public void A_window_delivered_again_from_before_the_run_is_not_confirmed_by_it()
    {
        var tracker = Tracker();
        var windows = Series(Af, [0.1f, 0.9f, 0.1f, 0.9f, 0.9f, 0.9f]).ToList();
        Assert.Equal([false, false, false, false, true, true], AfPresent(Publish(tracker, windows)));
        // The run (windows 3 on) is alerting now. Window 1 came before it (alone, unconfirmed then), window 3 opened it
        // (unconfirmed then), and window 4 confirmed it: each is coded as it was first published.
        var again = Publish(tracker, [windows[1], windows[3], windows[4], windows[5]]);
        Assert.Equal([false, false, true, true], AfPresent(again));
        Assert.True(again[0][AfIndex].Unconfirmed);
        Assert.True(again[1][AfIndex].Unconfirmed);
    }

    [Fact]
    public void A_window_delivered_again_from_a_held_back_run_is_confirmed_from_its_onset_window_on()
    {
        // Three windows to confirm; the refractory period after the first alert holds the second run's onset back, so it
        // stays pending past its count. Delivered again, its windows are coded as at first publication.
        var tracker = Tracker(Options(o => { o.OnsetWindows = 3; o.ClinicalRefractory = TimeSpan.FromMinutes(5); }));
        var windows = Series(Af, [0.9f, 0.9f, 0.9f, 0.1f, 0.1f, 0.9f, 0.9f, 0.9f, 0.9f]).ToList();
        var first = AfPresent(Publish(tracker, windows));
        Assert.Equal([false, false, true, false, false, false, false, true, true], first);
        Assert.Equal(first[5..], AfPresent(Publish(tracker, windows[5..])));
    }

    [Fact]
    public void The_onset_window_count_sets_the_delay()
    {
        var three = Publish(Tracker(Options(o => o.OnsetWindows = 3)), Series(Af, [0.9f, 0.9f, 0.9f, 0.9f]));
        Assert.Equal([false, false, true, true], AfPresent(three));
        var one = Publish(Tracker(Options(o => o.OnsetWindows = 1)), Series(Af, [0.9f, 0.1f, 0.9f]));
        Assert.Equal([true, false, true], AfPresent(one));
    }

    [Fact]
    public void Off_every_window_is_decided_alone()
    {
        var published = Publish(Tracker(Options(o => o.ConfirmAlertingFindings = false)), Series(Af, [0.9f, 0.1f, 0.9f]));
        Assert.Equal([true, false, true], AfPresent(published));
        Assert.DoesNotContain(published.SelectMany(f => f), f => f.Unconfirmed);
    }

    [Fact]
    public void A_poor_signal_window_neither_confirms_nor_breaks_a_run()
    {
        // null: a poor-signal window (no findings); it holds the run as it holds the alert.
        var published = Publish(Tracker(), Series(Af, [0.9f, null, 0.9f]));
        Assert.Equal([false, false, true], AfPresent(published));
        Assert.Empty(published[1]);
    }

    [Fact]
    public void A_run_held_back_by_the_refractory_period_is_confirmed()
    {
        var tracker = Tracker(Options(o => o.ClinicalRefractory = TimeSpan.FromMinutes(10)));
        var windows = Series(Af, [0.9f, 0.9f, 0.1f, 0.1f, 0.9f, 0.9f, 0.9f]).ToList();
        var published = new List<IReadOnlyList<Finding>>();
        var onsets = 0;
        foreach (var w in windows)
        {
            var r = InterpretOperator.InterpretWindow(w, tracker.Interpreter, tracker, null);
            published.Add(r.Findings);
            onsets += r.Alerts.Count(a => a.Event == AlertVocabulary.Onset);
        }
        Assert.Equal(1, onsets);   // the second run is within the refractory period: no new alarm…
        Assert.Equal([false, true, false, false, false, true, true], AfPresent(published));   // …but the rhythm persisted
    }

    [Fact]
    public void Labels_that_do_not_alert_are_decided_per_window()
    {
        var tracker = Tracker(Options(o => o.ClinicalAlerts[Af] = InterpretationOptions.Off));
        Assert.Equal([true, false, true], AfPresent(Publish(tracker, Series(Af, [0.9f, 0.1f, 0.9f]))));
        // Sinus rhythm never alerts: present in the lone window between two AF windows.
        var sinus = Publish(Tracker(), Series(Af, [0.9f, 0.1f, 0.9f]));
        Assert.True(sinus[1][SinusIndex].Present);
        Assert.False(sinus[1][SinusIndex].Unconfirmed);
    }

    [Fact]
    public void Patients_are_confirmed_apart()
    {
        var tracker = Tracker();
        var a = Series(Af, [0.9f, 0.9f], "a").ToList();
        var b = Series(Af, [0.9f, 0.9f], "b").ToList();
        var published = Publish(tracker, [a[0], b[0], a[1], b[1]]);
        Assert.Equal([false, false, true, true], AfPresent(published));
    }

    [Fact]
    public void A_restarted_tracker_confirms_from_the_stored_pending_run()
    {
        var first = new AlertTracker(new Interpreter(Metadata(), Options()), new AlertCheckpointStore());
        var windows = Series(Af, [0.9f, 0.9f]).ToList();
        var r0 = InterpretOperator.InterpretWindow(windows[0], first.Interpreter, first, null);
        Assert.NotNull(r0.Checkpoint);
        var store = new AlertCheckpointStore();
        store.Load([r0.Checkpoint!]);
        var restarted = new AlertTracker(new Interpreter(Metadata(), Options()), store);
        var r1 = InterpretOperator.InterpretWindow(windows[1], restarted.Interpreter, restarted, null);
        Assert.True(r1.Findings[AfIndex].Present);
        // Without the stored run the same window would only start one.
        var fresh = Tracker();
        Assert.False(InterpretOperator.InterpretWindow(windows[1], fresh.Interpreter, fresh, null).Findings[AfIndex].Present);
    }
}

public class FindingConfirmationPropertyTests
{
    /// <summary>
    /// Over flapping windows (AF and VT, held windows among them), an alerting finding is published exactly when the
    /// window alone makes it present and either its run of present windows (held ones skipped) has reached the onset
    /// count or its alert is on (it ends after two windows under 0.75 × the threshold).
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 300)]
    public void A_finding_is_published_when_its_run_reached_the_onset_count_or_its_alert_is_on(int[] xs, bool threeWindows)
    {
        int onset = threeWindows ? 3 : 2;
        var tracker = Tracker(Options(o => { o.OnsetWindows = onset; o.ClinicalRefractory = TimeSpan.Zero; }));
        var state = new Dictionary<string, (int Run, bool Active, int Below)>();
        foreach (var w in FlappingWindows(xs ?? []))
        {
            var published = InterpretOperator.InterpretWindow(w, tracker.Interpreter, tracker, null).Findings;
            if (published.Count == 0) continue;                       // a held window: nothing published, nothing moves
            foreach (var key in new[] { Af, Vt })
            {
                float p = w.Probabilities![IndexOf(key)];
                var (run, active, below) = state.GetValueOrDefault(key);
                bool present = p >= 0.5f;
                if (!active)
                {
                    run = present ? run + 1 : 0;
                    if (run >= onset) { active = true; below = 0; }
                }
                else if (p < 0.375f && ++below >= 2) (run, active, below) = (0, false, 0);
                else if (p >= 0.375f) below = 0;
                state[key] = (run, active, below);
                var f = published[IndexOf(key)];
                Assert.Equal(present && active, f.Present);
                Assert.Equal(present && !active, f.Unconfirmed);
            }
        }
    }
}
