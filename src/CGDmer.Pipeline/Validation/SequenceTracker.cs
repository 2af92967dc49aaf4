namespace CGDmer.Pipeline.Validation;

public enum SequenceStatus
{
    /// <summary>The next sequence (or the first seen for the device): accept.</summary>
    New,
    /// <summary>A sequence already accepted (within the reorder bound): a duplicate or replay, drop it.</summary>
    Duplicate,
    /// <summary>Higher than last + 1: accept, and record <see cref="SequenceCheck.Missing"/> segments not (yet) seen.</summary>
    Gap,
    /// <summary>Lower than the highest accepted, not seen before and within the reorder bound: late delivery, accept.</summary>
    OutOfOrder,
    /// <summary>Older than the reorder bound: whether it was seen can no longer be told, and its window has moved on; drop it.</summary>
    Late,
}

/// <summary>Result of <see cref="SequenceTracker.Check"/>; <see cref="Missing"/> is the number of skipped sequences for a gap.</summary>
public readonly record struct SequenceCheck(SequenceStatus Status, ulong Missing = 0)
{
    public static SequenceCheck New { get; } = new(SequenceStatus.New);
    public static SequenceCheck Duplicate { get; } = new(SequenceStatus.Duplicate);
    public static SequenceCheck Gap(ulong missing) => new(SequenceStatus.Gap, missing);
    public static SequenceCheck OutOfOrder { get; } = new(SequenceStatus.OutOfOrder);
    public static SequenceCheck Late { get; } = new(SequenceStatus.Late);
    /// <summary>New, Gap or OutOfOrder: the segment should be processed.</summary>
    public bool IsAccepted => Status is SequenceStatus.New or SequenceStatus.Gap or SequenceStatus.OutOfOrder;
}

/// <summary>
/// The per-device sequence rule of the segment contract: a sequence already accepted is a duplicate; a lower one not yet
/// seen is out-of-order delivery and accepted while it is within <see cref="ReorderBound"/> of the highest accepted
/// sequence (later than that it is late and dropped); a jump is a gap. Per device this keeps the highest sequence and a
/// 64-bit mask of which of the sequences just below it were seen, so memory per device is constant.
/// At most <see cref="Capacity"/> devices are remembered, evicting the least recently seen; an evicted device's next
/// segment counts as New. Thread-safe.
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
        /// <summary>Bit k set: sequence Last − k was accepted (bit 0 is Last itself).</summary>
        public ulong Seen { get; set; } = 1;
    }

    /// <param name="capacity">Devices remembered at most.</param>
    /// <param name="reorderBound">How far below the highest accepted sequence a late segment is still accepted (1–63).</param>
    public SequenceTracker(int capacity = 10_000, int reorderBound = 32)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "must be ≥ 1");
        if (reorderBound is < 1 or > 63) throw new ArgumentOutOfRangeException(nameof(reorderBound), reorderBound, "must be in 1..63");
        Capacity = capacity;
        ReorderBound = reorderBound;
        _map = new Dictionary<string, LinkedListNode<Entry>>(Math.Min(capacity, 1024), StringComparer.Ordinal);
    }

    public int Capacity { get; }

    public int ReorderBound { get; }

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
                var e = node.Value;
                ulong last = e.Last;
                if (sequence > last)
                {
                    ulong jump = sequence - last;
                    e.Seen = jump >= 64 ? 1 : (e.Seen << (int)jump) | 1;
                    e.Last = sequence;
                    return jump == 1 ? SequenceCheck.New : SequenceCheck.Gap(jump - 1);
                }
                ulong behind = last - sequence;
                if (behind > (ulong)ReorderBound) return SequenceCheck.Late;
                ulong bit = 1UL << (int)behind;
                if ((e.Seen & bit) != 0) return SequenceCheck.Duplicate;
                e.Seen |= bit;
                return SequenceCheck.OutOfOrder;
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
