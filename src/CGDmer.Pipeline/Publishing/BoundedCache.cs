using System.Collections.Concurrent;

namespace CGDmer.Pipeline.Publishing;

/// <summary>
/// What the publishing side keeps per patient or monitor (the Observation factory's references): kept up to a bound,
/// past which the cache starts again rather than grow. Thread-safe; two threads may build the same entry once each.
/// </summary>
internal sealed class BoundedCache<TKey, TValue>(Func<TKey, TValue> build, IEqualityComparer<TKey>? comparer = null,
                                                 int maxEntries = BoundedCache<TKey, TValue>.DefaultMaxEntries) where TKey : notnull
{
    /// <summary>Entries kept at most unless told otherwise: a ward has far fewer patients and monitors.</summary>
    public const int DefaultMaxEntries = 4096;

    /// <summary>Entries kept at most: past them the cache starts again, and a patient's every window would rebuild its
    /// entry, so a per-patient cache needs at least the patients held at once.</summary>
    public int MaxEntries { get; } = maxEntries >= 1 ? maxEntries : throw new ArgumentOutOfRangeException(nameof(maxEntries), maxEntries, "must be at least 1");

    private readonly ConcurrentDictionary<TKey, TValue> _entries = new(comparer);

    // Counted here, since ConcurrentDictionary.Count takes every lock of the dictionary. Approximate under races, as
    // the bound may be.
    private int _count;

    public TValue this[TKey key]
    {
        get
        {
            if (_entries.TryGetValue(key, out var kept)) return kept;
            var built = build(key);
            if (!_entries.TryAdd(key, built)) return _entries.TryGetValue(key, out kept) ? kept : built;
            if (Interlocked.Increment(ref _count) > MaxEntries)
            {
                _entries.Clear();
                _entries[key] = built;
                Volatile.Write(ref _count, 1);
            }
            return built;
        }
    }

    internal int Count => _entries.Count;
}
