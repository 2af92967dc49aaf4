using CGDmer.Streaming.Host;
using CGDmer.Simulation;
using CGDmer.Pipeline.OnnxRuntime;
using System.CommandLine;
using System.Diagnostics;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Runtime;
using System.Text.Json;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Batching;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Publishing;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Concurrency;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal.Synthesis;
using CGDmer.Transports.Replay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace CGDmer.Bench;

/// <summary>
/// <c>bench</c>: replays real records at maximum speed through the whole pipeline on the shipped model and prints
/// windows/s, the ratio of pipeline throughput to raw ONNX Runtime throughput at the same batch size, the speed-up of
/// dynamic batching over batch size 1, p50/p99 end-to-end latency at half of capacity, and memory per patient.
/// Figures, not assertions: run it on a quiet machine and read them.
/// </summary>
internal static class BenchCommand
{
    private static readonly Option<string[]> RecordOption = new("--record")
    {
        Description = "WFDB records the simulated patients replay (default: data/mitbih/201 data/mitbih/203).",
        AllowMultipleArgumentsPerToken = true,
    };
    private static readonly Option<int> SyntheticOption = new("--synthetic")
    {
        Description = "Instead of --record: this many distinct synthetic 12-lead recordings at 500 Hz (the synthesizer's condition mix), as a 12-lead ICU ward.",
        DefaultValueFactory = _ => 0,
    };
    private static readonly Option<int> PatientsOption = new("--patients") { Description = "Simulated patients (copies of the records).", DefaultValueFactory = _ => 32 };
    private static readonly Option<double> MinutesOption = new("--minutes") { Description = "ECG minutes each patient replays.", DefaultValueFactory = _ => 6 };
    private static readonly Option<int> RunsOption = new("--runs")
    {
        Description = "Measured rounds, each raw ONNX Runtime then the pipeline (batched, then at batch 1) then raw at batch 1; the figures are their medians.",
        DefaultValueFactory = _ => 5,
    };
    private static readonly Option<int> BatchOption = new("--batch") { Description = "Dynamic batching: largest batch.", DefaultValueFactory = _ => 16 };
    private static readonly Option<double> LatencySecondsOption = new("--latency-seconds") { Description = "Wall time of the half-capacity latency run.", DefaultValueFactory = _ => 20 };
    private static readonly Option<int> MemoryPatientsOption = new("--memory-patients") { Description = "Patients held in memory for the per-patient figure.", DefaultValueFactory = _ => 400 };
    private static readonly Option<FileInfo?> JsonOption = new("--json") { Description = "Also write the figures as JSON here." };

    /// <summary>cgdmer-bench's root command (the old <c>cgdmer-stream bench</c>); <c>kafka</c> is added beside it.</summary>
    public static RootCommand Create()
    {
        var cmd = new RootCommand("Throughput, batching speed-up, latency at half capacity and memory per patient of the whole pipeline. "
                                  + "Each stage alone: bench/CGDmer.Bench.Stages.")
        {
            RecordOption, SyntheticOption, PatientsOption, MinutesOption, RunsOption, BatchOption, LatencySecondsOption, MemoryPatientsOption, JsonOption,
        };
        CommonOptions.AddTo(cmd);
        cmd.SetAction(pr => CommonOptions.Guard(() => Run(pr)));
        return cmd;
    }

    /// <summary>The options checked before anything is loaded; an <see cref="ArgumentException"/> names the bad one.</summary>
    internal static (int Batch, int Patients, int SyntheticRecordings) CheckOptions(ParseResult pr)
    {
        int batch = pr.GetValue(BatchOption), patients = pr.GetValue(PatientsOption), synthetic = pr.GetValue(SyntheticOption);
        if (pr.GetValue(RunsOption) is var runs and < 1) throw new ArgumentException($"--runs must be ≥ 1, got {runs}");
        if (pr.GetValue(MinutesOption) is var minutes and not > 0) throw new ArgumentException($"--minutes must be > 0, got {minutes}");
        if (batch < 1) throw new ArgumentException($"--batch must be ≥ 1, got {batch}");
        if (patients < 1) throw new ArgumentException($"--patients must be ≥ 1, got {patients}");
        if (synthetic < 0) throw new ArgumentException($"--synthetic must be ≥ 0, got {synthetic}");
        if (synthetic > 0 && pr.GetValue(RecordOption) is { Length: > 0 }) throw new ArgumentException("--synthetic and --record exclude each other: give one");
        return (batch, patients, synthetic);
    }

    private static int Run(ParseResult pr)
    {
        var (batch, patients, syntheticRecordings) = CheckOptions(pr);
        // The model's buffers and the batch stage both take --batch (a smaller one than the configured batch stage's
        // would otherwise be refused at start-up as larger than the buffers).
        string batchSetting = batch.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var overrides = CommonOptions.Overrides(pr)
            .Append(new("OnnxRuntime:MaxBatchSize", batchSetting)).Append(new("Batching:MaxBatchSize", batchSetting)).ToList();
        var builder = ServiceComposition.CreateBuilder(pr.GetValue(CommonOptions.ConfigOption)?.FullName, overrides, LogLevel.Warning);
        using var host = builder.Build();
        if (!CommonOptions.ReportInvalidOptions(host.Services)) return 2;
        var model = host.Services.GetRequiredService<IFindingsModel>();
        var provider = (model as OnnxFindingsSession)?.ExecutionProvider ?? "?";

        var records = pr.GetValue(RecordOption) is { Length: > 0 } r ? r : [BundledFiles.MitBihRecord("201"), BundledFiles.MitBihRecord("203")];
        var minutes = TimeSpan.FromMinutes(pr.GetValue(MinutesOption));
        var recordings = syntheticRecordings > 0
            ? Enumerable.Range(0, syntheticRecordings)
                .Select(i => SyntheticRecording.From(new DatasetSampler(new ConditionMix(), minutes.TotalSeconds, 500).Generate(200 + i), $"synthetic-12-lead-{i + 1}"))
                .ToList()
            : records.Select(p => ReplayJob.LoadRecord(p, out _).Take(minutes)).ToList();
        List<RecordingSegmenter> Patients(int n) => Enumerable.Range(0, n)
            .Select(i => new RecordingSegmenter(recordings[i % recordings.Count], $"bench-{i:D4}", $"bench-monitor-{i:D4}",
                ReplayCommand.DefaultStart.AddMilliseconds(i * 137), 1.0))
            .ToList();

        var lanes = ServiceComposition.Components(host.Services, TaskPoolScheduler.Default).SignalLanes;
        AnsiConsole.MarkupLineInterpolated($"[grey]model[/] {model.Metadata.ModelName} {model.Metadata.ModelVersion} on {provider}; {Environment.ProcessorCount} cores, {lanes} signal lane(s), {(GCSettings.IsServerGC ? "server" : "workstation")} GC (gen-0 budget {Gen0Budget()}); {patients} patients × {minutes.TotalMinutes:F1} min of {string.Join(", ", recordings.Select(x => x.Name))}");

        // 1. The windows raw ONNX Runtime runs on (only the model's Run, inputs already in place), and its sessions.
        var windows = CollectWindows(host.Services, Patients(Math.Min(patients, 4)));
        // Batch size 1 is measured on a session built for it, as a deployment without batching would run: the service's
        // session runs every batch at its full shape (OnnxRuntime:FixedBatchShape), so a lone window there costs a batch.
        var inference = host.Services.GetRequiredService<IOptions<OnnxRuntimeOptions>>().Value;
        using var modelOfOne = new OnnxFindingsSession(host.Services.GetRequiredService<IOptions<ModelOptions>>().Value.Path,
            new OnnxRuntimeOptions
            {
                ExecutionProvider = inference.ExecutionProvider, CudaDeviceId = inference.CudaDeviceId, IntraOpThreads = inference.IntraOpThreads,
                AllowSpinning = inference.AllowSpinning, MaxBatchSize = 1, WarmUp = true, GraphOptimizationLevel = inference.GraphOptimizationLevel,
                EnableMemoryPattern = inference.EnableMemoryPattern, EnableCpuMemArena = inference.EnableCpuMemArena,
                FixedBatchShape = inference.FixedBatchShape,
            });
        // 2. Warm-up first: the figures are for the steady state of a service that runs for days, not its first seconds.
        var warmUp = WarmUp(() =>
        {
            PipelineThroughput(host.Services, Patients(Math.Min(patients, 16)), batch);
            PipelineThroughput(host.Services, Patients(Math.Min(patients, 16)), 1, modelOfOne);
        });

        // 3. Rounds of raw ONNX Runtime and the whole pipeline, alternating, so that a slow moment of a shared machine
        // falls on both sides; each figure is the median over the rounds, the ratio's taken round by round.
        int runs = pr.GetValue(RunsOption);
        var rawBatchRuns = new double[runs];
        var rawOneRuns = new double[runs];
        var dynamicRuns = new Throughput[runs];
        var singleRuns = new Throughput[runs];
        var jitBefore = JitInfo.GetCompilationTime();
        var measuring = Stopwatch.StartNew();
        for (int round = 0; round < runs; round++)
        {
            rawBatchRuns[round] = RawThroughput(model, windows, batch);
            dynamicRuns[round] = PipelineThroughput(host.Services, Patients(patients), batch);
            singleRuns[round] = PipelineThroughput(host.Services, Patients(patients), 1, modelOfOne);
            rawOneRuns[round] = RawThroughput(modelOfOne, windows, 1);
        }
        measuring.Stop();
        foreach (var w in windows) w.Window.ReleaseSignal();
        var ratios = new double[runs];
        var nonModel = new double?[runs];
        for (int round = 0; round < runs; round++)
        {
            ratios[round] = dynamicRuns[round].WindowsPerSecond / rawBatchRuns[round];
            nonModel[round] = dynamicRuns[round].CpuSecondsPerWindow is > 0 and var cpu ? Math.Max(0, cpu - 1 / rawBatchRuns[round]) : null;
        }
        // The round with the median ratio describes the run (threads, heap, CPU ceiling); the other figures are medians.
        int medianRound = MedianIndex(ratios);
        var dynamic = dynamicRuns[medianRound];
        double rawBatch = rawBatchRuns[medianRound];
        var single = singleRuns[MedianIndex(singleRuns.Select(t => t.WindowsPerSecond).ToArray())];
        double rawOne = rawOneRuns[MedianIndex(rawOneRuns)];
        double? nonModelMedian = nonModel.All(x => x is not null) ? nonModel[MedianIndex(nonModel.Select(x => x!.Value).ToArray())] : null;
        AnsiConsole.MarkupLineInterpolated($"raw ONNX Runtime: {rawOne:F0} windows/s at batch 1, {rawBatch:F0} windows/s at batch {batch} (medians of {runs}: {Runs(rawOneRuns)}; {Runs(rawBatchRuns)})");
        AnsiConsole.MarkupLineInterpolated($"warm-up: {warmUp.Rounds} round(s), {warmUp.CompilingShare:P1} of the last spent compiling{(warmUp.CompilingShare < WarmUpSettled ? " (settled)" : " (the cap: set-up code of each short round still tiers up)")}; JIT compiling during the measured runs: {(JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds:F0} ms of {measuring.Elapsed.TotalMilliseconds:F0} ms");
        AnsiConsole.MarkupLineInterpolated($"pipeline: {dynamic.WindowsPerSecond:F0} windows/s with batches up to {batch} (mean {dynamic.MeanBatch:F1}), {single.WindowsPerSecond:F0} windows/s at batch 1 (steady state, medians of {runs}: {Runs(dynamicRuns.Select(t => t.WindowsPerSecond).ToArray())}; {Runs(singleRuns.Select(t => t.WindowsPerSecond).ToArray())}; whole runs with fill and drain: {dynamic.WholeRunWindowsPerSecond:F0} and {single.WholeRunWindowsPerSecond:F0}, {dynamic.Windows} windows each)");
        AnsiConsole.MarkupLineInterpolated($"per round, pipeline / raw ONNX Runtime: {string.Join(" ", ratios.Select(x => x.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}; non-model CPU per window (µs): {string.Join(" ", nonModel.Select(x => x is { } v ? (v * 1e6).ToString("F0", System.Globalization.CultureInfo.InvariantCulture) : "?"))}");
        AnsiConsole.MarkupLineInterpolated($"threads busy (share of the run, dynamic batching): {dynamic.Threads}");
        AnsiConsole.MarkupLineInterpolated($"managed heap: {dynamic.AllocatedBytesPerWindow / 1024:F1} KiB allocated per window, {dynamic.Gen0PerThousandWindows:F1} gen-0 collections per 1,000 windows, GC pauses {dynamic.GcPauseShare:P1} of the run; {dynamic.PayloadBytesPerWindow / 1024:F1} KiB of JSON payload serialised per window");

        // What the CPU allows: with every core busy and the process's CPU per window as measured, the pipeline can
        // reach at most cores / (CPU per window). Where that is below the target, no scheduling change reaches it;
        // only less work per window does.
        double? cpuCeiling = dynamic.CpuSecondsPerWindow is > 0 and var cpuPerWindow ? Environment.ProcessorCount / cpuPerWindow : null;
        // As a share of raw ONNX Runtime, at most 1: the pipeline cannot outrun its model however much CPU is left.
        double? ratioCeiling = cpuCeiling / rawBatch is { } share ? Math.Min(1, share) : null;
        if (cpuCeiling is { } ceiling)
            AnsiConsole.MarkupLineInterpolated($"CPU per window: {dynamic.CpuSecondsPerWindow * 1e6:F0} µs over all threads (the model alone at its raw speed: {1e6 / rawBatch:F0} µs on {(inference.IntraOpThreads == 1 ? "one thread" : "its threads")}); {Environment.ProcessorCount} cores allow at most {ceiling:F0} windows/s = {ratioCeiling:F2} of raw ONNX Runtime");
        // The model's own runs inside the pipeline, on the inference thread: what of the non-model figure is the model
        // running slower beside the signal path (shared caches, cores) rather than the signal path itself.
        var modelInPipeline = dynamicRuns.Where(t => t.ModelCpuSecondsPerWindow is not null).Select(t => t.ModelCpuSecondsPerWindow!.Value).ToArray();
        if (modelInPipeline.Length == runs && inference.IntraOpThreads == 1)
        {
            AnsiConsole.MarkupLineInterpolated($"the model's runs inside the pipeline: {modelInPipeline[MedianIndex(modelInPipeline)] * 1e6:F0} µs CPU per window on the inference thread, every fourth batch timed (median of {runs}: {string.Join(" ", modelInPipeline.Select(x => (x * 1e6).ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}; raw: {1e6 / rawBatch:F0})");
            // The same round's CPU less the same round's model: unlike the non-model figure, it does not mix a pipeline
            // round with a raw round that the VM may have run at another speed, so it resolves smaller changes; it
            // counts the model's slow-down beside the signal path as the model's.
            var besideModel = dynamicRuns.Select(t => t.CpuSecondsPerWindow is > 0 and var cpu ? Math.Max(0, cpu - t.ModelCpuSecondsPerWindow!.Value) : double.NaN).ToArray();
            if (besideModel.All(double.IsFinite))
                AnsiConsole.MarkupLineInterpolated($"CPU per window beside the model as it ran in the pipeline (same round): {besideModel[MedianIndex(besideModel)] * 1e6:F0} µs (median of {runs}: {string.Join(" ", besideModel.Select(x => (x * 1e6).ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))})");
        }

        // Where the CPU per window goes, by kind of thread: the signal lanes are the signal path (validation aside), the
        // inference thread the model and what follows it, so a change to one shows there without the others' spread.
        // The sampler reads the threads every 50 ms, so a thread's last moments before it ends (the pipeline's threads end
        // with each round) are not seen: what the process spent beyond the threads' sum is printed as unattributed.
        if (ByThread(dynamicRuns) is { Count: > 0 } byThread)
        {
            var unattributed = dynamicRuns.Select(t => t.CpuSecondsPerWindow is { } cpu ? cpu - (t.CpuSecondsPerWindowByThread?.Values.Sum() ?? 0) : 0).ToArray();
            AnsiConsole.MarkupLineInterpolated($"CPU per window by thread (median of {runs} rounds each; the thread clocks tick every 10 ms, ±{1e6 * 0.01 / Math.Max(1, dynamic.Windows):F0} µs a round): {string.Join(", ", byThread.Select(k => $"{k.Kind} {k.Seconds * 1e6:F0} µs"))}; the process beyond these threads (ended between readings) {unattributed[MedianIndex(unattributed)] * 1e6:F0} µs");
        }

        // 4. End-to-end latency at half of the measured capacity (real-time replay, sped up to load the pipeline to 50 %).
        var latency = LatencyAtHalfCapacity(host.Services, recordings, dynamic.WindowsPerSecond, batch, pr.GetValue(LatencySecondsOption));

        // 5. Memory per patient: the pipeline's state for many patients that are mid-window.
        var bytesPerPatient = MemoryPerPatient(host.Services, recordings[0], pr.GetValue(MemoryPatientsOption));
        // And for a 12-lead monitor, unless the patients already are ones.
        var bytesPerTwelveLeadPatient = syntheticRecordings > 0 ? bytesPerPatient : MemoryPerPatient(host.Services,
            SyntheticRecording.From(new DatasetSampler(new ConditionMix(), 10, 500).Generate(7), "synthetic-12-lead"), pr.GetValue(MemoryPatientsOption) / 2);

        var table = new Table().Title("[bold]pipeline benchmark[/]");
        table.AddColumns("figure", "value", "target");
        table.AddRow("pipeline throughput, dynamic batching (steady state)", $"{dynamic.WindowsPerSecond:F0} windows/s", "");
        table.AddRow("  whole run, with fill and drain", $"{dynamic.WholeRunWindowsPerSecond:F0} windows/s", "");
        table.AddRow($"raw ONNX Runtime at batch {batch}", $"{rawBatch:F0} windows/s", "");
        table.AddRow($"pipeline / raw ONNX Runtime (median of {runs} rounds)", $"{ratios[medianRound]:F2}", "≥ 0.80");
        if (ratioCeiling is { } atMost) table.AddRow("  at most, with all cores at the measured CPU per window", $"{atMost:F2}", "");
        // Non-model CPU: everything the process spends per window beyond the model's own cost at its raw batched speed
        // (validation, windowing, measurement, batching, interpretation, FHIR, the source and the GC).
        if (nonModelMedian is { } perWindowBeyondModel)
            table.AddRow($"non-model CPU per window (median of {runs} rounds)", $"{perWindowBeyondModel * 1e6:F0} µs", "≤ 150 µs");
        table.AddRow("dynamic batching / batch size 1 (pipeline)", $"{dynamic.WindowsPerSecond / single.WindowsPerSecond:F2}×", "≥ 3×");
        table.AddRow("raw ONNX Runtime batch / batch 1", $"{rawBatch / rawOne:F2}×", "");
        table.AddRow($"end-to-end latency p50 / p99 at {latency.LoadWindowsPerSecond:F0} windows/s", $"{latency.P50Ms:F1} / {latency.P99Ms:F1} ms", "");
        table.AddRow($"memory per patient, {recordings[0].Leads.Count} leads at {recordings[0].SampleRateHz:F0} Hz", $"{bytesPerPatient / 1024.0:F0} KiB", "");
        if (syntheticRecordings == 0) table.AddRow("memory per patient, 12 leads at 500 Hz", $"{bytesPerTwelveLeadPatient / 1024.0:F0} KiB", "");
        AnsiConsole.Write(table);

        if (pr.GetValue(JsonOption) is { } json)
        {
            File.WriteAllText(json.FullName, JsonSerializer.Serialize(new
            {
                machine = new { cores = Environment.ProcessorCount, provider, serverGc = GCSettings.IsServerGC },
                model = new { model.Metadata.ModelName, model.Metadata.ModelVersion },
                patients, minutes = minutes.TotalMinutes, batch,
                rawWindowsPerSecond = new { batch1 = rawOne, batchN = rawBatch },
                pipelineWindowsPerSecond = new { dynamic = dynamic.WindowsPerSecond, batch1 = single.WindowsPerSecond, meanBatch = dynamic.MeanBatch,
                                                 dynamicWholeRun = dynamic.WholeRunWindowsPerSecond, batch1WholeRun = single.WholeRunWindowsPerSecond },
                runs, ratioPipelineToRaw = ratios[medianRound], ratioPipelineToRawPerRound = ratios,
                cpuSecondsPerWindow = dynamic.CpuSecondsPerWindow, ratioCeilingFromCpu = ratioCeiling,
                nonModelCpuSecondsPerWindow = nonModelMedian, nonModelCpuSecondsPerWindowPerRound = nonModel,
                // The calling thread's clock sees only the model's own thread: with more, the figure would be too low.
                modelCpuSecondsPerWindowInPipelinePerRound = inference.IntraOpThreads == 1 ? dynamicRuns.Select(t => t.ModelCpuSecondsPerWindow).ToArray() : null,
                cpuSecondsPerWindowByThreadPerRound = dynamicRuns.Select(t => t.CpuSecondsPerWindowByThread).ToArray(),
                batchingSpeedup = dynamic.WindowsPerSecond / single.WindowsPerSecond,
                latency, bytesPerPatient, bytesPerTwelveLeadPatient,
            }, new JsonSerializerOptions { WriteIndented = true }));
        }
        return 0;
    }

    /// <summary>Index of the median of <paramref name="values"/> (the upper one of an even count).</summary>
    internal static int MedianIndex(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        return order[order.Length / 2];
    }

    private static string Runs(IEnumerable<double> values) =>
        string.Join(" ", values.Select(v => v.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)));

    // Per raw round: thousands of windows at the model's speed, short enough that five rounds of both sides stay under a minute.
    private static readonly TimeSpan RawRunTime = TimeSpan.FromSeconds(1.5);

    private const int WarmUpRounds = 8;
    private const double WarmUpSettled = 0.02;

    /// <summary>
    /// Runs <paramref name="round"/> until the JIT has settled, at most 8 times: tiered compilation recompiles the hot
    /// loops with profile data for seconds after start-up, on a background thread that competes for the cores the
    /// measured runs need. Settled: under 2 % of the round's time spent compiling (set-up code called once per run keeps
    /// tiering up a few cold methods each round for a long while; that costs next to nothing).
    /// </summary>
    private static (int Rounds, double CompilingShare) WarmUp(Action round)
    {
        for (int i = 1; ; i++)
        {
            var compiling = JitInfo.GetCompilationTime();
            var watch = Stopwatch.StartNew();
            round();
            double share = (JitInfo.GetCompilationTime() - compiling) / watch.Elapsed;
            if (i == WarmUpRounds || share < WarmUpSettled) return (i, share);
        }
    }

    /// <summary>The gen-0 budget the GC was given (DOTNET_GCgen0size, hexadecimal bytes, read from the environment only), or "default".</summary>
    private static string Gen0Budget()
    {
        string? value = Environment.GetEnvironmentVariable("DOTNET_GCgen0size") ?? Environment.GetEnvironmentVariable("COMPlus_GCgen0size");
        if (value is null) return "default";
        string hex = value.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? value[2..] : value;
        return long.TryParse(hex, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out long bytes)
            ? $"{bytes / 1048576.0:0.#} MiB, DOTNET_GCgen0size" : $"DOTNET_GCgen0size={value}, unreadable";
    }

    /// <summary>Real windows (validated, windowed, measured) of a few patients, for the raw model runs.</summary>
    private static List<MeasuredWindow> CollectWindows(IServiceProvider sp, List<RecordingSegmenter> patients)
    {
        // The task pool, as the service: the window stage's timers need a non-blocking scheduler (TimerScheduler).
        var c = ServiceComposition.Components(sp, TaskPoolScheduler.Default);
        var source = new ReplaySource(patients, ReplayPace.AsFastAsPossible);
        return source.Segments()
            .Validate(c.Validator, () => source.Now)
            .Accepted()
            .WindowPerPatient(c.Geometry, c.Windowing, c.Scheduler)
            .Measure(c.Measurer)
            .Where(w => w.Window.IsAnalyzable)
            .ToList().Wait().ToList();
    }

    /// <summary>
    /// Windows/s of the model's Run alone at <paramref name="batch"/>, fed as the infer stage feeds it (each window's
    /// recorded leads only, one lead set per call); the inputs are copied in outside the clock.
    /// </summary>
    private static double RawThroughput(IFindingsModel model, List<MeasuredWindow> windows, int batch)
    {
        var probabilities = new float[batch * model.Metadata.Labels.Count];
        var geometry = model.Geometry;
        int samples = geometry.WindowSamples;
        // The lead set of the first window; the raw runs use the windows that share it (one monitor type).
        var leads = windows[0].Window.RecordedLeads.Where(l => geometry.RowOf(l) >= 0).OrderBy(geometry.RowOf).ToArray();
        var same = windows.Where(w => w.Window.RecordedLeads.Count == leads.Length && leads.All(w.Window.RecordedLeads.Contains)).ToList();
        void Load(int first)
        {
            var ecg = model.EcgInput.Span;
            var mask = model.LeadMaskInput.Span;
            for (int i = 0; i < batch; i++)
            {
                var w = same[(first + i) % same.Count].Window;
                for (int j = 0; j < leads.Length; j++)
                {
                    int row = geometry.RowOf(leads[j]);
                    w.Row(row).CopyTo(ecg.Slice((i * leads.Length + j) * samples, samples));
                    mask[i * leads.Length + j] = w.LeadMask[row];
                }
            }
        }
        Load(0);
        model.Run(batch, leads, probabilities); // warm this batch size
        long ticks = 0;
        int done = 0, next = 0;
        var wall = Stopwatch.StartNew();
        while (wall.Elapsed < RawRunTime || done < 4 * batch)
        {
            Load(next);
            next += batch;
            long t0 = Stopwatch.GetTimestamp();
            model.Run(batch, leads, probabilities);
            ticks += Stopwatch.GetTimestamp() - t0;
            done += batch;
        }
        return done / (ticks / (double)Stopwatch.Frequency);
    }

    /// <summary>One pipeline run: windows/s, the mean batch formed, and the managed heap's work per window (bytes allocated,
    /// gen-0 collections per 1,000 windows, share of the wall time the GC paused the process).</summary>
    /// <param name="WindowsPerSecond">Steady state: the rate between the 10th and the 90th percentile of the windows' output
    /// times, so that filling the pipeline (each patient's first window needs a window's length of ECG) and draining it
    /// at the end do not count; a running service is always in steady state, and the raw ONNX Runtime figure is too.</param>
    /// <param name="WholeRunWindowsPerSecond">All windows over the whole run, fill and drain included.</param>
    internal sealed record Throughput(double WindowsPerSecond, double MeanBatch, long Windows, double AllocatedBytesPerWindow = 0,
                                     double Gen0PerThousandWindows = 0, double GcPauseShare = 0, double WholeRunWindowsPerSecond = 0,
                                     double PayloadBytesPerWindow = 0, string Threads = "", double? CpuSecondsPerWindow = null,
                                     double? ModelCpuSecondsPerWindow = null, IReadOnlyDictionary<string, double>? CpuSecondsPerWindowByThread = null);

    private static Throughput PipelineThroughput(IServiceProvider sp, List<RecordingSegmenter> patients, int batch, IFindingsModel? model = null)
    {
        var c = ServiceComposition.Components(sp, TaskPoolScheduler.Default) with { Metrics = null };
        if (model is not null) c = c with { Model = model };
        c = c with { Batching = new BatchingOptions { MaxBatchSize = batch, MaxDelayMilliseconds = c.Batching.MaxDelayMilliseconds } };
        var source = new ReplaySource(patients, ReplayPace.AsFastAsPossible);
        long windows = 0, batches = 0;
        var counting = new CountingModel(c.Model, () => batches++);
        c = c with { Model = counting };
        var outputTimes = new List<long>(patients.Count * 64);
        long allocated0 = GC.GetTotalAllocatedBytes(precise: false);
        int gen0 = GC.CollectionCount(0);
        var paused0 = GC.GetTotalPauseDuration();
        using var threadSampler = new ThreadCpu.Sampler();
        var watch = Stopwatch.StartNew();
        long bytes = 0;
        EcgPipeline.Run(source.Segments(), () => source.Now, c)
            .Do(o =>
            {
                if (o.Published is not { } p) return;
                if (p.Window.IsAnalyzable)
                {
                    windows++;
                    outputTimes.Add(Stopwatch.GetTimestamp());
                }
                // What the Kafka sink does with every output: serialise it to a UTF-8 payload (FHIR JSON, alert JSON).
                foreach (var observation in p.Observations) bytes += FhirNdjson.SerializeToUtf8(observation.Resource).Length;
                foreach (var alert in p.Alerts) bytes += AlertEventJson.SerializeToUtf8Bytes(alert).Length;
            })
            .LastOrDefaultAsync().Wait();
        watch.Stop();
        var threads = threadSampler.Stop();
        double perWindow(double x) => windows > 0 ? x / windows : 0;
        double wholeRun = windows / watch.Elapsed.TotalSeconds;
        double steady = wholeRun;
        int n = outputTimes.Count, first = n / 10, last = 9 * n / 10;
        if (n >= 100 && outputTimes[last] > outputTimes[first])
            steady = (last - first) / Stopwatch.GetElapsedTime(outputTimes[first], outputTimes[last]).TotalSeconds;
        return new Throughput(steady, batches > 0 ? counting.Windows / (double)batches : 0, windows,
            perWindow(GC.GetTotalAllocatedBytes(precise: false) - allocated0), 1000 * perWindow(GC.CollectionCount(0) - gen0),
            (GC.GetTotalPauseDuration() - paused0) / watch.Elapsed, wholeRun, perWindow(bytes), threads,
            threadSampler.ProcessCpuSeconds is { } cpu ? perWindow(cpu) : null,
            counting.CpuSecondsPerWindow, threadSampler.CpuSecondsByKind.ToDictionary(k => k.Key, k => perWindow(k.Value)));
    }

    /// <summary>
    /// Each kind of thread's CPU per window, the median over the rounds (0 in a round where it did not run), largest
    /// first; kinds under 1 µs are summed into "other".
    /// </summary>
    internal static List<(string Kind, double Seconds)> ByThread(IReadOnlyList<Throughput> rounds)
    {
        var kinds = rounds.SelectMany(r => r.CpuSecondsPerWindowByThread?.Keys ?? []).Distinct().ToList();
        var medians = kinds.Select(k => (Kind: k, Seconds: Median(rounds.Select(r => r.CpuSecondsPerWindowByThread?.GetValueOrDefault(k) ?? 0).ToArray())))
            .OrderByDescending(k => k.Seconds).ToList();
        var shown = medians.Where(k => k.Seconds >= 1e-6).ToList();
        double rest = medians.Where(k => k.Seconds < 1e-6).Sum(k => k.Seconds);
        if (rest > 0) shown.Add(("other", rest));
        return shown;

        static double Median(double[] x) => x[MedianIndex(x)];
    }

    public sealed record Latency(double LoadWindowsPerSecond, double P50Ms, double P99Ms, int Windows);

    private static Latency LatencyAtHalfCapacity(IServiceProvider sp, List<ReplayRecording> recordings, double capacity, int batch, double wallSeconds)
    {
        var c = ServiceComposition.Components(sp, TaskPoolScheduler.Default) with { Metrics = null };
        c = c with { Batching = new BatchingOptions { MaxBatchSize = batch, MaxDelayMilliseconds = c.Batching.MaxDelayMilliseconds } };
        double hopSeconds = c.Windowing.HopSeconds;
        // Each patient yields one window per hop of ECG time; pick patients × speed so that the pipeline sees half its capacity.
        int patients = 64;
        double speed = 0.5 * capacity * hopSeconds / patients;
        var minutes = TimeSpan.FromSeconds(wallSeconds * speed + 15);
        var segmenters = Enumerable.Range(0, patients)
            .Select(i => new RecordingSegmenter(recordings[i % recordings.Count].Take(minutes), $"lat-{i:D3}", $"lat-monitor-{i:D3}",
                ReplayCommand.DefaultStart.AddMilliseconds(i * 137), 1.0))
            .ToList();
        var source = new ReplaySource(segmenters, ReplayPace.RealTime, speed);
        var latencies = new List<double>();
        EcgPipeline.Run(source.Segments(), () => source.Now, c)
            .Do(o =>
            {
                if (o.Published is { } p && p.Window.IsAnalyzable)
                    latencies.Add(Stopwatch.GetElapsedTime(p.Window.CompletedTimestamp).TotalMilliseconds);
            })
            .LastOrDefaultAsync().Wait();
        // The flush at the end of the replay is not steady state.
        latencies = latencies.Take(Math.Max(1, latencies.Count - patients * 2)).Order().ToList();
        double P(double q) => latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
        double load = patients * speed / hopSeconds;
        AnsiConsole.MarkupLineInterpolated($"latency run: {patients} patients at {speed:F1}× real time ≈ {load:F0} windows/s, {latencies.Count} windows");
        return new Latency(load, P(0.50), P(0.99), latencies.Count);
    }

    /// <summary>Managed bytes retained per patient by the pipeline's state (window rings, sequence and alert state) mid-window.</summary>
    private static double MemoryPerPatient(IServiceProvider sp, ReplayRecording recording, int patients)
    {
        var c = ServiceComposition.Components(sp, TaskPoolScheduler.Default) with { Metrics = null };
        var segments = new Subject<EcgSegment>();
        var clock = ReplayCommand.DefaultStart.AddSeconds(8);
        using var run = EcgPipeline.Run(segments, () => clock, c).Subscribe(_ => { });
        var part = recording.Take(TimeSpan.FromSeconds(8));
        segments.OnNext(new RecordingSegmenter(part, "warm-up", "warm-up", ReplayCommand.DefaultStart, 1.0).Segment(0)); // pools and JIT outside the measurement
        // Segments are made lazily and dropped after use, so what stays is the pipeline's per-patient state.
        var all = Enumerable.Range(0, patients)
            .SelectMany(i => new RecordingSegmenter(part, $"mem-{i:D4}", $"mem-monitor-{i:D4}", ReplayCommand.DefaultStart.AddMilliseconds(i * 137), 1.0).Segments());
        long before = GC.GetTotalMemory(forceFullCollection: true);
        foreach (var s in all) segments.OnNext(s);
        // The patient lanes take the segments on their own threads: read the heap once it has stopped changing (the
        // segments still queued, or patients not yet created, would count otherwise).
        long after = GC.GetTotalMemory(forceFullCollection: true);
        for (int attempt = 0; attempt < 50; attempt++)
        {
            Thread.Sleep(100);
            long now = GC.GetTotalMemory(forceFullCollection: true);
            bool settled = Math.Abs(now - after) <= after / 1000;
            after = now;
            if (settled) break;
        }
        return Math.Max(0, after - before) / (double)patients;
    }

    /// <summary>
    /// Counts the model's runs and windows, and the CPU time its runs take on the calling thread: every fourth run is
    /// timed (reading the thread's CPU clock is a system call, which would add to the figure it measures).
    /// </summary>
    private sealed class CountingModel(IFindingsModel inner, Action onRun) : IFindingsModel
    {
        private const int TimedEvery = 4;
        private long _runs, _timedWindows;
        private double _timedSeconds;
        private bool _clock = true;
        public long Windows;
        /// <summary>Model CPU seconds per window over the timed runs; null where the thread's CPU clock cannot be read.</summary>
        public double? CpuSecondsPerWindow => _clock && _timedWindows > 0 ? _timedSeconds / _timedWindows : null;
        public CGDmer.Contracts.Model.ModelMetadata Metadata => inner.Metadata;
        public WindowGeometry Geometry => inner.Geometry;
        public int MaxBatchSize => inner.MaxBatchSize;
        public Memory<float> EcgInput => inner.EcgInput;
        public Memory<float> LeadMaskInput => inner.LeadMaskInput;
        public Memory<float> RhythmFeaturesInput => inner.RhythmFeaturesInput;
        public void Run(int count, Span<float> probabilities) { var t = Begin(count); inner.Run(count, probabilities); End(t, count); }
        public void Run(int count, ReadOnlySpan<CGDmer.Signal.Lead> leads, Span<float> probabilities) { var t = Begin(count); inner.Run(count, leads, probabilities); End(t, count); }
        private double? Begin(int count)
        {
            onRun();
            Windows += count;
            return _clock && _runs++ % TimedEvery == 0 ? ThreadCpu.CurrentThreadSeconds() : null;
        }
        private void End(double? started, int count)
        {
            if (started is null) return;
            if (ThreadCpu.CurrentThreadSeconds() is not { } now) { _clock = false; return; }
            _timedSeconds += now - started.Value;
            _timedWindows += count;
        }
        public void Dispose() { }
    }
}
