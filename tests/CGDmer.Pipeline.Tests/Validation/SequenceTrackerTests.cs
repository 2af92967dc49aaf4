using CGDmer.Pipeline.Validation;

namespace CGDmer.Pipeline.Tests;

public class SequenceTrackerTests
{
    [Fact]
    public void New_duplicate_and_gap()
    {
        var t = new SequenceTracker();
        Assert.Equal(SequenceCheck.New, t.Check("a", 10));
        Assert.Equal(SequenceCheck.New, t.Check("a", 11));
        Assert.Equal(SequenceCheck.Duplicate, t.Check("a", 11));
        Assert.Equal(SequenceCheck.Duplicate, t.Check("a", 10));
        var gap = t.Check("a", 15);
        Assert.Equal(SequenceStatus.Gap, gap.Status);
        Assert.Equal(3ul, gap.Missing);
        Assert.True(gap.IsAccepted);
        Assert.False(SequenceCheck.Duplicate.IsAccepted);
        Assert.True(t.TryGetLast("a", out var last) && last == 15);
        Assert.Equal(SequenceCheck.New, t.Check("a", 16));
    }

    [Fact]
    public void Devices_are_independent()
    {
        var t = new SequenceTracker();
        Assert.Equal(SequenceCheck.New, t.Check("a", 5));
        Assert.Equal(SequenceCheck.New, t.Check("b", 5));
        Assert.Equal(SequenceCheck.Duplicate, t.Check("b", 5));
        Assert.Equal(SequenceCheck.New, t.Check("a", 6));
    }

    [Fact]
    public void Duplicate_and_late_do_not_move_the_last_sequence()
    {
        var t = new SequenceTracker();
        t.Check("a", 10);
        t.Check("a", 10);
        t.Check("a", 2);
        Assert.Equal(SequenceCheck.New, t.Check("a", 11));
    }

    [Fact]
    public void Out_of_order_within_the_reorder_bound_is_accepted_once_and_older_is_behind()
    {
        var t = new SequenceTracker(reorderBound: 4);
        Assert.Equal(SequenceCheck.New, t.Check("a", 10));
        Assert.Equal(SequenceCheck.Gap(2), t.Check("a", 13));       // 11 and 12 not seen yet
        Assert.Equal(SequenceCheck.OutOfOrder, t.Check("a", 12));
        Assert.Equal(SequenceCheck.OutOfOrder, t.Check("a", 11));
        Assert.Equal(SequenceCheck.Duplicate, t.Check("a", 11));    // now seen
        Assert.Equal(SequenceCheck.Duplicate, t.Check("a", 10));
        // 5 behind 13 > bound 4; without its time it cannot be told late from a restart: it counts towards a new numbering.
        Assert.Equal(new SequenceCheck(SequenceStatus.Behind) { Consistent = 1, PreviousLast = 13 }, t.Check("a", 8));
        Assert.False(SequenceCheck.Late.IsAccepted);
        Assert.False(new SequenceCheck(SequenceStatus.Behind).IsAccepted);
        Assert.True(SequenceCheck.OutOfOrder.IsAccepted);
        Assert.True(t.TryGetLast("a", out var last) && last == 13);
        // A jump of 64 or more clears the history: everything below is then late or out of order.
        Assert.Equal(SequenceCheck.Gap(99), t.Check("a", 113));
        Assert.Equal(SequenceCheck.OutOfOrder, t.Check("a", 110));
        Assert.Equal(SequenceStatus.Behind, t.Check("a", 13).Status);
    }

    [Fact]
    public void Every_permutation_within_the_bound_is_accepted_exactly_once()
    {
        var rng = new Random(4);
        for (int trial = 0; trial < 200; trial++)
        {
            var t = new SequenceTracker(reorderBound: 16);
            // Sequences 1..200 shuffled locally (each moves at most 8 places), then each delivered twice.
            var seq = Enumerable.Range(1, 200).Select(i => (ulong)i).ToArray();
            for (int i = 0; i < seq.Length; i += 8) rng.Shuffle(seq.AsSpan(i, Math.Min(8, seq.Length - i)));
            var delivered = seq.SelectMany(s => new[] { s, s }).ToArray();
            int accepted = delivered.Count(s => t.Check("a", s).IsAccepted);
            Assert.Equal(200, accepted);
        }
    }

    [Fact]
    public void Extreme_sequences()
    {
        var t = new SequenceTracker();
        Assert.Equal(SequenceCheck.New, t.Check("a", 0));
        Assert.Equal(SequenceCheck.Gap(ulong.MaxValue - 1), t.Check("a", ulong.MaxValue));
        Assert.Equal(SequenceCheck.Duplicate, t.Check("a", ulong.MaxValue));
    }

    [Fact]
    public void Memory_is_bounded_with_least_recently_seen_eviction()
    {
        var t = new SequenceTracker(capacity: 3);
        t.Check("a", 1);
        t.Check("b", 1);
        t.Check("c", 1);
        t.Check("a", 2);            // a is now the most recent; b the least
        t.Check("d", 1);            // evicts b
        Assert.Equal(3, t.Count);
        Assert.Equal(1, t.Evictions);
        Assert.False(t.TryGetLast("b", out _));
        Assert.True(t.TryGetLast("a", out _));
        Assert.Equal(SequenceCheck.Duplicate, t.Check("c", 1));   // c kept (and touched)
        Assert.Equal(SequenceCheck.New, t.Check("b", 1));         // b forgotten: counts as new, evicts a
        Assert.False(t.TryGetLast("a", out _));

        for (int i = 0; i < 10_000; i++) t.Check("dev-" + i, 1);
        Assert.Equal(3, t.Count);
    }

    [Fact]
    public void Capacity_and_reorder_bound_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceTracker(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceTracker(reorderBound: 64));
        Assert.Throws<ArgumentNullException>(() => new SequenceTracker(null!));
    }

    [Fact]
    public void Concurrent_checks_accept_each_sequence_once()
    {
        var t = new SequenceTracker(16);
        var accepted = new System.Collections.Concurrent.ConcurrentBag<ulong>();
        // Every sequence delivered twice at the same moment by two threads racing on the tracker. (Free-running
        // producers are not used: on a loaded machine one falls far behind the other, and its consistent run of late
        // sequences is then, rightly, a device restart.)
        for (ulong seq = 1; seq <= 2000; seq++)
        {
            ulong s = seq;
            void Deliver() { if (t.Check("a", s).IsAccepted) accepted.Add(s); }
            Parallel.Invoke(Deliver, Deliver);
        }
        Assert.True(t.TryGetLast("a", out var last) && last == 2000);
        // Each sequence accepted exactly once: never twice, never lost to the race.
        Assert.Equal(2000, accepted.Count);
        Assert.Equal(accepted.Count, accepted.Distinct().Count());
    }
}
