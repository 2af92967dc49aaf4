using CGDmer.Streaming.Host;
using CGDmer.Pipeline.OnnxRuntime;
using System.CommandLine;
using System.Reactive.Concurrency;
using System.Text.Json;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Inference;
using CGDmer.Transports.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace CGDmer.Bench;

/// <summary>What <c>cgdmer-bench kafka</c> was asked to do.</summary>
internal sealed record KafkaBenchRequest(
    int Beds, double Minutes, double RealTimeSeconds, double SegmentSeconds, double SafetyFactor, int Retries, bool SkipRealTime,
    double DrainTimeoutSeconds, string? JsonPath);

/// <summary>
/// <c>cgdmer-bench kafka</c>: the service between real Kafka topics. (1) Sustained throughput: a backlog of B simulated 12-lead
/// beds × M minutes is produced as fast as the broker takes it, then one in-process <see cref="KafkaStreamingRunner"/>
/// with the components of <c>run</c> drains it from the beginning; segments/s, windows/s, MB/s in and output messages
/// acknowledged/s are measured from 10 % to 90 % of the drain. (2) Real-time beds: the beds those rates sustain, times a
/// safety factor, are produced at 1× real time; the run reports whether the unread backlog stayed bounded and p50/p99
/// latency, stepping the beds down when it did not keep up. Figures, not assertions; the broker, the producer and the
/// service share this machine, so the figures are for one instance on whatever cores the machine has left.
/// </summary>
internal static class KafkaBenchCommand
{
    private static readonly Option<int> BedsOption = new("--beds") { Description = "Simulated 12-lead beds in the throughput backlog.", DefaultValueFactory = _ => 100 };
    private static readonly Option<double> MinutesOption = new("--minutes") { Description = "ECG minutes per bed in the throughput backlog.", DefaultValueFactory = _ => 3 };
    private static readonly Option<double> RealTimeSecondsOption = new("--realtime-seconds") { Description = "Length of each real-time run.", DefaultValueFactory = _ => 60 };
    private static readonly Option<double> SegmentSecondsOption = new("--segment-seconds") { Description = "Segment length the monitors send.", DefaultValueFactory = _ => 1 };
    private static readonly Option<double> SafetyOption = new("--safety-factor") { Description = "Real-time beds = estimated capacity × this.", DefaultValueFactory = _ => 0.8 };
    private static readonly Option<int> RetriesOption = new("--retries") { Description = "Real-time runs with fewer beds (× the safety factor each) when one did not keep up.", DefaultValueFactory = _ => 2 };
    private static readonly Option<double> DrainTimeoutOption = new("--drain-timeout-seconds") { Description = "Longest wait for the backlog to be read.", DefaultValueFactory = _ => 300 };
    private static readonly Option<bool> SkipRealTimeOption = new("--skip-realtime") { Description = "Only the throughput run (and the estimate)." };
    private static readonly Option<FileInfo?> JsonOption = new("--json") { Description = "Also write the figures as JSON here." };

    public static Command Create()
    {
        var cmd = new Command("kafka", "Sustained throughput through a Kafka broker and how many real-time 12-lead beds one instance keeps up with.")
        {
            BedsOption, MinutesOption, RealTimeSecondsOption, SegmentSecondsOption, SafetyOption, RetriesOption, DrainTimeoutOption,
            SkipRealTimeOption, JsonOption,
        };
        CommonOptions.AddTo(cmd);
        cmd.SetAction(pr => CommonOptions.Guard(() => Run(pr)));
        return cmd;
    }

    /// <summary>The request the options describe; throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public static KafkaBenchRequest BuildRequest(ParseResult pr)
    {
        int beds = pr.GetValue(BedsOption);
        if (beds < 1 || beds > 99_999) throw new ArgumentException($"--beds must be in [1, 99999], got {beds}");
        double minutes = pr.GetValue(MinutesOption);
        if (!(minutes > 0 && minutes <= 24 * 60)) throw new ArgumentException($"--minutes must be > 0 and ≤ 1440, got {minutes}");
        double realTime = pr.GetValue(RealTimeSecondsOption);
        // Shorter runs have no middle and end to compare: the backlog is sampled every 0.5 s.
        if (!(realTime >= 5 && realTime <= 3600)) throw new ArgumentException($"--realtime-seconds must be in [5, 3600], got {realTime}");
        double segment = pr.GetValue(SegmentSecondsOption);
        if (!(segment > 0 && segment <= 30)) throw new ArgumentException($"--segment-seconds must be > 0 and ≤ 30 (the schema's longest segment), got {segment}");
        if (minutes * 60 < segment) throw new ArgumentException($"--minutes must hold at least one segment of --segment-seconds {segment}, got {minutes} min");
        double safety = pr.GetValue(SafetyOption);
        if (!(safety > 0 && safety <= 1)) throw new ArgumentException($"--safety-factor must be in (0, 1], got {safety}");
        int retries = pr.GetValue(RetriesOption);
        if (retries < 0 || retries > 10) throw new ArgumentException($"--retries must be in [0, 10], got {retries}");
        double drain = pr.GetValue(DrainTimeoutOption);
        if (!(drain >= 10 && drain <= 24 * 3600)) throw new ArgumentException($"--drain-timeout-seconds must be in [10, 86400], got {drain}");
        return new KafkaBenchRequest(beds, minutes, realTime, segment, safety, retries, pr.GetValue(SkipRealTimeOption), drain,
            pr.GetValue(JsonOption)?.FullName);
    }

    private static int Run(ParseResult pr)
    {
        var request = BuildRequest(pr);
        var builder = ServiceComposition.CreateBuilder(pr.GetValue(CommonOptions.ConfigOption)?.FullName, CommonOptions.Overrides(pr), LogLevel.Warning);
        ServiceComposition.AddKafkaTransport(builder);
        using var host = builder.Build();
        if (!CommonOptions.ReportInvalidOptions(host.Services)) return 2;   // Kafka:... included; topics and group are replaced per run
        var kafka = ServiceComposition.KafkaOptionsOf(host.Services);
        var model = host.Services.GetRequiredService<IFindingsModel>();
        var provider = (model as OnnxFindingsSession)?.ExecutionProvider ?? "?";
        // The components of `run` (fresh per-run state for each runner, the model session shared).
        var sp = host.Services;
        var hop = ServiceComposition.Components(sp, TaskPoolScheduler.Default).Windowing.HopSeconds;
        var bench = new KafkaBenchmark(
            segments => EcgPipeline.Run(segments, () => DateTimeOffset.UtcNow, ServiceComposition.Components(sp, TaskPoolScheduler.Default)),
            kafka, hop, sp.GetRequiredService<ILoggerFactory>(), line => AnsiConsole.MarkupLineInterpolated($"[grey]{line}[/]"));
        AnsiConsole.MarkupLineInterpolated($"[grey]model[/] {model.Metadata.ModelName} {model.Metadata.ModelVersion} on {provider}; {Environment.ProcessorCount} cores; broker {kafka.BootstrapServers}{(kafka.Settings.TryGetValue("broker.version.fallback", out var fallback) ? $" (protocol of {fallback})" : "")}; segments of {request.SegmentSeconds:0.##} s, hop {hop:0.##} s");

        var (backlog, throughput) = bench.Throughput(request.Beds, request.Minutes, request.SegmentSeconds, TimeSpan.FromSeconds(request.DrainTimeoutSeconds));
        int estimate = bench.BedsAtCapacity(throughput, request.SegmentSeconds);

        var runs = new List<KafkaRealTimeRun>();
        if (!request.SkipRealTime)
        {
            int beds = Math.Max(1, (int)Math.Floor(estimate * request.SafetyFactor));
            for (int attempt = 0; attempt <= request.Retries; attempt++)
            {
                var run = bench.RealTime(beds, request.RealTimeSeconds, request.SegmentSeconds);
                runs.Add(run);
                if (run.KeptUp || beds == 1) break;
                beds = Math.Max(1, (int)Math.Floor(beds * request.SafetyFactor));
            }
        }
        var kept = runs.FirstOrDefault(r => r.KeptUp);

        var table = new Table().Title("[bold]Kafka benchmark (one instance)[/]");
        table.AddColumns("figure", "value");
        table.AddRow("backlog", $"{backlog.Beds} beds × {backlog.Minutes:0.##} min = {backlog.Segments} segments, {backlog.MeanSegmentBytes / 1024:F1} KiB each, produced at {backlog.Segments / Math.Max(backlog.ProduceSeconds, 1e-3):F0} segments/s");
        table.AddRow("sustained segments in", $"{throughput.SegmentsPerSecond:F0} segments/s");
        table.AddRow("sustained windows published", $"{throughput.WindowsPerSecond:F0} windows/s");
        table.AddRow("sustained MB/s in", $"{throughput.MegabytesPerSecondIn:F1} MB/s");
        table.AddRow("output messages acknowledged", $"{throughput.MessagesAcknowledgedPerSecond:F0} /s (Observations + alert events; {throughput.ObservationsPerWindow:F1} Observations per window)");
        table.AddRow("estimated real-time 12-lead beds", $"{estimate} (1 segment per {request.SegmentSeconds:0.##} s, 1 window per {hop:0.##} s per bed)");
        foreach (var r in runs)
            table.AddRow($"real time: {r.Beds} beds × {r.Seconds:F0} s", $"{r.Verdict}; unread backlog {r.BacklogMiddle:F0} → {r.BacklogEnd:F0} segments ({r.BacklogEndSeconds:F2} s of data, trend {r.BacklogGrowthPerSecond:+0;-0}/s); " +
                $"latency p50/p99: emitted {r.EmittedP50Ms:F0} / {r.EmittedP99Ms:F0} ms, acknowledged {r.AcknowledgedP50Ms:F0} / {r.AcknowledgedP99Ms:F0} ms ({r.Windows} windows)");
        if (!request.SkipRealTime)
            table.AddRow("[bold]real-time 12-lead beds kept up with[/]", kept is null ? "none of the runs kept up" : $"{kept.Beds}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]latency: from a window's completion (its last segment entered the pipeline) to its output emitted to the Kafka sink, and to all its messages acknowledged by the broker (acks=all)[/]");

        if (request.JsonPath is { } json)
            File.WriteAllText(json, JsonSerializer.Serialize(new
            {
                machine = new { cores = Environment.ProcessorCount, provider },
                model = new { model.Metadata.ModelName, model.Metadata.ModelVersion },
                broker = new { versionFallback = kafka.Settings.GetValueOrDefault("broker.version.fallback") },
                request.SegmentSeconds, hopSeconds = hop,
                backlog, throughput, estimatedBeds = estimate, realTime = runs, bedsKeptUp = kept?.Beds,
            }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        return 0;
    }
}
