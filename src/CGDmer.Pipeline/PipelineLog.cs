using Microsoft.Extensions.Logging;

namespace CGDmer.Pipeline;

/// <summary>The pipeline's log events (source-generated; event ids 1000–1099 are this project's and never reused).</summary>
internal static partial class PipelineLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning,
        Message = "Model {ModelName} {ModelVersion}: {Count} of {Labels} labels withheld as unvalidated (their probabilities are reported, never as present findings nor alerts): {Withheld}")]
    public static partial void LabelsWithheld(this ILogger logger, string modelName, string modelVersion, int count, int labels, string withheld);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Model {ModelName} {ModelVersion}: no label withheld as unvalidated ({Why})")]
    public static partial void NoLabelWithheld(this ILogger logger, string modelName, string modelVersion, string why);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information,
        Message = "{Labels} follow the measured heart rate in sinus rhythm (below {Brady} / above {Tachy} per minute), not the model{NoSinus}")]
    public static partial void HeartRateLabels(this ILogger logger, string labels, double brady, double tachy, string noSinus);
}
