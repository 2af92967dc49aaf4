namespace CGDmer.Pipeline.Windowing;

/// <summary>
/// The <see cref="NativeLayout"/>s of recently seen native rates, at most <see cref="Capacity"/>, least recently used
/// dropped first. Bounded because each layout holds a resampling filter and any rate in the contract's range is
/// accepted: a stream of distinct rates must not grow memory. A patient keeps the layout it uses, so dropping one here
/// only means building it again. Not thread-safe (one per window stage lane, like the patients).
/// </summary>
internal sealed class LayoutCache(int capacity, Func<long, NativeLayout> build)
{
    private readonly Dictionary<long, LinkedListNode<NativeLayout>> _byRate = [];
    private readonly LinkedList<NativeLayout> _byUse = new();   // head = least recently used

    public int Capacity { get; } = capacity >= 1 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "must be ≥ 1");

    /// <summary>Layouts held now (≤ <see cref="Capacity"/>).</summary>
    public int Count => _byRate.Count;

    /// <summary>The layout of <paramref name="rateMilliHz"/>, built (and the least recently used one dropped when full) if not held.</summary>
    public NativeLayout Get(long rateMilliHz)
    {
        if (_byRate.TryGetValue(rateMilliHz, out var node))
        {
            if (node != _byUse.Last)
            {
                _byUse.Remove(node);
                _byUse.AddLast(node);
            }
            return node.Value;
        }
        var layout = build(rateMilliHz);   // may throw (an unprocessable rate): nothing is held then
        while (_byRate.Count >= Capacity)
        {
            _byRate.Remove(_byUse.First!.Value.RateMilliHz);
            _byUse.RemoveFirst();
        }
        _byRate.Add(rateMilliHz, _byUse.AddLast(layout));
        return layout;
    }
}
