using System.Buffers;
using System.Numerics;

namespace CGDmer.Pipeline.Windowing;

/// <summary>
/// The recent samples of one lead of one patient at the device's native rate, addressed by absolute sample index (samples
/// since the Unix epoch). Slot = index mod <see cref="Capacity"/>, so the ring never moves data; the caller guarantees
/// that only indices within one capacity of each other are live. Two bitmaps per sample: <b>received</b> (the device sent
/// this sample, possibly flagged lead-off) and <b>present</b> (received and usable signal). A gap is neither.
/// </summary>
internal sealed class LeadRing : IDisposable
{
    private float[] _samples;
    private readonly ulong[] _received;
    private readonly ulong[] _present;

    /// <param name="capacity">A positive multiple of 64.</param>
    public LeadRing(int capacity)
    {
        if (capacity <= 0 || capacity % 64 != 0) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "must be a positive multiple of 64");
        Capacity = capacity;
        _samples = ArrayPool<float>.Shared.Rent(capacity);
        _received = new ulong[capacity / 64];
        _present = new ulong[capacity / 64];
    }

    public int Capacity { get; }

    private int Slot(long index) => (int)(((index % Capacity) + Capacity) % Capacity);

    /// <summary>Forgets every sample in [from, to) (at most one capacity long).</summary>
    public void Forget(long from, long to)
    {
        var (s1, e1, s2, e2) = Split(from, to);
        Bits.Clear(_received, s1, e1); Bits.Clear(_received, s2, e2);
        Bits.Clear(_present, s1, e1); Bits.Clear(_present, s2, e2);
    }

    /// <summary>Forgets everything.</summary>
    public void Clear()
    {
        Array.Clear(_received);
        Array.Clear(_present);
    }

    /// <summary>Number of received samples in [from, to).</summary>
    public int CountReceived(long from, long to) => Count(_received, from, to);

    /// <summary>Number of present samples in [from, to).</summary>
    public int CountPresent(long from, long to) => Count(_present, from, to);

    public bool IsReceived(long index) => Bits.Get(_received, Slot(index));
    public bool IsPresent(long index) => Bits.Get(_present, Slot(index));
    public float this[long index] => _samples[Slot(index)];

    /// <summary>
    /// Stores <paramref name="samples"/> (sample i at absolute index <paramref name="start"/> + i), skipping every index
    /// already received (first write wins, so re-sent data cannot change a window). Samples whose offset
    /// <paramref name="isMissing"/> says are lead-off are marked received but not present.
    /// </summary>
    /// <returns>Number of samples newly stored.</returns>
    public int Write(long start, ReadOnlySpan<float> samples, bool leadOff, IReadOnlyList<Validation.SampleIndexRange> leadOffRanges, int segmentOffset)
    {
        long end = start + samples.Length;
        if (samples.Length == 0) return 0;
        if (Count(_received, start, end) == 0)
        {
            // Fast path (the normal case): nothing of this span is here yet: bulk copy and set the bits by range.
            var (s1, e1, s2, e2) = Split(start, end);
            samples[..(e1 - s1)].CopyTo(_samples.AsSpan(s1, e1 - s1));
            samples[(e1 - s1)..].CopyTo(_samples.AsSpan(s2, e2 - s2));
            Bits.Set(_received, s1, e1); Bits.Set(_received, s2, e2);
            if (!leadOff)
            {
                Bits.Set(_present, s1, e1); Bits.Set(_present, s2, e2);
                foreach (var r in leadOffRanges)
                {
                    // Ranges are in segment sample indices; the written part starts at segmentOffset.
                    long rs = Math.Max(r.Start - segmentOffset, 0), re = Math.Min(r.End - segmentOffset, samples.Length);
                    if (re <= rs) continue;
                    var (a1, b1, a2, b2) = Split(start + rs, start + re);
                    Bits.Clear(_present, a1, b1); Bits.Clear(_present, a2, b2);
                }
            }
            return samples.Length;
        }
        int written = 0;
        int rangeIdx = 0;
        for (int i = 0; i < samples.Length; i++)
        {
            int slot = Slot(start + i);
            if (Bits.Get(_received, slot)) continue;
            _samples[slot] = samples[i];
            Bits.SetOne(_received, slot);
            bool missing = leadOff;
            if (!missing)
            {
                int segIndex = i + segmentOffset;
                while (rangeIdx < leadOffRanges.Count && leadOffRanges[rangeIdx].End <= segIndex) rangeIdx++;
                missing = rangeIdx < leadOffRanges.Count && leadOffRanges[rangeIdx].Contains(segIndex);
            }
            if (!missing) Bits.SetOne(_present, slot);
            written++;
        }
        return written;
    }

    /// <summary>
    /// Copies [from, to) into <paramref name="destination"/>, replacing every sample that is not present (or outside
    /// the ring's live range [<paramref name="liveFrom"/>, <paramref name="liveTo"/>), whose slots belong to other
    /// indices) by the nearest present sample before it, or for a leading run the first present one after it: a flat
    /// hold, never an interpolation. Returns false (destination unspecified) when no sample of the range is present.
    /// </summary>
    public bool CopyHoldingMissing(long from, long to, long liveFrom, long liveTo, Span<float> destination)
    {
        int n = (int)(to - from);
        int firstPresent = -1;
        float held = 0;
        for (int i = 0; i < n; i++)
        {
            long index = from + i;
            if (index >= liveFrom && index < liveTo && Bits.Get(_present, Slot(index)))
            {
                held = _samples[Slot(index)];
                if (firstPresent < 0)
                {
                    firstPresent = i;
                    destination[..i].Fill(held);
                }
            }
            destination[i] = held;
        }
        return firstPresent >= 0;
    }

    /// <summary>ORs the present bits of [from, to) into <paramref name="union"/>, bit i for index <paramref name="origin"/> + i.</summary>
    public void OrPresentInto(long from, long to, long origin, ulong[] union)
    {
        // Per-sample is clear and cheap next to the resampling of the same window (≈ 70 multiply-adds per output sample).
        for (long index = from; index < to; index++)
            if (Bits.Get(_present, Slot(index)))
            {
                long i = index - origin;
                union[i >> 6] |= 1UL << (int)(i & 63);
            }
    }

    private int Count(ulong[] bits, long from, long to)
    {
        var (s1, e1, s2, e2) = Split(from, to);
        return Bits.Count(bits, s1, e1) + Bits.Count(bits, s2, e2);
    }

    /// <summary>The one or two contiguous slot ranges [s1, e1) and [s2, e2) (possibly empty) that hold [from, to).</summary>
    private (int S1, int E1, int S2, int E2) Split(long from, long to)
    {
        if (to <= from) return (0, 0, 0, 0);
        if (to - from > Capacity) throw new ArgumentOutOfRangeException(nameof(to), "range longer than the ring");
        int s = Slot(from);
        int len = (int)(to - from);
        int first = Math.Min(len, Capacity - s);
        return (s, s + first, 0, len - first);
    }

    public void Dispose()
    {
        var s = Interlocked.Exchange(ref _samples, []);
        if (s.Length > 0) ArrayPool<float>.Shared.Return(s);
    }
}

/// <summary>Bit operations on ulong-word bitmaps over half-open bit ranges.</summary>
internal static class Bits
{
    public static bool Get(ulong[] w, int i) => (w[i >> 6] & (1UL << (i & 63))) != 0;
    public static void SetOne(ulong[] w, int i) => w[i >> 6] |= 1UL << (i & 63);

    public static void Set(ulong[] w, int from, int to) => Apply(w, from, to, set: true);
    public static void Clear(ulong[] w, int from, int to) => Apply(w, from, to, set: false);

    private static void Apply(ulong[] w, int from, int to, bool set)
    {
        while (from < to)
        {
            int word = from >> 6, bit = from & 63;
            int n = Math.Min(64 - bit, to - from);
            ulong mask = (n == 64 ? ulong.MaxValue : ((1UL << n) - 1)) << bit;
            if (set) w[word] |= mask; else w[word] &= ~mask;
            from += n;
        }
    }

    public static int Count(ulong[] w, int from, int to)
    {
        int total = 0;
        while (from < to)
        {
            int word = from >> 6, bit = from & 63;
            int n = Math.Min(64 - bit, to - from);
            ulong mask = (n == 64 ? ulong.MaxValue : ((1UL << n) - 1)) << bit;
            total += BitOperations.PopCount(w[word] & mask);
            from += n;
        }
        return total;
    }
}
