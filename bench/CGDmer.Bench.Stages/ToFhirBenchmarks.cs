using BenchmarkDotNet.Attributes;
using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.OnnxRuntime;
using CGDmer.Pipeline.Publishing;
using CGDmer.TestSupport;

namespace CGDmer.Bench.Stages;

/// <summary>
/// The to-FHIR stage per window: a ward's interpreted windows to FHIR R4 Observations, and those to NDJSON / Kafka
/// bytes by the project's writer and, for reference, by Firely's serializer. One operation = one window.
/// </summary>
[MemoryDiagnoser]
public class ToFhirBenchmarks
{
    // A ward's mix: more distinct probabilities and ratios (10 labels a window) than a per-value cache of a few thousand
    // entries holds, so that one that thrashes shows here, as it did only in the system benchmark at 200 windows.
    private const int Windows = 2000;
    private ObservationFactory _factory = null!;
    private IReadOnlyList<InterpretedWindow> _windows = null!;
    private IReadOnlyList<PublishedObservation>[] _built = null!;

    [GlobalSetup]
    public void Setup()
    {
        ModelMetadata model;
        using (var session = new OnnxFindingsSession(RepositoryFiles.ShippedModel, new OnnxRuntimeOptions { ExecutionProvider = ExecutionProviderChoice.Cpu, WarmUp = false, MaxBatchSize = 1 }))
            model = session.Metadata;
        _factory = new ObservationFactory(new PublishingOptions(), model);
        _windows = InterpretedWindows.Realistic(model, Windows);
        _built = _windows.Select(_factory.Create).ToArray();
    }

    [Benchmark(OperationsPerInvoke = Windows)]
    public int CreateObservations()
    {
        int n = 0;
        foreach (var w in _windows) n += _factory.Create(w).Count;
        return n;
    }

    [Benchmark(OperationsPerInvoke = Windows)]
    public int SerializeNdjson()
    {
        int n = 0;
        foreach (var observations in _built)
            foreach (var o in observations) n += FhirNdjson.Serialize(o.Resource).Length;
        return n;
    }

    [Benchmark(OperationsPerInvoke = Windows)]
    public int SerializeUtf8ForKafka()
    {
        int n = 0;
        foreach (var observations in _built)
            foreach (var o in observations) n += FhirNdjson.SerializeToUtf8(o.Resource).Length;
        return n;
    }

    [Benchmark(OperationsPerInvoke = Windows, Baseline = true)]
    public int SerializeWithFirely()
    {
        int n = 0;
        foreach (var observations in _built)
            foreach (var o in observations) n += FhirNdjson.SerializeWithFirely(o.Resource).Length;
        return n;
    }
}
