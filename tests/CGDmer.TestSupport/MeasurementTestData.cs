using CGDmer.Pipeline;
using System.Buffers;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Dsp;
using CGDmer.Signal.Synthesis;

namespace CGDmer.TestSupport;

/// <summary>Windows built the way the window stage builds them: source rate → model rate (Resampler), then the model's preprocessing per lead.</summary>
public static class MeasurementTestData
{
    public static WindowGeometry Geometry { get; } = new(100, 1000, Leads.StandardOrder, EcgPreprocessing.Identifier);
    public const double SourceRateHz = 500;

    /// <summary>A 10 s window from per-lead samples at <paramref name="sourceRateHz"/>; null rows are absent leads.</summary>
    public static EcgWindow Window(IReadOnlyList<float[]?> leads, double sourceRateHz = SourceRateHz, WindowStatus status = WindowStatus.Analyzable)
    {
        var g = Geometry;
        int w = g.WindowSamples;
        var signal = ArrayPool<float>.Shared.Rent(g.LeadCount * w);
        Array.Clear(signal);
        var mask = new float[g.LeadCount];
        var recorded = new List<Lead>();
        for (int row = 0; row < Math.Min(leads.Count, g.LeadCount); row++)
        {
            if (leads[row] is not { } src) continue;
            var resampled = Resampler.Resample(src, sourceRateHz, g.SampleRateHz);
            var dst = signal.AsSpan(row * w, w);
            resampled.AsSpan(0, Math.Min(w, resampled.Length)).CopyTo(dst);
            EcgPreprocessing.Apply(dst, g.SampleRateHz);
            mask[row] = 1;
            recorded.Add(g.LeadOrder[row]);
        }
        return new EcgWindow("patient-x", "device-x", 0, DateTimeOffset.UnixEpoch, g, signal, mask, recorded, [],
            recorded.Count > 0 ? 1 : 0, status, 0);
    }

    /// <summary>A window of a synthetic ECG, with only <paramref name="present"/> leads (all twelve when null).</summary>
    public static EcgWindow Window(SyntheticEcg ecg, IReadOnlyCollection<Lead>? present = null) =>
        Window(Leads.StandardOrder.Select(l => present is null || present.Contains(l) ? ecg.Lead(l) : null).ToArray(), ecg.SampleRateHz);

    public static SyntheticEcg Synthesize(RhythmKind rhythm, double? rateBpm, int seed, NoiseOptions? noise = null) =>
        EcgSynthesizer.Generate(new SynthesisRequest
        {
            Rhythm = rhythm, RateBpm = rateBpm, DurationSeconds = 10, SampleRateHz = SourceRateHz,
            Noise = noise ?? NoiseOptions.None, WriteReport = false,
        }, seed);

    /// <summary>60 / mean RR of the synthesizer's own beats (the truth), in bpm.</summary>
    public static double TrueHeartRate(SyntheticEcg ecg)
    {
        var b = ecg.Beats.Select(x => x.Sample).Order().ToArray();
        return 60.0 * ecg.SampleRateHz * (b.Length - 1) / (b[^1] - b[0]);
    }

    /// <summary>Gaussian white noise (Box–Muller), mV.</summary>
    public static float[] Noise(int n, double rmsMv, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++)
            x[i] = (float)(rmsMv * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return x;
    }

    /// <summary>The repository's data/mitbih folder (found upwards from the test binaries).</summary>
    public static string MitBihFolder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "data", "mitbih");
                if (File.Exists(Path.Combine(candidate, "201.hea"))) return candidate;
            }
            throw new DirectoryNotFoundException("data/mitbih (records 201, 203) not found above " + AppContext.BaseDirectory);
        }
    }
}
