using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Windowing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using CGDmer.Signal;
using CGDmer.Signal.Beats;
using ModelMetadata = CGDmer.Contracts.Model.ModelMetadata;

namespace CGDmer.Pipeline.OnnxRuntime;

/// <summary>
/// The findings model (schemas/model-contract.md) in ONNX Runtime, with input and output buffers allocated once for
/// <see cref="MaxBatchSize"/> windows and bound as <see cref="OrtValue"/>s: a run allocates no tensors. Not thread-safe.
/// </summary>
/// <remarks>
/// ONNX Runtime reads the buffers in place: the tensors are views over <see cref="EcgInput"/>, <see cref="LeadMaskInput"/>
/// and the probabilities buffer. A run of n windows of k leads uses views of the first n·k rows; one set of views per
/// (batch size, lead count) is created on first use and kept (at most MaxBatchSize × 12 small native handles), and one
/// <c>lead_ids</c> tensor per lead set (monitors share a few layouts, so few).
/// <para>The graph must follow model contract version 2 or 3: its lead axis is dynamic and <c>lead_ids</c> names the rows,
/// so a run feeds only the leads the windows have (<see cref="Run(int, ReadOnlySpan{Lead}, Span{float})"/>). A version 3
/// model whose <c>cgdmer.rhythm_features</c> names a feature set also takes <c>rhythm_features</c> float32
/// [batch, <see cref="RhythmFeatures.CountOf"/> the set], fed from <see cref="RhythmFeaturesInput"/>; this build computes
/// the sets <see cref="RhythmFeatures.KnownList"/> names, and a model naming another is refused at load.</para>
/// </remarks>
public sealed class OnnxFindingsSession : IFindingsModel
{
    private readonly InferenceSession _session;
    private readonly SessionOptions _sessionOptions;
    private readonly RunOptions _runOptions = new();
    private readonly float[] _ecg, _mask, _rhythm, _probabilities;
    private readonly int _ecgStride, _labels, _rhythmFeatures; // _rhythmFeatures: 0 without rhythm input
    private readonly OrtValue[]?[] _outputsBySize;
    private readonly OrtValue?[] _rhythmBySize;                     // [count]: rhythm_features views (rhythm input only)
    private readonly OrtValue[]?[,] _inputsBySizeAndLeads;          // [count, lead count]: ecg and lead_mask views
    private readonly Dictionary<ulong, OrtValue> _leadIdsBySet = new(); // key: LeadSetKey
    private readonly Lead[] _allLeads;
    private readonly OrtValue[] _runInputs;
    private readonly string[] _inputNames;
    private static readonly string[] InputNames = [ModelMetadata.EcgInput, ModelMetadata.LeadMaskInput, ModelMetadata.LeadIdsInput];
    private static readonly string[] InputNamesWithRhythm = [.. InputNames, ModelMetadata.RhythmFeaturesInput];
    private static readonly string[] OutputNames = [ModelMetadata.ProbabilitiesOutput];
    private bool _disposed;
    private readonly object _gate = new();

    /// <summary>Loads <paramref name="path"/>, checks it against the model contract and (by default) warms it up.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not an ONNX model, or one that breaks the model contract (the message names file and mismatch).</exception>
    /// <exception cref="InvalidOperationException">CUDA was required and could not be loaded.</exception>
    public OnnxFindingsSession(string path, OnnxRuntimeOptions options, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        logger ??= NullLogger.Instance;
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        ModelPath = path;
        MaxBatchSize = options.MaxBatchSize;
        FixedBatchShape = options.FixedBatchShape;

        (_sessionOptions, ExecutionProvider) = CreateSessionOptions(path, options, logger);
        try
        {
            try { _session = new InferenceSession(path, _sessionOptions); }
            catch (OnnxRuntimeException e) { throw new InvalidDataException($"'{path}' is not a loadable ONNX model: {e.Message}", e); }
            try
            {
                Metadata = ModelMetadata.FromProperties(_session.ModelMetadata.CustomMetadataMap, path);
                Geometry = WindowGeometry.FromMetadata(Metadata);
            }
            catch (Exception e) when (e is NotSupportedException or ArgumentException)
            {
                throw new InvalidDataException($"Model '{path}': {e.Message}", e);
            }
            _labels = Metadata.Labels.Count;
            if (Metadata.HasRhythmInput && !RhythmFeatures.IsKnown(Metadata.RhythmFeatures))
                throw new InvalidDataException(
                    $"Model '{path}' ({Metadata.ModelName} {Metadata.ModelVersion}): metadata '{ModelMetadata.Prefix}rhythm_features' names the feature set " +
                    $"'{Metadata.RhythmFeatures}', which this build does not compute (it computes {RhythmFeatures.KnownList}, " +
                    $"or '{ModelMetadata.NoRhythmFeatures}' for none).");
            _rhythmFeatures = Metadata.HasRhythmInput ? RhythmFeatures.CountOf(Metadata.RhythmFeatures) : 0;
            CheckGraph(path);
        }
        catch
        {
            _session?.Dispose();
            _sessionOptions.Dispose();
            _runOptions.Dispose();
            throw;
        }

        _ecgStride = Geometry.LeadCount * Geometry.WindowSamples;
        _ecg = new float[MaxBatchSize * _ecgStride];
        _mask = new float[MaxBatchSize * Geometry.LeadCount];
        _rhythm = new float[MaxBatchSize * _rhythmFeatures];
        _probabilities = new float[MaxBatchSize * _labels];
        _rhythmBySize = new OrtValue?[MaxBatchSize + 1];
        _inputNames = _rhythmFeatures > 0 ? InputNamesWithRhythm : InputNames;
        _runInputs = new OrtValue[_inputNames.Length];
        _inputsBySizeAndLeads = new OrtValue[]?[MaxBatchSize + 1, Geometry.LeadCount + 1];
        _outputsBySize = new OrtValue[]?[MaxBatchSize + 1];
        _allLeads = [.. Geometry.LeadOrder];

        logger.ModelLoaded(
            Metadata.ModelName, Metadata.ModelVersion, Metadata.SourceContractVersion, ExecutionProvider, Geometry.LeadCount, Geometry.WindowSamples, Geometry.SampleRateHz,
            Metadata.RhythmFeatures, _labels, MaxBatchSize);

        if (options.WarmUp)
        {
            // Zero input with every lead present: a valid window; the outputs are discarded.
            _mask.AsSpan().Fill(1f);
            var sink = new float[MaxBatchSize * _labels];
            foreach (int n in MaxBatchSize == 1 || FixedBatchShape ? [MaxBatchSize] : new[] { 1, MaxBatchSize }) Run(n, sink);
            _mask.AsSpan().Clear();
        }
    }

    public string ModelPath { get; }
    /// <summary>"CUDA" or "CPU": the provider the session runs on, for the model-info metric.</summary>
    public string ExecutionProvider { get; }
    public ModelMetadata Metadata { get; } = null!;
    public WindowGeometry Geometry { get; } = null!;
    public int MaxBatchSize { get; }
    /// <summary>Every run has <see cref="MaxBatchSize"/> windows (see <see cref="OnnxRuntimeOptions.FixedBatchShape"/>).</summary>
    public bool FixedBatchShape { get; }
    public Memory<float> EcgInput => _ecg;
    public Memory<float> LeadMaskInput => _mask;
    /// <summary>[MaxBatchSize × <see cref="RhythmFeatures.CountOf"/> its set] when the model takes rhythm features, else empty.</summary>
    public Memory<float> RhythmFeaturesInput => _rhythm;

    /// <summary>Runs <paramref name="count"/> windows laid out with all the model's leads (ids 0..LeadCount−1).</summary>
    public void Run(int count, Span<float> probabilities) => Run(count, _allLeads, probabilities);

    public void Run(int count, ReadOnlySpan<Lead> leads, Span<float> probabilities)
    {
        // Runs and Dispose exclude each other: a service stopped (or failed) mid-stream disposes the model while the infer
        // stage may still be running a batch, and freeing the native session under it crashes the process. Runs are
        // sequential anyway (they share the input buffers), so the lock is uncontended.
        lock (_gate) RunLocked(count, leads, probabilities);
    }

    private void RunLocked(int count, ReadOnlySpan<Lead> leads, Span<float> probabilities)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count < 1 || count > MaxBatchSize)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"must be within 1..{MaxBatchSize}");
        if (probabilities.Length < count * _labels)
            throw new ArgumentException($"needs {count * _labels} floats for {count} windows, has {probabilities.Length}", nameof(probabilities));
        int k = leads.Length;
        var leadIds = LeadIds(leads);
        // A fixed shape makes a window's probabilities independent of its batch (see OnnxRuntimeOptions.FixedBatchShape);
        // the slots after count hold whatever an earlier run left there and their results are not read.
        int run = FixedBatchShape ? MaxBatchSize : count;
        var inputs = _inputsBySizeAndLeads[run, k] ??= [
            OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _ecg.AsMemory(0, run * k * Geometry.WindowSamples), [run, k, Geometry.WindowSamples]),
            OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _mask.AsMemory(0, run * k), [run, k]),
        ];
        var outputs = _outputsBySize[run] ??= [
            OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _probabilities.AsMemory(0, run * _labels), [run, _labels]),
        ];
        _runInputs[0] = inputs[0];
        _runInputs[1] = inputs[1];
        _runInputs[2] = leadIds;
        if (_rhythmFeatures > 0)
        {
            // Padding rows of a fixed-shape run get zero features (their ecg rows are left as they are; nothing reads
            // their results, and each row is computed on its own).
            if (run > count) _rhythm.AsSpan(count * _rhythmFeatures, (run - count) * _rhythmFeatures).Clear();
            _runInputs[3] = _rhythmBySize[run] ??=
                OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _rhythm.AsMemory(0, run * _rhythmFeatures), [run, _rhythmFeatures]);
        }
        _session.Run(_runOptions, _inputNames, _runInputs, OutputNames, outputs);
        _probabilities.AsSpan(0, count * _labels).CopyTo(probabilities);
    }

    /// <summary>The cached <c>lead_ids</c> tensor of a lead set (validated on first use: known leads, no repeats).</summary>
    private OrtValue LeadIds(ReadOnlySpan<Lead> leads)
    {
        // 4 bits per lead (a lead's value is 0..11), up to 12 leads = 48 bits, plus the count: unique per ordered set.
        ulong key = (ulong)leads.Length << 56;
        bool keyable = leads.Length <= 12;
        for (int j = 0; j < leads.Length && keyable; j++)
        {
            if ((uint)leads[j] > 15) keyable = false;
            else key |= (ulong)(uint)leads[j] << (4 * j);
        }
        if (keyable && _leadIdsBySet.TryGetValue(key, out var cached)) return cached;
        Span<int> rows = stackalloc int[Geometry.LeadCount];
        LeadSets.ToRows(Geometry, leads, rows); // throws for more leads than the model has before writing a row
        // A lead id is the lead's index in cgdmer.lead_order, i.e. its model row (schemas/model-contract.md).
        var ids = new long[leads.Length];
        for (int j = 0; j < ids.Length; j++) ids[j] = rows[j];
        var value = OrtValue.CreateTensorValueFromMemory(ids, [ids.Length]);
        _leadIdsBySet[key] = value;
        return value;
    }

    /// <summary>Frees the native session, after a run in flight has finished; a later <see cref="Run(int, ReadOnlySpan{Lead}, Span{float})"/> throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_gate) DisposeLocked();
    }

    private void DisposeLocked()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var set in _inputsBySizeAndLeads) if (set is not null) foreach (var v in set) v.Dispose();
        foreach (var v in _rhythmBySize) v?.Dispose();
        foreach (var v in _leadIdsBySet.Values) v.Dispose();
        foreach (var set in _outputsBySize) if (set is not null) foreach (var v in set) v.Dispose();
        _session.Dispose();
        _sessionOptions.Dispose();
        _runOptions.Dispose();
    }

    private static (SessionOptions Options, string Provider) CreateSessionOptions(string path, OnnxRuntimeOptions o, ILogger logger)
    {
        if (o.ExecutionProvider == ExecutionProviderChoice.Cpu) return (CpuOptions(o), "CPU");
        var so = CpuOptions(o);
        // ONNX Runtime prints its own error line to stderr when the CUDA provider does not load; the reason is said once,
        // by us, in the log below, so its native logging is quietened for the probe.
        var env = OrtEnv.Instance();
        var level = env.EnvLogLevel;
        try
        {
            env.EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
            so.AppendExecutionProvider_CUDA(o.CudaDeviceId);
            return (so, "CUDA");
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            so.Dispose();
            var cause = FirstLine(e.Message);
            if (CudaLibraryProblem() is { } missing) cause += $" ({missing})";
            if (o.ExecutionProvider == ExecutionProviderChoice.Cuda)
                throw new InvalidOperationException(
                    $"ExecutionProvider=Cuda but the CUDA execution provider could not be loaded for '{path}' (device {o.CudaDeviceId}): {cause}. " +
                    "Install the CUDA and cuDNN libraries this ONNX Runtime build links against, or set ExecutionProvider to Auto or Cpu.", e);
            logger.CudaUnavailable(cause);
            return (CpuOptions(o), "CPU");
        }
        finally
        {
            env.EnvLogLevel = level;
        }
    }

    /// <summary>
    /// ONNX Runtime's exception only says the provider library failed to load; the reason (which CUDA library is missing)
    /// goes to its native log. Loading the provider library ourselves gets the loader's message, e.g.
    /// "libcublasLt.so.13: cannot open shared object file", for the error we throw. Null when it loads or is not found.
    /// </summary>
    private static string? CudaLibraryProblem()
    {
        string name = OperatingSystem.IsWindows() ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so";
        string rid = OperatingSystem.IsWindows() ? "win-x64" : "linux-x64";
        foreach (var candidate in new[] { Path.Combine(AppContext.BaseDirectory, name), Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", name) })
        {
            if (!File.Exists(candidate)) continue;
            try
            {
                System.Runtime.InteropServices.NativeLibrary.Free(System.Runtime.InteropServices.NativeLibrary.Load(candidate));
                return null;
            }
            catch (DllNotFoundException e)
            {
                // .NET's message lists each path it tried with the loader's (dlerror) text; keep the dependency that is missing.
                var line = e.Message.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("cannot open shared object file") || l.Contains("could not be found"));
                return line ?? FirstLine(e.Message);
            }
            catch (BadImageFormatException e) { return FirstLine(e.Message); }
        }
        return $"{name} not found next to the application";
    }

    private static SessionOptions CpuOptions(OnnxRuntimeOptions o)
    {
        var so = new SessionOptions
        {
            GraphOptimizationLevel = o.GraphOptimizationLevel,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = o.IntraOpThreads,
            InterOpNumThreads = 1,
            EnableMemoryPattern = o.EnableMemoryPattern,
            EnableCpuMemArena = o.EnableCpuMemArena,
        };
        so.AddSessionConfigEntry("session.intra_op.allow_spinning", o.AllowSpinning ? "1" : "0");
        return so;
    }

    private static string FirstLine(string message)
    {
        int nl = message.IndexOf('\n');
        return (nl < 0 ? message : message[..nl]).Trim();
    }

    /// <summary>
    /// Inputs, outputs and their shapes as contract versions 2 and 3 fix them: batch and lead axes dynamic (a graph with a
    /// fixed 12-lead axis cannot be fed compacted rows), the window length and label count fixed, <c>lead_ids</c> int64;
    /// <c>rhythm_features</c> float32 [batch, <see cref="RhythmFeatures.CountOf"/> the set] exactly when the metadata names a
    /// feature set (a graph that takes it although the metadata says none could not be fed).
    /// </summary>
    private void CheckGraph(string path)
    {
        int leads = Geometry.LeadCount, samples = Geometry.WindowSamples;
        string contract = Metadata.SourceContractVersion;
        Check(_session.InputMetadata, "input", ModelMetadata.EcgInput, TensorElementType.Float, [Dynamic, Dynamic, samples], $"float32 [batch, leads, {samples}]");
        Check(_session.InputMetadata, "input", ModelMetadata.LeadMaskInput, TensorElementType.Float, [Dynamic, Dynamic], "float32 [batch, leads]");
        Check(_session.InputMetadata, "input", ModelMetadata.LeadIdsInput, TensorElementType.Int64, [Dynamic], $"int64 [leads] (ids 0..{leads - 1} of cgdmer.lead_order)");
        if (Metadata.HasRhythmInput)
            Check(_session.InputMetadata, "input", ModelMetadata.RhythmFeaturesInput, TensorElementType.Float, [Dynamic, _rhythmFeatures],
                  $"float32 [batch, {_rhythmFeatures}] ({_rhythmFeatures} features of '{Metadata.RhythmFeatures}' named by {ModelMetadata.Prefix}rhythm_features)");
        else if (_session.InputMetadata.ContainsKey(ModelMetadata.RhythmFeaturesInput))
            throw new InvalidDataException(
                $"Model '{path}' has an input '{ModelMetadata.RhythmFeaturesInput}' but its metadata '{ModelMetadata.Prefix}rhythm_features' is " +
                $"'{ModelMetadata.NoRhythmFeatures}'{(contract == "2" ? " (contract version 2 has no rhythm input)" : "")}: the service would not know which features to feed.");
        Check(_session.OutputMetadata, "output", ModelMetadata.ProbabilitiesOutput, TensorElementType.Float, [Dynamic, _labels], $"float32 [batch, {_labels}] ({_labels} labels in cgdmer.labels)");

        void Check(IReadOnlyDictionary<string, NodeMetadata> nodes, string kind, string name, TensorElementType type, int[] expectedDims, string expected)
        {
            if (!nodes.TryGetValue(name, out var node))
                throw new InvalidDataException($"Model '{path}' has no {kind} '{name}' (it has {string.Join(", ", nodes.Keys.Select(k => $"'{k}'"))}); model contract version {contract} requires '{name}' {expected}.");
            var dims = node.Dimensions;
            bool ok = node.ElementDataType == type && node.IsTensor && dims.Length == expectedDims.Length;
            for (int i = 0; ok && i < dims.Length; i++)
                ok = expectedDims[i] == Dynamic ? dims[i] <= 0 : dims[i] == expectedDims[i];
            if (!ok)
            {
                var shown = string.Join(", ", dims.Select((d, i) => d > 0 ? d.ToString() : node.SymbolicDimensions.ElementAtOrDefault(i) is { Length: > 0 } s ? s : "?"));
                throw new InvalidDataException($"Model '{path}': {kind} '{name}' is {node.ElementDataType} [{shown}]; model contract version {contract} requires {expected}, with dynamic batch{(name == ModelMetadata.RhythmFeaturesInput ? " axis" : " and lead axes")}.");
            }
        }
    }

    private const int Dynamic = -1;
}
