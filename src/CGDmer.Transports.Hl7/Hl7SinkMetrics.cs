using Prometheus;

namespace CGDmer.Transports.Hl7;

/// <summary>
/// Prometheus metrics of the HL7 v2 sink. Labels are message kinds (<c>pcd01</c>, <c>pcd04</c>) and outcomes, never
/// patients or control ids. <c>outcome</c> is the acknowledgement code (AA, AE, AR, CA, CE, CR), or <c>timeout</c>,
/// <c>network</c>, <c>tls</c> (the handshake or the certificate failed) or <c>protocol</c> when none usable came.
/// </summary>
public sealed class Hl7SinkMetrics
{
    public Hl7SinkMetrics(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var f = Metrics.WithCustomRegistry(registry);
        Sent = f.CreateCounter("cgdmer_hl7_messages_sent_total", "HL7 messages sent to the receiver (every attempt), by kind.", "kind");
        Outcomes = f.CreateCounter("cgdmer_hl7_outcomes_total", "Outcomes of the HL7 messages sent: the acknowledgement code, or timeout, network, protocol.", "outcome");
        Retries = f.CreateCounter("cgdmer_hl7_retries_total", "HL7 messages sent again after a transient failure.");
        Accepted = f.CreateCounter("cgdmer_hl7_messages_accepted_total", "HL7 messages the receiver accepted (AA or CA), or written to the file, by kind.", "kind");
        Failures = f.CreateCounter("cgdmer_hl7_failures_total", "HL7 messages refused (AE, AR, CE, CR) or not acknowledged after every retry: fatal for the service.", "outcome");
        InFlight = f.CreateGauge("cgdmer_hl7_messages_in_flight", "HL7 messages handed to the sink and not yet acknowledged.");
        ReceiverAnswering = f.CreateGauge("cgdmer_hl7_receiver_answering", "1 while the HL7 receiver's last exchange did not fail transiently (no connection, timeout, dropped connection), else 0.");
        ReceiverAnswering.Set(1);
        AckSeconds = f.CreateHistogram("cgdmer_hl7_ack_seconds", "Time from handing a message to the sink to its acknowledgement, queueing and retries included.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });
    }

    public Counter Sent { get; }
    public Counter Outcomes { get; }
    public Counter Retries { get; }
    public Counter Accepted { get; }
    public Counter Failures { get; }
    public Gauge InFlight { get; }
    public Gauge ReceiverAnswering { get; }
    public Histogram AckSeconds { get; }
}
