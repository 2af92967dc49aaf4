using System.CommandLine;
using System.Diagnostics;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Publishing;
using CGDmer.Signal.Datasets;
using CGDmer.Signal.Synthesis;
using CGDmer.Transports.Files;
using CGDmer.Transports.Replay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace CGDmer.Streaming.Host;

/// <summary>
/// <c>replay</c>: the embedded default. Streams WFDB records and/or synthesizer output through the same pipeline the
/// service runs (real time or as fast as possible), writes Observations, alerts and dead letters as NDJSON and prints a
/// summary — with the heart-rate error and the AF alert agreement for records that carry reference annotations.
/// </summary>
public static class ReplayCommand
{
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);

    private static readonly Option<string[]> RecordOption = new("--record")
    {
        Description = "WFDB record to replay as one patient (path without extension; repeatable): MIT-BIH, CinC 2017 (one lead, sent as I) or AFTDB (sent as II and V1). Default: data/mitbih/201 when no --synthetic.",
        AllowMultipleArgumentsPerToken = true,
    };
    private static readonly Option<int> SyntheticOption = new("--synthetic") { Description = "Also replay this many synthetic 12-lead patients." };
    private static readonly Option<double> SyntheticSecondsOption = new("--synthetic-seconds") { Description = "Length of each synthetic recording.", DefaultValueFactory = _ => 120 };
    private static readonly Option<int> SeedOption = new("--seed") { Description = "Seed of the synthetic patients.", DefaultValueFactory = _ => 1 };
    private static readonly Option<int> CopiesOption = new("--copies") { Description = "Replay each record as this many patients (distinct ids, staggered starts): load testing.", DefaultValueFactory = _ => 1 };
    private static readonly Option<string> PaceOption = new("--pace") { Description = "fast (as fast as the pipeline takes it) or realtime.", DefaultValueFactory = _ => "fast" };
    private static readonly Option<double> SpeedOption = new("--speed") { Description = "Speed factor of a realtime replay.", DefaultValueFactory = _ => 1 };
    private static readonly Option<double> SegmentOption = new("--segment-seconds") { Description = "Length of each segment a device sends.", DefaultValueFactory = _ => 1 };
    private static readonly Option<DirectoryInfo> OutOption = new("--out", "-o") { Description = "Output folder for the NDJSON files.", DefaultValueFactory = _ => new DirectoryInfo("runs/replay") };

    public static Command Create()
    {
        var cmd = new Command("replay", "Embedded default: replay WFDB records or synthetic patients through the pipeline, write NDJSON, print a summary. No Kafka.")
        {
            RecordOption, SyntheticOption, SyntheticSecondsOption, SeedOption, CopiesOption, PaceOption, SpeedOption, SegmentOption, OutOption,
        };
        CommonOptions.AddTo(cmd);
        cmd.SetAction(pr => CommonOptions.Guard(() => Run(pr)));
        return cmd;
    }

    private static int Run(ParseResult pr)
    {
        var pace = pr.GetValue(PaceOption) switch
        {
            "fast" => ReplayPace.AsFastAsPossible,
            "realtime" => ReplayPace.RealTime,
            var p => throw new ArgumentException($"--pace must be 'fast' or 'realtime', got '{p}'"),
        };
        var request = new ReplayRequest(
            pr.GetValue(RecordOption) ?? [], pr.GetValue(SyntheticOption), pr.GetValue(SyntheticSecondsOption), pr.GetValue(SeedOption),
            pr.GetValue(CopiesOption), pace, pr.GetValue(SpeedOption), pr.GetValue(SegmentOption), pr.GetValue(OutOption)!.FullName);
        var patients = ReplayJob.BuildPatients(request, out var references);
        var builder = ServiceComposition.CreateBuilder(pr.GetValue(CommonOptions.ConfigOption)?.FullName, CommonOptions.Overrides(pr), LogLevel.Warning);
        using var host = builder.Build();
        if (!CommonOptions.ReportInvalidOptions(host.Services)) return 2;
        ReplayJob.Run(host.Services, request, patients, references, print: true);
        return 0;
    }
}

/// <summary>What to replay and where to write it.</summary>
public sealed record ReplayRequest(
    IReadOnlyList<string> Records, int Synthetic, double SyntheticSeconds, int Seed, int Copies,
    ReplayPace Pace, double Speed, double SegmentSeconds, string OutputDirectory);

/// <summary>The replay itself, callable without the CLI (tests use it).</summary>
public static class ReplayJob
{
    /// <summary>Replays <paramref name="patients"/> through the pipeline built from <paramref name="services"/>; returns the summary.</summary>
    public static ReplaySummary Run(IServiceProvider services, ReplayRequest request, IReadOnlyList<RecordingSegmenter> patients,
                                    IReadOnlyDictionary<string, RecordReference> references, bool print)
    {
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("CGDmer.Replay");
        var model = services.GetRequiredService<IFindingsModel>();
        var source = new ReplaySource(patients, request.Pace, request.Speed);
        var components = ServiceComposition.Components(services, TaskPoolScheduler.Default);
        var publishing = services.GetRequiredService<IOptions<PublishingOptions>>().Value;
        if (print)
            AnsiConsole.MarkupLineInterpolated($"[grey]model[/] {model.Metadata.ModelName} {model.Metadata.ModelVersion} on {(model as OnnxFindingsSession)?.ExecutionProvider}; [grey]replaying[/] {patients.Count} patient(s), {source.SegmentCount} segments, {request.Pace}");
        var summary = new ReplaySummary(model.Metadata, patients, references);
        var watch = Stopwatch.StartNew();
        using (var sink = new NdjsonPipelineSink(request.OutputDirectory, model.Metadata, publishing))
        {
            EcgPipeline.Run(source.Segments(), () => source.Now, components)
                .Do(output =>
                {
                    sink.Write(output, source.Now);
                    summary.Add(output);
                })
                .LastOrDefaultAsync()
                .Wait();
            sink.Flush();
            watch.Stop();
            summary.Finish(watch.Elapsed, sink);
            if (print) summary.Print();
        }
        log.LogInformation("Replay finished in {Seconds:F1} s", watch.Elapsed.TotalSeconds);
        return summary;
    }

    /// <summary>The simulated patients of a request: each record (× copies) and each synthetic patient, with the records' annotations.</summary>
    public static List<RecordingSegmenter> BuildPatients(ReplayRequest request, out Dictionary<string, RecordReference> references)
    {
        references = [];
        var records = request.Records;
        int synthetic = request.Synthetic;
        if (synthetic < 0) throw new ArgumentException($"--synthetic must be ≥ 0, got {synthetic}");
        if (records.Count == 0 && synthetic == 0) records = [Path.Combine("data", "mitbih", "201")];
        int copies = request.Copies;
        if (copies < 1) throw new ArgumentException($"--copies must be ≥ 1, got {copies}");
        double segmentSeconds = request.SegmentSeconds;
        if (!(request.Speed > 0)) throw new ArgumentException($"--speed must be > 0, got {request.Speed}");
        var patients = new List<RecordingSegmenter>();
        int n = 0;
        foreach (var path in records)
        {
            var recording = ReplayRecording.FromWfdb(path, out var dataset);
            string prefix = dataset switch
            {
                WfdbDataset.Cinc2017 => "cinc2017",
                WfdbDataset.Aftdb => "aftdb",
                _ => "mitbih",
            };
            for (int c = 0; c < copies; c++, n++)
            {
                // Copies start a little apart (a prime number of milliseconds) so they do not share window boundaries.
                var start = ReplayCommand.DefaultStart.AddMilliseconds(c * 137);
                string patient = copies == 1 ? $"{prefix}-{recording.Name}" : $"{prefix}-{recording.Name}-{c + 1}";
                patients.Add(new RecordingSegmenter(recording, patient, $"replay-monitor-{n + 1:D3}", start, segmentSeconds));
                if (RecordReference.TryLoad(path, dataset, recording.SampleRateHz, recording.Length, start) is { } reference)
                    references[patient] = reference;
            }
        }
        if (synthetic > 0)
        {
            double seconds = request.SyntheticSeconds;
            if (!(seconds >= 10)) throw new ArgumentException($"--synthetic-seconds must be ≥ 10, got {seconds}");
            var sampler = new DatasetSampler(new ConditionMix(), seconds, 500);
            int seed = request.Seed;
            for (int i = 0; i < synthetic; i++, n++)
            {
                var ecg = sampler.Generate(seed + i);
                var recording = ReplayRecording.FromSynthetic(ecg, $"synthetic-{seed + i}");
                patients.Add(new RecordingSegmenter(recording, $"synthetic-{seed + i}", $"replay-monitor-{n + 1:D3}", ReplayCommand.DefaultStart.AddMilliseconds(i * 211), segmentSeconds));
            }
        }
        return patients;
    }
}
