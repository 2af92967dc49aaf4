using BenchmarkDotNet.Attributes;
using CGDmer.Pipeline.OnnxRuntime;
using CGDmer.Signal;

namespace CGDmer.Bench.Stages;

/// <summary>
/// The shipped model on ONNX Runtime's CPU provider, one intra-op thread, the session's bound buffers: a batch of
/// two-lead windows (II, V1) at each size. One operation = one window, so sizes compare per window.
/// </summary>
[MemoryDiagnoser]
public class InferBenchmarks
{
    private OnnxFindingsSession _session = null!;
    private float[] _probabilities = null!;
    private Lead[] _leads = null!;

    [Params(1, 16, 64)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _session = new OnnxFindingsSession(RepositoryFiles.ShippedModel, new OnnxRuntimeOptions
        {
            ExecutionProvider = ExecutionProviderChoice.Cpu, IntraOpThreads = 1, MaxBatchSize = Batch, FixedBatchShape = false,
        });
        var g = _session.Geometry;
        _leads = new[] { Lead.II, Lead.V1 }.Where(l => g.RowOf(l) >= 0).OrderBy(g.RowOf).ToArray();
        _probabilities = new float[Batch * _session.Metadata.Labels.Count];
        var rng = new Random(1);
        var ecg = _session.EcgInput.Span;
        for (int i = 0; i < ecg.Length; i++) ecg[i] = (float)(rng.NextDouble() - 0.5);
        _session.LeadMaskInput.Span.Fill(1);
    }

    [GlobalCleanup]
    public void Cleanup() => _session.Dispose();

    [Benchmark]
    public float Run()
    {
        _session.Run(Batch, _leads, _probabilities);
        return _probabilities[0];
    }
}
