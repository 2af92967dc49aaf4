using CGDmer.Signal.Beats;

namespace CGDmer.Signal.Tests;

public class BeatToBeatHeartRateTests
{
    private const double Fs = 250;

    private static double? Feed(BeatToBeatHeartRate hr, IEnumerable<double> rrSeconds, ref double t)
    {
        double? last = hr.Bpm;
        foreach (var rr in rrSeconds)
        {
            t += rr;
            last = hr.Add((long)Math.Round(t * Fs));
        }
        return last;
    }

    /// <summary>The rate a fresh meter shows after a first beat at 0 and then these intervals.</summary>
    private static double? RateAfter(IEnumerable<double> rrSeconds)
    {
        var hr = new BeatToBeatHeartRate(Fs);
        double t = 0;
        hr.Add(0);
        return Feed(hr, rrSeconds, ref t);
    }

    [Fact]
    public void A_steady_rhythm_shows_its_rate()
    {
        var hr = new BeatToBeatHeartRate(Fs);
        double t = 0;
        Assert.Null(hr.Add(0));
        Assert.Equal(75, Feed(hr, Enumerable.Repeat(0.8, 20), ref t)!.Value, 1);
    }

    [Fact]
    public void A_rate_step_is_followed_within_the_averaged_intervals()
    {
        var hr = new BeatToBeatHeartRate(Fs);
        double t = 0;
        hr.Add(0);
        Feed(hr, Enumerable.Repeat(0.75, 20), ref t);   // 80 /min
        var after = new List<double>();
        for (int i = 0; i < 10; i++) after.Add(Feed(hr, [0.5], ref t)!.Value);   // 120 /min
        Assert.Equal(120, after[hr.Intervals - 1], 1);
        Assert.True(after[0] < 90, "one beat of the new rate does not take the display there at once");
    }

    [Fact]
    public void Ventricular_bigeminy_shows_the_mean_rate()
    {
        // IEC 60601-2-27's bigeminy waveform is shown as 80 /min: alternating short and long intervals around 0.75 s.
        var bpm = RateAfter(Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? 0.5 : 1.0))!.Value;
        Assert.InRange(bpm, 79, 81);
    }

    [Fact]
    public void One_extra_or_missed_beat_moves_the_rate_little()
    {
        var hr = new BeatToBeatHeartRate(Fs);
        double t = 0;
        hr.Add(0);
        Feed(hr, Enumerable.Repeat(0.8, 20), ref t);
        var missed = Feed(hr, [1.6, 0.8], ref t)!.Value;       // a beat not detected
        Assert.InRange(missed, 70, 80);
        Feed(hr, Enumerable.Repeat(0.8, 20), ref t);
        var extra = Feed(hr, [0.3, 0.5, 0.8], ref t)!.Value;   // a T wave taken for a beat
        Assert.InRange(extra, 70, 80);
    }

    [Fact]
    public void At_a_slow_rate_the_average_reaches_back_8_s_not_8_intervals()
    {
        // 75 → 30 /min: after four 2 s intervals, 8 s back holds just those four (the minimum), so 30 /min is shown;
        // eight intervals, trimmed, would still read 43 /min.
        Assert.Equal(30, RateAfter(Enumerable.Repeat(0.8, 10).Concat(Enumerable.Repeat(2.0, 4)))!.Value, 6);
        Assert.Equal(30, BeatToBeatHeartRate.RateAt([0, 200, 400, 600, 800, 1000, 1200, 1700, 2200, 2700, 3200], 3200, Fs)!.Value, 6);
        // A fast rate keeps its eight intervals: 8 × 0.5 s spans 4 s.
        Assert.Equal(120, RateAfter(Enumerable.Repeat(0.5, 7).Append(0.4).Append(0.6))!.Value, 6);
    }

    [Fact]
    public void A_gap_longer_than_the_longest_interval_restarts_the_average()
    {
        var hr = new BeatToBeatHeartRate(Fs);
        double t = 0;
        hr.Add(0);
        Feed(hr, Enumerable.Repeat(0.8, 10), ref t);
        Assert.Null(Feed(hr, [4.0], ref t));
        Assert.Equal(120, Feed(hr, [0.5], ref t)!.Value, 1);
        Assert.Throws<ArgumentException>(() => hr.Add(0));
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public void The_rate_shown_at_a_sample_without_an_instance_is_the_instance_s(byte[] gaps, byte after, byte intervals)
    {
        // Gaps of 10 ms to 4.5 s at 100 Hz: normal, too short (skipped) and too long (restart) intervals.
        const double fs = 100;
        int n = intervals % 16 + 1;
        var beats = new List<int> { 5 };
        foreach (var g in gaps ?? []) beats.Add(beats[^1] + 1 + g * 450 / 255);
        var hr = new BeatToBeatHeartRate(fs, n);
        foreach (var b in beats) hr.Add(b);
        long at = beats[^1] + after * 2;
        double? expected = hr.At(at), actual = BeatToBeatHeartRate.RateAt(beats.ToArray(), at, fs, n);
        Assert.Equal(expected is null, actual is null);
        // The same intervals, summed in another order: equal to the last bits.
        if (expected is { } e) Assert.Equal(e, actual!.Value, 1e-9 * e);
    }
}
