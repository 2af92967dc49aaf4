using Microsoft.Extensions.Logging;

namespace CGDmer.Streaming.Host;

/// <summary>The host's log events (source-generated; event ids 5000–5099).</summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Metrics at {Address}metrics, probes at {Address}healthz and {Address}readyz")]
    public static partial void Serving(this ILogger logger, string address);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Replay finished in {Seconds:F1} s")]
    public static partial void ReplayFinished(this ILogger logger, double seconds);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Model {Model} {Version} ready; reading {Topic} as group {Group}")]
    public static partial void ReadingKafka(this ILogger logger, string model, string version, string topic, string group);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Ready again: Kafka and the FHIR server (if any) answer")]
    public static partial void ReadyAgain(this ILogger logger);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Not ready: {Reason}")]
    public static partial void NotReady(this ILogger logger, string reason);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Stopping: draining the pipeline and committing")]
    public static partial void Draining(this ILogger logger);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "Observations are also PUT to the FHIR server at {Target}")]
    public static partial void AlsoToFhirServer(this ILogger logger, string target);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "Model {Model} {Version} ready; pipeline starting")]
    public static partial void PipelineStarting(this ILogger logger, string model, string version);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Error, Message = "Sink failed to write an output: {Error}")]
    public static partial void SinkWriteFailed(this ILogger logger, string error);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "Source ended; stopping")]
    public static partial void SourceEnded(this ILogger logger);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "Stopping")]
    public static partial void Stopping(this ILogger logger);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Critical,
        Message = "Metrics:Port {Port} on {Hostname} cannot be served ({Error}); choose another Metrics:Port or set Metrics:Enabled=false")]
    public static partial void MetricsPortUnavailable(this ILogger logger, int port, string hostname, string error);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Critical, Message = "The service failed: {Error}: {Message}")]
    public static partial void ServiceFailed(this ILogger logger, string error, string message);

    [LoggerMessage(EventId = 5014, Level = LogLevel.Warning, Message = "The second sink did not settle every write within {Seconds} s of the replay's end")]
    public static partial void AlsoToNotDrained(this ILogger logger, double seconds);

    [LoggerMessage(EventId = 5015, Level = LogLevel.Information, Message = "Also sending HL7 v2 (IHE PCD-01/PCD-04) to {Target}")]
    public static partial void AlsoToHl7(this ILogger logger, string target);
}
