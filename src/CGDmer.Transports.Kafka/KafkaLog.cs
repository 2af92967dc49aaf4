using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace CGDmer.Transports.Kafka;

/// <summary>The Kafka transport's log events (source-generated; event ids 2000–2099).</summary>
internal static partial class KafkaLog
{
    // Sink
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Flush timed out with {Pending} messages not yet acknowledged")]
    public static partial void FlushTimedOut(this ILogger logger, long pending);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Disposing with {Pending} messages not acknowledged; their outputs are reported failed")]
    public static partial void DisposingWithPending(this ILogger logger, long pending);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Final flush failed: {Error}")]
    public static partial void FinalFlushFailed(this ILogger logger, string error);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "A message to {Topic} was not delivered: {Code} {Reason}")]
    public static partial void NotDelivered(this ILogger logger, string topic, string code, string reason);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "A sink failure observer failed")]
    public static partial void FailureObserverFailed(this ILogger logger, Exception exception);

    // Source
    [LoggerMessage(EventId = 2020, Level = LogLevel.Debug, Message = "Offset for {Partition} not stored: {Code}")]
    public static partial void OffsetNotStored(this ILogger logger, string partition, ErrorCode code);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Information, Message = "Partitions {Change}: {Partitions}")]
    public static partial void PartitionsChanged(this ILogger logger, PartitionChange change, string partitions);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Error, Message = "A partition {Change} handler failed")]
    public static partial void PartitionHandlerFailed(this ILogger logger, Exception exception, PartitionChange change);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Warning, Message = "The Kafka consume thread did not stop within the shutdown bound")]
    public static partial void ConsumeThreadDidNotStop(this ILogger logger);

    [LoggerMessage(EventId = 2024, Level = LogLevel.Warning, Message = "Consume failed ({Code}); retrying")]
    public static partial void ConsumeFailed(this ILogger logger, ErrorCode code);

    [LoggerMessage(EventId = 2025, Level = LogLevel.Warning, Message = "Pausing the partitions failed ({Code})")]
    public static partial void PauseFailed(this ILogger logger, ErrorCode code);

    [LoggerMessage(EventId = 2026, Level = LogLevel.Warning, Message = "Unreadable message at {Position}: {Reason}")]
    public static partial void UnreadableMessage(this ILogger logger, SourcePosition position, string reason);

    [LoggerMessage(EventId = 2027, Level = LogLevel.Error, Message = "The Kafka segment source stops: {Error}")]
    public static partial void SourceStops(this ILogger logger, string error);

    [LoggerMessage(EventId = 2028, Level = LogLevel.Warning, Message = "Closing the consumer failed: {Error}")]
    public static partial void CloseFailed(this ILogger logger, string error);

    [LoggerMessage(EventId = 2029, Level = LogLevel.Warning, Message = "Committing stored offsets failed ({Code}); retried at the next commit point")]
    public static partial void CommitFailed(this ILogger logger, ErrorCode code);

    // Runner
    [LoggerMessage(EventId = 2040, Level = LogLevel.Critical, Message = "An output was refused ({Type}: {Error}); stopping so that a restart processes it again")]
    public static partial void OutputRefused(this ILogger logger, string type, string error);

    [LoggerMessage(EventId = 2041, Level = LogLevel.Critical, Message = "An output was refused by Kafka ({Error}); stopping so that a restart processes it again")]
    public static partial void OutputRefusedByKafka(this ILogger logger, string error);

    [LoggerMessage(EventId = 2042, Level = LogLevel.Critical, Message = "The pipeline failed: {Error}")]
    public static partial void PipelineFailed(this ILogger logger, string error);

    [LoggerMessage(EventId = 2043, Level = LogLevel.Warning, Message = "The pipeline did not drain within {Timeout}; stopping anyway")]
    public static partial void DrainTimedOut(this ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 2044, Level = LogLevel.Warning, Message = "{Pending} messages not acknowledged at shutdown; their inputs are read again after the restart")]
    public static partial void PendingAtShutdown(this ILogger logger, long pending);

    [LoggerMessage(EventId = 2045, Level = LogLevel.Warning, Message = "Writes to the second sink not acknowledged at shutdown; their inputs are read again after the restart")]
    public static partial void SecondSinkPendingAtShutdown(this ILogger logger);

    [LoggerMessage(EventId = 2046, Level = LogLevel.Critical, Message = "Publishing an output failed: {Error}")]
    public static partial void PublishingFailed(this ILogger logger, string error);

    [LoggerMessage(EventId = 2047, Level = LogLevel.Information, Message = "Alert state of {Patients} patients read (unreadable values skipped: {Unreadable}; read to the end: {Complete})")]
    public static partial void AlertStateLoaded(this ILogger logger, int patients, int unreadable, bool complete);

    [LoggerMessage(EventId = 2048, Level = LogLevel.Error, Message = "The alert-state topic could not be read ({Error}): alerts that were active start over")]
    public static partial void AlertStateNotLoaded(this ILogger logger, string error);

    [LoggerMessage(EventId = 2049, Level = LogLevel.Debug, Message = "Alert-state reader, librdkafka {Facility}: {Message}")]
    public static partial void AlertStateReaderClientLog(this ILogger logger, string facility, string message);

    [LoggerMessage(EventId = 2050, Level = LogLevel.Debug, Message = "Alert-state reader error {Code}: {Reason}")]
    public static partial void AlertStateReaderError(this ILogger logger, string code, string reason);

    [LoggerMessage(EventId = 2051, Level = LogLevel.Information, Message = "Delivered-through marks of {Patients} patients stored before their partitions were released (acknowledged: {Acknowledged})")]
    public static partial void DeliveredMarksStored(this ILogger logger, int patients, bool acknowledged);
}
