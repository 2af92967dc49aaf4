using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using FsCheck.Xunit;
using static CGDmer.Pipeline.Tests.Interpretation.Fx;

namespace CGDmer.Pipeline.Tests.Interpretation;

public class AlertCheckpointTests
{
    private static AlertTracker TrackerWith(IAlertCheckpointSource source) => new(new Interpreter(Metadata(), Options()), source);

    private static string Json(IEnumerable<AlertEvent> events) => string.Join("\n", events.Select(AlertEventJson.Serialize));

    [Property(MaxTest = 300)]
    public void A_tracker_restarted_from_the_stored_checkpoint_continues_exactly_as_one_that_never_stopped(int[] xs, byte cut, byte reread)
    {
        var windows = FlappingWindows(xs ?? []);
        if (windows.Count < 2) return;
        var (straight, events, stored) = NeverStopping(windows);

        // A crash after window c was acknowledged: the restarted tracker loads what was stored then and is given the windows
        // read again from a little before it (a restart reads from the committed position, which may be earlier).
        int c = cut % (windows.Count - 1);
        var store = new AlertCheckpointStore();
        store.Load(stored[c] is { } s ? [s] : []);
        var restarted = TrackerWith(store);
        int from = Math.Max(0, c + 1 - reread % 12);
        var again = new List<IReadOnlyList<AlertEvent>>();
        for (int i = from; i < windows.Count; i++) again.Add(restarted.Track(windows[i], restarted.Interpreter.Assess(windows[i])));

        // Every window after the acknowledged one gives the same events, to the byte, and the alert codes end in the same
        // state. (Windows that changed no code are not stored, so the last window's time and probability may be older.)
        for (int i = c + 1; i < windows.Count; i++)
            Assert.Equal(Json(events[i]), Json(again[i - from]));
        Assert.Equal(Codes(straight.Checkpoint("patient-1")), Codes(restarted.Checkpoint("patient-1")));
    }

    [Property(MaxTest = 300)]
    public void A_tracker_restarted_from_a_delivered_through_mark_skips_what_was_delivered_and_continues_exactly(int[] xs, byte cut, byte reread)
    {
        var windows = FlappingWindows(xs ?? []);
        if (windows.Count < 2) return;
        var (straight, events, stored) = NeverStopping(windows);

        // A revocation after window c was acknowledged stores the mark; the next owner re-reads from further back.
        int c = cut % (windows.Count - 1);
        var w0 = windows[c].Window;
        var mark = AlertCheckpoint.DeliveredThrough(stored[c], w0.PatientId, w0.Start, w0.End, w0.DeviceId);
        var store = new AlertCheckpointStore();
        store.Load([AlertCheckpointJson.Deserialize(AlertCheckpointJson.Serialize(mark))]);   // as stored
        Assert.Equal(w0.Start, store.DeliveredThrough(w0.PatientId));
        var restarted = TrackerWith(store);
        int from = Math.Max(0, c + 1 - reread % 12);
        for (int i = from; i <= c; i++) Assert.Empty(restarted.Track(windows[i], restarted.Interpreter.Assess(windows[i])));
        for (int i = c + 1; i < windows.Count; i++)
            Assert.Equal(Json(events[i]), Json(restarted.Track(windows[i], restarted.Interpreter.Assess(windows[i]))));
        Assert.Equal(Codes(straight.Checkpoint("patient-1")), Codes(restarted.Checkpoint("patient-1")));
    }

    /// <summary>The tracker that never stops, its events per window, and what an at-least-once transport would have
    /// stored after each window (through the wire form, as the transport stores it).</summary>
    private static (AlertTracker Tracker, List<IReadOnlyList<AlertEvent>> Events, List<AlertCheckpoint?> Stored) NeverStopping(IReadOnlyList<AnalyzedWindow> windows)
    {
        var tracker = TrackerWith(new AlertCheckpointStore());
        var events = new List<IReadOnlyList<AlertEvent>>();
        var stored = new List<AlertCheckpoint?>();
        AlertCheckpoint? latest = null;
        foreach (var w in windows)
        {
            events.Add(tracker.Track(w, tracker.Interpreter.Assess(w), out var update));
            if (update is not null) latest = AlertCheckpointJson.Deserialize(AlertCheckpointJson.Serialize(update));
            stored.Add(latest);
        }
        return (tracker, events, stored);
    }

    private static string Codes(AlertCheckpoint? c) =>
        c is null ? "none" : string.Join("\n", c.Codes.Select(x => System.Text.Json.JsonSerializer.Serialize(x with { LastProbability = 0 })));

    [Fact]
    public void An_active_alarm_keeps_its_id_across_a_restart_and_ends_there()
    {
        var af = Enumerable.Repeat<float?>(0.95f, 6).Concat(Enumerable.Repeat<float?>(0.01f, 6)).ToList();
        var windows = Series(Af, af).ToList();
        var first = TrackerWith(new AlertCheckpointStore());
        AlertCheckpoint? stored = null;
        var before = new List<AlertEvent>();
        for (int i = 0; i < 4; i++)
        {
            before.AddRange(first.Track(windows[i], first.Interpreter.Assess(windows[i]), out var update));
            if (update is not null) stored = update;
        }
        var onset = Assert.Single(before, e => e.Code == Af && e.Event == AlertVocabulary.Onset);

        var store = new AlertCheckpointStore();
        store.Load([stored!]);
        // Stored at the last window that changed the alert (the onset), not at every window.
        Assert.Equal(stored!.LastWindowStart, store.DeliveredThrough("patient-1"));
        Assert.True(stored.LastWindowStart <= windows[3].Window.Start);
        var second = TrackerWith(store);
        var after = windows.Skip(4).SelectMany(w => second.Track(w, second.Interpreter.Assess(w))).Where(e => e.Code == Af).ToList();
        Assert.DoesNotContain(after, e => e.Event == AlertVocabulary.Onset);     // no second alarm for the same episode
        var end = Assert.Single(after, e => e.Event == AlertVocabulary.End);
        Assert.Equal(onset.AlertId, end.AlertId);                                  // the alarm that was raised is ended
    }

    [Fact]
    public void A_stored_checkpoint_older_than_the_held_state_or_a_cleared_one_is_not_taken()
    {
        var windows = Series(Af, Enumerable.Repeat<float?>(0.95f, 4).Concat(Enumerable.Repeat<float?>(0.01f, 8))).ToList();
        var store = new AlertCheckpointStore();
        var tracker = TrackerWith(store);
        AlertCheckpoint? early = null;
        for (int i = 0; i < windows.Count; i++)
        {
            tracker.Track(windows[i], tracker.Interpreter.Assess(windows[i]), out var update);
            if (i == 3) early = update ?? tracker.Checkpoint("patient-1");
        }
        Assert.Null(tracker.Checkpoint("patient-1"));              // the alert ended and its refractory period passed
        store.Load([early!]);                                       // e.g. a rebalance back before the cleared state was stored
        var next = Window(windows.Count, Probs(Af, 0.01f));
        Assert.Empty(tracker.Track(next, tracker.Interpreter.Assess(next)));
        Assert.Null(tracker.Checkpoint("patient-1"));
    }

    [Fact]
    public void An_instance_that_held_an_alarm_before_a_rebalance_learns_that_another_one_ended_it()
    {
        var windows = Series(Af, Enumerable.Repeat<float?>(0.95f, 12)).ToList();
        var store = new AlertCheckpointStore();
        var here = TrackerWith(store);
        for (int i = 0; i < 4; i++) here.Track(windows[i], here.Interpreter.Assess(windows[i]));
        Assert.NotNull(here.Checkpoint("patient-1"));              // an active AF alarm
        // The partition went to another instance, which ended the alarm and stored the patient's cleared state at window 8;
        // now the partition is back here.
        store.Load([new AlertCheckpoint { PatientId = "patient-1", LastWindowStart = windows[8].Window.Start, LastWindowEnd = windows[8].Window.End, Codes = [] }]);
        var events = here.Track(windows[9], here.Interpreter.Assess(windows[9]));
        Assert.Empty(events);                                       // neither an update nor an end of the stale alarm
        var now = here.Checkpoint("patient-1");                     // AF is still there: a new run has begun
        Assert.Equal("pending", Assert.Single(now!.Codes).Phase);
    }

    [Fact]
    public void The_example_of_the_contract_page_is_a_checkpoint_a_tracker_goes_on_from()
    {
        var page = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "assets", "alert-checkpoint.md")).ReplaceLineEndings("\n");
        var json = System.Text.RegularExpressions.Regex.Match(page, @"^```json\n(.*?)\n```", System.Text.RegularExpressions.RegexOptions.Singleline | System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value;
        var example = AlertCheckpointJson.Deserialize(System.Text.Encoding.UTF8.GetBytes(json));
        var store = new AlertCheckpointStore();
        store.Load([example with { PatientId = "patient-1" }]);
        var tracker = TrackerWith(store);
        // The next windows after the example's, without AF: the alarm it holds ends, under its id.
        long first = (long)((example.LastWindowEnd - T0) / Hop);
        var events = Series(Af, Enumerable.Repeat<float?>(0.01f, 6), first: first).SelectMany(w => tracker.Track(w, tracker.Interpreter.Assess(w))).ToList();
        var end = Assert.Single(events, e => e.Event == AlertVocabulary.End);
        Assert.Equal("7ff49a6022d687de5d96cac5c728dc0e", end.AlertId);
    }

    [Fact]
    public void The_wire_form_refuses_another_format_and_garbage()
    {
        var cp = new AlertCheckpoint { PatientId = "p", LastWindowStart = T0, LastWindowEnd = T0 + Hop, Codes = [] };
        var json = System.Text.Encoding.UTF8.GetString(AlertCheckpointJson.Serialize(cp with { Format = 2 }));
        Assert.Contains("format 2", Assert.Throws<FormatException>(() => AlertCheckpointJson.Deserialize(System.Text.Encoding.UTF8.GetBytes(json))).Message);
        Assert.Throws<FormatException>(() => AlertCheckpointJson.Deserialize("{\"patientId\":1}"u8));
        Assert.Throws<FormatException>(() => AlertCheckpointJson.Deserialize("{\"format\":1,\"patientId\":\"p\",\"lastWindowStart\":\"2026-01-01T00:00:00Z\",\"lastWindowEnd\":\"2026-01-01T00:00:10Z\",\"codes\":[],\"surprise\":1}"u8));
    }
}
