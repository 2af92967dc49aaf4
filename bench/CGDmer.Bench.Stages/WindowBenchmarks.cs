using BenchmarkDotNet.Attributes;
using CGDmer.Evaluation;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Bench.Stages;

/// <summary>
/// The window stage per window: accepted 1 s segments of MIT-BIH 201 (two leads at 360 Hz) from several patients,
/// interleaved as they arrive, resampled to the model's rate and cut into overlapping windows, with the beat stream on
/// (both leads, the default) and off. One operation = one window.
/// </summary>
[MemoryDiagnoser]
public class WindowBenchmarks
{
    private static readonly DateTimeOffset Origin = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private const int Patients = 8, Seconds = 120;
    private readonly List<EcgWindow> _output = new(16);
    private List<EcgSegmentData> _segments = null!;
    private WindowGeometry _geometry = null!;

    /// <summary>
    /// The beat stream: <c>beats+quality</c>, the default 2 leads streamed with their quality summed per second (an
    /// <c>rr-v10</c> model); <c>beats</c>, 2 leads, beats only (<c>rr-v6</c>, <c>rr-v8</c>); <c>off</c>.
    /// </summary>
    [Params("beats+quality", "beats", "off")]
    public string Stream { get; set; } = "beats+quality";

    /// <summary>Windows one pass forms with the default windowing options (checked in setup; the benchmark reports per window).</summary>
    public const int WindowsPerPass = 168;

    [GlobalSetup]
    public void Setup()
    {
        _geometry = MitBihEvaluation.ModelGeometry;
        _segments = Segments(WfdbReader.Read(RepositoryFiles.MitBih201).Ecg);
        int formed = Pass();
        if (formed != WindowsPerPass)
            throw new InvalidOperationException($"a pass formed {formed} windows, not {WindowsPerPass}: update {nameof(WindowsPerPass)}");
    }

    [Benchmark(OperationsPerInvoke = WindowsPerPass)]
    public int WindowPerPatient() => Pass();

    private int Pass()
    {
        int windows = 0;
        var options = new WindowingOptions { BeatStreamLeads = Stream == "off" ? 0 : 2 };
        using var registry = new PatientWindowerRegistry(_geometry, Stream == "beats+quality" ? options.ForModel(CGDmer.Signal.Beats.RhythmFeatures.StreamQualityIdentifier) : options);
        foreach (var segment in _segments)
        {
            registry.Add(segment, Origin, _output);
            windows += Drain();
        }
        registry.FlushAll(_output);
        Drain();
        return windows;

        int Drain()
        {
            int n = _output.Count;
            foreach (var w in _output) w.ReleaseSignal();
            _output.Clear();
            return n;
        }
    }

    /// <summary>Each patient's accepted segments, starting at a different place in the record, in arrival order.</summary>
    private static List<EcgSegmentData> Segments(EcgRecord record)
    {
        int rate = (int)record.SampleRateHz;
        var channels = record.Channels.Where(c => c.Lead is not null).ToArray();
        var all = new List<EcgSegmentData>(Patients * Seconds);
        for (int second = 0; second < Seconds; second++)
            for (int p = 0; p < Patients; p++)
            {
                int first = (p * 37 + second) * rate;
                var leads = channels.Select(c => new EcgLeadData(c.Lead!.Value, c.Label, c.Samples.AsSpan(first, rate).ToArray(), false, [])).ToArray();
                all.Add(new EcgSegmentData($"bench-{p:D2}", $"bench-monitor-{p:D2}", (ulong)second + 1, Origin.AddSeconds(second), 0,
                                           record.SampleRateHz, rate, leads));
            }
        return all;
    }
}
