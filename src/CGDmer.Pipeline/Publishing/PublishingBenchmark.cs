using CGDmer.Pipeline.Diagnostics;
using System.Diagnostics;
using System.Globalization;
using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;

namespace CGDmer.Pipeline.Publishing;

/// <summary>What <see cref="PublishingBenchmark.Run"/> measures.</summary>
public sealed class PublishingBenchmarkOptions
{
    /// <summary>Distinct interpreted windows cycled through (several patients, a mix of outcomes).</summary>
    public int Windows { get; set; } = 200;
    /// <summary>Measured time per case, split into <see cref="Rounds"/> rounds (after one warm-up pass).</summary>
    public double SecondsPerCase { get; set; } = 3;
    /// <summary>Rounds per case: the table shows the median and the fastest round, because a shared machine is noisy.</summary>
    public int Rounds { get; set; } = 5;
}

/// <summary>One measured case: time and managed allocation per window.</summary>
public sealed record PublishingBenchmarkResult(string Case, int Windows, double ObservationsPerWindow, double MedianMicroseconds, double FastestMicroseconds, double AllocatedBytes);

/// <summary>
/// Cost of the publish stage's work on this machine: <see cref="ObservationFactory.Create"/> per window, then
/// <see cref="FhirNdjson.Serialize"/> of its Observations, on realistic interpreted windows (see
/// <see cref="RealisticWindows"/>). Reports µs and managed bytes allocated (<see cref="GC.GetAllocatedBytesForCurrentThread"/>)
/// per window, single-threaded, in steady state after JIT. For the host's <c>bench</c> verb and the publish stage's
/// README figures; prints a table to <c>output</c>.
/// </summary>
public static class PublishingBenchmark
{
    public static IReadOnlyList<PublishingBenchmarkResult> Run(ModelMetadata model, TextWriter output,
        PublishingBenchmarkOptions? options = null, PublishingOptions? publishing = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(output);
        var o = options ?? new PublishingBenchmarkOptions();
        if (o.Windows < 1) throw new ArgumentException("Windows must be ≥ 1", nameof(options));
        if (!(o.SecondsPerCase > 0)) throw new ArgumentException("SecondsPerCase must be > 0", nameof(options));
        if (o.Rounds < 1) throw new ArgumentException("Rounds must be ≥ 1", nameof(options));
        var factory = new ObservationFactory(publishing ?? new PublishingOptions(), model);
        var windows = RealisticWindows(model, o.Windows);
        var built = windows.Select(factory.Create).ToArray();
        double perWindow = built.Average(b => b.Count);

        output.WriteLine($"{Environment.ProcessorCount} cores; {windows.Count} interpreted windows, {model.Labels.Count} labels, " +
                         $"{perWindow:F2} Observations per window; {o.Rounds} rounds of {o.SecondsPerCase / o.Rounds:F2} s per case");
        output.WriteLine($"{"case",-40} {"median µs",10} {"fastest µs",10} {"bytes/window",12}");
        var results = new List<PublishingBenchmarkResult>
        {
            Measure("ObservationFactory.Create", i => factory.Create(windows[i])),
            Measure("FhirNdjson.Serialize (built Observations)", i =>
            {
                foreach (var p in built[i]) FhirNdjson.Serialize(p.Resource);
            }),
            Measure("Create + Serialize", i =>
            {
                foreach (var p in factory.Create(windows[i])) FhirNdjson.Serialize(p.Resource);
            }),
            Measure("FhirNdjson.SerializeToUtf8 (Kafka)", i =>
            {
                foreach (var p in built[i]) FhirNdjson.SerializeToUtf8(p.Resource);
            }),
            // The reference the fast path is measured against (and tested byte-equal to).
            Measure("Firely serializer (reference)", i =>
            {
                foreach (var p in built[i]) FhirNdjson.SerializeWithFirely(p.Resource);
            }),
        };
        return results;

        PublishingBenchmarkResult Measure(string name, Action<int> run)
        {
            int units = windows.Count;
            var t = StageTimer.Measure(units, run, o.Rounds, o.SecondsPerCase);
            var result = new PublishingBenchmarkResult(name, units, perWindow, t.MedianMicroseconds, t.FastestMicroseconds, t.AllocatedBytes);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-40} {result.MedianMicroseconds,10:F1} {result.FastestMicroseconds,10:F1} {result.AllocatedBytes,12:F0}"));
            return result;
        }
    }

    /// <summary>
    /// Deterministic interpreted windows as a ward of 2-lead monitors (II, V1) produces them: 8 patients, consecutive
    /// 10 s windows, heart rates 45–150 bpm with their beats, RR irregularity and signal quality; the model's
    /// probabilities with the labels above their thresholds present. About 1 in 12 windows has V1 off, 1 in 10 was
    /// suppressed for poor signal, 1 in 25 has no finding above threshold; the rest carry findings (two Observations).
    /// Windows carry no samples (the publish stage never reads them).
    /// </summary>
    public static IReadOnlyList<InterpretedWindow> RealisticWindows(ModelMetadata model, int count, int seed = 7)
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
