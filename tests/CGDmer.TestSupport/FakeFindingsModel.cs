using CGDmer.Pipeline;
using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Dsp;

namespace CGDmer.TestSupport;

/// <summary>
/// A model whose "probabilities" echo its input: [0] = first sample of the slot's first row, [1] = number of present
/// leads. Takes compacted lead sets like a contract-v2 model and records them. Can hold each run at a gate and fail chosen runs.
/// </summary>
public sealed class FakeFindingsModel : IFindingsModel
{
    private readonly float[] _ecg, _mask;
    private int _runs;

    public FakeFindingsModel(int maxBatchSize = 4, WindowGeometry? geometry = null)
    {
        Geometry = geometry ?? TestWindows.SmallGeometry;
        MaxBatchSize = maxBatchSize;
        Metadata = new ModelMetadata
        {
            ModelName = "fake", ModelVersion = "0.0.1",
            Labels = [new("first_sample", "1", "First sample", 0.5), new("present_leads", "2", "Present leads", 0.5)],
            SampleRateHz = Geometry.SampleRateHz, WindowSamples = Geometry.WindowSamples,
            Preprocessing = EcgPreprocessing.Identifier, EmbeddingDim = 1,
        };
        _ecg = new float[maxBatchSize * Geometry.LeadCount * Geometry.WindowSamples];
        _mask = new float[maxBatchSize * Geometry.LeadCount];
    }

    public ModelMetadata Metadata { get; }
    public WindowGeometry Geometry { get; }
    public int MaxBatchSize { get; }
    public Memory<float> EcgInput => _ecg;
    public Memory<float> LeadMaskInput => _mask;

    /// <summary>When set, each run waits for it (the test opens it).</summary>
    public ManualResetEventSlim? Gate { get; set; }
    /// <summary>Released once per run as it starts.</summary>
    public SemaphoreSlim Entered { get; } = new(0);
    /// <summary>Runs (0-based, in call order) that throw.</summary>
    public HashSet<int> FailingRuns { get; } = [];
    public List<int> RunSizes { get; } = [];
    /// <summary>The lead set of each run, in call order.</summary>
    public List<Lead[]> RunLeadSets { get; } = [];
    /// <summary>Each run's input as the model saw it: per slot, the rows' samples and mask, compacted.</summary>
    public List<(float[] Ecg, float[] Mask)> RunInputs { get; } = [];
    public int Runs => Volatile.Read(ref _runs);
    public bool Disposed { get; private set; }

    public void Run(int count, Span<float> probabilities) => Run(count, Geometry.LeadOrder.ToArray(), probabilities);

    public void Run(int count, ReadOnlySpan<Lead> leads, Span<float> probabilities)
    {
        int run = Interlocked.Increment(ref _runs) - 1;
        int k = leads.Length, stride = k * Geometry.WindowSamples;
        lock (RunSizes)
        {
            RunSizes.Add(count);
            RunLeadSets.Add(leads.ToArray());
            RunInputs.Add((_ecg.AsSpan(0, count * stride).ToArray(), _mask.AsSpan(0, count * k).ToArray()));
        }
        Entered.Release();
        if (Gate is not null && !Gate.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException("test gate never opened");
        if (FailingRuns.Contains(run)) throw new InvalidOperationException($"run {run} failed");
        for (int s = 0; s < count; s++)
        {
            probabilities[s * 2] = _ecg[s * stride];
            float present = 0;
            for (int l = 0; l < k; l++) present += _mask[s * k + l];
            probabilities[s * 2 + 1] = present;
        }
    }

    public void Dispose() => Disposed = true;
}
