using BenchmarkDotNet.Attributes;
using CGDmer.Evaluation;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Bench.Stages;

/// <summary>The measure stage per window: beats, heart rate, RR irregularity and signal quality on MIT-BIH 201 windows
/// at the model's geometry. One operation = one window.</summary>
[MemoryDiagnoser]
public class MeasureBenchmarks
{
    private const int Windows = 64;
    private readonly WindowMeasurer _measurer = new();
    private EcgWindow[] _windows = null!;

    [GlobalSetup]
    public void Setup() => _windows = MitBihEvaluation.Windows(WfdbReader.Read(RepositoryFiles.MitBih201)).Take(Windows).ToArray();

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var w in _windows) w.ReleaseSignal();
    }

    [Benchmark(OperationsPerInvoke = Windows)]
    public double? Measure()
    {
        double? last = null;
        foreach (var w in _windows) last = _measurer.Measure(w).HeartRateBpm;
        return last;
    }
}
