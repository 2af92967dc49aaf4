using CGDmer.Transports.Fhir;

namespace CGDmer.Streaming.Host.Tests;

/// <summary>The readiness verdict the Kafka service takes every 2 s from its brokers and its FHIR server.</summary>
public class DependencyReadinessTests
{
    private static FhirServerHealth Failing(double seconds, string problem = "503") => new(false, TimeSpan.FromSeconds(seconds), problem);

    [Fact]
    public void Brokers_are_unreachable_after_two_missed_probes_in_a_row_and_reachable_at_the_first_answer()
    {
        var readiness = new DependencyReadiness();
        Assert.Equal((false, null), readiness.Sample(brokersAnswered: true, fhir: null));

        Assert.Equal((false, null), readiness.Sample(false, null));   // one miss: a leader election, say
        Assert.True(readiness.KafkaReachable);
        Assert.Equal((false, null), readiness.Sample(true, null));    // and the count starts again
        Assert.Equal((false, null), readiness.Sample(false, null));

        var (changed, reason) = readiness.Sample(false, null);
        Assert.True(changed);
        Assert.Equal("Kafka brokers unreachable; retrying", reason);
        Assert.False(readiness.KafkaReachable);
        Assert.Equal((false, reason), readiness.Sample(false, null));   // still so: not a change, nothing new to log

        Assert.Equal((true, null), readiness.Sample(true, null));
        Assert.True(readiness.KafkaReachable);
    }

    [Fact]
    public void A_fhir_server_failing_for_the_limit_makes_the_service_not_ready_and_says_for_how_long()
    {
        var readiness = new DependencyReadiness();
        double limit = DependencyReadiness.FhirFailingLimit.TotalSeconds;
        // A failure that a retry may heal does not flap the probe.
        Assert.Equal((false, null), readiness.Sample(true, Failing(limit - 0.5)));

        var (changed, reason) = readiness.Sample(true, Failing(limit, "timeout"));
        Assert.True(changed);
        Assert.Equal($"FHIR server not answering (timeout for {limit:F0} s); its writes are retried", reason);
        (changed, reason) = readiness.Sample(true, Failing(limit + 2));
        Assert.False(changed);
        Assert.Contains($"for {limit + 2:F0} s", reason);

        Assert.Equal((true, null), readiness.Sample(true, FhirServerHealth.Answering));
        Assert.Equal((false, null), readiness.Sample(true, null));   // no FHIR server configured
    }

    [Fact]
    public void Unreachable_brokers_are_the_reason_given_when_both_fail_and_a_change_of_cause_is_a_change()
    {
        var readiness = new DependencyReadiness();
        readiness.Sample(true, Failing(10));
        readiness.Sample(false, Failing(12));
        var (changed, reason) = readiness.Sample(false, Failing(14));
        Assert.True(changed);
        Assert.StartsWith("Kafka brokers unreachable", reason);

        (changed, reason) = readiness.Sample(true, Failing(16));
        Assert.True(changed);
        Assert.StartsWith("FHIR server not answering", reason);
    }

    [Fact]
    public void An_HL7_receiver_failing_for_the_limit_makes_the_service_not_ready_after_the_FHIR_server()
    {
        var readiness = new DependencyReadiness();
        double limit = DependencyReadiness.FhirFailingLimit.TotalSeconds;
        var hl7 = new CGDmer.Transports.Hl7.Hl7ReceiverHealth(false, TimeSpan.FromSeconds(limit + 2), "timeout");
        Assert.Equal((false, null), readiness.Sample(true, null, hl7 with { FailingFor = TimeSpan.FromSeconds(limit - 1) }));
        var (changed, reason) = readiness.Sample(true, null, hl7);
        Assert.True(changed);
        Assert.Equal($"HL7 receiver not answering (timeout for {limit + 2:F0} s); its messages are retried", reason);
        // The FHIR server is named first when both fail; a change of cause is a change.
        Assert.True(readiness.Sample(true, Failing(limit), hl7).Changed);
        Assert.Equal((true, null), readiness.Sample(true, null, CGDmer.Transports.Hl7.Hl7ReceiverHealth.Answering));
    }
}
