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
    /// <summary>
    /// Older than the reorder bound by its number and no newer than the device's newest data by its time: a late or
    /// repeated delivery whose window has moved on; drop it.
    /// </summary>
    Late,
    /// <summary>
    /// Numbered back beyond the reorder bound on data that is not old: a restart, a reset counter or a corrupted number.
    /// Drop it (dead letter); <see cref="SequenceOptions.ConfirmSegments"/> consecutive such segments continuing one
    /// numbering start a new epoch (<see cref="SequenceEpoch.Restart"/>).
    /// </summary>
    Behind,
    /// <summary>
    /// Starts more than <see cref="SequenceOptions.MaxClockLead"/> ahead of the patient's clock. Drop it (dead letter);
    /// <see cref="SequenceOptions.ConfirmSegments"/> consecutive such segments continuing one another are the patient's
    /// new clock (<see cref="SequenceEpoch.ClockJump"/>).
    /// </summary>
    ClockAhead,
    /// <summary>Accept: the device's numbering or clock starts afresh here (<see cref="SequenceCheck.Epoch"/> says why).</summary>
    NewEpoch,
}

/// <summary>Why a device's stream starts a new epoch (a new numbering, or a new clock and numbering).</summary>
public enum SequenceEpoch
{
    None,
    /// <summary>A new numbering, confirmed by <see cref="SequenceOptions.ConfirmSegments"/> consecutive segments.</summary>
    Restart,
    /// <summary>A new numbering after the device's data paused for at least <see cref="SequenceOptions.RestartGap"/> (a reboot).</summary>
    TimeGap,
    /// <summary>The number wrapped around 2^16, 2^32 or 2^64 and continues within the reorder bound.</summary>
    Wrap,
    /// <summary>The patient's clock (its device's) moved ahead, confirmed by <see cref="SequenceOptions.ConfirmSegments"/> consecutive segments.</summary>
    ClockJump,
}

/// <summary>
/// Result of <see cref="SequenceTracker.Check(string, string, ulong, long, long, long)"/>; <see cref="Missing"/> is the number of
/// skipped sequences for a gap. For <see cref="SequenceStatus.Behind"/> and <see cref="SequenceStatus.ClockAhead"/>,
/// <see cref="Consistent"/> counts the consecutive segments so far of what would become the new epoch (this one included);
/// for those and <see cref="SequenceStatus.NewEpoch"/>, <see cref="PreviousLast"/> is the highest sequence accepted
/// before and <see cref="Ahead"/> how far ahead of the patient's clock the segment started (clock cases).
/// </summary>
public readonly record struct SequenceCheck(SequenceStatus Status, ulong Missing = 0)
{
    public SequenceEpoch Epoch { get; init; }
    public int Consistent { get; init; }
    public ulong PreviousLast { get; init; }
    public TimeSpan Ahead { get; init; }

    public static SequenceCheck New { get; } = new(SequenceStatus.New);
    public static SequenceCheck Duplicate { get; } = new(SequenceStatus.Duplicate);
    public static SequenceCheck Gap(ulong missing) => new(SequenceStatus.Gap, missing);
    public static SequenceCheck OutOfOrder { get; } = new(SequenceStatus.OutOfOrder);
    public static SequenceCheck Late { get; } = new(SequenceStatus.Late);
    /// <summary>New, Gap, OutOfOrder or NewEpoch: the segment should be processed.</summary>
    public bool IsAccepted => Status is SequenceStatus.New or SequenceStatus.Gap or SequenceStatus.OutOfOrder or SequenceStatus.NewEpoch;
}

/// <summary>
/// The sequence and clock rule of the segment contract. Per device: a sequence already accepted is a duplicate; a lower
/// one not yet seen is out-of-order delivery and accepted while it is within the reorder bound of the highest accepted
/// sequence; a jump is a gap. Per patient: a segment must not start far ahead of the patient's own clock, because the
/// window stage would then drop the real data behind it. Nothing a device sends stops a patient for good: a number below
/// the bound on new data (a restart, a wrap, a corrupted number) is dropped, but a wrap, a pause of
/// <see cref="SequenceOptions.RestartGap"/> or <see cref="SequenceOptions.ConfirmSegments"/> consecutive segments of one
/// new numbering start a new epoch; a start far ahead of the patient's clock is dropped until as many consecutive
/// segments confirm the new clock.
/// Per device this keeps the highest sequence, a 64-bit mask of which of the sequences just below it were seen, the end
/// of its newest data and a candidate numbering; per patient the clock (end of the newest data, the receiver time then)
/// and a candidate clock; so memory per device and patient is constant. At most <see cref="Capacity"/> devices (and as
/// many patients) are remembered, evicting the least recently seen; an evicted device's next segment counts as New.
/// Thread-safe.
/// </summary>
public sealed class SequenceTracker
{
    private readonly Lru<Device> _devices;
    private readonly Lru<Patient> _patients;
    private readonly Lock _gate = new();
    private readonly int _confirm;
    private readonly long _restartGapTicks, _maxLeadTicks;

    private sealed class Device(ulong last)
    {
        public ulong Last = last;
        /// <summary>Bit k set: sequence Last − k was accepted (bit 0 is Last itself).</summary>
        public ulong Seen = 1;
        // End of the device's newest accepted data (when timed), and the receiver clock when it arrived.
        public bool HasEnd;
        public long EndTicks, ReceivedTicks;
        // A new numbering not yet confirmed: its consecutive segments so far and the last of them.
        public int RenumberCount;
        public ulong RenumberLast;
    }

    private sealed class Patient
    {
        // The patient's clock: end of the newest accepted data, and the receiver clock when it arrived.
        public bool HasClock;
        public long EndTicks, ReceivedTicks;
        // A clock jump not yet confirmed: its consecutive segments so far and the newest of them.
        public int JumpCount;
        public long JumpStartTicks, JumpEndTicks, JumpReceivedTicks;
    }

    /// <param name="capacity">Devices remembered at most.</param>
    /// <param name="reorderBound">How far below the highest accepted sequence a late segment is still accepted (1–63).</param>
    public SequenceTracker(int capacity = 10_000, int reorderBound = 32)
        : this(Checked(capacity, reorderBound)) { }

    public SequenceTracker(SequenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Capacity = options.MaxDevices;
        ReorderBound = options.ReorderBound;
        _confirm = options.ConfirmSegments;
        _restartGapTicks = options.RestartGap.Ticks;
        _maxLeadTicks = options.MaxClockLead.Ticks;
        _devices = new Lru<Device>(Capacity);
        _patients = new Lru<Patient>(Capacity);
    }

    private static SequenceOptions Checked(int capacity, int reorderBound)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "must be ≥ 1");
        if (reorderBound is < 1 or > 63) throw new ArgumentOutOfRangeException(nameof(reorderBound), reorderBound, "must be in 1..63");
        return new SequenceOptions { MaxDevices = capacity, ReorderBound = reorderBound };
    }

    public int Capacity { get; }

    public int ReorderBound { get; }

    /// <summary>Consecutive consistent segments that start a new epoch (<see cref="SequenceOptions.ConfirmSegments"/>).</summary>
    public int ConfirmSegments => _confirm;

    /// <summary>Devices remembered.</summary>
    public int Count { get { lock (_gate) return _devices.Count; } }

    /// <summary>Devices forgotten to stay within <see cref="Capacity"/>.</summary>
    public long Evictions { get { lock (_gate) return _devices.Evictions; } }

    /// <summary>
    /// The sequence rule alone, for a segment whose time is not known: a number behind the reorder bound cannot be told
    /// late from a restart, so it counts towards a new numbering (<see cref="SequenceStatus.Behind"/>).
    /// </summary>
    public SequenceCheck Check(string deviceId, ulong sequence) => CheckCore(deviceId, null, sequence, 0, 0, 0);

    /// <summary>
    /// Checks a segment of <paramref name="deviceId"/> and <paramref name="patientId"/> numbered
    /// <paramref name="sequence"/>, covering [<paramref name="startTicks"/>, <paramref name="endTicks"/>) (UTC ticks) and
    /// received at <paramref name="receivedTicks"/> (receiver clock, UTC ticks), and records it when accepted.
    /// </summary>
    public SequenceCheck Check(string deviceId, string patientId, ulong sequence, long startTicks, long endTicks, long receivedTicks)
    {
        ArgumentNullException.ThrowIfNull(patientId);
        return CheckCore(deviceId, patientId, sequence, startTicks, endTicks, receivedTicks);
    }

    private SequenceCheck CheckCore(string deviceId, string? patientId, ulong sequence, long start, long end, long received)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        bool timed = patientId is not null;
        lock (_gate)
        {
            var d = _devices.Find(deviceId);
            var p = timed ? _patients.Find(patientId!) : null;
            ulong last = d?.Last ?? 0;

            // A patient without a clock on a device with one (a monitor moved to the next patient, or a corrupted
            // patient id) starts on the device's clock: its first segment far ahead of it is held back like any other,
            // rather than moving the device's clock unchecked and making the device's real data look late for minutes.
            if (timed && p is not { HasClock: true } && d is { HasEnd: true })
            {
                p ??= _patients.Add(patientId!, new Patient());
                p.HasClock = true;
                p.EndTicks = d.EndTicks;
                p.ReceivedTicks = d.ReceivedTicks;
            }

            if (p is { HasClock: true })
            {
                long ahead = start - (p.EndTicks + Math.Max(0, received - p.ReceivedTicks));
                if (ahead > _maxLeadTicks)
                {
                    bool continues = p.JumpCount > 0 && start > p.JumpStartTicks
                                     && start - (p.JumpEndTicks + Math.Max(0, received - p.JumpReceivedTicks)) <= _maxLeadTicks;
                    p.JumpCount = continues ? p.JumpCount + 1 : 1;
                    p.JumpEndTicks = continues ? Math.Max(p.JumpEndTicks, end) : end;
                    p.JumpStartTicks = start;
                    p.JumpReceivedTicks = received;
                    if (p.JumpCount < _confirm)
                        return new SequenceCheck(SequenceStatus.ClockAhead)
                            { Consistent = p.JumpCount, PreviousLast = last, Ahead = TimeSpan.FromTicks(ahead) };
                    // The patient's clock is the new one, and the device's numbering starts afresh with it.
                    p.HasClock = false;
                    p.JumpCount = 0;
                    Accepted(deviceId, d, p, sequence, patientId, timed, end, received, restart: true);
                    return new SequenceCheck(SequenceStatus.NewEpoch)
                        { Epoch = SequenceEpoch.ClockJump, Consistent = _confirm, PreviousLast = last, Ahead = TimeSpan.FromTicks(ahead) };
                }
                p.JumpCount = 0;   // on the patient's clock: what went ahead before was an outlier
            }

            if (d is null)
            {
                Accepted(deviceId, null, p, sequence, patientId, timed, end, received, restart: true);
                return SequenceCheck.New;
            }
            if (sequence > last)
            {
                ulong jump = sequence - last;
                d.Seen = jump >= 64 ? 1 : (d.Seen << (int)jump) | 1;
                d.Last = sequence;
                d.RenumberCount = 0;
                Accepted(deviceId, d, p, sequence, patientId, timed, end, received, restart: false);
                return jump == 1 ? SequenceCheck.New : SequenceCheck.Gap(jump - 1);
            }
            ulong behind = last - sequence;
            if (behind <= (ulong)ReorderBound)
            {
                ulong bit = 1UL << (int)behind;
                if ((d.Seen & bit) != 0) return SequenceCheck.Duplicate;
                d.Seen |= bit;
                Accepted(deviceId, d, p, sequence, patientId, timed, end, received, restart: false);
                return SequenceCheck.OutOfOrder;
            }

            // Beyond the reorder bound. Old by the device's time as well: a late or repeated delivery.
            if (timed && d.HasEnd && end <= d.EndTicks) return SequenceCheck.Late;
            var epoch = IsWrap(last, sequence) ? SequenceEpoch.Wrap
                      : timed && d.HasEnd && start - d.EndTicks >= _restartGapTicks ? SequenceEpoch.TimeGap
                      : SequenceEpoch.None;
            if (epoch == SequenceEpoch.None)
            {
                bool continues = d.RenumberCount > 0 && sequence > d.RenumberLast && sequence - d.RenumberLast <= (ulong)ReorderBound + 1;
                d.RenumberCount = continues ? d.RenumberCount + 1 : 1;
                d.RenumberLast = sequence;
                if (d.RenumberCount < _confirm)
                    return new SequenceCheck(SequenceStatus.Behind) { Consistent = d.RenumberCount, PreviousLast = last };
                epoch = SequenceEpoch.Restart;
            }
            Accepted(deviceId, d, p, sequence, patientId, timed, end, received, restart: true);
            return new SequenceCheck(SequenceStatus.NewEpoch) { Epoch = epoch, Consistent = epoch == SequenceEpoch.Restart ? _confirm : 1, PreviousLast = last };
        }
    }

    /// <summary>
    /// Records an accepted segment: the device's numbering starts at <paramref name="sequence"/> when
    /// <paramref name="restart"/> (a new or re-based device; otherwise the caller moved it), and the device's and the
    /// patient's clocks move on to <paramref name="end"/> when it is newer.
    /// </summary>
    private void Accepted(string deviceId, Device? d, Patient? p, ulong sequence, string? patientId, bool timed, long end, long received, bool restart)
    {
        d ??= _devices.Add(deviceId, new Device(sequence));
        if (restart)
        {
            d.Last = sequence;
            d.Seen = 1;
            d.RenumberCount = 0;
        }
        if (!timed) return;
        if (!d.HasEnd || end > d.EndTicks) { d.HasEnd = true; d.EndTicks = end; d.ReceivedTicks = received; }
        p ??= _patients.Add(patientId!, new Patient());
        if (!p.HasClock || end > p.EndTicks) { p.HasClock = true; p.EndTicks = end; p.ReceivedTicks = received; }
    }

    /// <summary>
    /// True when <paramref name="sequence"/> follows <paramref name="last"/> within the reorder bound modulo 2^16, 2^32
    /// or 2^64: a counter of that width wrapped around.
    /// </summary>
    private bool IsWrap(ulong last, ulong sequence)
    {
        foreach (int bits in (ReadOnlySpan<int>)[16, 32, 64])
        {
            ulong mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
            if (last <= mask && (unchecked(sequence - last) & mask) <= (ulong)ReorderBound + 1) return true;
        }
        return false;
    }

    /// <summary>The last accepted sequence of a tracked device.</summary>
    public bool TryGetLast(string deviceId, out ulong last)
    {
        lock (_gate)
        {
            if (_devices.Peek(deviceId) is { } d) { last = d.Last; return true; }
            last = 0;
            return false;
        }
    }

    /// <summary>Entries by key, at most a capacity, the least recently used evicted first. Not thread-safe.</summary>
    private sealed class Lru<T>(int capacity) where T : class
    {
        private readonly Dictionary<string, LinkedListNode<(string Key, T Value)>> _map = new(Math.Min(capacity, 1024), StringComparer.Ordinal);
        private readonly LinkedList<(string Key, T Value)> _order = new(); // most recently used first

        public int Count => _map.Count;
        public long Evictions { get; private set; }

        /// <summary>The entry of <paramref name="key"/>, now the most recently used; null when there is none.</summary>
        public T? Find(string key)
        {
            if (!_map.TryGetValue(key, out var node)) return null;
            _order.Remove(node);
            _order.AddFirst(node);
            return node.Value.Value;
        }

        public T? Peek(string key) => _map.TryGetValue(key, out var node) ? node.Value.Value : null;

        public T Add(string key, T value)
        {
            if (_map.Count >= capacity)
            {
                var oldest = _order.Last!;
                _order.RemoveLast();
                _map.Remove(oldest.Value.Key);
                Evictions++;
            }
            _map[key] = _order.AddFirst((key, value));
            return value;
        }
    }
}
