using Prometheus;

namespace CGDmer.Transports.Fhir;

/// <summary>
/// Prometheus metrics of the FHIR server sink. Labels are resource types, HTTP statuses and failure kinds, never
/// patients or resource ids. <c>status</c> is the HTTP status code, or <c>timeout</c> / <c>network</c> when no response came.
/// </summary>
public sealed class FhirSinkMetrics
{
    public FhirSinkMetrics(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var f = Metrics.WithCustomRegistry(registry);
        Requests = f.CreateCounter("cgdmer_fhir_requests_total", "HTTP requests sent to the FHIR server (every attempt), by resource type.", "resource");
        Responses = f.CreateCounter("cgdmer_fhir_responses_total", "Outcomes of the requests to the FHIR server, by status (HTTP code, timeout, network).", "status");
        Retries = f.CreateCounter("cgdmer_fhir_retries_total", "Requests retried after a transient failure, by status of the failed attempt.", "status");
        Accepted = f.CreateCounter("cgdmer_fhir_resources_accepted_total", "Resources the FHIR server accepted (200/201), by resource type.", "resource");
        Failures = f.CreateCounter("cgdmer_fhir_failures_total", "Resources the FHIR server refused for good or that failed after every retry (fatal for the service), by status.", "status");
        InFlight = f.CreateGauge("cgdmer_fhir_requests_in_flight", "Resources being written to the FHIR server (retries and back-off included).");
        ServerAnswering = f.CreateGauge("cgdmer_fhir_server_answering", "1 while the FHIR server's last answer was not a transient failure (5xx, 408, 429, timeout, network error), else 0.");
        ServerAnswering.Set(1);
        WriteSeconds = f.CreateHistogram("cgdmer_fhir_write_seconds", "Time from handing a resource to the sink to its acceptance, retries included.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.002, 2, 15) });
    }

    public Counter Requests { get; }
    public Counter Responses { get; }
    public Counter Retries { get; }
    public Counter Accepted { get; }
    public Counter Failures { get; }
    public Gauge InFlight { get; }
    public Gauge ServerAnswering { get; }
    public Histogram WriteSeconds { get; }
}
