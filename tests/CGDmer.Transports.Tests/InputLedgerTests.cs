using CGDmer.Pipeline.Settlement;

namespace CGDmer.Transports.Tests;

/// <summary>The offset watermark: a partition's committable position is its oldest input not yet settled by delivered output.</summary>
public class InputLedgerTests
{
    private const string Topic = "ecg.segments.v1";
    private static SourcePosition At(int partition, long offset) => new(Topic, partition, offset);

    private sealed class Store
    {
        public readonly List<SourcePosition> Stored = [];
        public long? Last(int partition) => Stored.LastOrDefault(p => p.Partition == partition) is { Topic: not null } p ? p.Offset : null;
    }

    private static (InputLedger Ledger, Store Store) New()
    {
        var store = new Store();
        return (new InputLedger(p => { lock (store.Stored) store.Stored.Add(p); }), store);
    }

    [Fact]
    public void Ordinals_number_the_pipeline_inputs_in_read_order_and_nothing_is_stored_before_output()
    {
        var (ledger, store) = New();
        Assert.Equal(1, ledger.ReadForPipeline(At(0, 100), "p1"));
        Assert.Equal(2, ledger.ReadForPipeline(At(1, 7), "p2"));
        Assert.Equal(3, ledger.ReadForPipeline(At(0, 101), "p1"));
        Assert.Empty(store.Stored);
        Assert.Equal(3, ledger.HeldInputs);
        Assert.Equal(100, ledger.Watermark(new SourcePartition(Topic, 0)));
        Assert.Null(ledger.Watermark(new SourcePartition(Topic, 5)));
    }

    [Fact]
    public void A_window_settles_its_patients_inputs_only_when_delivered_and_the_watermark_is_the_oldest_held_offset()
    {
        var (ledger, store) = New();
        ledger.ReadForPipeline(At(0, 10), "p1");   // 1
        ledger.ReadForPipeline(At(0, 11), "p2");   // 2
        ledger.ReadForPipeline(At(0, 12), "p1");   // 3
        var delivery = new TaskCompletionSource();
        ledger.TrackWindow("p1", new InputSettlement(1, 1, 3), delivery.Task);
        Assert.Empty(store.Stored);
        delivery.SetResult();
        // p1's inputs (offsets 10, 12) are settled; p2's offset 11 still holds the partition.
        Assert.Equal([At(0, 11)], store.Stored);
        ledger.TrackWindow("p2", new InputSettlement(1, 1, 2), Task.CompletedTask);
        Assert.Equal(At(0, 13), store.Stored[^1]);   // everything read is settled: resume after the last read
        Assert.Equal(0, ledger.HeldInputs);
    }

    [Fact]
    public void A_later_window_acknowledged_first_settles_nothing_until_the_earlier_one_is_acknowledged()
    {
        var (ledger, store) = New();
        for (int i = 0; i < 4; i++) ledger.ReadForPipeline(At(0, i), "p1");
        var first = new TaskCompletionSource();
        ledger.TrackWindow("p1", new InputSettlement(1, 1, 2), first.Task);
        ledger.TrackWindow("p1", new InputSettlement(1, 2, 4), Task.CompletedTask);
        Assert.Empty(store.Stored);
        first.SetResult();
        Assert.Equal(At(0, 4), store.Stored[^1]);
    }

    [Fact]
    public void A_refused_window_never_settles_and_is_reported()
    {
        var (ledger, store) = New();
        ledger.ReadForPipeline(At(0, 0), "p1");
        ledger.ReadForPipeline(At(0, 1), "p1");
        Exception? reported = null;
        ledger.DeliveryFailed += e => reported = e;
        ledger.TrackWindow("p1", new InputSettlement(1, 1, 1), Task.FromException(new InvalidOperationException("MsgSizeTooLarge")));
        ledger.TrackWindow("p1", new InputSettlement(1, 2, 2), Task.CompletedTask);
        Assert.Empty(store.Stored);
        Assert.Equal(1, ledger.FailedDeliveries);
        Assert.Equal("MsgSizeTooLarge", reported!.Message);
    }

    [Fact]
    public void A_closing_that_overtakes_its_windows_waits_for_them()
    {
        var (ledger, store) = New();
        for (int i = 0; i < 5; i++) ledger.ReadForPipeline(At(0, i), "p1");
        ledger.TrackWindow("p1", new InputSettlement(1, 1, 2), Task.CompletedTask);
        Assert.Equal(At(0, 2), store.Stored[^1]);
        // State 1 closed after its 3rd window; the closing arrives before windows 2 and 3.
        ledger.TrackClosing(new PatientStateClosed("p1", new InputSettlement(1, 3, 5)));
        Assert.Equal(At(0, 2), store.Stored[^1]);
        var third = new TaskCompletionSource();
        ledger.TrackWindow("p1", new InputSettlement(1, 2, 3), Task.CompletedTask);
        Assert.Equal(At(0, 3), store.Stored[^1]);
        ledger.TrackWindow("p1", new InputSettlement(1, 3, 3), third.Task);
        Assert.Equal(At(0, 3), store.Stored[^1]);
        third.SetResult();
        Assert.Equal(At(0, 5), store.Stored[^1]);
    }

    [Fact]
    public void A_closing_of_a_state_without_windows_settles_at_once_unless_an_earlier_state_is_still_pending()
    {
        var (ledger, store) = New();
        ledger.ReadForPipeline(At(0, 0), "p1");   // 1: state 1
        ledger.ReadForPipeline(At(0, 1), "p1");   // 2: state 2 (after state 1 was evicted)
        ledger.TrackClosing(new PatientStateClosed("p1", new InputSettlement(1, 1, 1)));   // state 1 emitted 1 window, not yet in
        ledger.TrackClosing(new PatientStateClosed("p1", new InputSettlement(2, 0, 2)));   // state 2 emitted none
        Assert.Empty(store.Stored);
        ledger.TrackWindow("p1", new InputSettlement(1, 1, 0), Task.CompletedTask);
        Assert.Equal(At(0, 2), store.Stored[^1]);
    }

    [Fact]
    public void Rejected_inputs_settle_when_their_dead_letter_is_acknowledged_and_dropped_ones_at_once()
    {
        var (ledger, store) = New();
        ledger.ReadForPipeline(At(2, 40), "p1");   // 1 rejected
        ledger.ReadForPipeline(At(2, 41), "p1");   // 2 dropped (duplicate sequence)
        var deadLetter = new TaskCompletionSource();
        ledger.TrackRejected(1, deadLetter.Task);
        ledger.TrackDropped(2);
        Assert.Empty(store.Stored);
        deadLetter.SetResult();
        Assert.Equal(At(2, 42), store.Stored[^1]);
    }

    [Fact]
    public void Unreadable_messages_hold_the_partition_until_their_dead_letter_is_acknowledged()
    {
        var (ledger, store) = New();
        var settle = ledger.ReadAside(At(0, 5));
        ledger.ReadForPipeline(At(0, 6), "p1");
        ledger.TrackDropped(1);
        Assert.Empty(store.Stored);
        settle();
        Assert.Equal(At(0, 7), store.Stored[^1]);
    }

    [Fact]
    public void Revoking_stores_the_final_watermark_and_forgets_the_partition_losing_does_not_store()
    {
        var (ledger, store) = New();
        ledger.ReadForPipeline(At(0, 0), "p1");
        ledger.ReadForPipeline(At(0, 1), "p1");
        ledger.ReadForPipeline(At(1, 0), "p2");
        ledger.TrackWindow("p1", new InputSettlement(1, 1, 1), Task.CompletedTask);
        Assert.Equal([At(0, 1)], store.Stored);
        ledger.Revoke([new SourcePartition(Topic, 0)]);
        ledger.Lose([new SourcePartition(Topic, 1)]);
        Assert.Equal([At(0, 1)], store.Stored);   // revoke: final watermark 1 was stored already; lose: nothing
        Assert.Equal(0, ledger.HeldInputs);
        // The pipeline still emits for them; nothing is stored for partitions no longer owned.
        ledger.TrackWindow("p1", new InputSettlement(1, 2, 2), Task.CompletedTask);
        ledger.TrackWindow("p2", new InputSettlement(1, 1, 3), Task.CompletedTask);
        Assert.Single(store.Stored);
        Assert.Null(ledger.Watermark(new SourcePartition(Topic, 0)));
    }

    [Fact]
    public void Revoking_with_held_input_stores_the_oldest_held_offset_when_it_moved()
    {
        var (ledger, store) = New();
        ledger.ReadForPipeline(At(0, 8), "p1");
        ledger.ReadForPipeline(At(0, 9), "p1");
        ledger.Revoke([new SourcePartition(Topic, 0)]);
        Assert.Empty(store.Stored);   // reading started at 8: that is where the next owner starts anyway
        ledger.ReadForPipeline(At(0, 9), "p1");   // 3: re-assigned, re-read from 9 (say)
        ledger.ReadForPipeline(At(0, 10), "p2");  // 4
        ledger.ReadForPipeline(At(0, 11), "p2");  // 5
        ledger.TrackWindow("p1", new InputSettlement(1, 1, 3), Task.CompletedTask);
        Assert.Equal([At(0, 10)], store.Stored);
        ledger.Revoke([new SourcePartition(Topic, 0)]);
        Assert.Equal([At(0, 10)], store.Stored);
    }

    [Fact]
    public void Many_patients_on_one_partition_with_acknowledgements_in_any_order_match_a_reference_model()
    {
        var rng = new Random(7);
        var (ledger, store) = New();
        var partition = new SourcePartition(Topic, 0);
        var inputs = new List<(long Ordinal, string Patient, long Offset)>();
        // Reference: per patient, its windows in order; an input is settled once a window with through ≥ its ordinal and
        // every earlier window of the patient are acknowledged.
        var windows = new Dictionary<string, List<(long Through, TaskCompletionSource Ack)>>();
        var unacked = new List<TaskCompletionSource>();
        long offset = 0;
        for (int step = 0; step < 1500; step++)
        {
            string p = "p" + rng.Next(5);
            long ordinal = ledger.ReadForPipeline(At(0, offset), p);
            inputs.Add((ordinal, p, offset++));
            if (rng.Next(3) == 0)
            {
                long through = inputs.Where(i => i.Patient == p && i.Ordinal <= ordinal - rng.Next(0, 4)).Select(i => i.Ordinal).DefaultIfEmpty(0).Max();
                var list = windows.TryGetValue(p, out var l) ? l : windows[p] = [];
                var ack = new TaskCompletionSource();
                list.Add((through, ack));
                unacked.Add(ack);
                ledger.TrackWindow(p, new InputSettlement(1, list.Count, through), ack.Task);
            }
            if (unacked.Count > 0 && rng.Next(2) == 0)
            {
                int i = rng.Next(unacked.Count);
                unacked[i].SetResult();
                unacked.RemoveAt(i);
            }
            Assert.Equal(ReferenceWatermark(), ledger.Watermark(partition));
        }
        foreach (var ack in unacked) ack.SetResult();
        foreach (var (patient, list) in windows)
            ledger.TrackWindow(patient, new InputSettlement(1, list.Count + 1, inputs.Where(i => i.Patient == patient).Max(i => i.Ordinal)), Task.CompletedTask);
        Assert.Equal(offset, ledger.Watermark(partition));
        Assert.Equal(offset, store.Last(0));
        var marks = store.Stored.Select(s => s.Offset).ToList();
        Assert.Equal(marks.Order(), marks);   // the watermark only moves forward
        Assert.True(marks.Distinct().Count() == marks.Count, "stored only when it moves");

        long ReferenceWatermark()
        {
            var settledThrough = windows.ToDictionary(kv => kv.Key, kv =>
            {
                long through = 0;
                foreach (var (t, ack) in kv.Value)
                {
                    if (!ack.Task.IsCompleted) break;
                    through = Math.Max(through, t);
                }
                return through;
            });
            foreach (var (ordinal, patient, off) in inputs)
                if (ordinal > settledThrough.GetValueOrDefault(patient)) return off;
            return offset;
        }
    }
}
