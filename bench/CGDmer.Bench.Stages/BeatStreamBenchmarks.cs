using BenchmarkDotNet.Attributes;
using CGDmer.Signal.Beats;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Bench.Stages;

/// <summary>
/// The streaming beat path per lead: <see cref="StreamingQrsDetector"/> alone, and with <see cref="StreamingBeatClassifier"/>
/// around it, over MIT-BIH 201's lead 0 (360 Hz) fed 1 s at a time; and the window stage's beat stream, the same lead
/// resampled to 100 Hz and fed to an <see cref="EpochAnchoredBeatStream"/> (60 s epochs, 10 s warm-up) one hop at a time,
/// as the window stage feeds it, without and with each lead's quality. One operation = 5 s of one lead, one window hop.
/// </summary>
[MemoryDiagnoser]
public class BeatStreamBenchmarks
{
    private const int Seconds = 600, HopSeconds = 5;
    private float[] _samples = null!, _model = null!;
    private double _fs;
    private readonly List<DetectedQrs> _detected = new(1024);
    private readonly List<ClassifiedBeat> _classified = new(1024);
    private readonly List<QualityBlock> _blocks = new(1024);
    private readonly List<long> _secondBeats = new(1024);

    [GlobalSetup]
    public void Setup()
    {
        var record = WfdbReader.Read(RepositoryFiles.MitBih201);
        _fs = record.SampleRateHz;
        _samples = record.Ecg.Channels[0].Samples.AsSpan(0, (int)(Seconds * _fs)).ToArray();
        _model = CGDmer.Signal.Dsp.Resampler.Resample(_samples, _fs, ModelRateHz);
    }

    private const int ModelRateHz = 100;

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

    [Benchmark(OperationsPerInvoke = Seconds / HopSeconds)]
    public int EpochAnchoredAtModelRate()
    {
        var stream = new EpochAnchoredBeatStream(ModelRateHz, 60 * ModelRateHz, 10 * ModelRateHz);
        _classified.Clear();
        int hop = HopSeconds * ModelRateHz;
        for (int i = 0; i < _model.Length; i += hop) stream.Feed(i, _model.AsSpan(i, Math.Min(hop, _model.Length - i)), _classified);
        return _classified.Count;
    }

    /// <summary>As the window stage runs it: with each lead's quality (its filters, sums and second detector).</summary>
    [Benchmark(OperationsPerInvoke = Seconds / HopSeconds)]
    public int EpochAnchoredWithQualityAtModelRate()
    {
        var stream = new EpochAnchoredBeatStream(ModelRateHz, 60 * ModelRateHz, 10 * ModelRateHz, quality: true);
        _classified.Clear();
        _blocks.Clear();
        _secondBeats.Clear();
        int hop = HopSeconds * ModelRateHz;
        for (int i = 0; i < _model.Length; i += hop)
            stream.Feed(i, _model.AsSpan(i, Math.Min(hop, _model.Length - i)), _classified, _blocks, _secondBeats);
        return _classified.Count + _blocks.Count + _secondBeats.Count;
    }
}
