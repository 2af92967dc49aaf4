using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Windowing;

namespace CGDmer.Pipeline.Inference;

/// <summary>
/// The model as the infer stage sees it: its metadata and a batched forward pass. Implemented over ONNX Runtime by
/// <c>OnnxFindingsSession</c>; tests use fakes. Not thread-safe: the infer stage calls it from one worker.
/// </summary>
public interface IFindingsModel : IDisposable
{
    ModelMetadata Metadata { get; }
    WindowGeometry Geometry { get; }
    /// <summary>Largest batch <see cref="Run"/> accepts (its input buffers are allocated for this many windows).</summary>
    int MaxBatchSize { get; }

    /// <summary>
    /// Runs the model on <paramref name="count"/> windows whose inputs were written by the caller into
    /// <see cref="EcgInput"/> ([count × leads × samples]) and <see cref="LeadMaskInput"/> ([count × leads]);
    /// writes the probabilities, [count × labels], into <paramref name="probabilities"/>.
    /// </summary>
    void Run(int count, Span<float> probabilities);

    /// <summary>The pre-allocated input buffer of the ecg tensor, [MaxBatchSize × leads × samples].</summary>
    Memory<float> EcgInput { get; }
    /// <summary>The pre-allocated input buffer of the lead mask, [MaxBatchSize × leads].</summary>
    Memory<float> LeadMaskInput { get; }
}
