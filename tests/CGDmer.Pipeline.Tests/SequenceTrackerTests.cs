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
        Assert.Equal(SequenceCheck.Duplicate, t.Check("a", 3));
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
    public void Duplicate_does_not_move_the_last_sequence()
    {
        var t = new SequenceTracker();
        t.Check("a", 10);
        t.Check("a", 2);
        Assert.Equal(SequenceCheck.New, t.Check("a", 11));
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
    public void Capacity_must_be_positive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceTracker(0));

    [Fact]
    public void Concurrent_checks_accept_each_sequence_once()
    {
        var t = new SequenceTracker(16);
        int accepted = 0;
        Parallel.For(1, 2001, i => { if (t.Check("a", (ulong)i).IsAccepted) Interlocked.Increment(ref accepted); });
        Assert.True(t.TryGetLast("a", out var last) && last == 2000);
        Assert.InRange(accepted, 1, 2000);
    }
}
