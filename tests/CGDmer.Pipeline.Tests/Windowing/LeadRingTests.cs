using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CGDmer.Pipeline.Tests.Windowing;

/// <summary>
/// The word-at-a-time paths of <see cref="LeadRing"/> and <see cref="Bits"/> against per-sample references written from
/// their contracts, on rings filled by random writes (gaps, lead-off segments and ranges, re-sent data, wrap-around).
/// </summary>
public class LeadRingTests
{
    /// <summary>A ring of 64·k slots whose live range [liveFrom, liveTo) has received random writes with gaps and lead-off.</summary>
    private static (LeadRing Ring, long LiveFrom, long LiveTo) RandomRing(Random rng)
    {
        int capacity = 64 * rng.Next(1, 12);
        var ring = new LeadRing(capacity);
        long liveTo = rng.NextInt64(-5000, 5000), liveFrom = liveTo - capacity;   // negative indices too: slots wrap either way
        // Random pieces: some contiguous runs, some overlapping (first write wins), some left out (gaps).
        for (int w = rng.Next(0, 12); w > 0; w--)
        {
            int len = rng.Next(0, Math.Min(capacity, 200));
            long start = rng.NextInt64(liveFrom, liveTo - len + 1);
            var samples = new float[len];
            for (int i = 0; i < len; i++) samples[i] = (float)(rng.NextDouble() * 4 - 2);
            bool leadOff = rng.Next(6) == 0;
            var ranges = new List<SampleIndexRange>();
            for (int at = rng.Next(0, Math.Max(len, 1)); at < len && rng.Next(3) != 0; at += rng.Next(1, 40))
            {
                int end = Math.Min(len, at + rng.Next(1, 70));
                ranges.Add(new SampleIndexRange(at, end));
                at = end;
            }
            ring.Write(start, samples, leadOff, ranges, 0);
        }
        if (rng.Next(4) == 0)
        {
            // A fully received stretch, so whole present words are common.
            int len = Math.Min(capacity, 64 * rng.Next(1, 4));
            long start = rng.NextInt64(liveFrom, liveTo - len + 1);
            ring.Write(start, Enumerable.Range(0, len).Select(i => (float)i).ToArray(), false, [], 0);
        }
        return (ring, liveFrom, liveTo);
    }

    /// <summary>The contract of <see cref="LeadRing.CopyHoldingMissing"/>, one sample at a time.</summary>
    private static bool ReferenceCopy(LeadRing ring, long from, long to, long liveFrom, long liveTo, float[] destination)
    {
        int n = (int)(to - from), first = -1;
        float held = 0;
        for (int i = 0; i < n; i++)
        {
            long index = from + i;
            if (index >= liveFrom && index < liveTo && ring.IsPresent(index))
            {
                held = ring[index];
                if (first < 0) { first = i; Array.Fill(destination, held, 0, i); }
            }
            destination[i] = held;
        }
        return first >= 0;
    }

    [Property(MaxTest = 300)]
    public void CopyHoldingMissing_equals_the_per_sample_definition(PositiveInt seed)
    {
        var rng = new Random(seed.Get);
        var (ring, liveFrom, liveTo) = RandomRing(rng);
        using (ring)
        {
            // Ranges inside, overlapping either end of, or outside the live range (those slots hold other indices).
            int n = rng.Next(1, ring.Capacity + 1);
            long from = rng.NextInt64(liveFrom - n, liveTo);
            var expected = new float[n];
            var actual = new float[n];
            bool any = ReferenceCopy(ring, from, from + n, liveFrom, liveTo, expected);
            Assert.Equal(any, ring.CopyHoldingMissing(from, from + n, liveFrom, liveTo, actual));
            if (any) Assert.Equal(expected, actual);
        }
    }

    [Property(MaxTest = 300)]
    public void OrPresentInto_sets_the_bit_of_each_present_sample_and_keeps_the_others(PositiveInt seed)
    {
        var rng = new Random(seed.Get);
        var (ring, liveFrom, liveTo) = RandomRing(rng);
        using (ring)
        {
            int n = rng.Next(1, ring.Capacity + 1);
            long origin = rng.NextInt64(liveFrom, liveTo - n + 1);
            long from = origin + rng.Next(0, n), to = from + rng.Next(0, (int)(origin + n - from) + 1);
            var union = new ulong[(n + 63) / 64 + 1];
            for (int i = 0; i < union.Length; i++) union[i] = rng.Next(2) == 0 ? 0 : (ulong)rng.NextInt64();
            var before = (ulong[])union.Clone();
            ring.OrPresentInto(from, to, origin, union);
            for (int bit = 0; bit < union.Length * 64; bit++)
            {
                long index = origin + bit;
                bool wasSet = (before[bit >> 6] & (1UL << (bit & 63))) != 0;
                bool expected = wasSet || (index >= from && index < to && ring.IsPresent(index));
                Assert.Equal(expected, (union[bit >> 6] & (1UL << (bit & 63))) != 0);
            }
        }
    }

    [Property(MaxTest = 300)]
    public void Bits_OrInto_copies_any_bit_range_to_any_position(PositiveInt seed)
    {
        var rng = new Random(seed.Get);
        var source = new ulong[rng.Next(1, 6)];
        for (int i = 0; i < source.Length; i++) source[i] = (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 40);
        int count = rng.Next(0, source.Length * 64 + 1), sourceBit = rng.Next(0, source.Length * 64 - count + 1);
        var target = new ulong[rng.Next((count + 63) / 64, (count + 63) / 64 + 3) + 1];
        int targetBit = rng.Next(0, target.Length * 64 - count + 1);
        Bits.OrInto(source, sourceBit, count, target, targetBit);
        for (int bit = 0; bit < target.Length * 64; bit++)
        {
            int offset = bit - targetBit;
            bool expected = offset >= 0 && offset < count && Bits.Get(source, sourceBit + offset);
            Assert.Equal(expected, Bits.Get(target, bit));
        }
    }

    [Fact]
    public void CopyHoldingMissing_holds_across_gaps_and_the_ring_seam()
    {
        using var ring = new LeadRing(128);
        // Live range [100, 228): slots 100..127 then 0..99 — the copy crosses the seam at index 128.
        ring.Write(110, [1, 2, 3], false, [], 0);
        ring.Write(126, [4, 5, 6, 7], false, [new SampleIndexRange(1, 3)], 0);   // 127, 128 lead-off
        ring.Write(200, Enumerable.Repeat(9f, 28).ToArray(), true, [], 0);         // received but lead-off
        var dst = new float[30];
        Assert.True(ring.CopyHoldingMissing(105, 135, 100, 228, dst));
        float[] expected = [1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 7, 7, 7, 7, 7, 7];
        Assert.Equal(expected, dst);
        Assert.False(ring.CopyHoldingMissing(200, 228, 100, 228, new float[28]));   // only lead-off samples there
    }
}
