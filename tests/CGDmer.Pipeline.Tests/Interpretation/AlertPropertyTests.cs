using CGDmer.Contracts;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using FsCheck.Xunit;
using static CGDmer.Pipeline.Tests.Interpretation.Fx;

namespace CGDmer.Pipeline.Tests.Interpretation;

public class AlertPropertyTests
{
    [Property(MaxTest = 300)]
    public void Every_alert_is_onset_updates_then_an_optional_end_and_alerts_of_one_code_never_overlap(int[] xs, bool quickUpdates)
    {
        var options = new InterpretationOptions();
        if (quickUpdates) { options.UpdateInterval = TimeSpan.FromSeconds(40); options.MinUpdateSpacing = TimeSpan.Zero; }
        var tracker = Tracker(options);
        var events = Run(tracker, FlappingWindows(xs ?? []));      // Run checks every event against the schema

        foreach (var alert in events.GroupBy(e => e.AlertId))
        {
            var list = alert.ToList();
            var first = list[0];
            Assert.Equal("onset", first.Event);
            Assert.All(list.Skip(1).SkipLast(1), e => Assert.Equal("update", e.Event));
            if (list.Count > 1) Assert.Contains(list[^1].Event, new[] { "update", "end" });
            Assert.All(list, e => Assert.Equal((first.Kind, first.Code, first.Onset, first.PatientId), (e.Kind, e.Code, e.Onset, e.PatientId)));
            Assert.Equal(AlertIds.Derive(first.PatientId, first.Kind, first.Code, first.Onset, first.ModelVersion), first.AlertId);
            for (int i = 1; i < list.Count; i++) Assert.True(list[i].ObservedAt > list[i - 1].ObservedAt);
            if (list[^1].End is { } end) Assert.True(first.Onset < end && end <= list[^1].ObservedAt);
        }

        foreach (var code in events.GroupBy(e => e.Code))
        {
            DateTimeOffset? openSince = null, lastEnd = null;
            foreach (var e in code)
            {
                if (e.Event == "onset")
                {
                    Assert.Null(openSince);                                   // never two active alerts of one code
                    if (lastEnd is { } le) Assert.True(e.Onset >= le);        // and never overlapping in ECG time
                    openSince = e.Onset;
                }
                else if (e.Event == "end") { openSince = null; lastEnd = e.End; }
                else Assert.NotNull(openSince);
            }
        }
    }

    [Property(MaxTest = 300)]
    public void Onsets_need_a_persistent_run_and_ends_a_persistent_absence(int[] xs)
    {
        var tracker = Tracker(new InterpretationOptions { ClinicalRefractory = TimeSpan.Zero });
        var windows = FlappingWindows(xs ?? []);
        var events = Run(tracker, windows).Where(e => e.Code == Af).ToList();
        // Reference: runs of ≥ 2 counted (usable) windows at or above 0.5, held windows skipped.
        int runs = 0, run = 0;
        foreach (var w in windows)
        {
            var a = tracker.Interpreter.Assess(w);
            if (!a.IsClinicallyUsable) continue;
            if (w.Probabilities![IndexOf(Af)] >= 0.5f) { if (++run == 2) runs++; }
            else run = 0;
        }
        Assert.True(events.Count(e => e.Event == "onset") <= runs, $"{events.Count(e => e.Event == "onset")} onsets from {runs} runs");
        foreach (var onset in events.Where(e => e.Event == "onset"))
            Assert.Equal(2, onset.ObservationIds.Count);
    }

    [Fact]
    public void Flapping_input_raises_nothing()
    {
        var tracker = Tracker();
        var ps = Enumerable.Range(0, 500).Select(i => (float?)(i % 2 == 0 ? 0.95f : 0.05f));
        var leads = Enumerable.Range(0, 500).Select(i => Window(500 + i, Normal(), missing: i % 2 == 0 ? [Lead.V4] : []));
        Assert.Empty(Run(tracker, Series(Af, ps).Concat(leads)));
    }

    [Fact]
    public void A_probability_wobbling_around_the_threshold_of_an_active_alert_gives_one_alert_and_few_updates()
    {
        // Default options except arbitration: the fixture puts sinus rhythm at 1 − p, which would win below 0.5.
        var tracker = Tracker(new InterpretationOptions { ExclusiveRhythms = [] });
        var rng = new Random(3);
        // One hour of 10 s windows between 0.4 and 0.99: above the end threshold 0.375 throughout.
        var ps = new float?[] { 0.9f, 0.9f }.Concat(Enumerable.Range(0, 358).Select(_ => (float?)(0.4f + 0.59f * (float)rng.NextDouble())));
        var events = Run(tracker, Series(Af, ps));
        Assert.Single(events, e => e.Event == "onset");
        Assert.DoesNotContain(events, e => e.Event == "end");
        // At most one change-driven update per 30 s (plus none from the 5 min timer, which they reset).
        Assert.InRange(events.Count(e => e.Event == "update"), 1, 3600 / 30);
    }
}
