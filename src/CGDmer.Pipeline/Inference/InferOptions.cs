namespace CGDmer.Pipeline.Inference;

/// <summary>Options of the infer stage (ONNX Runtime's own are OnnxRuntimeOptions).</summary>
public sealed class InferOptions
{
    /// <summary>
    /// Batches accepted but not yet analysed (queued or running). When that many are in flight the stage blocks its
    /// upstream: the source stops reading (consumer lag grows) instead of memory. The blocked lanes resume when half of
    /// them are done, so the bound sets how many batches they refill per wake-up: with 2 they refilled one, and the
    /// model often waited for it on a small host; 8 lets them refill four (docs/performance.md).
    /// </summary>
    public int MaxBatchesInFlight { get; set; } = 8;

    /// <summary>
    /// Copy each analysed window's present leads before its buffer goes back to the pool, so that the publish stage can
    /// attach the ECG strip to a clinical alarm's onset (a pooled copy per window: leads × window samples floats).
    /// </summary>
    public bool KeepStrips { get; set; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public InferOptions Validate()
    {
        if (MaxBatchesInFlight < 1 || MaxBatchesInFlight > 1024)
            throw new ArgumentException($"must be within 1..1024, was {MaxBatchesInFlight}", nameof(MaxBatchesInFlight));
        return this;
    }
}
