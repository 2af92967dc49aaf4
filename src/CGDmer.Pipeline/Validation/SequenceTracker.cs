namespace CGDmer.Pipeline.Validation;

public enum SequenceStatus
{
    /// <summary>The next sequence (or the first seen for the device): accept.</summary>
    New,
    /// <summary>Equal to or lower than the last accepted sequence: a duplicate or replay, drop it.</summary>
    Duplicate,
    /// <summary>Higher than last + 1: accept, and record <see cref="SequenceCheck.Missing"/> lost segments.</summary>
    Gap,
}

/// <summary>Result of <see cref="SequenceTracker.Check"/>; <see cref="Missing"/> is the number of skipped sequences for a gap.</summary>
public readonly record struct SequenceCheck(SequenceStatus Status, ulong Missing = 0)
{
    public static SequenceCheck New { get; } = new(SequenceStatus.New);
    public static SequenceCheck Duplicate { get; } = new(SequenceStatus.Duplicate);
    public static SequenceCheck Gap(ulong missing) => new(SequenceStatus.Gap, missing);
    /// <summary>New or Gap: the segment should be processed.</summary>
    public bool IsAccepted => Status != SequenceStatus.Duplicate;
}

/// <summary>
/// The per-device sequence rule: sequence must be strictly greater than the last accepted one for the same device.
/// Memory is bounded: at most <see cref="Capacity"/> devices are remembered, evicting the least recently seen;
/// an evicted device's next segment counts as New. Thread-safe.
/// </summary>
public sealed class SequenceTracker
{
    private readonly Dictionary<string, LinkedListNode<Entry>> _map;
    private readonly LinkedList<Entry> _lru = new(); // most recently seen first
    private readonly Lock _gate = new();

    private sealed class Entry(string deviceId, ulong last)
    {
        public string DeviceId { get; } = deviceId;
        public ulong Last { get; set; } = last;
    }

    public SequenceTracker(int capacity = 10_000)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "must be ≥ 1");
        Capacity = capacity;
        _map = new Dictionary<string, LinkedListNode<Entry>>(Math.Min(capacity, 1024), StringComparer.Ordinal);
    }

    public int Capacity { get; }

    public int Count { get { lock (_gate) return _map.Count; } }

    public long Evictions { get; private set; }

    /// <summary>Checks <paramref name="sequence"/> for <paramref name="deviceId"/> and records it when accepted.</summary>
    public SequenceCheck Check(string deviceId, ulong sequence)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        lock (_gate)
        {
            if (_map.TryGetValue(deviceId, out var node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                ulong last = node.Value.Last;
                if (sequence <= last) return SequenceCheck.Duplicate;
                node.Value.Last = sequence;
                return sequence - last == 1 ? SequenceCheck.New : SequenceCheck.Gap(sequence - last - 1);
            }
            if (_map.Count >= Capacity)
            {
                var oldest = _lru.Last!;
                _lru.RemoveLast();
                _map.Remove(oldest.Value.DeviceId);
                Evictions++;
            }
            _map[deviceId] = _lru.AddFirst(new Entry(deviceId, sequence));
            return SequenceCheck.New;
        }
    }

    /// <summary>The last accepted sequence of a tracked device.</summary>
    public bool TryGetLast(string deviceId, out ulong last)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(deviceId, out var node)) { last = node.Value.Last; return true; }
            last = 0;
            return false;
        }
    }
}
