using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using FsCheck;
using FsCheck.Xunit;
using static CGDmer.TestSupport.WindowTestData;

namespace CGDmer.Pipeline.Tests.Windowing;

public class WindowingPropertyTests
{
    /// <summary>Contiguous segments of random lengths (0.2–1.6 s) at a random rate, some with lead-off ranges.</summary>
    private static List<EcgSegmentData> RandomStream(Random rng, double rate)
    {
        var list = new List<EcgSegmentData>();
        double start = rng.Next(0, 50) / 10.0;
        long sample = (long)Math.Round(start * rate), end = sample + (long)(rate * 32);
        ulong seq = 1;
        while (sample < end)
        {
            int count = (int)Math.Min(end - sample, rng.Next((int)(0.2 * rate), (int)(1.6 * rate)));
            IReadOnlyList<SampleIndexRange> off = rng.Next(8) == 0 ? [new SampleIndexRange(count / 3, count / 2)] : [];
            list.Add(Segment("p", seq++, sample / rate, rate, count, leadOffRanges: l => l == Lead.V1 ? off : []));
            sample += count;
        }
        return list;
    }

    /// <summary>
    /// A random delivery order within the reorder bound: every segment, when delivered, starts no earlier than the newest
    /// delivered data minus the bound. Random re-deliveries of segments already sent are mixed in.
    /// </summary>
    private static List<EcgSegmentData> RandomDelivery(Random rng, List<EcgSegmentData> inOrder, TimeSpan bound)
    {
        var remaining = inOrder.ToList();
        var delivered = new List<EcgSegmentData>();
        var newest = DateTimeOffset.MinValue;
        bool Allowed(EcgSegmentData s, DateTimeOffset newestEnd) => newestEnd == DateTimeOffset.MinValue || s.StartTime >= newestEnd - bound;
        while (remaining.Count > 0)
        {
            // A candidate may go now if, after it, the earliest remaining segment can still go (so the order completes).
            var candidates = remaining.Take(8).Where(c =>
            {
                if (!Allowed(c, newest)) return false;
                var after = c.EndTime > newest ? c.EndTime : newest;
                var earliest = remaining.FirstOrDefault(r => !ReferenceEquals(r, c));
                return earliest is null || Allowed(earliest, after);
            }).ToList();
            var pick = candidates[rng.Next(candidates.Count)];
            remaining.Remove(pick);
            delivered.Add(pick);
            if (pick.EndTime > newest) newest = pick.EndTime;
            if (rng.Next(10) == 0) delivered.Add(delivered[rng.Next(delivered.Count)]);
        }
        return delivered;
    }

    [Property(MaxTest = 60)]
    public bool Any_delivery_order_within_the_reorder_bound_yields_the_windows_of_in_order_delivery(int seed, bool highRate)
    {
        var rng = new Random(seed);
        double rate = highRate ? 500 : 360;
        var options = new WindowingOptions { ReorderBoundSeconds = 2 };
        var inOrder = RandomStream(rng, rate);
        var shuffled = RandomDelivery(rng, inOrder, options.ReorderBound);
        var expected = Run(inOrder, options);
        var actual = Run(shuffled, options);
        bool same = expected.Count > 0 && SameWindows(expected, actual);
        Release(expected.Concat(actual));
        return same;
    }

    [Fact]
    public void Random_delivery_really_reorders()
    {
        var rng = new Random(1);
        var inOrder = RandomStream(rng, 360);
        var shuffled = RandomDelivery(rng, inOrder, TimeSpan.FromSeconds(2));
        Assert.NotEqual(inOrder, shuffled.Distinct());
        Assert.Equal(inOrder.ToHashSet(), shuffled.ToHashSet());
    }

    [Property(MaxTest = 200)]
    public bool Grid_placement_is_exact_for_any_time(long ticks, bool highRate)
    {
        // Any instant between 1970 and 2100: the first window at or after it starts at or after it, and the one before does not.
        var options = new WindowingOptions();
        var layout = new NativeLayout(highRate ? 500 : 360, Geometry, options);
        long t = DateTimeOffset.UnixEpoch.UtcTicks + Math.Abs(ticks % (130L * 365 * TimeSpan.TicksPerDay));
        long sample = layout.SampleIndexAt(t);
        long k = layout.FirstWindowAtOrAfter(sample);
        return layout.WindowStart(k) >= sample && layout.WindowStart(k - 1) < sample
            && layout.WindowStartTime(k).UtcTicks % options.Hop.Ticks == DateTimeOffset.UnixEpoch.UtcTicks % options.Hop.Ticks
            && Math.Abs(sample / (highRate ? 500.0 : 360.0) - (t - DateTimeOffset.UnixEpoch.UtcTicks) / 1e7) <= 0.5 / (highRate ? 500 : 360) + 1e-6;
    }
}
