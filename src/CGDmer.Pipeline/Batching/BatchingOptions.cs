namespace CGDmer.Pipeline.Batching;

/// <summary>
/// When the batch stage closes a batch: when it holds <see cref="MaxBatchSize"/> analyzable windows, or
/// <see cref="MaxDelayMilliseconds"/> after its first window arrived, whichever comes first. The delay bounds the latency
/// batching adds to an alarm; the size bounds the model's input buffers (it must not exceed the model's batch size).
/// </summary>
public sealed class BatchingOptions
{
    /// <summary>Analyzable windows per batch (windows without signal ride along uncounted). 1 disables batching.</summary>
    public int MaxBatchSize { get; set; } = 16;

    /// <summary>Longest a window waits in an open batch, from the batch's first window. 0 closes every batch at once.</summary>
    public double MaxDelayMilliseconds { get; set; } = 50;

    public TimeSpan MaxDelay => TimeSpan.FromMilliseconds(MaxDelayMilliseconds);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public BatchingOptions Validate()
    {
        if (MaxBatchSize < 1) throw new ArgumentException($"must be ≥ 1, was {MaxBatchSize}", nameof(MaxBatchSize));
        // A ten-second window hops every few seconds; waiting longer than that for company only delays alarms.
        if (!double.IsFinite(MaxDelayMilliseconds) || MaxDelayMilliseconds < 0 || MaxDelayMilliseconds > 10_000)
            throw new ArgumentException($"must be finite and within 0..10000 ms, was {MaxDelayMilliseconds}", nameof(MaxDelayMilliseconds));
        return this;
    }
}
