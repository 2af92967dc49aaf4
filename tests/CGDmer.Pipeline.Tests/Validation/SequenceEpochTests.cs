using CGDmer.Pipeline.Validation;

namespace CGDmer.Pipeline.Tests;

/// <summary>
/// The sequence and clock rule with time: nothing a device sends stops it for good (restarts, wraps and clock jumps start
/// a new epoch after a bounded number of segments or a pause), and one bad segment changes nothing but itself.
/// </summary>
public class SequenceEpochTests
{
    private static readonly long T0 = new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.Zero).UtcTicks;

    /// <summary>A one-second segment starting <paramref name="startSeconds"/> after T0, received when a live device has it
    /// complete (<paramref name="receivedSeconds"/>, by default its end).</summary>
    private static SequenceCheck Check(SequenceTracker t, ulong sequence, double startSeconds, double? receivedSeconds = null, string device = "a")
    {
        long start = T0 + (long)(startSeconds * TimeSpan.TicksPerSecond);
        long received = T0 + (long)((receivedSeconds ?? startSeconds + 1) * TimeSpan.TicksPerSecond);
        return t.Check(device, "patient-" + device, sequence, start, start + TimeSpan.TicksPerSecond, received);
    }

    /// <summary>Segments <paramref name="from"/>, … numbered on from <paramref name="firstSequence"/>, one per second.</summary>
    private static void Feed(SequenceTracker t, ulong firstSequence, int count, double fromSeconds)
    {
        for (int i = 0; i < count; i++) Assert.True(Check(t, firstSequence + (ulong)i, fromSeconds + i).IsAccepted);
    }

    [Fact]
    public void A_restart_at_zero_is_a_new_epoch_after_the_confirming_segments_and_never_dropped_for_good()
    {
        var t = new SequenceTracker(new SequenceOptions { ConfirmSegments = 3 });
        Feed(t, 1000, 10, 0);
        Assert.Equal(new SequenceCheck(SequenceStatus.Behind) { Consistent = 1, PreviousLast = 1009 }, Check(t, 0, 10));
        Assert.Equal(new SequenceCheck(SequenceStatus.Behind) { Consistent = 2, PreviousLast = 1009 }, Check(t, 1, 11));
        var epoch = Check(t, 2, 12);
        Assert.Equal(SequenceStatus.NewEpoch, epoch.Status);
        Assert.Equal(SequenceEpoch.Restart, epoch.Epoch);
        Assert.Equal(1009ul, epoch.PreviousLast);
        Assert.True(epoch.IsAccepted);
        for (ulong s = 3; s < 200; s++) Assert.Equal(SequenceCheck.New, Check(t, s, 10 + s));
        Assert.True(t.TryGetLast("a", out var last) && last == 199);
    }

    [Fact]
    public void A_restart_confirmed_by_one_segment_when_so_configured_and_small_gaps_in_the_new_numbering_count()
    {
        var one = new SequenceTracker(new SequenceOptions { ConfirmSegments = 1 });
        Feed(one, 1000, 5, 0);
        Assert.Equal(SequenceEpoch.Restart, Check(one, 0, 5).Epoch);

        var t = new SequenceTracker(new SequenceOptions { ConfirmSegments = 3 });
        Feed(t, 1000, 5, 0);
        Assert.Equal(1, Check(t, 0, 5).Consistent);
        Assert.Equal(2, Check(t, 2, 6).Consistent);      // 1 lost: still the same numbering
        Assert.Equal(SequenceEpoch.Restart, Check(t, 3, 7).Epoch);
    }

    [Fact]
    public void A_single_backward_outlier_is_dropped_and_the_numbering_goes_on()
    {
        var t = new SequenceTracker(new SequenceOptions { ConfirmSegments = 2 });
        Feed(t, 1000, 10, 0);
        // Segment 1010's number corrupted to 7: new data, numbered back.
        Assert.Equal(SequenceStatus.Behind, Check(t, 7, 10).Status);
        Assert.Equal(SequenceCheck.Gap(1), Check(t, 1011, 11));
        Assert.Equal(SequenceCheck.New, Check(t, 1012, 12));
        // The next corrupted one starts its count afresh: one outlier at a time never re-bases the device.
        Assert.Equal(1, Check(t, 8, 13).Consistent);
        Assert.Equal(SequenceCheck.Gap(1), Check(t, 1014, 14));
        Assert.True(t.TryGetLast("a", out var last) && last == 1014);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(64)]
    public void A_counter_wrap_continues_at_once(int bits)
    {
        ulong top = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        var t = new SequenceTracker(new SequenceOptions());
        Feed(t, top - 9, 10, 0);
        var wrap = Check(t, 0, 10);
        Assert.Equal(SequenceStatus.NewEpoch, wrap.Status);
        Assert.Equal(SequenceEpoch.Wrap, wrap.Epoch);
        Assert.Equal(top, wrap.PreviousLast);
        Assert.Equal(SequenceCheck.New, Check(t, 1, 11));
        // A wrap that lost a few segments across it is still one.
        var lossy = new SequenceTracker(new SequenceOptions());
        Feed(lossy, top - 3, 2, 0);
        Assert.Equal(SequenceEpoch.Wrap, Check(lossy, 5, 8).Epoch);
    }

    [Fact]
    public void A_restart_after_a_pause_is_a_new_epoch_at_once()
    {
        var t = new SequenceTracker(new SequenceOptions { RestartGapSeconds = 10 });
        Feed(t, 1000, 10, 0);
        // Rebooted for 30 s: data resumes at 40 s, numbered from 0.
        var epoch = Check(t, 0, 40);
        Assert.Equal(SequenceStatus.NewEpoch, epoch.Status);
        Assert.Equal(SequenceEpoch.TimeGap, epoch.Epoch);
        Assert.Equal(SequenceCheck.New, Check(t, 1, 41));
        // A pause shorter than the option's needs the confirming segments.
        var quick = new SequenceTracker(new SequenceOptions { RestartGapSeconds = 10 });
        Feed(quick, 1000, 10, 0);
        Assert.Equal(SequenceStatus.Behind, Check(quick, 0, 15).Status);
    }

    [Fact]
    public void Old_data_numbered_back_is_late_and_never_counts_towards_a_restart()
    {
        var t = new SequenceTracker(new SequenceOptions { ConfirmSegments = 2 });
        Feed(t, 1000, 100, 0);
        // Redelivered segments 1010.. (their old numbers and old times), after the device moved on: late.
        for (ulong s = 1010; s < 1020; s++) Assert.Equal(SequenceCheck.Late, Check(t, s, s - 1000, 101));
        Assert.Equal(SequenceCheck.New, Check(t, 1100, 100));
    }

    [Fact]
    public void One_segment_far_ahead_of_the_device_clock_is_dropped_and_does_not_move_it()
    {
        var t = new SequenceTracker(new SequenceOptions { MaxClockLeadSeconds = 10 });
        Feed(t, 1, 60, 0);
        // Segment 61 stamped 4 min ahead (within the receiver's skew allowance), received on time.
        var ahead = Check(t, 61, 60 + 240, receivedSeconds: 61);
        Assert.Equal(SequenceStatus.ClockAhead, ahead.Status);
        Assert.Equal(1, ahead.Consistent);
        Assert.Equal(239, ahead.Ahead.TotalSeconds, 3);   // 300 s against the device's clock at 61 s
        for (ulong s = 62; s < 300; s++) Assert.True(Check(t, s, s - 1).IsAccepted, $"sequence {s}");
    }

    [Fact]
    public void The_clock_is_the_patients_so_another_device_far_ahead_is_dropped_as_well()
    {
        var t = new SequenceTracker(new SequenceOptions { MaxClockLeadSeconds = 10 });
        Feed(t, 1, 60, 0);
        long start = T0 + 300 * TimeSpan.TicksPerSecond, received = T0 + 61 * TimeSpan.TicksPerSecond;
        // A second monitor of the same patient, its clock 4 min ahead: its first segment is not taken for the patient's time.
        Assert.Equal(SequenceStatus.ClockAhead, t.Check("b", "patient-a", 1, start, start + TimeSpan.TicksPerSecond, received).Status);
        // Another patient's clock is its own.
        Assert.Equal(SequenceCheck.New, t.Check("c", "patient-c", 1, start, start + TimeSpan.TicksPerSecond, received));
        Assert.Equal(SequenceCheck.New, Check(t, 61, 60));
    }

    [Fact]
    public void A_clock_that_moved_ahead_for_good_is_followed_after_the_confirming_segments()
    {
        var t = new SequenceTracker(new SequenceOptions { MaxClockLeadSeconds = 10, ConfirmSegments = 3 });
        Feed(t, 1, 60, 0);
        // The device's clock was corrected by +2 min from segment 61 on.
        Assert.Equal(SequenceStatus.ClockAhead, Check(t, 61, 180, receivedSeconds: 61).Status);
        Assert.Equal(2, Check(t, 62, 181, receivedSeconds: 62).Consistent);
        var jump = Check(t, 63, 182, receivedSeconds: 63);
        Assert.Equal(SequenceStatus.NewEpoch, jump.Status);
        Assert.Equal(SequenceEpoch.ClockJump, jump.Epoch);
        Assert.Equal(119, jump.Ahead.TotalSeconds, 3);
        for (ulong s = 64; s < 100; s++) Assert.Equal(SequenceCheck.New, Check(t, s, s + 119, receivedSeconds: s));
    }

    [Fact]
    public void Data_resuming_after_an_outage_is_on_the_device_clock()
    {
        var t = new SequenceTracker(new SequenceOptions { MaxClockLeadSeconds = 10 });
        Feed(t, 1, 10, 0);
        // Offline for 5 min (numbers and time moved on alike), and live again.
        Assert.Equal(SequenceCheck.Gap(299), Check(t, 310, 310));
        // Delivered late and in a burst (a consumer catching up): behind the receiver, never ahead.
        for (ulong s = 311; s < 330; s++) Assert.Equal(SequenceCheck.New, Check(t, s, s, receivedSeconds: 320));
    }

    [Fact]
    public void Alternating_outliers_and_good_segments_never_start_an_epoch()
    {
        var t = new SequenceTracker(new SequenceOptions { ConfirmSegments = 2, MaxClockLeadSeconds = 10 });
        Feed(t, 1000, 10, 0);
        for (int i = 0; i < 20; i++)
        {
            double at = 10 + 2 * i;
            Assert.False((i % 2 == 0 ? Check(t, 5, at) : Check(t, 1010 + 2 * (ulong)i, at + 200, receivedSeconds: at + 1)).IsAccepted);
            Assert.True(Check(t, 1011 + 2 * (ulong)i, at + 1).IsAccepted);
        }
    }

    public static TheoryData<Action<SequenceOptions>, string> Bad => new()
    {
        { o => o.MaxDevices = 0, nameof(SequenceOptions.MaxDevices) },
        { o => o.ReorderBound = 0, nameof(SequenceOptions.ReorderBound) },
        { o => o.ReorderBound = 64, nameof(SequenceOptions.ReorderBound) },
        { o => o.ConfirmSegments = 0, nameof(SequenceOptions.ConfirmSegments) },
        { o => o.ConfirmSegments = 65, nameof(SequenceOptions.ConfirmSegments) },
        { o => o.RestartGapSeconds = 0, nameof(SequenceOptions.RestartGapSeconds) },
        { o => o.RestartGapSeconds = double.NaN, nameof(SequenceOptions.RestartGapSeconds) },
        { o => o.MaxClockLeadSeconds = -1, nameof(SequenceOptions.MaxClockLeadSeconds) },
        { o => o.MaxClockLeadSeconds = double.PositiveInfinity, nameof(SequenceOptions.MaxClockLeadSeconds) },
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void Invalid_options_name_the_option(Action<SequenceOptions> change, string name)
    {
        var o = new SequenceOptions();
        change(o);
        Assert.Equal(name, Assert.ThrowsAny<ArgumentException>(() => o.Validate()).ParamName);
        Assert.Equal(name, Assert.ThrowsAny<ArgumentException>(() => new SequenceTracker(o)).ParamName);
    }

    [Fact]
    public void Defaults_are_valid_and_match_the_contract()
    {
        var o = new SequenceOptions().Validate();
        Assert.Equal(32, o.ReorderBound);
        Assert.Equal(3, o.ConfirmSegments);
        Assert.Equal(TimeSpan.FromSeconds(10), o.RestartGap);
        Assert.Equal(TimeSpan.FromSeconds(10), o.MaxClockLead);
    }
}
