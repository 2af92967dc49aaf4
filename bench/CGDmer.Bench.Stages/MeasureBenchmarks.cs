using BenchmarkDotNet.Attributes;
using CGDmer.Evaluation;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Bench.Stages;

/// <summary>
/// The measure stage per window: beats, heart rate, RR irregularity and signal quality on MIT-BIH 201 windows at the
/// model's geometry, built by the window stage with its beat stream on (both leads), so that the same windows are
/// measured with beats detected in the window and with the stream's beats (what an <c>rr-v6</c> model asks for); and
/// the rhythm features the infer stage then writes for the model (<c>rr-v4</c>, whose NN half classifies each window's
/// analysis lead afresh, or <c>rr-v6</c>, whose NN half chains the stream's classes; and <c>rr-v7</c>, <c>rr-v4</c> with the
/// analysis lead's atrial activity). One operation = one window.
/// </summary>
[MemoryDiagnoser]
public class MeasureBenchmarks
{
    private const int Windows = 64;
    private readonly WindowMeasurer _measurer = new();
    private EcgWindow[] _windows = null!;
    private WindowMeasurement[] _measured = null!;
    private readonly float[] _features = new float[CGDmer.Signal.Beats.RhythmFeatures.CountOf("rr-v7")];
    private readonly CGDmer.Signal.Beats.NormalToNormal _normalToNormal = new(MitBihEvaluation.ModelGeometry.SampleRateHz);
    private CGDmer.Signal.Beats.ClassifiedBeat[] _beats = new CGDmer.Signal.Beats.ClassifiedBeat[64];
    private int[] _rowStarts = [];

    /// <summary>
    /// Where each lead's beats and quality come from: <c>stream+quality</c>, both from the beat stream (what an <c>rr-v10</c>
    /// model asks for: nothing filtered or detected in the window); <c>stream</c>, the beats from the stream and the
    /// quality from the window's filters and second detector (<c>rr-v6</c>, <c>rr-v8</c>); <c>window</c>, both detected
    /// in the window.
    /// </summary>
    [Params("stream+quality", "stream", "window")]
    public string Measured { get; set; } = "stream+quality";

    private bool OnBeatStream => Measured != "window";
    private bool QualityOnStream => Measured == "stream+quality";

    [GlobalSetup]
    public void Setup()
    {
        var record = WfdbReader.Read(RepositoryFiles.MitBih201);
        int fs = (int)record.SampleRateHz;
        var t0 = new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
        var windows = new List<EcgWindow>();
        // The stream with its quality on for every mode (its beats are the same with it or without).
        using (var windower = new PatientWindower("p", MitBihEvaluation.ModelGeometry,
                                                  new WindowingOptions { BeatStreamLeads = 2 }.ForModel(CGDmer.Signal.Beats.RhythmFeatures.StreamQualityIdentifier)))
        {
            // Past the stream's first epoch, so the windows are those of a patient followed for a while.
            for (int sec = 0; windows.Count < Windows + 12; sec++)
            {
                var leads = record.Ecg.Channels.Select(c => new EcgLeadData(c.Lead!.Value, c.Label, c.Samples.AsSpan(sec * fs, fs).ToArray(), false, [])).ToList();
                windower.Add(new EcgSegmentData("p", "m", (ulong)sec + 1, t0.AddSeconds(sec), 0, fs, fs, leads), windows);
            }
        }
        foreach (var w in windows.Take(12)) w.ReleaseSignal();
        _windows = windows.Skip(12).Take(Windows).ToArray();
        _measured = _windows.Select(w => _measurer.Measure(w, OnBeatStream, QualityOnStream)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var w in _windows) w.ReleaseSignal();
    }

    [Benchmark(OperationsPerInvoke = Windows)]
    public double? Measure()
    {
        double? last = null;
        foreach (var w in _windows) last = _measurer.Measure(w, OnBeatStream, QualityOnStream).HeartRateBpm;
        return last;
    }

    [Benchmark(OperationsPerInvoke = Windows)]
    public float RhythmFeatures() => FeaturesOfEveryWindow(OnBeatStream ? "rr-v6" : "rr-v4");

    /// <summary>With the analysis lead's atrial activity: <c>rr-v7</c> (<c>rr-v4</c>'s NN classifier per window), or
    /// on the stream <c>rr-v8</c> (the stream's classes; <c>rr-v10</c>, the same features with the quality from the stream).</summary>
    [Benchmark(OperationsPerInvoke = Windows)]
    public float RhythmFeaturesWithAtrialActivity() => FeaturesOfEveryWindow(QualityOnStream ? "rr-v10" : OnBeatStream ? "rr-v8" : "rr-v7");

    /// <summary>Set <paramref name="set"/>'s features of every window, as the infer stage writes them.</summary>
    private float FeaturesOfEveryWindow(string set)
    {
        float sum = 0;
        for (int i = 0; i < _windows.Length; i++)
        {
            var w = _windows[i];
            var m = _measured[i];
            int row = w.Geometry.RowOf(m.AnalysisLead!.Value);
            var beats = (int[])m.BeatSamples;
            if (CGDmer.Signal.Beats.RhythmFeatures.MeasuresOnBeatStream(set))
                CGDmer.Signal.Beats.RhythmFeatures.ComputeSet(set, beats, w.Row(row), w.Geometry.SampleRateHz, w.Geometry.WindowSamples, m.SignalQuality,
                    m.BeatAgreement, _features, context: w.CopyWindowBeats(ref _beats, ref _rowStarts).Row(row));
            else
                CGDmer.Signal.Beats.RhythmFeatures.ComputeSet(set, beats, w.Row(row), w.Geometry.SampleRateHz, w.Geometry.WindowSamples, m.SignalQuality,
                    m.BeatAgreement, _features, _normalToNormal);
            sum += _features[^1];
        }
        return sum;
    }
}
