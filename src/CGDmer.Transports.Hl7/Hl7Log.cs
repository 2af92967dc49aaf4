using Microsoft.Extensions.Logging;

namespace CGDmer.Transports.Hl7;

/// <summary>The HL7 v2 sink's log events (source-generated; event ids 3100–3199). Control ids and codes, never patient data.</summary>
internal static partial class Hl7Log
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "HL7 receiver answering again")]
    public static partial void ReceiverAnsweringAgain(this ILogger logger);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "HL7 {Kind} {ControlId} not acknowledged ({Problem}); retry {Attempt} of {MaxRetries} in {Delay} ms on a new connection")]
    public static partial void RetryingMessage(this ILogger logger, string kind, string controlId, string problem, int attempt, int maxRetries, long delay);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "{Message}")]
    public static partial void DeliveryFailed(this ILogger logger, string message);
}
