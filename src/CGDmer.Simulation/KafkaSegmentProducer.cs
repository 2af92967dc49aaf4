using System.Collections.Concurrent;
using System.Diagnostics;
using CGDmer.Transports.Kafka;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CGDmer.Simulation;

/// <summary>What a <see cref="KafkaSegmentProducer.Send"/> did.</summary>
/// <param name="Produced">Messages handed to librdkafka (or refused by it locally).</param>
/// <param name="Delivered">Messages acknowledged by the brokers (acks=all).</param>
/// <param name="Failed">Messages refused or not acknowledged.</param>
/// <param name="Elapsed">Wall time from the first send to the last acknowledgement.</param>
/// <param name="MaxLag">How far behind its plan the producer fell at worst (0 when as fast as possible).</param>
/// <param name="FailuresByCode">Failed messages per librdkafka error code.</param>
/// <param name="ProducedByKind">Messages produced per kind (good segments, duplicates, malformed).</param>
/// <param name="Cancelled">The send was stopped before the plan's end.</param>
public sealed record ProduceReport(
    long Produced, long Delivered, long Failed, TimeSpan Elapsed, TimeSpan MaxLag,
    IReadOnlyDictionary<string, long> FailuresByCode, IReadOnlyDictionary<SimulatedMessageKind, long> ProducedByKind, bool Cancelled)
{
    /// <summary>Acknowledged messages per second of wall time.</summary>
    public double DeliveredPerSecond => Elapsed > TimeSpan.Zero ? Delivered / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Produces a simulation's delivery plan to the segment topic, keyed by patient id (one partition per patient, as the
/// monitor gateways do), either paced — each message at its <see cref="SimulatedMessage.SendAt"/> divided by the speed
/// factor — or as fast as the brokers take it. At most <see cref="MaxInFlight"/> messages are unacknowledged at a time
/// (the plan is enumerated lazily, so memory stays bounded). Uses the transport's own producer settings
/// (<see cref="KafkaOptions.ToProducerConfig"/>: idempotent acks=all, or the legacy broker's single-flight retries).
/// </summary>
public sealed class KafkaSegmentProducer : IDisposable
{
    private static readonly TimeSpan QueueFullWait = TimeSpan.FromMilliseconds(5);

    private readonly KafkaOptions _options;
    private readonly ILogger _logger;
    private readonly IProducer<string, byte[]> _producer;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<string, long> _failuresByCode = new(StringComparer.Ordinal);
    private long _produced, _delivered, _failed;
    private int _disposed;

    public KafkaSegmentProducer(KafkaOptions options, int maxInFlight = 10_000, ILogger<KafkaSegmentProducer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (maxInFlight < 1 || maxInFlight > 1_000_000) throw new ArgumentOutOfRangeException(nameof(maxInFlight), maxInFlight, "must be in [1, 1000000]");
        _options = options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        MaxInFlight = maxInFlight;
        _slots = new SemaphoreSlim(maxInFlight, maxInFlight);
        var log = _logger;
        _producer = new ProducerBuilder<string, byte[]>(options.ToProducerConfig())
            .SetErrorHandler((_, e) => log.Log(e.IsFatal ? LogLevel.Error : LogLevel.Warning, "Kafka producer error {Code}: {Reason}", e.Code, e.Reason))
            .SetLogHandler((_, m) => log.Log(m.Level <= SyslogLevel.Warning ? LogLevel.Warning : LogLevel.Debug, "librdkafka {Facility}: {Message}", m.Facility, m.Message))
            .Build();
    }

    public int MaxInFlight { get; }
    /// <summary>Messages handed to librdkafka so far (all sends of this producer).</summary>
    public long Produced => Interlocked.Read(ref _produced);
    /// <summary>Messages acknowledged so far.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);
    /// <summary>Messages failed so far.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>
    /// Sends <paramref name="plan"/> in order, paced at <paramref name="speed"/> × real time (null: as fast as
    /// possible), then waits up to <see cref="KafkaOptions.FlushTimeout"/> for the last acknowledgements. Blocks the
    /// calling thread; <paramref name="cancel"/> stops it between messages (what was produced is still flushed).
    /// </summary>
    public ProduceReport Send(IEnumerable<SimulatedMessage> plan, double? speed = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (speed is { } s && !(s > 0 && double.IsFinite(s))) throw new ArgumentOutOfRangeException(nameof(speed), speed, "must be a positive factor");
        long produced0 = Produced, delivered0 = Delivered, failed0 = Failed;
        var failures0 = new Dictionary<string, long>(_failuresByCode);
        var byKind = new Dictionary<SimulatedMessageKind, long>();
        string topic = _options.Topics.Segments;
        var clock = Stopwatch.StartNew();
        var maxLag = TimeSpan.Zero;
        bool cancelled = false;
        TimeSpan? origin = null;
        foreach (var message in plan)
        {
            if (cancel.IsCancellationRequested) { cancelled = true; break; }
            if (speed is { } factor)
            {
                // The plan's clock starts at its first message; each message is due at its offset divided by the speed.
                origin ??= message.SendAt;
                var due = TimeSpan.FromTicks((long)((message.SendAt - origin.Value).Ticks / factor));
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero) { if (cancel.WaitHandle.WaitOne(wait)) { cancelled = true; break; } }
                else if (-wait > maxLag) maxLag = -wait;
            }
            try { _slots.Wait(cancel); }
            catch (OperationCanceledException) { cancelled = true; break; }
            Produce(topic, message);
            byKind[message.Kind] = byKind.GetValueOrDefault(message.Kind) + 1;
        }
        if (_producer.Flush(_options.FlushTimeout) > 0)
            _logger.FlushTimedOut(Produced - Delivered - Failed);
        clock.Stop();
        var failures = _failuresByCode.Select(kv => (kv.Key, Count: kv.Value - failures0.GetValueOrDefault(kv.Key)))
            .Where(kv => kv.Count > 0).ToDictionary(kv => kv.Key, kv => kv.Count);
        return new ProduceReport(Produced - produced0, Delivered - delivered0, Failed - failed0, clock.Elapsed, maxLag, failures, byKind, cancelled);
    }

    private void Produce(string topic, SimulatedMessage message)
    {
        // The monitor gateway's record: keyed by patient id; an empty value stays an empty value (not a tombstone's null).
        var record = new Message<string, byte[]> { Key = message.Key, Value = message.Value };
        var deadline = DateTime.UtcNow + _options.FlushTimeout;
        while (true)
        {
            try
            {
                _producer.Produce(topic, record, OnDelivery);
                Interlocked.Increment(ref _produced);
                return;
            }
            catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(QueueFullWait); // the brokers are behind: wait for room rather than drop
            }
            catch (KafkaException e)
            {
                Interlocked.Increment(ref _produced);
                Fail(e.Error.Code.ToString(), e.Error.Reason);
                return;
            }
        }
    }

    private void OnDelivery(DeliveryReport<string, byte[]> report)
    {
        if (report.Error.IsError) Fail(report.Error.Code.ToString(), report.Error.Reason);
        else
        {
            Interlocked.Increment(ref _delivered);
            _slots.Release();
        }
    }

    private void Fail(string code, string reason)
    {
        Interlocked.Increment(ref _failed);
        _failuresByCode.AddOrUpdate(code, 1, (_, n) => n + 1);
        // Code and reason only: never the key (a patient id) or the value.
        _logger.NotDelivered(code, reason);
        _slots.Release();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try { _producer.Flush(_options.FlushTimeout); }
        catch (Exception e) { _logger.FinalFlushFailed(e.GetType().Name); }
        _producer.Dispose();
        _slots.Dispose();
    }
}
