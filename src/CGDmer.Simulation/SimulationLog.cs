using Microsoft.Extensions.Logging;

namespace CGDmer.Simulation;

/// <summary>The simulator's log events (source-generated; event ids 4000–4099).</summary>
internal static partial class SimulationLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Flush timed out with {Pending} messages not yet acknowledged")]
    public static partial void FlushTimedOut(this ILogger logger, long pending);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "A segment message was not delivered: {Code} {Reason}")]
    public static partial void NotDelivered(this ILogger logger, string code, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Final flush failed: {Error}")]
    public static partial void FinalFlushFailed(this ILogger logger, string error);
}
