namespace CGDmer.Transports.Tests;

public class AnsweringTrackerTests
{
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks;
        public override long GetTimestamp() => Ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }

    [Fact]
    public void A_run_of_failures_is_timed_from_its_first_and_ends_at_the_first_answer()
    {
        var clock = new ManualClock { Ticks = 10 };
        var tracker = new AnsweringTracker(clock);
        Assert.Equal((true, TimeSpan.Zero, (string?)null), tracker.Now());
        Assert.True(tracker.Failed("timeout"));
        clock.Ticks += TimeSpan.FromSeconds(3).Ticks;
        Assert.False(tracker.Failed("network"));   // the same run: not a change
        clock.Ticks += TimeSpan.FromSeconds(2).Ticks;
        Assert.Equal((false, TimeSpan.FromSeconds(5), "network"), tracker.Now());
        Assert.True(tracker.Answered());
        Assert.False(tracker.Answered());
        Assert.True(tracker.Now().IsAnswering);
    }

    [Fact]
    public void A_failure_at_timestamp_zero_still_reads_as_not_answering()
    {
        var tracker = new AnsweringTracker(new ManualClock { Ticks = 0 });
        tracker.Failed("503");
        Assert.False(tracker.Now().IsAnswering);
    }
}
