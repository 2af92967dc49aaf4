using BenchmarkDotNet.Attributes;
using CGDmer.Signal.Beats;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Bench.Stages;

/// <summary>
/// The streaming beat path per lead: <see cref="StreamingQrsDetector"/> alone, and with <see cref="StreamingBeatClassifier"/>
/// around it, over MIT-BIH 201's lead 0 (360 Hz) fed 1 s at a time. One operation = 5 s of one lead, one window hop.
/// </summary>
[MemoryDiagnoser]
public class BeatStreamBenchmarks
{
    private const int Seconds = 600, HopSeconds = 5;
    private float[] _samples = null!;
    private double _fs;
    private readonly List<DetectedQrs> _detected = new(1024);
    private readonly List<ClassifiedBeat> _classified = new(1024);

    [GlobalSetup]
    public void Setup()
    {
        var record = WfdbReader.Read(RepositoryFiles.MitBih201);
        _fs = record.SampleRateHz;
        _samples = record.Ecg.Channels[0].Samples.AsSpan(0, (int)(Seconds * _fs)).ToArray();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Seconds / HopSeconds)]
    public int Detector()
    {
        var detector = new StreamingQrsDetector(_fs);
        _detected.Clear();
        int second = (int)_fs;
        for (int i = 0; i < _samples.Length; i += second) detector.Process(_samples.AsSpan(i, Math.Min(second, _samples.Length - i)), _detected);
        return _detected.Count;
    }

    [Benchmark(OperationsPerInvoke = Seconds / HopSeconds)]
    public int DetectorAndClassifier()
    {
        var classifier = new StreamingBeatClassifier(_fs);
        _classified.Clear();
        int second = (int)_fs;
        for (int i = 0; i < _samples.Length; i += second) classifier.Process(_samples.AsSpan(i, Math.Min(second, _samples.Length - i)), _classified);
        return _classified.Count;
    }
}
