namespace CGDmer.Pipeline.Concurrency;

/// <summary>
/// A bounded queue between a producing and a consuming thread that blocks without spinning and wakes a blocked
/// producer only when the queue has drained to half its capacity.
/// </summary>
/// <remarks>
/// Why not <c>BlockingCollection</c> + <c>SemaphoreSlim</c>: under sustained load the queue is full, so every take
/// lets one add through and each hand-off is a wake-up; SemaphoreSlim spins before it blocks, and on a small host
/// (source, signal lanes and the model share few cores) the spinning takes CPU the stages need. Here a full queue
/// parks its producer on a monitor until half of it has been taken, so wake-ups come in bursts; an idle consumer is
/// woken at once (latency). With <c>holdUntilDone</c>, a taken item keeps counting against the capacity until the
/// consumer calls <see cref="Done"/> (the model's batch in progress counts as in flight).
/// </remarks>
internal sealed class HandoffQueue<T>
{
    private readonly object _gate = new();
    private readonly Queue<T> _items;
    private readonly int _capacity;
    private readonly int _resumeAt;
    private readonly bool _holdUntilDone;
    private int _inProgress;
    private int _waitingProducers;
    private bool _consumerWaiting;
    private bool _addingCompleted;

    public HandoffQueue(int capacity, bool holdUntilDone = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _resumeAt = capacity / 2;
        _holdUntilDone = holdUntilDone;
        _items = new Queue<T>(Math.Min(capacity, 1024));
    }

    /// <summary>Items queued plus, with holdUntilDone, those taken and not yet done.</summary>
    public int InFlight
    {
        get { lock (_gate) return _items.Count + _inProgress; }
    }

    /// <summary>Producers parked on a full queue right now (tests wait for one to be, before asserting it stays parked).</summary>
    internal int WaitingProducers
    {
        get { lock (_gate) return _waitingProducers; }
    }

    /// <summary>Whether the consumer is parked on an empty queue right now (for tests, like <see cref="WaitingProducers"/>).</summary>
    internal bool ConsumerWaiting
    {
        get { lock (_gate) return _consumerWaiting; }
    }

    /// <summary>
    /// Queues <paramref name="item"/>, blocking while the queue is full. False when adding was completed (the item was
    /// not queued). Throws <see cref="OperationCanceledException"/> when <paramref name="cancel"/> fires while blocked.
    /// </summary>
    public bool TryAdd(T item, CancellationToken cancel)
    {
        lock (_gate)
        {
            if (_items.Count + _inProgress >= _capacity && !_addingCompleted)
            {
                var wake = WakeOnCancel(cancel);
                _waitingProducers++;
                try
                {
                    while (_items.Count + _inProgress >= _capacity && !_addingCompleted)
                    {
                        cancel.ThrowIfCancellationRequested();
                        Monitor.Wait(_gate);
                    }
                }
                finally
                {
                    _waitingProducers--;
                    wake.Unregister();
                }
            }
            cancel.ThrowIfCancellationRequested();
            if (_addingCompleted) return false;
            _items.Enqueue(item);
            if (_consumerWaiting) Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>
    /// Takes the oldest item, blocking while the queue is empty. False once adding is completed and the queue is empty.
    /// Throws <see cref="OperationCanceledException"/> when <paramref name="cancel"/> fires while blocked.
    /// </summary>
    public bool TryTake(out T item, CancellationToken cancel)
    {
        lock (_gate)
        {
            if (_items.Count == 0 && !_addingCompleted)
            {
                var wake = WakeOnCancel(cancel);
                _consumerWaiting = true;
                try
                {
                    while (_items.Count == 0 && !_addingCompleted)
                    {
                        cancel.ThrowIfCancellationRequested();
                        Monitor.Wait(_gate);
                    }
                }
                finally
                {
                    _consumerWaiting = false;
                    wake.Unregister();
                }
            }
            cancel.ThrowIfCancellationRequested();
            if (!_items.TryDequeue(out item!)) return false;
            if (_holdUntilDone) _inProgress++;
            else WakeProducersIfDrained();
            return true;
        }
    }

    /// <summary>Takes the oldest item if there is one, without blocking (draining after a stop).</summary>
    public bool TryTakeNow(out T item)
    {
        lock (_gate)
        {
            if (!_items.TryDequeue(out item!)) return false;
            WakeProducersIfDrained();
            return true;
        }
    }

    /// <summary>With holdUntilDone: the consumer finished a taken item, which stops counting against the capacity.</summary>
    public void Done()
    {
        lock (_gate)
        {
            if (!_holdUntilDone || _inProgress == 0) throw new InvalidOperationException("no item in progress");
            _inProgress--;
            WakeProducersIfDrained();
        }
    }

    /// <summary>No more items: blocked producers return false, the consumer drains what is queued and then ends.</summary>
    public void CompleteAdding()
    {
        lock (_gate)
        {
            _addingCompleted = true;
            Monitor.PulseAll(_gate);
        }
    }

    // Unregister, not Dispose, afterwards: Dispose waits for a running callback, which may be waiting for the lock held here.
    private CancellationTokenRegistration WakeOnCancel(CancellationToken cancel) =>
        cancel.CanBeCanceled ? cancel.UnsafeRegister(static g => { lock (g!) Monitor.PulseAll(g); }, _gate) : default;

    private void WakeProducersIfDrained()
    {
        if (_waitingProducers > 0 && _items.Count + _inProgress <= _resumeAt) Monitor.PulseAll(_gate);
    }
}
