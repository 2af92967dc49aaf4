using Microsoft.ML.OnnxRuntime;

namespace CGDmer.Pipeline.OnnxRuntime;

/// <summary>Where the model runs.</summary>
public enum ExecutionProviderChoice
{
    /// <summary>CUDA when it loads, else the CPU (said once in the log).</summary>
    Auto,
    /// <summary>CUDA or fail at start-up: for hosts sized for a GPU, where silently running on the CPU would fall behind.</summary>
    Cuda,
    Cpu,
}

/// <summary>How <see cref="OnnxFindingsSession"/> sets up ONNX Runtime (configuration section <c>OnnxRuntime</c>). The
/// measurements behind the defaults are in docs/performance.md.</summary>
public sealed class OnnxRuntimeOptions
{
    public ExecutionProviderChoice ExecutionProvider { get; set; } = ExecutionProviderChoice.Auto;

    /// <summary>CUDA device ordinal.</summary>
    public int CudaDeviceId { get; set; }

    /// <summary>
    /// Threads of ONNX Runtime's intra-op pool; 0 = one per core. Default 1: the shipped model's operators are too small
    /// to gain from splitting across cores, and one thread leaves the other cores to the signal lanes. Raise it for a
    /// larger model on a host with cores to spare.
    /// </summary>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>
    /// Whether idle intra-op threads spin (<c>session.intra_op.allow_spinning</c>). Spinning shaves the wake-up latency
    /// of each run but burns the cores between runs, which on a shared host starves the other stages; off by default.
    /// </summary>
    public bool AllowSpinning { get; set; }

    /// <summary>Largest batch the session accepts; its input and output buffers are allocated for this many windows.</summary>
    public int MaxBatchSize { get; set; } = 16;

    /// <summary>
    /// Run every batch at the shape of <see cref="MaxBatchSize"/>, padding a partial batch. ONNX Runtime's CPU kernels
    /// sum in a shape-dependent order, so the same window in batches of different sizes differs in the last float bits
    /// (about 1e-7), which can flip the 4th decimal of a published probability. With a fixed shape a window's
    /// probabilities are bit-identical whatever batch it lands in, so a window processed again after a restart or a
    /// rebalance publishes exactly the same Observation (at-least-once delivery relies on it). The price: a partial
    /// batch costs a full one, i.e. CPU time at low load, not throughput at full load. On by default.
    /// </summary>
    public bool FixedBatchShape { get; set; } = true;

    /// <summary>Run the model once at construction at batch 1 and <see cref="MaxBatchSize"/>, so the first real
    /// windows do not pay for graph initialisation and allocation planning.</summary>
    public bool WarmUp { get; set; } = true;

    public GraphOptimizationLevel GraphOptimizationLevel { get; set; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>ONNX Runtime's memory pattern planning (reuses the allocation plan of a repeated input shape).</summary>
    public bool EnableMemoryPattern { get; set; } = true;

    /// <summary>ONNX Runtime's CPU memory arena.</summary>
    public bool EnableCpuMemArena { get; set; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public OnnxRuntimeOptions Validate()
    {
        if (!Enum.IsDefined(ExecutionProvider)) throw new ArgumentException($"unknown provider {(int)ExecutionProvider}", nameof(ExecutionProvider));
        if (CudaDeviceId < 0) throw new ArgumentException($"must be ≥ 0, was {CudaDeviceId}", nameof(CudaDeviceId));
        if (IntraOpThreads < 0 || IntraOpThreads > 256) throw new ArgumentException($"must be within 0..256 (0 = one per core), was {IntraOpThreads}", nameof(IntraOpThreads));
        if (MaxBatchSize < 1 || MaxBatchSize > 1024) throw new ArgumentException($"must be within 1..1024, was {MaxBatchSize}", nameof(MaxBatchSize));
        if (!Enum.IsDefined(GraphOptimizationLevel)) throw new ArgumentException($"unknown level {(int)GraphOptimizationLevel}", nameof(GraphOptimizationLevel));
        return this;
    }
}
