using System.Reactive.Linq;
using System.Reactive.Subjects;
using CGDmer.Contracts.Telemetry.V1;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CGDmer.Transports.Kafka;

/// <summary>
/// Reads the segment topic as a member of the consumer group (cooperative-sticky) on a dedicated thread and hands each
/// message to the subscriber as a <see cref="ConsumedSegment"/>, parsed or not: a malformed message becomes an
/// unreadable item for the dead-letter topic and the stream goes on.
/// <para>
/// Back-pressure: the loop polls for the next message only after the subscriber's OnNext returned, so when the pipeline
/// blocks its source, reading stops (librdkafka's prefetch queue is the only buffer; bound it with
/// <c>queued.max.messages.kbytes</c> in <see cref="KafkaOptions.Settings"/>). A pipeline stalled longer than
/// <c>max.poll.interval.ms</c> (5 min by default) makes the broker hand the partitions to another instance.
/// </para>
/// <para>
/// Offsets: nothing is committed unless stored with <see cref="StoreOffset"/>; stored offsets are committed every
/// <see cref="KafkaOptions.CommitInterval"/>, when partitions are revoked and at shutdown. Partition changes are raised
/// on <see cref="Partitions"/> on the consume thread, in order with the segments.
/// </para>
/// One subscriber at a time (one group member per source); disposing the subscription leaves the group cleanly.
/// </summary>
public sealed class KafkaSegmentSource : IDisposable
{
    private readonly KafkaOptions _options;
    private readonly ILogger _logger;
    // Raised on the consume thread and completed by Dispose, both under _partitionsGate: the consumer's Close raises a
    // revocation that may come after Dispose (disposed from inside OnNext, or the join timed out). Completed, never
    // disposed: a disposed Subject would throw that late event back into the consume thread.
    private readonly Subject<PartitionEvent> _partitions = new();
    private readonly object _partitionsGate = new();
    private bool _partitionsCompleted;
    private readonly object _gate = new();
    private ConsumeLoop? _active;
    private bool _disposed;
    private long _consumed, _unreadable, _transportErrors;

    public KafkaSegmentSource(KafkaOptions options, ILogger<KafkaSegmentSource>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Segments = Observable.Create<ConsumedSegment>(Subscribe);
    }

    /// <summary>The segment topic's messages, in partition order. Never completes; errors only on a fatal client error.</summary>
    public IObservable<ConsumedSegment> Segments { get; }

    /// <summary>
    /// Assignments, revocations and losses of partitions, raised synchronously on the consume thread; completed by
    /// <see cref="Dispose"/>, after which nothing more is raised (not the revocation of the consumer's final close).
    /// </summary>
    public IObservable<PartitionEvent> Partitions => _partitions.AsObservable();

    /// <summary>The receiver clock for the validate stage (the wall clock: this is the live source).</summary>
    public DateTimeOffset Now => DateTimeOffset.UtcNow;

    /// <summary>Messages handed to the subscriber (readable or not).</summary>
    public long Consumed => Interlocked.Read(ref _consumed);
    /// <summary>Messages that could not be read as segments.</summary>
    public long Unreadable => Interlocked.Read(ref _unreadable);
    /// <summary>Client errors reported by librdkafka (broker down, timeouts, ...); it retries them itself.</summary>
    public long TransportErrors => Interlocked.Read(ref _transportErrors);

    /// <summary>
    /// Marks <paramref name="nextToRead"/> as the offset to resume its partition from (everything before it has its
    /// output acknowledged); committed at the next commit point. Thread-safe. False when no consumer is running or the
    /// partition is not assigned to this instance (any more).
    /// </summary>
    public bool StoreOffset(SourcePosition nextToRead)
    {
        var consumer = Volatile.Read(ref _active)?.Consumer;
        if (consumer is null) return false;
        try
        {
            consumer.StoreOffset(new TopicPartitionOffset(nextToRead.Topic, nextToRead.Partition, nextToRead.Offset));
            return true;
        }
        catch (KafkaException e)
        {
            _logger.OffsetNotStored($"{nextToRead.Topic}[{nextToRead.Partition}]", e.Error.Code);
            return false;
        }
        catch (ObjectDisposedException) { return false; }
    }

    /// <summary>
    /// Graceful shutdown, step 1: stop reading (the assigned partitions are paused) and complete <see cref="Segments"/>,
    /// while the consumer stays in the group so that offsets stored while the pipeline drains are still committed
    /// (periodically and by <see cref="Dispose"/>, step 2). Returns at once; the completion comes on the consume thread.
    /// </summary>
    public void StopReading() => Volatile.Read(ref _active)?.StopReading();

    /// <summary>
    /// Messages not yet read, per assigned partition: the broker's high watermark (as last seen in a fetch) minus this
    /// consumer's position. Empty when no consumer runs. Thread-safe and cheap (no broker round trip).
    /// </summary>
    public IReadOnlyList<(SourcePartition Partition, long Lag)> Lag()
    {
        var consumer = Volatile.Read(ref _active)?.Consumer;
        if (consumer is null) return [];
        var lags = new List<(SourcePartition, long)>();
        try
        {
            foreach (var tp in consumer.Assignment)
            {
                var high = consumer.GetWatermarkOffsets(tp).High;
                var position = consumer.Position(tp);
                if (high == Offset.Unset) continue;
                long lag = position == Offset.Unset ? high.Value : Math.Max(0, high.Value - position.Value);
                lags.Add((new SourcePartition(tp.Topic, tp.Partition.Value), lag));
            }
        }
        catch (Exception e) when (e is KafkaException or ObjectDisposedException or InvalidOperationException) { }
        return lags;
    }

    public void Dispose()
    {
        ConsumeLoop? active;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            active = _active;
        }
        active?.Stop();   // commits, then leaves the group: the final revocation is still raised
        lock (_partitionsGate)
        {
            _partitionsCompleted = true;
            _partitions.OnCompleted();
        }
    }

    private IDisposable Subscribe(IObserver<ConsumedSegment> observer)
    {
        ConsumeLoop loop;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_active is not null)
                throw new InvalidOperationException("the Kafka segment source has a subscriber already (one consumer group member per source)");
            loop = new ConsumeLoop(this, observer);
            _active = loop;
        }
        loop.Start();
        return loop;
    }

    private void Ended(ConsumeLoop loop)
    {
        lock (_gate) if (ReferenceEquals(_active, loop)) _active = null;
    }

    private void RaisePartitions(PartitionChange change, IEnumerable<SourcePartition> partitions)
    {
        var list = partitions.ToList();
        _logger.PartitionsChanged(change, string.Join(", ", list));
        lock (_partitionsGate)
        {
            if (_partitionsCompleted) return;   // the source is disposed: nobody is told any more
            try { _partitions.OnNext(new PartitionEvent(change, list)); }
            catch (Exception e) { _logger.PartitionHandlerFailed(e, change); }
        }
    }

    internal static ConsumedSegment ToConsumed(ConsumeResult<Ignore, byte[]?> result, int maxSegmentBytes)
    {
        var position = new SourcePosition(result.Topic, result.Partition.Value, result.Offset.Value);
        var timestamp = result.Message.Timestamp.Type == TimestampType.NotAvailable
            ? (DateTimeOffset?)null
            : new DateTimeOffset(result.Message.Timestamp.UtcDateTime, TimeSpan.Zero);
        return Parse(result.Message.Value, position, maxSegmentBytes, timestamp);
    }

    /// <summary>One message value as a consumed segment; never throws for bad bytes.</summary>
    internal static ConsumedSegment Parse(byte[]? value, SourcePosition position, int maxSegmentBytes, DateTimeOffset? timestamp = null)
    {
        if (value is null || value.Length == 0)
            return ConsumedSegment.Failed(position, new UnreadableMessage(value ?? [], UnreadableReason.EmptyMessage, "the message has no value"), timestamp);
        if (value.Length > maxSegmentBytes)
            return ConsumedSegment.Failed(position, new UnreadableMessage(value, UnreadableReason.OversizedMessage,
                $"the message has {value.Length} bytes, more than the {maxSegmentBytes} a segment may have"), timestamp);
        try
        {
            return ConsumedSegment.Read(position, EcgSegment.Parser.ParseFrom(value), timestamp);
        }
        catch (InvalidProtocolBufferException e)
        {
            // The parser's message names the wire-format problem, never the content.
            return ConsumedSegment.Failed(position, new UnreadableMessage(value, UnreadableReason.MalformedMessage, e.Message), timestamp);
        }
    }

    /// <summary>One run of the consumer: its thread, its group membership, its subscriber.</summary>
    private sealed class ConsumeLoop : IDisposable
    {
        private readonly KafkaSegmentSource _source;
        private readonly IObserver<ConsumedSegment> _observer;
        private readonly Thread _thread;
        private volatile bool _stopping;
        private volatile bool _drain;       // StopReading: paused, completed, still in the group
        private volatile bool _completed;

        public ConsumeLoop(KafkaSegmentSource source, IObserver<ConsumedSegment> observer)
        {
            _source = source;
            _observer = observer;
            // A dedicated thread: Consume blocks, and OnNext blocks under back-pressure; neither may hold a pool thread.
            _thread = new Thread(Run) { Name = "kafka-segment-source", IsBackground = true };
        }

        public IConsumer<Ignore, byte[]?>? Consumer { get; private set; }

        public void Start() => _thread.Start();

        public void StopReading() => _drain = true;

        /// <summary>
        /// The subscription's end. Rx disposes a subscription when it completes: after a drain the consumer stays in the
        /// group regardless, so that offsets settled while the pipeline drains are committed; the source's
        /// <see cref="Stop"/> ends it.
        /// </summary>
        public void Dispose()
        {
            if (_completed) return;
            Stop();
        }

        public void Stop()
        {
            _stopping = true;
            // Disposed from inside OnNext (e.g. Take(n)): the loop ends when OnNext returns; joining would deadlock.
            if (Thread.CurrentThread == _thread) return;
            if (!_thread.Join(_source._options.PollTimeout + TimeSpan.FromSeconds(30)))
                _source._logger.ConsumeThreadDidNotStop();
        }

        private void Run()
        {
            var log = _source._logger;
            var options = _source._options;
            IConsumer<Ignore, byte[]?>? consumer = null;
            Exception? failure = null;
            try
            {
                consumer = Build();
                Consumer = consumer;
                consumer.Subscribe(options.Topics.Segments);
                var nextCommit = DateTime.UtcNow + options.CommitInterval;
                while (!_stopping)
                {
                    ConsumeResult<Ignore, byte[]?>? result;
                    try
                    {
                        result = consumer.Consume(options.PollTimeout);
                    }
                    catch (ConsumeException e) when (!e.Error.IsFatal)
                    {
                        Interlocked.Increment(ref _source._transportErrors);
                        log.ConsumeFailed(e.Error.Code);
                        continue;
                    }
                    if (DateTime.UtcNow >= nextCommit)
                    {
                        CommitStored(consumer);
                        nextCommit = DateTime.UtcNow + options.CommitInterval;
                    }
                    if (_drain && !_completed)
                    {
                        _completed = true;
                        try { consumer.Pause(consumer.Assignment); }
                        catch (KafkaException e) { log.PauseFailed(e.Error.Code); }
                        _observer.OnCompleted();
                    }
                    // Draining: a message fetched before the pause (or of a partition assigned since) is not handed on;
                    // its offset is not stored, so it is read again by whoever owns the partition next.
                    if (result is null || result.IsPartitionEOF || _completed) continue;
                    var item = ToConsumed(result, options.MaxSegmentBytes);
                    Interlocked.Increment(ref _source._consumed);
                    if (!item.IsReadable)
                    {
                        Interlocked.Increment(ref _source._unreadable);
                        log.UnreadableMessage(item.Position, item.Unreadable!.Reason);
                    }
                    _observer.OnNext(item); // blocks while the pipeline is full: that is the back-pressure
                }
            }
            catch (Exception e)
            {
                failure = e;
                log.SourceStops(e is KafkaException k ? $"{k.Error.Code} {k.Error.Reason}" : e.GetType().Name);
            }
            finally
            {
                if (consumer is not null)
                {
                    try
                    {
                        CommitStored(consumer);
                        consumer.Close(); // leaves the group now (revocation), instead of after the session timeout
                    }
                    catch (Exception e) { log.CloseFailed(e.GetType().Name); }
                    Consumer = null;
                    consumer.Dispose();
                }
                _source.Ended(this);
            }
            if (failure is not null && !_stopping) _observer.OnError(failure);
            else if (!_completed && _drain) _observer.OnCompleted();
        }

        private IConsumer<Ignore, byte[]?> Build()
        {
            var log = _source._logger;
            return new ConsumerBuilder<Ignore, byte[]?>(_source._options.ToConsumerConfig())
                .SetErrorHandler((_, e) =>
                {
                    Interlocked.Increment(ref _source._transportErrors);
                    log.Log(e.IsFatal ? LogLevel.Error : LogLevel.Warning, "Kafka consumer error {Code}: {Reason}", e.Code, e.Reason);
                })
                .SetLogHandler((_, m) => log.Log(ToLogLevel(m.Level), "librdkafka {Facility}: {Message}", m.Facility, m.Message))
                .SetPartitionsAssignedHandler((c, partitions) =>
                {
                    _source.RaisePartitions(PartitionChange.Assigned, partitions.Select(p => new SourcePartition(p.Topic, p.Partition.Value)));
                    if (_completed) c.Pause(partitions);   // draining: read nothing new
                })
                .SetPartitionsRevokedHandler((c, partitions) =>
                {
                    // Subscribers first (they store what is final), then commit while the partitions are still ours.
                    _source.RaisePartitions(PartitionChange.Revoked, partitions.Select(p => new SourcePartition(p.Topic, p.Partition.Value)));
                    CommitStored(c);
                })
                .SetPartitionsLostHandler((_, partitions) =>
                    _source.RaisePartitions(PartitionChange.Lost, partitions.Select(p => new SourcePartition(p.Topic, p.Partition.Value))))
                .Build();
        }

        private void CommitStored(IConsumer<Ignore, byte[]?> consumer)
        {
            try { consumer.Commit(); }
            catch (KafkaException e) when (e.Error.Code == ErrorCode.Local_NoOffset) { } // nothing stored since the last commit
            catch (KafkaException e)
            {
                Interlocked.Increment(ref _source._transportErrors);
                _source._logger.CommitFailed(e.Error.Code);
            }
        }

        private static LogLevel ToLogLevel(SyslogLevel level) => level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
    }
}
