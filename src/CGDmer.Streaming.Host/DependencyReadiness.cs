using CGDmer.Transports.Fhir;
using CGDmer.Transports.Hl7;

namespace CGDmer.Streaming.Host;

/// <summary>
/// The service's readiness from what it depends on, sampled every few seconds: the Kafka brokers (unreachable after two
/// failed probes in a row) and, when configured, the FHIR server and the HL7 receiver (not answering for
/// <see cref="FhirFailingLimit"/>). While either holds, the service still runs and retries, but it cannot deliver:
/// readiness says which, so that an orchestrator or an operator sees the cause rather than a growing lag.
/// </summary>
internal sealed class DependencyReadiness
{
    /// <summary>How long the FHIR server (or the HL7 receiver) may fail transiently before readiness says so: two samples, so that one
    /// refused request that a retry heals does not flap the probe.</summary>
    public static readonly TimeSpan FhirFailingLimit = TimeSpan.FromSeconds(4);

    private int _failedBrokerProbes;
    private string? _blockedBy;   // the dependency that makes the service not ready; null when ready

    /// <summary>False after two failed broker probes in a row, until one answers (one miss can be a topic being
    /// auto-created or a leader election).</summary>
    public bool KafkaReachable { get; private set; } = true;

    /// <summary>Takes one sample.</summary>
    /// <returns><c>Reason</c>: why the service is not ready (for the probe), null when it is; <c>Changed</c>: whether
    /// the verdict differs from the last sample's (ready or not, or another dependency as the cause), so that the log
    /// gets a line per change rather than per sample.</returns>
    public (bool Changed, string? Reason) Sample(bool brokersAnswered, FhirServerHealth? fhir, Hl7ReceiverHealth? hl7 = null)
    {
        _failedBrokerProbes = brokersAnswered ? 0 : _failedBrokerProbes + 1;
        KafkaReachable = brokersAnswered || (_failedBrokerProbes < 2 && KafkaReachable);
        string? blockedBy = null, reason = null;
        if (!KafkaReachable)
            (blockedBy, reason) = ("Kafka", "Kafka brokers unreachable; retrying");
        else if (fhir is { IsAnswering: false } h && h.FailingFor >= FhirFailingLimit)
            (blockedBy, reason) = ("FHIR", $"FHIR server not answering ({h.LastProblem} for {h.FailingFor.TotalSeconds:F0} s); its writes are retried");
        else if (hl7 is { IsAnswering: false } r && r.FailingFor >= FhirFailingLimit)
            (blockedBy, reason) = ("HL7", $"HL7 receiver not answering ({r.LastProblem} for {r.FailingFor.TotalSeconds:F0} s); its messages are retried");
        bool changed = blockedBy != _blockedBy;
        _blockedBy = blockedBy;
        return (changed, reason);
    }
}
