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

    /// <summary>The model-rate row last resampled from this ring; forgotten with the samples it came from.</summary>
    public ResampledRowCache Resampled { get; } = new();

    private int Slot(long index)
    {
        long slot = index % Capacity;
        return (int)(slot < 0 ? slot + Capacity : slot);
    }

    /// <summary>Forgets every sample in [from, to) (at most one capacity long).</summary>
    public void Forget(long from, long to)
    {
        Resampled.Invalidate(from, to);
        var (s1, e1, s2, e2) = Split(from, to);
        Bits.Clear(_received, s1, e1); Bits.Clear(_received, s2, e2);
        Bits.Clear(_present, s1, e1); Bits.Clear(_present, s2, e2);
    }

    /// <summary>Forgets everything.</summary>
    public void Clear()
    {
        Resampled.Invalidate(long.MinValue, long.MaxValue);
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
                for (int k = 0; k < leadOffRanges.Count; k++)   // indexed: no enumerator allocation per write
                {
                    var r = leadOffRanges[k];
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
    /// <remarks>
    /// Runs once per lead per window over margin + window + margin samples, so it works a bitmap word at a time: a word
    /// whose samples are all present is one span copy, an absent word one fill; only mixed words go sample by sample.
    /// </remarks>
    public bool CopyHoldingMissing(long from, long to, long liveFrom, long liveTo, Span<float> destination)
    {
        int n = (int)(to - from);
        long lo = Math.Max(from, liveFrom), hi = Math.Min(to, liveTo);
        int first = -1;
        float held = 0;
        if (hi > lo)
        {
            var (s1, e1, s2, e2) = Split(lo, hi);
            int d = (int)(lo - from);
            CopyHolding(s1, e1 - s1, destination[d..], ref first, ref held, d);
            CopyHolding(s2, e2 - s2, destination[(d + e1 - s1)..], ref first, ref held, d + e1 - s1);
        }
        if (first < 0) return false;
        destination[..first].Fill(destination[first]);                   // leading run: the first present sample
        destination[(int)(hi - from)..n].Fill(held);                      // beyond the live range: the last one
        return true;
    }

    /// <summary>
    /// <see cref="CopyHoldingMissing"/> over the slots [slot, slot + count) into destination[0, count), carrying the held
    /// sample across calls. Positions before the first present sample are left for the caller (the leading fill);
    /// <paramref name="first"/> becomes the destination offset (plus <paramref name="offset"/>) of the first present one.
    /// </summary>
    private void CopyHolding(int slot, int count, Span<float> destination, ref int first, ref float held, int offset)
    {
        for (int i = 0; i < count;)
        {
            int s = slot + i, bit = s & 63;
            int take = Math.Min(64 - bit, count - i);
            ulong all = take == 64 ? ulong.MaxValue : (1UL << take) - 1;
            ulong bits = (_present[s >> 6] >> bit) & all;
            var dst = destination.Slice(i, take);
            if (bits == all)
            {
                _samples.AsSpan(s, take).CopyTo(dst);
                if (first < 0) first = offset + i;
                held = dst[take - 1];
            }
            else if (bits == 0)
            {
                if (first >= 0) dst.Fill(held);
            }
            else
            {
                for (int j = 0; j < take; j++)
                {
                    if ((bits & (1UL << j)) != 0)
                    {
                        held = _samples[s + j];
                        if (first < 0) first = offset + i + j;
                    }
                    dst[j] = held;   // before the first present sample this is overwritten by the leading fill
                }
            }
            i += take;
        }
    }

    /// <summary>ORs the present bits of [from, to) into <paramref name="union"/>, bit i for index <paramref name="origin"/> + i (from ≥ origin).</summary>
    public void OrPresentInto(long from, long to, long origin, ulong[] union)
    {
        if (to <= from) return;
        var (s1, e1, s2, e2) = Split(from, to);
        int d = (int)(from - origin);
        Bits.OrInto(_present, s1, e1 - s1, union, d);
        Bits.OrInto(_present, s2, e2 - s2, union, d + e1 - s1);
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

    /// <summary>ORs the <paramref name="count"/> bits of <paramref name="source"/> from bit <paramref name="sourceBit"/> into <paramref name="target"/> from bit <paramref name="targetBit"/>, up to 64 at a time.</summary>
    public static void OrInto(ulong[] source, int sourceBit, int count, ulong[] target, int targetBit)
    {
        while (count > 0)
        {
            int take = Math.Min(64, count);
            ulong v = Read(source, sourceBit, take);
            int word = targetBit >> 6, bit = targetBit & 63;
            target[word] |= v << bit;
            if (bit != 0 && bit + take > 64) target[word + 1] |= v >> (64 - bit);
            sourceBit += take; targetBit += take; count -= take;
        }
    }

    /// <summary>The <paramref name="count"/> (1..64) bits from bit <paramref name="from"/>, as the low bits of the result.</summary>
    public static ulong Read(ulong[] w, int from, int count)
    {
        int word = from >> 6, bit = from & 63;
        ulong v = w[word] >> bit;
        if (bit != 0 && bit + count > 64) v |= w[word + 1] << (64 - bit);
        return count == 64 ? v : v & ((1UL << count) - 1);
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
