using System.Diagnostics;
using Prometheus;

namespace CGDmer.Pipeline.Metrics;

/// <summary>
/// The pipeline's Prometheus metrics (prometheus-net). One instance per pipeline; stages take it optionally and call the
/// small methods below. Labels are bounded enumerations (reasons, outcomes, lead names, label keys, event kinds) and
/// never carry patient or device identifiers.
/// </summary>
public sealed class PipelineMetrics
{
    /// <summary>Metrics registered in <paramref name="registry"/> (tests pass <c>Metrics.NewCustomRegistry()</c>).</summary>
    public PipelineMetrics(CollectorRegistry? registry = null)
    {
        var f = Prometheus.Metrics.WithCustomRegistry(registry ?? Prometheus.Metrics.DefaultRegistry);
        SegmentsIn = f.CreateCounter("cgdmer_segments_received_total", "ECG segments received.");
        SegmentsRejected = f.CreateCounter("cgdmer_segments_rejected_total", "ECG segments rejected, by reason.", "reason");
        SegmentsDropped = f.CreateCounter("cgdmer_segments_dropped_total", "Accepted segments not used, by reason (duplicate_sequence, late_sequence: the sequence rule; late, duplicate, error: the window stage).", "reason");
        SequenceEpochs = f.CreateCounter("cgdmer_sequence_epochs_total",
            "Devices whose stream started a new epoch, by reason (restart, time_gap, wrap: a new numbering; clock_jump: a clock that moved ahead).", "reason");
        SegmentsMissing = f.CreateCounter("cgdmer_segments_missing_total", "Sequence numbers skipped by devices (gaps; a late arrival within the reorder bound still counts here).");
        Windows = f.CreateCounter("cgdmer_windows_total", "Windows formed, by outcome (analyzable, no_signal).", "outcome");
        MaskedLeads = f.CreateCounter("cgdmer_masked_leads_total", "Recorded leads masked out of a window (lead-off or gap), by lead.", "lead");
        ActivePatients = f.CreateGauge("cgdmer_active_patients", "Patients with window state held in memory.");
        PatientsEvicted = f.CreateCounter("cgdmer_patients_evicted_total", "Patients whose window state was dropped, by reason (silent, capacity).", "reason");
        BatchSize = f.CreateHistogram("cgdmer_batch_size", "Windows per model batch (analyzable ones).",
            new HistogramConfiguration { Buckets = [1, 2, 4, 8, 16, 32, 64, 128] });
        BatchesInFlight = f.CreateGauge("cgdmer_batches_in_flight", "Batches queued for or running on the model.");
        InferenceSeconds = f.CreateHistogram("cgdmer_inference_seconds", "Model run time per batch.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) });
        InferenceFailures = f.CreateCounter("cgdmer_inference_failures_total", "Batches the model failed on.");
        EndToEndSeconds = f.CreateHistogram("cgdmer_end_to_end_latency_seconds",
            "From the arrival of a window's last sample to its Observations being published.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        Observations = f.CreateCounter("cgdmer_observations_total", "FHIR Observations published, by kind (hr, ecg).", "kind");
        Alerts = f.CreateCounter("cgdmer_alert_events_total", "Alert events published, by kind, code and event.", "kind", "code", "event");
        MeasurementFailures = f.CreateCounter("cgdmer_measurement_failures_total", "Windows the measure stage failed on (measured as no signal).");
        SignalQuality = f.CreateHistogram("cgdmer_signal_quality", "Signal quality index (0..1) of each measured window's analysis lead.",
            new HistogramConfiguration { Buckets = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0] });
        ModelInfo = f.CreateGauge("cgdmer_model_info", "The loaded model (value 1): where it runs and where it was asked to run (Auto, Cuda, Cpu).",
            "model_name", "model_version", "execution_provider", "requested_provider");
    }

    public Counter SegmentsIn { get; }
    public Counter SegmentsRejected { get; }
    public Counter SegmentsDropped { get; }
    public Counter SequenceEpochs { get; }
    public Counter SegmentsMissing { get; }
    public Counter Windows { get; }
    public Counter MaskedLeads { get; }
    public Gauge ActivePatients { get; }
    public Counter PatientsEvicted { get; }
    public Histogram BatchSize { get; }
    public Gauge BatchesInFlight { get; }
    public Histogram InferenceSeconds { get; }
    public Counter InferenceFailures { get; }
    public Histogram EndToEndSeconds { get; }
    public Counter Observations { get; }
    public Counter Alerts { get; }
    public Counter MeasurementFailures { get; }
    public Histogram SignalQuality { get; }
    public Gauge ModelInfo { get; }

    /// <summary>Seconds since a <see cref="Stopwatch.GetTimestamp"/> value.</summary>
    public static double SecondsSince(long timestamp) => Stopwatch.GetElapsedTime(timestamp).TotalSeconds;
}
