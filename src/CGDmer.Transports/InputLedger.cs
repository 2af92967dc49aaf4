using CGDmer.Pipeline;
using CGDmer.Pipeline.Settlement;

namespace CGDmer.Transports;

/// <summary>
/// At-least-once bookkeeping between a positioned source (Kafka partitions and offsets) and the pipeline's delivered
/// outputs: a read position may be committed only past inputs whose every dependent output was acknowledged.
/// </summary>
/// <remarks>
/// <para><b>What holds an input.</b> A segment is held from the moment it is read until the pipeline settles it (see
/// <see cref="InputSettlement"/>): a rejected segment when its dead letter is acknowledged; a segment dropped before
/// windowing at once; a windowed segment when the last window that reads it — and every earlier window of the patient —
/// is acknowledged, or when the patient's window state is closed and its windows are acknowledged. So the position
/// that may be committed for a partition is its oldest held offset (the watermark), not the last one read: a restarted
/// or rebalanced instance re-reads from there and rebuilds the open windows; the deterministic Observation ids make the
/// repeated outputs harmless.</para>
/// <para><b>Ordering.</b> Windows reach <see cref="Track"/> in each patient's emission order (the pipeline keeps it);
/// a state closing may overtake the windows emitted before it, so it waits for the window it names.</para>
/// <para><b>Failure.</b> An output that Kafka finally refuses is never settled: the watermark stops there and
/// <see cref="DeliveryFailed"/> is raised, so the host can stop and let a restart re-read it.</para>
/// Thread-safe: reads come from the consume thread, outputs from the pipeline, acknowledgements from the producer.
/// </remarks>
public sealed class InputLedger
{
    private sealed class Held(SourcePosition position)
    {
        public SourcePosition Position { get; } = position;
        public long Ordinal { get; init; }
        public bool Settled { get; set; }
        public bool Orphaned { get; set; }   // its partition was revoked or lost: nothing to commit any more
        public string? Patient { get; init; }
    }

    private sealed class PartitionState
    {
        public readonly Queue<Held> Held = new();   // offset order
        public long NextToRead = -1;                 // last read offset + 1
        public long Committable = -1;                // the last watermark handed to the store callback
    }

    // A window or a state closing that settles a patient's inputs, in emission order.
    private sealed class Settlement(InputSettlement s, bool closing, Task? delivery)
    {
        public InputSettlement Value { get; } = s;
        public bool Closing { get; } = closing;
        public Task? Delivery { get; } = delivery;
    }

    private sealed class PatientState
    {
        public readonly Queue<Held> Held = new();               // ordinal order
        public readonly List<Settlement> Pending = [];           // emission order
        public InputSettlement LastArrived;                      // newest window seen (not closing)
    }

    private readonly object _gate = new();
    private readonly Action<SourcePosition> _store;
    private readonly Dictionary<SourcePartition, PartitionState> _partitions = [];
    private readonly Dictionary<string, PatientState> _patients = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Held> _byOrdinal = [];
    private long _lastOrdinal, _held, _failures, _pendingDeliveries;

    /// <param name="store">Called (under the ledger's lock, on whichever thread moved it) with the next position to read
    /// of a partition whenever its watermark advances; the source stores it for its next commit.</param>
    public InputLedger(Action<SourcePosition> store) => _store = store ?? throw new ArgumentNullException(nameof(store));

    /// <summary>Inputs read and not yet settled (all partitions).</summary>
    public long HeldInputs => Interlocked.Read(ref _held);
    /// <summary>Tracked outputs whose delivery has not completed yet.</summary>
    public long PendingDeliveries => Interlocked.Read(ref _pendingDeliveries);
    /// <summary>Outputs Kafka refused; the watermark of their patient's partition no longer moves.</summary>
    public long FailedDeliveries => Interlocked.Read(ref _failures);
    /// <summary>Raised once per refused output (on the producer's thread), with the error.</summary>
    public event Action<Exception>? DeliveryFailed;

    /// <summary>
    /// Records a segment about to enter the pipeline and returns its input ordinal (the pipeline numbers its inputs the
    /// same way: call this for every segment passed on, in order, and for nothing else).
    /// </summary>
    public long ReadForPipeline(SourcePosition position, string patientId)
    {
        ArgumentNullException.ThrowIfNull(patientId);
        lock (_gate)
        {
            var held = new Held(position) { Ordinal = ++_lastOrdinal, Patient = patientId };
            Hold(held);
            _byOrdinal.Add(held.Ordinal, held);
            Patient(patientId).Held.Enqueue(held);
            return held.Ordinal;
        }
    }

    /// <summary>Records a message that does not enter the pipeline (unreadable); settle it with the returned callback once its dead letter is acknowledged.</summary>
    public Action ReadAside(SourcePosition position)
    {
        Held held;
        lock (_gate)
        {
            held = new Held(position);
            Hold(held);
        }
        return () => { lock (_gate) Settle(held); };
    }

    /// <summary>Settles a message recorded with <see cref="ReadAside"/> once <paramref name="delivery"/> (its dead letter) is acknowledged.</summary>
    public void TrackAside(Action settle, Task? delivery)
    {
        ArgumentNullException.ThrowIfNull(settle);
        WhenDelivered(delivery, settle);
    }

    /// <summary>Where the pipeline input <paramref name="ordinal"/> was read, while it is held (for its dead letter).</summary>
    public SourcePosition? PositionOf(long ordinal)
    {
        lock (_gate) return _byOrdinal.TryGetValue(ordinal, out var held) ? held.Position : null;
    }

    /// <summary>
    /// Tracks what one pipeline output settles. <paramref name="delivery"/> completes when every message of the output is
    /// acknowledged and faults when one was refused (null: nothing was sent).
    /// </summary>
    public void Track(PipelineOutput output, Task? delivery)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.Rejected is { } rejected) TrackRejected(rejected.InputOrdinal, delivery);
        else if (output.DroppedInput > 0) TrackDropped(output.DroppedInput);
        else if (output.Published is { } published) TrackWindow(published.PatientId, published.Window.Settlement, delivery);
        else if (output.Closed is { } closed) TrackClosing(closed);
    }

    /// <summary>A rejected input: settled when its dead letter is acknowledged.</summary>
    public void TrackRejected(long ordinal, Task? deadLetter)
    {
        Held? held;
        lock (_gate) _byOrdinal.TryGetValue(ordinal, out held);
        if (held is not null) WhenDelivered(deadLetter, () => { lock (_gate) Settle(held); });
    }

    /// <summary>An input dropped before windowing: settled now.</summary>
    public void TrackDropped(long ordinal)
    {
        lock (_gate) if (_byOrdinal.TryGetValue(ordinal, out var held)) Settle(held);
    }

    /// <summary>A published window of <paramref name="patientId"/> (in the patient's emission order) and its delivery.</summary>
    public void TrackWindow(string patientId, InputSettlement settlement, Task? delivery)
    {
        ArgumentNullException.ThrowIfNull(patientId);
        PatientState patient;
        lock (_gate)
        {
            patient = Patient(patientId);
            Insert(patient.Pending, new Settlement(settlement, closing: false, delivery));
            if (settlement.IsAfter(patient.LastArrived)) patient.LastArrived = settlement;
            Advance(patientId, patient);
        }
        // Every delivery gets its own continuation, which settles what it can and only then counts the delivery done:
        // PendingDeliveries reaching 0 means every watermark that acknowledgements allow has been stored.
        if (delivery is null || delivery.IsCompletedSuccessfully) return;
        Interlocked.Increment(ref _pendingDeliveries);
        delivery.ContinueWith(t =>
        {
            if (!t.IsCompletedSuccessfully) Fail(t);
            else lock (_gate) Advance(patientId, patient);
            Interlocked.Decrement(ref _pendingDeliveries);
        }, TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>A closed patient state: settles the rest of its inputs once its windows are delivered.</summary>
    public void TrackClosing(PatientStateClosed closed)
    {
        ArgumentNullException.ThrowIfNull(closed);
        lock (_gate)
        {
            // Nothing of the patient held: nothing to settle, and no state to keep for it.
            if (!_patients.TryGetValue(closed.PatientId, out var patient)) return;
            Insert(patient.Pending, new Settlement(closed.Settlement, closing: true, null));
            Advance(closed.PatientId, patient);
        }
    }

    /// <summary>The partitions are being revoked: hands their final watermark to the store callback, then forgets them.</summary>
    public void Revoke(IEnumerable<SourcePartition> partitions) => Forget(partitions, storeFinal: true);

    /// <summary>The partitions were lost (another instance may own them already): forgets them without storing.</summary>
    public void Lose(IEnumerable<SourcePartition> partitions) => Forget(partitions, storeFinal: false);

    /// <summary>The watermark of <paramref name="partition"/>: the next position to read after a restart (null before any read).</summary>
    public long? Watermark(SourcePartition partition)
    {
        lock (_gate) return _partitions.TryGetValue(partition, out var p) && p.NextToRead >= 0 ? WatermarkOf(p) : null;
    }

    private void Hold(Held held)
    {
        var key = SourcePartition.Of(held.Position);
        // Reading started here: the position already committed (or the reset point), so nothing to store yet.
        if (!_partitions.TryGetValue(key, out var partition))
            _partitions[key] = partition = new PartitionState { Committable = held.Position.Offset };
        partition.Held.Enqueue(held);
        partition.NextToRead = held.Position.Offset + 1;
        _held++;
    }

    private PatientState Patient(string patientId)
    {
        if (!_patients.TryGetValue(patientId, out var patient)) _patients[patientId] = patient = new PatientState();
        return patient;
    }

    // Windows arrive in emission order; a closing can arrive before windows emitted ahead of it, which then go before it.
    private static void Insert(List<Settlement> pending, Settlement s)
    {
        int i = pending.Count;
        if (!s.Closing)
            while (i > 0 && pending[i - 1].Closing && !s.Value.IsAfter(pending[i - 1].Value)) i--;
        pending.Insert(i, s);
    }

    // Under the gate. Settles the patient's inputs as far as its delivered windows and closings allow, in order.
    private void Advance(string patientId, PatientState patient)
    {
        while (patient.Pending.Count > 0)
        {
            var head = patient.Pending[0];
            if (head.Closing)
            {
                // Every window the state emitted must have arrived (and, being earlier in the list, been delivered).
                var s = head.Value;
                bool windowsIn = s.WindowNumber == 0 || !s.IsAfter(patient.LastArrived);
                if (!windowsIn) return;
            }
            // Not acknowledged yet (its continuation comes back here), or refused: then it stays and the watermark stops.
            else if (head.Delivery is { IsCompletedSuccessfully: false }) return;
            patient.Pending.RemoveAt(0);
            long through = head.Value.InputsThrough;
            while (patient.Held.TryPeek(out var held) && held.Ordinal <= through)
            {
                patient.Held.Dequeue();
                Settle(held);
            }
            if (head.Closing && patient.Held.Count == 0 && patient.Pending.Count == 0)
                _patients.Remove(patientId);   // the state is gone; a later one starts afresh
        }
    }

    private void Fail(Task delivery)
    {
        Interlocked.Increment(ref _failures);
        var error = delivery.Exception?.GetBaseException() ?? new OperationCanceledException("the delivery was cancelled");
        try { DeliveryFailed?.Invoke(error); } catch { /* a failing handler must not stop the bookkeeping */ }
    }

    // Under the gate.
    private void Settle(Held held)
    {
        if (held.Settled) return;
        held.Settled = true;
        _held--;
        if (held.Ordinal > 0) _byOrdinal.Remove(held.Ordinal);
        if (held.Patient is { } patientId && _patients.TryGetValue(patientId, out var patient)) Trim(patientId, patient);
        if (held.Orphaned) return;
        var key = SourcePartition.Of(held.Position);
        if (_partitions.TryGetValue(key, out var partition)) StoreIfMoved(key, partition);
    }

    // Under the gate: drops the settled inputs at the front of the partition and hands the watermark to the store
    // callback when it moved past what was handed before.
    private void StoreIfMoved(SourcePartition key, PartitionState partition)
    {
        while (partition.Held.TryPeek(out var head) && head.Settled) partition.Held.Dequeue();
        long watermark = WatermarkOf(partition);
        if (watermark <= partition.Committable) return;
        partition.Committable = watermark;
        _store(new SourcePosition(key.Topic, key.Partition, watermark));
    }

    // Settled inputs leave the patient's queue from the front (a rejected or dropped one may be settled out of turn); a
    // patient with nothing held, nothing pending and no window seen yet (only rejected input so far) is forgotten.
    private void Trim(string patientId, PatientState patient)
    {
        while (patient.Held.TryPeek(out var head) && head.Settled) patient.Held.Dequeue();
        if (patient.Held.Count == 0 && patient.Pending.Count == 0 && patient.LastArrived == default) _patients.Remove(patientId);
    }

    private static long WatermarkOf(PartitionState p) => p.Held.TryPeek(out var oldest) ? oldest.Position.Offset : p.NextToRead;

    private void Forget(IEnumerable<SourcePartition> partitions, bool storeFinal)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        lock (_gate)
        {
            foreach (var key in partitions)
            {
                if (!_partitions.Remove(key, out var partition)) continue;
                if (storeFinal) StoreIfMoved(key, partition);
                // Its inputs stay in their patients' queues (the pipeline still holds them) but no longer count.
                foreach (var held in partition.Held)
                {
                    if (held.Settled) continue;
                    held.Orphaned = true;
                    held.Settled = true;
                    _held--;
                    if (held.Ordinal > 0) _byOrdinal.Remove(held.Ordinal);
                }
            }
        }
    }

    private void WhenDelivered(Task? delivery, Action settle)
    {
        if (delivery is null || delivery.IsCompletedSuccessfully) { settle(); return; }
        Interlocked.Increment(ref _pendingDeliveries);
        delivery.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) settle();
            else Fail(t);
            Interlocked.Decrement(ref _pendingDeliveries);
        }, TaskContinuationOptions.ExecuteSynchronously);
    }
}
