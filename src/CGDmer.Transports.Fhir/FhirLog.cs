using Microsoft.Extensions.Logging;

namespace CGDmer.Transports.Fhir;

/// <summary>The FHIR server sink's log events (source-generated; event ids 3000–3099).</summary>
internal static partial class FhirLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "FHIR server answering again")]
    public static partial void AnsweringAgain(this ILogger logger);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "{Message}")]
    public static partial void WriteFailed(this ILogger logger, string message);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "FHIR server write failed ({Status}); retry {Attempt} of {MaxRetries} in {Delay} ms")]
    public static partial void RetryingWrite(this ILogger logger, string status, int attempt, int maxRetries, long delay);
}
