using Microsoft.Extensions.Logging;

namespace CGDmer.Pipeline.OnnxRuntime;

/// <summary>The ONNX Runtime session's log events (source-generated; event ids 1100–1199).</summary>
internal static partial class OnnxRuntimeLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Information,
        Message = "Model {ModelName} {ModelVersion} (contract {Contract}) loaded on {ExecutionProvider}: {Leads} leads × {Samples} samples at {Rate} Hz, rhythm features {RhythmFeatures}, {Labels} labels, batches up to {MaxBatch}")]
    public static partial void ModelLoaded(this ILogger logger, string modelName, string modelVersion, string contract, string executionProvider,
                                           int leads, int samples, int rate, string rhythmFeatures, int labels, int maxBatch);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "CUDA execution provider unavailable ({Cause}); the model runs on the CPU")]
    public static partial void CudaUnavailable(this ILogger logger, string cause);
}
