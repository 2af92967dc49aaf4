using CGDmer.Pipeline.Diagnostics;
using System.Diagnostics;
using System.Globalization;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal.Beats;
using CGDmer.Signal.Dsp;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Pipeline.Measurement;

/// <summary>What <see cref="MeasurementBenchmark.Run"/> measures.</summary>
public sealed class MeasurementBenchmarkOptions
{
    /// <summary>Measured time per case, split into <see cref="Rounds"/> rounds (after one warm-up pass over all windows).</summary>
    public double SecondsPerCase { get; set; } = 3;
    /// <summary>Rounds per case: the table shows the median and the fastest round, because a shared machine is noisy.</summary>
    public int Rounds { get; set; } = 5;
    /// <summary>Windows taken from each record (from its start); 0 = all.</summary>
    public int MaxWindowsPerRecord { get; set; }
    /// <summary>Also time the stage's parts per lead (<see cref="WindowMeasurer.AssessLead"/>, the two detectors).</summary>
    public bool IncludeParts { get; set; } = true;
}

/// <summary>One measured case: time and managed allocation per unit (a window, or one lead of a window).</summary>
public sealed record MeasurementBenchmarkResult(string Case, string Unit, int Units, double MedianMicroseconds, double FastestMicroseconds, double AllocatedBytes);

/// <summary>
/// Cost of the measure stage on this machine, on real windows: MIT-BIH records cut into windows exactly as the window
/// stage (and <see cref="MitBihEvaluation"/>) does, at the model's geometry. Times <see cref="WindowMeasurer.Measure"/>
/// per window and, per present lead, its parts; reports µs and managed bytes allocated
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>) per unit, single-threaded, in steady state after JIT.
/// For the host's <c>bench</c> verb and the measure stage's README figures; prints a table to <c>output</c>.
/// </summary>
public static class MeasurementBenchmark
{
    /// <summary>Runs the benchmark over the records at <paramref name="recordPaths"/> (paths without extension).</summary>
    public static IReadOnlyList<MeasurementBenchmarkResult> Run(IReadOnlyList<string> recordPaths, TextWriter output,
        MeasurementBenchmarkOptions? options = null, WindowMeasurer? measurer = null)
    {
        ArgumentNullException.ThrowIfNull(recordPaths);
        ArgumentNullException.ThrowIfNull(output);
        var o = options ?? new MeasurementBenchmarkOptions();
        if (recordPaths.Count == 0) throw new ArgumentException("at least one record is needed", nameof(recordPaths));
        if (!(o.SecondsPerCase > 0)) throw new ArgumentException("SecondsPerCase must be > 0", nameof(options));
        if (o.Rounds < 1) throw new ArgumentException("Rounds must be ≥ 1", nameof(options));
        if (o.MaxWindowsPerRecord < 0) throw new ArgumentException("MaxWindowsPerRecord must be ≥ 0", nameof(options));
        measurer ??= new WindowMeasurer();

        var windows = new List<EcgWindow>();
        try
        {
            foreach (var path in recordPaths)
            {
                var record = WfdbReader.Read(path);
                var cut = MitBihEvaluation.Windows(record);
                windows.AddRange(o.MaxWindowsPerRecord > 0 ? cut.Take(o.MaxWindowsPerRecord) : cut);
            }
            if (windows.Count == 0) throw new ArgumentException("the records hold no complete window", nameof(recordPaths));
            var g = windows[0].Geometry;
            // (window, row) of every present lead: the per-lead cases run over these.
            var leads = new List<(EcgWindow Window, int Row)>();
            foreach (var w in windows)
                for (int row = 0; row < g.LeadCount; row++)
                    if (w.LeadMask[row] > 0.5f) leads.Add((w, row));
            double fs = g.SampleRateHz;

            output.WriteLine($"{Environment.ProcessorCount} cores; {windows.Count} windows of {recordPaths.Count} record(s), " +
                             $"{(double)leads.Count / windows.Count:F1} present leads per window, {g.WindowSamples} samples at {fs} Hz; " +
                             $"{o.Rounds} rounds of {o.SecondsPerCase / o.Rounds:F2} s per case");
            output.WriteLine($"{"case",-34} {"unit",-7} {"median µs",10} {"fastest µs",10} {"bytes/unit",11}");

            var results = new List<MeasurementBenchmarkResult>();
            results.Add(Measure("WindowMeasurer.Measure", "window", windows.Count, i => measurer.Measure(windows[i])));
            if (o.IncludeParts)
            {
                var detector = new QrsDetector(fs);
                int[] second = new int[g.WindowSamples];
                results.Add(Measure("WindowMeasurer.AssessLead", "lead", leads.Count, i => measurer.AssessLead(leads[i].Window.Row(leads[i].Row), fs)));
                results.Add(Measure("QrsDetector.Detect", "lead", leads.Count, i => detector.Detect(leads[i].Window.Row(leads[i].Row))));
                results.Add(Measure("LengthTransformDetector.Detect", "lead", leads.Count, i => LengthTransformDetector.Detect(leads[i].Window.Row(leads[i].Row), fs, second)));
            }
            return results;

            MeasurementBenchmarkResult Measure(string name, string unit, int units, Action<int> run)
            {
                var t = StageTimer.Measure(units, run, o.Rounds, o.SecondsPerCase);
                var result = new MeasurementBenchmarkResult(name, unit, units, t.MedianMicroseconds, t.FastestMicroseconds, t.AllocatedBytes);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-34} {unit,-7} {result.MedianMicroseconds,10:F1} {result.FastestMicroseconds,10:F1} {result.AllocatedBytes,11:F0}"));
                return result;
            }
        }
        finally
        {
            foreach (var w in windows) w.ReleaseSignal();
        }
    }
}
