using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Text;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Publishing;
using CGDmer.Transports.Files;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CGDmer.Transports.Kafka;

/// <summary>How the messages of one output fared: acknowledged by Kafka when <see cref="Failed"/> is 0.</summary>
/// <param name="Messages">Messages the output became (Observations + alerts, or one dead letter; 0 for an empty window).</param>
/// <param name="Failed">Messages Kafka did not acknowledge (or that could not be produced at all).</param>
/// <param name="FirstError">The first failure's error code, else null.</param>
public readonly record struct DeliveryOutcome(int Messages, int Failed, string? FirstError)
{
    /// <summary>Every message is durable at acks=all: the input offsets behind this output may be committed.</summary>
    public bool Acknowledged => Failed == 0;
}

/// <summary>One message Kafka did not take. Carries no payload, key or patient id: it may be logged and counted.</summary>
public sealed record SinkFailure(string Topic, string Code, string Reason);

/// <summary>
/// Publishes the pipeline's output to Kafka: Observations as FHIR JSON and alert events (schemas/alert-event.schema.json)
/// keyed by patient id (one partition per patient keeps each patient's output in order, the same partitioning as the
/// segments), dead letters (<see cref="DeadLetterJson"/> with the source position, at most
/// <see cref="KafkaOptions.MaxDeadLetterBytes"/>) keyed by device id.
/// <para>
/// Every write returns a task that completes — never faults — when Kafka acknowledged or refused each of its messages,
/// so the offset watermark can commit only acknowledged work. A refused message is counted (<see cref="Failed"/>) and
/// raised on <see cref="Failures"/>, never thrown. When librdkafka's local queue is full, a write waits for room
/// (back-pressure to the pipeline) up to <see cref="KafkaOptions.FlushTimeout"/>.
/// </para>
/// No message headers: the integration tests' Kafka 0.9 broker has none; everything a consumer needs is in the value.
/// </summary>
public sealed class KafkaPipelineSink : IPipelineSink
{
    private static readonly TimeSpan QueueFullWait = TimeSpan.FromMilliseconds(5);

    private readonly KafkaOptions _options;
    private readonly ILogger _logger;
    private readonly IProducer<string?, byte[]> _producer;
    private readonly Subject<SinkFailure> _failures = new();
    // Outputs with messages still in flight, failed at dispose so no caller waits forever for a task.
    private readonly ConcurrentDictionary<PendingOutput, byte> _inFlight = new();
    private long _produced, _delivered, _failed, _transportErrors;
    private IAdminClient? _admin;
    private int _disposed;

    public KafkaPipelineSink(KafkaOptions options, ILogger<KafkaPipelineSink>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var log = _logger;
        _producer = new ProducerBuilder<string?, byte[]>(options.ToProducerConfig())
            .SetErrorHandler((_, e) =>
            {
                Interlocked.Increment(ref _transportErrors);
                log.Log(e.IsFatal ? LogLevel.Error : LogLevel.Warning, "Kafka producer error {Code}: {Reason}", e.Code, e.Reason);
            })
            .SetLogHandler((_, m) => log.Log(m.Level <= SyslogLevel.Warning ? LogLevel.Warning : LogLevel.Debug, "librdkafka {Facility}: {Message}", m.Facility, m.Message))
            .Build();
    }

    /// <summary>Messages the sink tried to produce (handed to librdkafka or refused before that).</summary>
    public long Produced => Interlocked.Read(ref _produced);
    /// <summary>Messages acknowledged by Kafka.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);
    /// <summary>Messages refused or not producible.</summary>
    public long Failed => Interlocked.Read(ref _failed);
    /// <summary>Messages produced but not yet acknowledged or failed (grows when the brokers fall behind or are away).</summary>
    public long Pending => Produced - Delivered - Failed;
    /// <summary>Client errors reported by librdkafka (broker down, timeouts, ...); it retries them itself.</summary>
    public long TransportErrors => Interlocked.Read(ref _transportErrors);

    /// <summary>
    /// Asks the cluster for its metadata over the producer's connections: true when a broker answered within
    /// <paramref name="timeout"/>. For health reporting (an outage shows here before any delivery times out).
    /// </summary>
    public bool ProbeBrokers(TimeSpan timeout)
    {
        if (Volatile.Read(ref _disposed) != 0) return false;
        try
        {
            _admin ??= new DependentAdminClientBuilder(_producer.Handle).Build();
            return _admin.GetMetadata(_options.Topics.Observations, timeout).Brokers.Count > 0;
        }
        catch (Exception e) when (e is KafkaException or ObjectDisposedException) { return false; }
    }

    /// <summary>Each refused message, raised on librdkafka's delivery thread (or the writer's for a local refusal).</summary>
    public IObservable<SinkFailure> Failures => _failures.AsObservable();

    /// <inheritdoc />
    void IPipelineSink.Write(PipelineOutput output, DateTimeOffset receivedAt) => _ = Write(output, receivedAt, null);

    /// <summary>
    /// Publishes one output: a published window's Observations and alerts, or a rejected segment's dead letter with
    /// <paramref name="position"/> (where the segment was read, when known).
    /// </summary>
    public Task<DeliveryOutcome> Write(PipelineOutput output, DateTimeOffset receivedAt, SourcePosition? position)
    {
        ArgumentNullException.ThrowIfNull(output);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var pending = new PendingOutput(this);
        if (output.Rejected is { Rejection: { } rejection } rejected)
        {
            string? deviceKey = rejection.DeviceId.Length > 0 ? rejection.DeviceId : null;
            Produce(pending, _options.Topics.DeadLetter, deviceKey, () => Encoding.UTF8.GetBytes(DeadLetterJson.Write(rejected, receivedAt, position, _options.MaxDeadLetterBytes)));
        }
        if (output.Published is { } published)
        {
            string patientKey = published.PatientId;
            foreach (var observation in published.Observations)
                Produce(pending, _options.Topics.Observations, patientKey, () => FhirNdjson.SerializeToUtf8(observation.Resource));
            foreach (var alert in published.Alerts)
                Produce(pending, _options.Topics.Alerts, alert.PatientId, () => AlertEventJson.SerializeToUtf8Bytes(alert));
        }
        return pending.Seal();
    }

    /// <summary>Stores a patient's alert checkpoint (keyed by patient id; no codes when the patient holds none any more).</summary>
    public Task<DeliveryOutcome> WriteAlertCheckpoint(AlertCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var pending = new PendingOutput(this);
        Produce(pending, _options.Topics.AlertState, checkpoint.PatientId, () => AlertCheckpointJson.Serialize(checkpoint));
        return pending.Seal();
    }

    /// <summary>Publishes the dead letter of a message that could not be read as a segment (no device known: no key).</summary>
    public Task<DeliveryOutcome> WriteUnreadable(ConsumedSegment consumed, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(consumed);
        var unreadable = consumed.Unreadable ?? throw new ArgumentException("the segment was readable", nameof(consumed));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var pending = new PendingOutput(this);
        Produce(pending, _options.Topics.DeadLetter, null, () => Encoding.UTF8.GetBytes(DeadLetterJson.WriteUnreadable(
            unreadable.Payload, unreadable.Reason, unreadable.Message, consumed.Position, receivedAt, _options.MaxDeadLetterPayloadBytes)));
        return pending.Seal();
    }

    /// <summary>Waits up to <see cref="KafkaOptions.FlushTimeout"/> for every message to be acknowledged or failed.</summary>
    public void Flush()
    {
        if (!Flush(_options.FlushTimeout))
            _logger.FlushTimedOut(Pending);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for every message to be acknowledged or failed; true when none is left.</summary>
    public bool Flush(TimeSpan timeout)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _producer.Flush(timeout) == 0;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            if (_producer.Flush(_options.FlushTimeout) > 0)
                _logger.DisposingWithPending(Pending);
        }
        catch (Exception e) { _logger.FinalFlushFailed(e.GetType().Name); }
        _admin?.Dispose();
        _producer.Dispose();
        foreach (var pending in _inFlight.Keys) pending.Abandon();
        _failures.OnCompleted();
        _failures.Dispose();
    }

    private void Produce(PendingOutput pending, string topic, string? key, Func<byte[]> value)
    {
        byte[] bytes;
        try { bytes = value(); }
        catch (Exception e)
        {
            // A resource the serializer refuses is a bug, not an outage: fail this message, keep the stream.
            pending.Expect();
            Interlocked.Increment(ref _produced); // counted as attempted so that Pending stays Produced − Delivered − Failed
            Fail(pending, topic, "SerializationFailed", e.GetType().Name);
            return;
        }
        pending.Expect();
        var message = new Message<string?, byte[]> { Key = key, Value = bytes! };
        var deadline = DateTime.UtcNow + _options.FlushTimeout;
        while (true)
        {
            try
            {
                _producer.Produce(topic, message, report => OnDelivery(pending, report));
                Interlocked.Increment(ref _produced);
                return;
            }
            catch (ProduceException<string?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(QueueFullWait); // the brokers are behind: wait for room rather than drop
            }
            catch (KafkaException e)
            {
                Interlocked.Increment(ref _produced);
                Fail(pending, topic, e.Error.Code.ToString(), e.Error.Reason);
                return;
            }
        }
    }

    private void OnDelivery(PendingOutput pending, DeliveryReport<string?, byte[]> report)
    {
        if (report.Error.IsError) Fail(pending, report.Topic, report.Error.Code.ToString(), report.Error.Reason);
        else
        {
            Interlocked.Increment(ref _delivered);
            pending.Done(null);
        }
    }

    private void Fail(PendingOutput pending, string topic, string code, string reason)
    {
        Interlocked.Increment(ref _failed);
        _logger.NotDelivered(topic, code, reason);
        try { _failures.OnNext(new SinkFailure(topic, code, reason)); }
        catch (Exception e) { _logger.FailureObserverFailed(e); }
        pending.Done(code);
    }

    /// <summary>The messages of one output; completes its task when the last is acknowledged or failed.</summary>
    private sealed class PendingOutput(KafkaPipelineSink sink)
    {
        // Starts at 1: the writer's own hold, released by Seal, so the task cannot complete while messages are still
        // being produced (a fast delivery report of the first message would otherwise complete it early).
        private int _remaining = 1;
        private int _messages, _failed;
        private string? _firstError;
        private readonly TaskCompletionSource<DeliveryOutcome> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Expect()
        {
            _messages++;
            Interlocked.Increment(ref _remaining);
        }

        public Task<DeliveryOutcome> Seal()
        {
            if (_messages > 0) sink._inFlight.TryAdd(this, 0);
            Release();
            return _done.Task;
        }

        public void Done(string? error)
        {
            if (error is not null)
            {
                Interlocked.Increment(ref _failed);
                Interlocked.CompareExchange(ref _firstError, error, null);
            }
            Release();
        }

        public void Abandon()
        {
            if (_done.TrySetResult(new DeliveryOutcome(_messages, Volatile.Read(ref _failed) + Math.Max(1, Volatile.Read(ref _remaining)), _firstError ?? "SinkDisposed")))
                sink._inFlight.TryRemove(this, out _);
        }

        private void Release()
        {
            if (Interlocked.Decrement(ref _remaining) != 0) return;
            _done.TrySetResult(new DeliveryOutcome(_messages, Volatile.Read(ref _failed), Volatile.Read(ref _firstError)));
            sink._inFlight.TryRemove(this, out _);
        }
    }
}
