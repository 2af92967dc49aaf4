using Prometheus;

namespace CGDmer.Transports.Kafka;

/// <summary>
/// Prometheus metrics of the Kafka transport. Labels are partitions, reasons and clients, never patients.
/// Gauges are sampled by <see cref="Sample"/> (the host calls it on a timer).
/// </summary>
public sealed class KafkaTransportMetrics
{
    public KafkaTransportMetrics(CollectorRegistry registry)
    {
        var f = Metrics.WithCustomRegistry(registry);
        ConsumerLag = f.CreateGauge("cgdmer_kafka_consumer_lag_messages", "Segment messages not yet read, per assigned partition (high watermark − position).", "partition");
        HeldInputs = f.CreateGauge("cgdmer_kafka_uncommitted_inputs", "Segments read whose outputs are not all acknowledged yet (they hold the committable offset back).");
        PendingDeliveries = f.CreateGauge("cgdmer_kafka_pending_deliveries", "Outputs produced and not yet acknowledged by Kafka.");
        BrokerReachable = f.CreateGauge("cgdmer_kafka_broker_reachable", "1 while the transport has no recent unrecovered error, 0 during an outage.");
        TransportErrors = f.CreateCounter("cgdmer_kafka_transport_errors_total", "Errors reported by the Kafka clients (librdkafka retries them).", "client");
        DeliveryFailures = f.CreateCounter("cgdmer_kafka_delivery_failures_total", "Outputs Kafka refused for good (fatal for the service).");
        OffsetsStored = f.CreateCounter("cgdmer_kafka_offsets_stored_total", "Watermark advances stored for commit.");
        Unreadable = f.CreateCounter("cgdmer_kafka_unreadable_messages_total", "Segment messages that could not be read, by reason (dead-lettered).", "reason");
        DroppedNotOwned = f.CreateCounter("cgdmer_kafka_windows_not_owned_total", "Windows of patients whose partition moved to another instance, dropped (the new owner publishes them).");
        Rebalances = f.CreateCounter("cgdmer_kafka_partition_changes_total", "Partition assignments, revocations and losses.", "change");
        AlreadyDelivered = f.CreateCounter("cgdmer_kafka_windows_already_delivered_total", "Windows read again after a restart or rebalance that were acknowledged before their patient's stored alert state, settled without publishing them again.");
        DeliveredMarks = f.CreateCounter("cgdmer_kafka_delivered_marks_total", "Delivered-through marks stored when partitions were revoked: one per patient of theirs with a window acknowledged since its last stored alert state.");
    }

    public Gauge ConsumerLag { get; }
    public Gauge HeldInputs { get; }
    public Gauge PendingDeliveries { get; }
    public Gauge BrokerReachable { get; }
    public Counter TransportErrors { get; }
    public Counter DeliveryFailures { get; }
    public Counter OffsetsStored { get; }
    public Counter Unreadable { get; }
    public Counter Rebalances { get; }
    public Counter DroppedNotOwned { get; }
    public Counter AlreadyDelivered { get; }
    public Counter DeliveredMarks { get; }

    private long _consumerErrors, _producerErrors;
    private readonly HashSet<string> _lagLabels = [];

    /// <summary>Samples the gauges and error counters of <paramref name="runner"/>.</summary>
    public void Sample(KafkaStreamingRunner runner, bool brokerReachable)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var seen = new HashSet<string>();
        foreach (var (partition, lag) in runner.Source.Lag())
        {
            string label = partition.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture);
            ConsumerLag.WithLabels(label).Set(lag);
            seen.Add(label);
        }
        // Partitions no longer assigned: drop their series rather than report a stale lag.
        foreach (var gone in _lagLabels.Where(l => !seen.Contains(l)).ToList()) ConsumerLag.RemoveLabelled(gone);
        _lagLabels.Clear();
        _lagLabels.UnionWith(seen);
        HeldInputs.Set(runner.Ledger.HeldInputs);
        PendingDeliveries.Set(runner.Sink.Pending);
        BrokerReachable.Set(brokerReachable ? 1 : 0);
        long c = runner.Source.TransportErrors, p = runner.Sink.TransportErrors;
        TransportErrors.WithLabels("consumer").Inc(c - Interlocked.Exchange(ref _consumerErrors, c));
        TransportErrors.WithLabels("producer").Inc(p - Interlocked.Exchange(ref _producerErrors, p));
    }
}
