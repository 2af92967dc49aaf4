using System.CommandLine;
using System.Diagnostics;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Publishing;
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
internal static class ReplayCommand
{
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);

    private static readonly Option<string[]> RecordOption = new("--record")
    {
        Description = "WFDB record to replay as one patient (path without extension; repeatable). Default: data/mitbih/201 when no --synthetic.",
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
        var patients = BuildPatients(pr, out var references);
        var builder = ServiceComposition.CreateBuilder(pr.GetValue(CommonOptions.ConfigOption)?.FullName, CommonOptions.Overrides(pr), LogLevel.Warning);
        using var host = builder.Build();
        if (!CommonOptions.ReportInvalidOptions(host.Services)) return 2;

        var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CGDmer.Replay");
        var model = host.Services.GetRequiredService<IFindingsModel>();
        var source = new ReplaySource(patients, pace, pr.GetValue(SpeedOption));
        var components = ServiceComposition.Components(host.Services, TaskPoolScheduler.Default);
        var publishing = host.Services.GetRequiredService<IOptions<PublishingOptions>>().Value;
        var outDir = pr.GetValue(OutOption)!.FullName;

        AnsiConsole.MarkupLineInterpolated($"[grey]model[/] {model.Metadata.ModelName} {model.Metadata.ModelVersion} on {((OnnxFindingsSession)model).ExecutionProvider}; [grey]replaying[/] {patients.Count} patient(s), {source.SegmentCount} segments, {pace}");
        var summary = new ReplaySummary(model.Metadata);
        var watch = Stopwatch.StartNew();
        using (var sink = new NdjsonPipelineSink(outDir, model.Metadata, publishing))
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
            summary.Print(patients, references, watch.Elapsed, sink);
        }
        log.LogInformation("Replay finished in {Seconds:F1} s", watch.Elapsed.TotalSeconds);
        return 0;
    }

    private static List<RecordingSegmenter> BuildPatients(ParseResult pr, out Dictionary<string, RecordReference> references)
    {
        references = [];
        var records = pr.GetValue(RecordOption) ?? [];
        int synthetic = pr.GetValue(SyntheticOption);
        if (synthetic < 0) throw new ArgumentException($"--synthetic must be ≥ 0, got {synthetic}");
        if (records.Length == 0 && synthetic == 0) records = [Path.Combine("data", "mitbih", "201")];
        int copies = pr.GetValue(CopiesOption);
        if (copies < 1) throw new ArgumentException($"--copies must be ≥ 1, got {copies}");
        double segmentSeconds = pr.GetValue(SegmentOption);
        var patients = new List<RecordingSegmenter>();
        int n = 0;
        foreach (var path in records)
        {
            var recording = ReplayRecording.FromWfdb(path);
            for (int c = 0; c < copies; c++, n++)
            {
                // Copies start a little apart (a prime number of milliseconds) so they do not share window boundaries.
                var start = DefaultStart.AddMilliseconds(c * 137);
                string patient = copies == 1 ? $"mitbih-{recording.Name}" : $"mitbih-{recording.Name}-{c + 1}";
                patients.Add(new RecordingSegmenter(recording, patient, $"replay-monitor-{n + 1:D3}", start, segmentSeconds));
                if (RecordReference.TryLoad(path, recording.SampleRateHz, recording.Length, start) is { } reference)
                    references[patient] = reference;
            }
        }
        if (synthetic > 0)
        {
            double seconds = pr.GetValue(SyntheticSecondsOption);
            if (!(seconds >= 10)) throw new ArgumentException($"--synthetic-seconds must be ≥ 10, got {seconds}");
            var sampler = new DatasetSampler(new ConditionMix(), seconds, 500);
            int seed = pr.GetValue(SeedOption);
            for (int i = 0; i < synthetic; i++, n++)
            {
                var ecg = sampler.Generate(seed + i);
                var recording = ReplayRecording.FromSynthetic(ecg, $"synthetic-{seed + i}");
                patients.Add(new RecordingSegmenter(recording, $"synthetic-{seed + i}", $"replay-monitor-{n + 1:D3}", DefaultStart.AddMilliseconds(i * 211), segmentSeconds));
            }
        }
        return patients;
    }
}
