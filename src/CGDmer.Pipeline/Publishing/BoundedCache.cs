using System.Collections.Concurrent;

namespace CGDmer.Pipeline.Publishing;

/// <summary>
/// What the publishing side keeps per patient, monitor or value (ids, references, frozen parts): kept up to a bound,
/// past which the cache starts again rather than grow. Thread-safe; two threads may build the same entry once each.
/// </summary>
internal sealed class BoundedCache<TKey, TValue>(Func<TKey, TValue> build, IEqualityComparer<TKey>? comparer = null) where TKey : notnull
{
    /// <summary>Entries kept at most: a ward has far fewer patients and monitors.</summary>
    public const int MaxEntries = 4096;

    private readonly ConcurrentDictionary<TKey, TValue> _entries = new(comparer);

    public TValue this[TKey key]
    {
        get
        {
            if (_entries.TryGetValue(key, out var kept)) return kept;
            if (_entries.Count >= MaxEntries) _entries.Clear();
            return _entries[key] = build(key);
        }
    }

    internal int Count => _entries.Count;
}
