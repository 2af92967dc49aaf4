using CGDmer.Pipeline;
using System.Diagnostics;
using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;

namespace CGDmer.TestSupport;

/// <summary>Interpreted windows for the publish stage's tests and benchmarks.</summary>
public static class InterpretedWindows
{
    /// <summary>
    /// Deterministic interpreted windows as a ward of 2-lead monitors (II, V1) produces them: 8 patients, consecutive
    /// 10 s windows, heart rates 45–150 bpm with their beats, RR irregularity and signal quality; the model's
    /// probabilities with the labels above their thresholds present. About 1 in 12 windows has V1 off, 1 in 10 was
    /// suppressed for poor signal, 1 in 25 has no finding above threshold; the rest carry findings (two Observations).
    /// Windows carry no samples (the publish stage never reads them).
    /// </summary>
    public static IReadOnlyList<InterpretedWindow> Realistic(ModelMetadata model, int count, int seed = 7)
    {
        ArgumentNullException.ThrowIfNull(model);
        var g = WindowGeometry.FromMetadata(model);
        var rng = new Random(seed);
        var recorded = new[] { Lead.II, Lead.V1 }.Where(l => g.RowOf(l) >= 0).ToArray();
        var t0 = new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.Zero);
        var windows = new List<InterpretedWindow>(count);
        for (int k = 0; k < count; k++)
        {
            int patient = k % 8;
            long index = k / 8;
            Lead[] missing = k % 12 == 5 && recorded.Length > 1 ? [recorded[^1]] : [];
            var mask = new float[g.LeadCount];
            foreach (var l in recorded) if (!missing.Contains(l)) mask[g.RowOf(l)] = 1;
            var window = new EcgWindow($"MRN-{4711 + patient:D7}", $"monitor-bed-{patient + 1:D2}", index,
                t0 + TimeSpan.FromSeconds(10 * index) + TimeSpan.FromMilliseconds(37 * patient), g,
                System.Buffers.ArrayPool<float>.Shared.Rent(g.LeadCount * g.WindowSamples), mask, recorded, missing, 1.0, WindowStatus.Analyzable, Stopwatch.GetTimestamp());
            window.ReleaseSignal(); // as the infer stage leaves it

            double hr = 45 + 105 * rng.NextDouble();
            double rrSamples = 60.0 * g.SampleRateHz / hr;
            var beats = new List<int>();
            for (double b = rng.NextDouble() * rrSamples; b < g.WindowSamples - 1; b += rrSamples * (0.9 + 0.2 * rng.NextDouble()))
                if (b >= 1) beats.Add((int)b);
            var measurement = new WindowMeasurement(beats.ToArray(), beats.Count >= 2 ? WindowMeasurer.HeartRateBpm(beats, g.SampleRateHz) : null,
                beats.Count >= 3 ? 0.2 * rng.NextDouble() : null, 0.4 + 0.6 * rng.NextDouble(), recorded[0]);

            string? suppressed = k % 10 == 3 ? "poor_signal" : null;
            var probabilities = new float[model.Labels.Count];
            for (int i = 0; i < probabilities.Length; i++)
                probabilities[i] = k % 25 == 11 ? (float)(0.1 * rng.NextDouble()) : (float)Math.Pow(rng.NextDouble(), 3);
            var findings = suppressed is null
                ? model.Labels.Select((l, i) => new Finding(l, probabilities[i], probabilities[i] >= l.Threshold)).ToArray()
                : [];
            windows.Add(new InterpretedWindow(new AnalyzedWindow(window, measurement, probabilities), findings, [], suppressed));
        }
        return windows;
    }
}
