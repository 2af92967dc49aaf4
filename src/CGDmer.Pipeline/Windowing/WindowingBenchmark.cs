using System.Diagnostics;
using System.Globalization;
using CGDmer.Pipeline.Validation;
using CGDmer.Signal;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Pipeline.Windowing;

/// <summary>What <see cref="WindowingBenchmark"/> measures.</summary>
public sealed class WindowingBenchmarkOptions
{
    /// <summary>Patients streamed at once; their segments are interleaved in time, as a ward's stream is.</summary>
    public int Patients { get; set; } = 8;
    /// <summary>ECG seconds streamed per patient (per pass).</summary>
    public double SecondsPerPatient { get; set; } = 300;
    /// <summary>Length of each segment, as the monitors send them.</summary>
    public double SegmentSeconds { get; set; } = 1;
    /// <summary>
    /// ECG seconds of each patient fed before the timer starts in every pass: the patient's first segments allocate its
    /// rings (a one-off per patient), so the figures are the steady state a long-monitored patient costs.
    /// </summary>
    public double LeadInSeconds { get; set; } = 20;
    /// <summary>
    /// Untimed passes run for at least this long first (at least one): tiered JIT compiles the optimised code of a hot
    /// method only after a quiet spell, so a single short warm-up pass would time partly unoptimised code.
    /// </summary>
    public double WarmUpSeconds { get; set; } = 1;
    /// <summary>Passes timed after the warm-up; the fastest is reported (the others were disturbed by something else).</summary>
    public int MeasuredPasses { get; set; } = 3;
    public WindowingOptions Windowing { get; set; } = new();

    public WindowingBenchmarkOptions Validate()
    {
        if (Patients < 1) throw new ArgumentException($"must be ≥ 1, was {Patients}", nameof(Patients));
        if (!(SecondsPerPatient > 0)) throw new ArgumentException($"must be > 0, was {SecondsPerPatient}", nameof(SecondsPerPatient));
        if (!(SegmentSeconds > 0)) throw new ArgumentException($"must be > 0, was {SegmentSeconds}", nameof(SegmentSeconds));
        if (!(LeadInSeconds >= 0) || LeadInSeconds >= SecondsPerPatient)
            throw new ArgumentException($"must be in [0, {nameof(SecondsPerPatient)}), was {LeadInSeconds}", nameof(LeadInSeconds));
        if (!(WarmUpSeconds >= 0) || WarmUpSeconds > 600) throw new ArgumentException($"must be in [0, 600], was {WarmUpSeconds}", nameof(WarmUpSeconds));
        if (MeasuredPasses < 1) throw new ArgumentException($"must be ≥ 1, was {MeasuredPasses}", nameof(MeasuredPasses));
        ArgumentNullException.ThrowIfNull(Windowing, nameof(Windowing));
        Windowing.Validate();
        return this;
    }
}

/// <summary>One measured case: the fastest measured pass's cost per emitted window (CPU time of the window stage, one thread).</summary>
public sealed record WindowingBenchmarkResult(string Case, double SampleRateHz, int Leads, int Patients, int Windows,
                                              double MicrosecondsPerWindow, double BytesPerWindow);

/// <summary>
/// Cost of the window stage per emitted window on this machine, in the steady state: <see cref="PatientWindowers"/> fed
/// in-memory segments of several patients (interleaved by time), warm-up passes (JIT, pools, layouts) and then measured
/// passes, each with a fresh stage whose patients are first fed <see cref="WindowingBenchmarkOptions.LeadInSeconds"/>
/// untimed. Segments are built before timing, and windows are released as soon as they are counted (as the infer stage
/// does), so the figures hold only the stage's own work and allocations (the windows' own objects included). For the host's <c>bench</c> verb and
/// for before/after comparisons of optimisations; prints a table to <c>output</c>.
/// </summary>
public static class WindowingBenchmark
{
    /// <summary>A whole minute, so the 5 s grid and the segment starts coincide.</summary>
    private static readonly DateTimeOffset Origin = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Measures two cases with the model window <paramref name="geometry"/>: the MIT-BIH record at
    /// <paramref name="mitBihRecordPath"/> (path without extension; its two leads at 360 Hz) and
    /// <paramref name="twelveLeadRecordings"/> (e.g. synthetic 12-lead 500 Hz records; one per patient, reused round-robin).
    /// Either may be null to skip it.
    /// </summary>
    public static IReadOnlyList<WindowingBenchmarkResult> Run(WindowGeometry geometry, string? mitBihRecordPath,
                                                              IReadOnlyList<EcgRecord>? twelveLeadRecordings, TextWriter output,
                                                              WindowingBenchmarkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(output);
        var o = (options ?? new WindowingBenchmarkOptions()).Validate();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} cores; window {geometry.LeadCount}×{geometry.WindowSamples} @ {geometry.SampleRateHz} Hz, hop {o.Windowing.HopSeconds} s, " +
            $"{o.Patients} patients × {o.SecondsPerPatient} s (first {o.LeadInSeconds} s untimed), {o.SegmentSeconds} s segments"));
        output.WriteLine($"{"case",-28} {"rate",5} {"leads",5} {"windows",7} {"µs/window",10} {"bytes/window",12}");
        var results = new List<WindowingBenchmarkResult>();
        if (mitBihRecordPath is not null)
        {
            var record = WfdbReader.Read(mitBihRecordPath).Ecg;
            results.Add(RunCase($"MIT-BIH {Path.GetFileName(mitBihRecordPath)}", geometry, [record], output, o));
        }
        if (twelveLeadRecordings is { Count: > 0 })
            results.Add(RunCase("12-lead", geometry, twelveLeadRecordings, output, o));
        return results;
    }

    /// <summary>Measures one case: patient i streams <paramref name="recordings"/>[i mod count] (from an offset that differs per patient when the recording is long enough).</summary>
    public static WindowingBenchmarkResult RunCase(string name, WindowGeometry geometry, IReadOnlyList<EcgRecord> recordings, TextWriter output,
                                                   WindowingBenchmarkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentNullException.ThrowIfNull(output);
        if (recordings.Count == 0) throw new ArgumentException("at least one recording is needed", nameof(recordings));
        var o = (options ?? new WindowingBenchmarkOptions()).Validate();
        double rate = recordings[0].SampleRateHz;
        if (recordings.Any(r => r.SampleRateHz != rate)) throw new ArgumentException("recordings of one case must share a sample rate", nameof(recordings));
        var segments = Segments(recordings, o);
        int leads = segments[0].Leads.Count(l => geometry.RowOf(l.Lead) >= 0);

        var warmUp = Stopwatch.StartNew();   // JIT tiers, array pool, layouts
        do Pass(geometry, o, segments);
        while (warmUp.Elapsed.TotalSeconds < o.WarmUpSeconds);
        (int Windows, double Seconds, long Bytes) best = (0, double.MaxValue, 0);
        for (int pass = 0; pass < o.MeasuredPasses; pass++)
        {
            var r = Pass(geometry, o, segments);
            if (r.Seconds < best.Seconds) best = r;
        }
        var result = new WindowingBenchmarkResult(name, rate, leads, o.Patients, best.Windows,
                                                  best.Windows == 0 ? double.NaN : best.Seconds * 1e6 / best.Windows,
                                                  best.Windows == 0 ? double.NaN : (double)best.Bytes / best.Windows);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-28} {rate,5:0} {leads,5} {result.Windows,7} {result.MicrosecondsPerWindow,10:F1} {result.BytesPerWindow,12:F0}"));
        return result;
    }

    private static (int Windows, double Seconds, long Bytes) Pass(WindowGeometry geometry, WindowingBenchmarkOptions o, List<EcgSegmentData> segments)
    {
        var output = new List<EcgWindow>(16);
        int windows = 0;
        var now = Origin;
        using var stage = new PatientWindowers(geometry, o.Windowing);
        int i = 0;
        var leadInEnd = Origin.AddSeconds(o.LeadInSeconds);
        for (; i < segments.Count && segments[i].StartTime < leadInEnd; i++)
        {
            stage.Add(segments[i], now, output);
            Drain(output);
        }
        long bytes0 = GC.GetAllocatedBytesForCurrentThread();
        long t0 = Stopwatch.GetTimestamp();
        for (; i < segments.Count; i++)
        {
            stage.Add(segments[i], now, output);
            windows += Drain(output);
        }
        double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        long bytes = GC.GetAllocatedBytesForCurrentThread() - bytes0;
        stage.FlushAll(output);   // the end of the stream is not the steady state
        Drain(output);
        return (windows, seconds, bytes);

        static int Drain(List<EcgWindow> output)
        {
            int n = output.Count;
            for (int i = 0; i < n; i++) output[i].ReleaseSignal();
            output.Clear();
            return n;
        }
    }

    /// <summary>
    /// Accepted segments (samples already in mV, as after validation) of every patient, in arrival order: segment j of
    /// every patient, then segment j + 1, and so on. Only channels with a standard lead are sent.
    /// </summary>
    private static List<EcgSegmentData> Segments(IReadOnlyList<EcgRecord> recordings, WindowingBenchmarkOptions o)
    {
        double rate = recordings[0].SampleRateHz;
        int perSegment = Math.Max(1, (int)Math.Round(o.SegmentSeconds * rate));
        int total = (int)Math.Round(o.SecondsPerPatient * rate);
        int segmentCount = (total + perSegment - 1) / perSegment;
        var perPatient = new List<EcgSegmentData>[o.Patients];
        for (int p = 0; p < o.Patients; p++)
        {
            var record = recordings[p % recordings.Count];
            var channels = record.Channels.Where(c => c.Lead is not null).ToArray();
            if (channels.Length == 0) throw new ArgumentException($"recording {p % recordings.Count} has no standard lead");
            // Patients sharing a recording start at different places in it, so their windows differ.
            int spare = Math.Max(0, record.Length - total);
            int offset = spare == 0 ? 0 : (int)((long)p * (int)Math.Round(37 * rate) % (spare + 1));
            var list = perPatient[p] = new List<EcgSegmentData>(segmentCount);
            string patient = string.Create(CultureInfo.InvariantCulture, $"bench-{p:D4}"), device = string.Create(CultureInfo.InvariantCulture, $"bench-monitor-{p:D4}");
            for (int j = 0; j < segmentCount; j++)
            {
                int first = j * perSegment, count = Math.Min(perSegment, total - first);
                var leads = new EcgLeadData[channels.Length];
                for (int c = 0; c < channels.Length; c++)
                {
                    var samples = new float[count];
                    for (int i = 0; i < count; i++)
                    {
                        // Shorter recordings loop; a seam every record length is harmless for a cost measurement.
                        samples[i] = channels[c].Samples[(offset + first + i) % record.Length];
                    }
                    leads[c] = new EcgLeadData(channels[c].Lead!.Value, channels[c].Label, samples, false, []);
                }
                var start = Origin.AddTicks((long)Math.Round(first * (double)TimeSpan.TicksPerSecond / rate));
                list.Add(new EcgSegmentData(patient, device, (ulong)j + 1, start, 0, rate, count, leads));
            }
        }
        var all = new List<EcgSegmentData>(o.Patients * segmentCount);
        for (int j = 0; j < segmentCount; j++)
            for (int p = 0; p < o.Patients; p++) all.Add(perPatient[p][j]);
        return all;
    }
}
