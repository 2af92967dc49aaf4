using System.Buffers;

namespace CGDmer.Signal.Dsp;

/// <summary>
/// The k-th smallest value of a span without sorting it (quickselect, average O(n)): percentiles of one window per lead
/// per window are a hot path, and a full sort costs several times more. The value returned is exactly the one
/// <c>span.Sort()</c> would put at index k, NaN included (ordered first, as <see cref="float.CompareTo(float)"/> does).
/// </summary>
public static class OrderStatistics
{
    /// <summary>
    /// Rearranges <paramref name="values"/> so that index <paramref name="k"/> holds the value a full sort would put
    /// there, everything before it is ≤ it and everything after it ≥ it; returns that value.
    /// </summary>
    public static float SelectInPlace(Span<float> values, int k)
    {
        if ((uint)k >= (uint)values.Length) throw new ArgumentOutOfRangeException(nameof(k), k, $"must be within 0..{values.Length - 1}");
        // NaN breaks the < / > comparisons below; the rare window holding one takes the sort, which orders NaN first.
        foreach (float v in values)
            if (float.IsNaN(v))
            {
                values.Sort();
                return values[k];
            }
        int lo = 0, hi = values.Length - 1;
        // Median-of-three pivots make a quadratic case unlikely; a cap on the rounds makes it impossible (introselect).
        int rounds = 2 * (BitLength(values.Length) + 4);
        while (hi > lo)
        {
            if (--rounds < 0)
            {
                values[lo..(hi + 1)].Sort();
                return values[k];
            }
            int mid = lo + ((hi - lo) >> 1);
            if (values[mid] < values[lo]) Swap(values, mid, lo);
            if (values[hi] < values[lo]) Swap(values, hi, lo);
            if (values[hi] < values[mid]) Swap(values, hi, mid);
            float pivot = values[mid];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (values[i] < pivot) i++;
                while (values[j] > pivot) j--;
                if (i <= j)
                {
                    Swap(values, i, j);
                    i++;
                    j--;
                }
            }
            // Now [lo, j] ≤ pivot, [i, hi] ≥ pivot and everything strictly between equals the pivot.
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else return values[k];
        }
        return values[k];
    }

    /// <summary>
    /// The values a full sort of <paramref name="values"/> would put at indices <paramref name="lowK"/> ≤
    /// <paramref name="highK"/>, without rearranging them: a robust range (1st and 99th percentile) in one pass that keeps
    /// both tails when both ranks are within <see cref="MaxTailRank"/> of their end (as <see cref="SelectTail"/> does for
    /// one); otherwise, or with NaN, two selections on a pooled copy.
    /// </summary>
    public static (float Low, float High) SelectPair(ReadOnlySpan<float> values, int lowK, int highK)
    {
        if (lowK > highK) throw new ArgumentException($"{nameof(lowK)} ({lowK}) must not exceed {nameof(highK)} ({highK})", nameof(lowK));
        if (lowK < 0 || highK >= values.Length) throw new ArgumentOutOfRangeException(lowK < 0 ? nameof(lowK) : nameof(highK), $"must be within 0..{values.Length - 1}");
        int fromTop = values.Length - 1 - highK;
        if (lowK < MaxTailRank && fromTop < MaxTailRank)
        {
            Span<float> low = stackalloc float[lowK + 1], high = stackalloc float[fromTop + 1];
            if (TryKeepBothExtremes(values, low, high)) return (low[lowK], high[fromTop]);
        }
        return SelectOnCopy(values, lowK, highK);
    }

    /// <summary>The slow path of <see cref="SelectPair"/> and <see cref="SelectTail"/>: quickselect on a pooled copy.</summary>
    private static (float Low, float High) SelectOnCopy(ReadOnlySpan<float> values, int lowK, int highK)
    {
        var buffer = ArrayPool<float>.Shared.Rent(values.Length);
        try
        {
            var copy = buffer.AsSpan(0, values.Length);
            values.CopyTo(copy);
            // The second selection within the part below the first: selection splits around its index.
            float highValue = SelectInPlace(copy, highK);
            return (lowK == highK ? highValue : SelectInPlace(copy[..highK], lowK), highValue);
        }
        finally { ArrayPool<float>.Shared.Return(buffer); }
    }

    /// <summary>
    /// The value a full sort of <paramref name="values"/> would put at index <paramref name="k"/>, found without
    /// rearranging them. For ranks near either end (the 1st or 99th percentile of a window) it keeps only the k + 1
    /// smallest or the n − k largest values seen, in one pass; most samples cost one well-predicted comparison, where a
    /// quickselect partitions the whole span with unpredictable branches several times. Deeper ranks, and spans holding
    /// NaN (ordered first by a sort), take <see cref="SelectInPlace"/> on a pooled copy.
    /// </summary>
    public static float SelectTail(ReadOnlySpan<float> values, int k)
    {
        if ((uint)k >= (uint)values.Length) throw new ArgumentOutOfRangeException(nameof(k), k, $"must be within 0..{values.Length - 1}");
        int fromTop = values.Length - 1 - k;
        int rank = Math.Min(k, fromTop);
        if (rank < MaxTailRank)
        {
            Span<float> kept = stackalloc float[rank + 1];
            bool complete = k <= fromTop ? TryKeepExtremes<Ascending>(values, kept) : TryKeepExtremes<Descending>(values, kept);
            if (complete) return kept[rank];
        }
        return SelectOnCopy(values, k, k).High;
    }

    /// <summary>Deepest rank from either end that <see cref="SelectTail"/> keeps on the stack (64 floats).</summary>
    public const int MaxTailRank = 64;

    /// <summary>
    /// Fills <paramref name="kept"/> with the first values of <paramref name="values"/> in <typeparamref name="TOrder"/>
    /// (ascending: the smallest), in that order; false, unfinished, at the first NaN.
    /// </summary>
    private static bool TryKeepExtremes<TOrder>(ReadOnlySpan<float> values, Span<float> kept) where TOrder : struct, IOrder
    {
        int size = kept.Length, filled = 0;
        foreach (float v in values)
        {
            if (float.IsNaN(v)) return false;
            // Most values fail this once the buffer holds the extremes so far: one well-predicted comparison.
            if (filled < size || TOrder.Before(v, kept[size - 1])) Insert<TOrder>(kept, ref filled, v);
        }
        return true;
    }

    /// <summary>
    /// <see cref="TryKeepExtremes{TOrder}"/> for both ends in one pass: the smallest values into <paramref name="low"/>
    /// (ascending), the largest into <paramref name="high"/> (descending); false at the first NaN.
    /// </summary>
    private static bool TryKeepBothExtremes(ReadOnlySpan<float> values, Span<float> low, Span<float> high)
    {
        int lowSize = low.Length, highSize = high.Length, lowFilled = 0, highFilled = 0;
        foreach (float v in values)
        {
            if (float.IsNaN(v)) return false;
            if (lowFilled < lowSize || v < low[lowSize - 1]) Insert<Ascending>(low, ref lowFilled, v);
            if (highFilled < highSize || v > high[highSize - 1]) Insert<Descending>(high, ref highFilled, v);
        }
        return true;
    }

    /// <summary>Inserts <paramref name="v"/> into the ordered <paramref name="kept"/>, dropping its last value once full.</summary>
    private static void Insert<TOrder>(Span<float> kept, ref int filled, float v) where TOrder : struct, IOrder
    {
        int i = filled < kept.Length ? filled++ : kept.Length - 1;
        while (i > 0 && TOrder.Before(v, kept[i - 1]))
        {
            kept[i] = kept[i - 1];
            i--;
        }
        kept[i] = v;
    }

    private interface IOrder
    {
        static abstract bool Before(float a, float b);
    }

    private readonly struct Ascending : IOrder
    {
        public static bool Before(float a, float b) => a < b;
    }

    private readonly struct Descending : IOrder
    {
        public static bool Before(float a, float b) => a > b;
    }

    /// <summary>The median of values already sorted ascending (the mean of the middle two for an even count).</summary>
    public static double MedianOfSorted(ReadOnlySpan<double> sorted)
    {
        int k = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[k] : 0.5 * (sorted[k - 1] + sorted[k]);
    }

    /// <summary>The median of <paramref name="values"/>, sorting them in place (short lists: a handful of beats or RRs).</summary>
    public static double Median(Span<double> values)
    {
        values.Sort();
        return MedianOfSorted(values);
    }

    private static int BitLength(int n) => 32 - int.LeadingZeroCount(n);

    private static void Swap(Span<float> a, int i, int j) => (a[i], a[j]) = (a[j], a[i]);
}
