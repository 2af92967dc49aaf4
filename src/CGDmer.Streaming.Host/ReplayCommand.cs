using CGDmer.Signal;
using CGDmer.Evaluation;
using CGDmer.Simulation;
using CGDmer.Pipeline.OnnxRuntime;
using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Reactive;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Publishing;
using CGDmer.Pipeline.Validation;
using CGDmer.Signal.Datasets;
using CGDmer.Signal.Synthesis;
using CGDmer.Transports;
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
    private static readonly Option<string?> LeadsOption = new("--leads")
    {
        Description = "Send only these leads of each WFDB record (comma-separated, e.g. II): a monitor with its other leads off, or a one-lead monitor.",
    };
    private static readonly Option<bool> QrsOption = new("--qrs") { Description = "Also write each WFDB record's beats as WFDB annotations (for bxb or evaluate): <record>.qrs from the streaming detector, <record>.svc the beats the service's windows counted." };

    public static Command Create()
    {
        var cmd = new Command("replay", "Embedded default: replay WFDB records or synthetic patients through the pipeline, write NDJSON, print a summary. No Kafka. "
                                        + "SIGINT or SIGTERM stops it cleanly (complete lines, summary of what was replayed) with exit code 130 or 143; "
                                        + "a bad record file or option is one line and exit 2.")
        {
            RecordOption, SyntheticOption, SyntheticSecondsOption, SeedOption, CopiesOption, PaceOption, SpeedOption, SegmentOption, OutOption, LeadsOption, QrsOption,
            CommonOptions.Hl7Option,
        };
        CommonOptions.AddTo(cmd);
        cmd.SetAction(pr => CommonOptions.Guard(() => Run(pr)));
        return cmd;
    }

    /// <summary>The leads of <c>--leads</c> (comma-separated lead names, as a record or a segment may write them).</summary>
    internal static IReadOnlyList<Lead> ParseLeads(string value)
    {
        var leads = new List<Lead>();
        foreach (var name in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            leads.Add(Leads.TryParse(name, out var lead) ? lead : throw new ArgumentException($"--leads: '{name}' is not an ECG lead (e.g. II, V1)"));
        return leads.Count > 0 ? leads : throw new ArgumentException("--leads names no lead");
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
            pr.GetValue(CopiesOption), pace, pr.GetValue(SpeedOption), pr.GetValue(SegmentOption), pr.GetValue(OutOption)!.FullName)
        {
            Leads = pr.GetValue(LeadsOption) is { } leads ? ParseLeads(leads) : null,
        };
        // SIGINT and SIGTERM end the replay as if its records ended: the pipeline drains, the files end in complete
        // lines and the summary is written; a second signal ends the process at once.
        using var interrupt = new ReplayInterrupt();
        var builder = ServiceComposition.CreateBuilder(pr.GetValue(CommonOptions.ConfigOption)?.FullName,
                                                       CommonOptions.Overrides(pr).Concat(CommonOptions.Hl7Overrides(pr)), LogLevel.Warning);
        ServiceComposition.AddHl7(builder);
        using var host = builder.Build();
        // The record files first: a bad one is one line, before the model loads (and logs). Their rates are checked
        // against the Validation section (its defaults while it is invalid; the check below then reports it).
        SegmentValidationOptions? validation = null;
        try { validation = host.Services.GetRequiredService<IOptions<SegmentValidationOptions>>().Value; }
        catch (Exception e) when (e is OptionsValidationException or InvalidOperationException) { }
        var patients = ReplayJob.BuildPatients(request, out var references, validation);
        if (!CommonOptions.ReportInvalidOptions(host.Services)) return 2;
        var hl7 = ServiceComposition.CreateHl7Sink(host.Services);
        ReplaySummary summary;
        try { summary = ReplayJob.Run(host.Services, request, patients, references, print: true, interrupt.Token, hl7); }
        finally { (hl7 as IDisposable)?.Dispose(); }
        if (pr.GetValue(QrsOption)) WriteBeats(request, patients, summary);
        if (summary.AlsoDelivered is { Failed: > 0 } delivery)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]HL7:[/] {delivery.Failed} output(s) not accepted; first: {delivery.FirstFailure}");
            return 1;
        }
        if (interrupt.Signal is not { } signal) return 0;
        AnsiConsole.MarkupLineInterpolated($"[yellow]interrupted[/] by {signal}: the files and the summary hold what was replayed before it");
        return interrupt.ExitCode;
    }

    /// <summary>
    /// Each WFDB record's beats as WFDB annotation files: &lt;out&gt;/&lt;record&gt;.qrs from the streaming detector
    /// and beat classifier (its monitoring lead, 1 s at a time; N or V), and &lt;out&gt;/&lt;record&gt;.svc, the beats the service's windows counted
    /// for the published heart rate (each window's fused beats nearer its centre than a neighbour's, as the replay's QRS
    /// column scores them), on the record's sample clock. With copies, the first copy's.
    /// </summary>
    private static void WriteBeats(ReplayRequest request, IReadOnlyList<RecordingSegmenter> patients, ReplaySummary summary)
    {
        var records = request.Records.Count == 0 && request.Synthetic == 0 ? [ReplayJob.DefaultRecord] : request.Records;
        foreach (var path in records.Distinct())
        {
            var record = CGDmer.Signal.Wfdb.WfdbReader.Read(path);
            var beats = EvaluateCommand.DetectStreaming(EvaluateCommand.MonitoringLead(record.Ecg).Samples, record.SampleRateHz);
            var file = Path.Combine(request.OutputDirectory, record.Name + ".qrs");
            CGDmer.Signal.Wfdb.AnnotationWriter.Write(file, EvaluateCommand.QrsAnnotations(beats));
            AnsiConsole.MarkupLineInterpolated($"[grey]wrote[/] {beats.Length} beats to {file}");
            if (patients.FirstOrDefault(p => p.Recording.Name == record.Name) is not { } patient) continue;
            double ticksPerSample = TimeSpan.TicksPerSecond / record.SampleRateHz;
            var service = summary.BeatTicks(patient.PatientId)
                .Select(t => (long)Math.Round((t - patient.StartTime.UtcTicks) / ticksPerSample))
                .Where(s => s >= 0 && s < record.Length).Distinct().ToArray();
            var svc = Path.Combine(request.OutputDirectory, record.Name + ".svc");
            EvaluateCommand.WriteQrs(svc, service);
            AnsiConsole.MarkupLineInterpolated($"[grey]wrote[/] {service.Length} beats the service counted to {svc}");
        }
    }
}

/// <summary>
/// Turns the first SIGINT or SIGTERM into a cancellation (the replay then stops cleanly) and lets a second one end the
/// process as usual. Exit codes follow the shell's 128 + signal: 130 for SIGINT, 143 for SIGTERM.
/// </summary>
internal sealed class ReplayInterrupt : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration[] _registrations;
    private volatile string? _signal;
    private int _exitCode;

    public ReplayInterrupt()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Handle(context, "SIGINT", 130)),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Handle(context, "SIGTERM", 143)),
        ];
    }

    public CancellationToken Token => _cts.Token;
    /// <summary>The first signal received, or null.</summary>
    public string? Signal => _signal;
    public int ExitCode => Volatile.Read(ref _exitCode);

    private void Handle(PosixSignalContext context, string name, int exitCode)
    {
        if (_signal is not null) return;   // the second signal: the default action ends the process
        context.Cancel = true;
        Volatile.Write(ref _exitCode, exitCode);
        _signal = name;
        // Not on the signal's thread: cancelling drains the pipeline, and a second signal must still be handled meanwhile.
        ThreadPool.QueueUserWorkItem(_ => _cts.Cancel());
    }

    // The token source is not disposed: a signal arriving as the replay ends may still cancel it.
    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
    }
}

/// <summary>What to replay and where to write it.</summary>
public sealed record ReplayRequest(
    IReadOnlyList<string> Records, int Synthetic, double SyntheticSeconds, int Seed, int Copies,
    ReplayPace Pace, double Speed, double SegmentSeconds, string OutputDirectory)
{
    /// <summary>The only leads each WFDB record's monitor sends (<c>--leads</c>); null: all of them.</summary>
    public IReadOnlyList<Lead>? Leads { get; init; }
}

/// <summary>The replay itself, callable without the CLI (tests use it).</summary>
public static class ReplayJob
{
    /// <summary>
    /// A WFDB record as the replay, the simulator and the benchmark send it (<see cref="ReplayRecording.FromWfdb(string, out WfdbDataset)"/>),
    /// saying on the console which leads it assumed for signals the record does not name.
    /// </summary>
    internal static ReplayRecording LoadRecord(string path, out WfdbDataset dataset)
    {
        var recording = ReplayRecording.FromWfdb(path, out dataset);
        if (recording.AssumedLeadsNote is { } note) AnsiConsole.MarkupLineInterpolated($"[yellow]note:[/] {note}");
        return recording;
    }

    /// <summary>How long a replay waits at its end for the second sink's acknowledgements.</summary>
    public static readonly TimeSpan AlsoToDrainTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The record replayed when none is named: MIT-BIH 201, shipped in data/mitbih (the working directory's, else the program's).</summary>
    public static string DefaultRecord => BundledFiles.MitBihRecord("201");

    /// <summary>Most patients one replay simulates (records × copies + synthetic): a replay holds every recording in memory.</summary>
    public const int MaxPatients = 10_000;

    /// <summary>Longest synthetic recording (a day): each is generated in memory before the replay starts.</summary>
    public const double MaxSyntheticSeconds = 86_400;

    /// <summary>Replays <paramref name="patients"/> through the pipeline built from <paramref name="services"/>; returns the summary.</summary>
    /// <remarks>
    /// Cancelling <paramref name="cancel"/> stops the source as if the records had ended: the pipeline drains what it
    /// holds, the NDJSON files end in complete lines and the summary covers what was replayed (its agreement with the
    /// references too: they are cut where the replay stopped).
    /// </remarks>
    /// <param name="alsoTo">A second sink for every output (the HL7 sink): its acknowledgements are tallied in
    /// <see cref="ReplaySummary.AlsoDelivered"/>, and the replay waits (up to <see cref="AlsoToDrainTimeout"/>) for them.</param>
    public static ReplaySummary Run(IServiceProvider services, ReplayRequest request, IReadOnlyList<RecordingSegmenter> patients,
                                    IReadOnlyDictionary<string, RecordReference> references, bool print, CancellationToken cancel = default,
                                    IAcknowledgedSink? alsoTo = null)
    {
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("CGDmer.Replay");
        var model = services.GetRequiredService<IFindingsModel>();
        var source = new ReplaySource(patients, request.Pace, request.Speed);
        var components = ServiceComposition.Components(services, TaskPoolScheduler.Default);
        var publishing = services.GetRequiredService<IOptions<PublishingOptions>>().Value;
        if (print)
            AnsiConsole.MarkupLineInterpolated($"[grey]model[/] {model.Metadata.ModelName} {model.Metadata.ModelVersion} on {(model as OnnxFindingsSession)?.ExecutionProvider}; [grey]replaying[/] {patients.Count} patient(s), {source.SegmentCount} segments, {request.Pace}");
        // A copy: an interrupted replay is compared with the references up to where it stopped.
        var compared = new Dictionary<string, RecordReference>(references);
        var summary = new ReplaySummary(model.Metadata, patients, compared);
        var delivered = alsoTo is null ? null : new DeliveryTally();
        var watch = Stopwatch.StartNew();
        using (var sink = new NdjsonPipelineSink(request.OutputDirectory, model.Metadata, publishing))
        {
            var stop = Observable.Create<Unit>(o => cancel.Register(() => o.OnNext(Unit.Default)));
            EcgPipeline.Run(source.Segments().TakeUntil(stop), () => source.Now, components)
                .Do(output =>
                {
                    sink.Write(output, source.Now);
                    summary.Add(output);
                    if (alsoTo?.Write(output) is { } acknowledged) delivered!.Track(acknowledged);
                })
                .LastOrDefaultAsync()
                .Wait();
            sink.Flush();
            if (alsoTo is not null && !alsoTo.DrainAsync(AlsoToDrainTimeout).GetAwaiter().GetResult())
                log.AlsoToNotDrained(AlsoToDrainTimeout.TotalSeconds);
            delivered?.WaitCounted(TimeSpan.FromSeconds(10));
            summary.AlsoDelivered = delivered;
            watch.Stop();
            if (cancel.IsCancellationRequested)
                foreach (var (patient, reference) in references) compared[patient] = reference.Until(source.Now);
            summary.Finish(watch.Elapsed, sink);
            if (print) summary.Print();
        }
        log.ReplayFinished(watch.Elapsed.TotalSeconds);
        return summary;
    }

    /// <summary>The simulated patients of a request: each record (× copies) and each synthetic patient, with the records' annotations.</summary>
    /// <remarks>
    /// A record whose sample rate lies outside <paramref name="validation"/>'s range (the contract's [50, 2000] Hz by
    /// default) is refused with <see cref="InvalidDataException"/> naming the record and the rate: its every segment
    /// would be rejected, leaving empty or misleading output. So is a record without samples.
    /// </remarks>
    public static List<RecordingSegmenter> BuildPatients(ReplayRequest request, out Dictionary<string, RecordReference> references,
                                                         SegmentValidationOptions? validation = null)
    {
        validation ??= new SegmentValidationOptions();
        references = [];
        var records = request.Records;
        int synthetic = request.Synthetic;
        if (synthetic is < 0 or > MaxPatients) throw new ArgumentException($"--synthetic must be in [0, {MaxPatients}], got {synthetic}");
        if (records.Count == 0 && synthetic == 0) records = [DefaultRecord];
        int copies = request.Copies;
        if (copies is < 1 or > MaxPatients) throw new ArgumentException($"--copies must be in [1, {MaxPatients}], got {copies}");
        if ((long)copies * records.Count + synthetic > MaxPatients)
            throw new ArgumentException($"--record × --copies + --synthetic must be at most {MaxPatients} patients, got {(long)copies * records.Count + synthetic}");
        double segmentSeconds = request.SegmentSeconds;
        if (!(segmentSeconds > 0 && segmentSeconds <= 30)) throw new ArgumentException($"--segment-seconds must be in (0, 30], got {segmentSeconds}");
        if (!(request.Speed > 0) || !double.IsFinite(request.Speed)) throw new ArgumentException($"--speed must be finite and > 0, got {request.Speed}");
        var patients = new List<RecordingSegmenter>();
        var recordOf = new Dictionary<string, string>(StringComparer.Ordinal);   // patient id → the record it came from
        int n = 0;
        foreach (var path in records)
        {
            var recording = LoadRecord(path, out var dataset);
            if (request.Leads is { } only) recording = recording.OnlyLeads(only);
            double rate = recording.SampleRateHz;
            if (!(rate >= validation.MinSampleRateHz && rate <= validation.MaxSampleRateHz))
                throw new InvalidDataException(
                    $"WFDB record '{path}': sample rate {rate.ToString(System.Globalization.CultureInfo.InvariantCulture)} Hz is outside the accepted [{validation.MinSampleRateHz}, {validation.MaxSampleRateHz}] Hz (Validation:MinSampleRateHz, Validation:MaxSampleRateHz).");
            if (recording.Length == 0) throw new InvalidDataException($"WFDB record '{path}' holds no samples: there is nothing to replay.");
            // The patient id names the record's source, so a FHIR consumer can tell the replays apart.
            string prefix = dataset switch
            {
                WfdbDataset.Cinc2017 => "cinc2017",
                WfdbDataset.Aftdb => "aftdb",
                _ when WfdbDatasets.IsMitBihArrhythmiaRecord(recording.Name, recording.SampleRateHz) => "mitbih",
                _ => "wfdb",
            };
            for (int c = 0; c < copies; c++, n++)
            {
                // Copies start a little apart (a prime number of milliseconds) so they do not share window boundaries.
                var start = ReplayCommand.DefaultStart.AddMilliseconds(c * 137);
                string patient = copies == 1 ? $"{prefix}-{recording.Name}" : $"{prefix}-{recording.Name}-{c + 1}";
                // Two records of one name would be one patient's interleaved streams: refuse rather than mix them.
                if (!recordOf.TryAdd(patient, path))
                    throw new ArgumentException($"--record '{path}' and '{recordOf[patient]}' would both be patient '{patient}' (records of one name); replay them apart, or one record with --copies");
                patients.Add(new RecordingSegmenter(recording, patient, $"replay-monitor-{n + 1:D3}", start, segmentSeconds));
                if (RecordReference.TryLoad(path, dataset, recording.SampleRateHz, recording.Length, start) is { } reference)
                    references[patient] = reference;
            }
        }
        if (synthetic > 0)
        {
            double seconds = request.SyntheticSeconds;
            if (!(seconds is >= 10 and <= MaxSyntheticSeconds)) throw new ArgumentException($"--synthetic-seconds must be in [10, {MaxSyntheticSeconds}], got {seconds}");
            var sampler = new DatasetSampler(new ConditionMix(), seconds, 500);
            int seed = request.Seed;
            for (int i = 0; i < synthetic; i++, n++)
            {
                var ecg = sampler.Generate(seed + i);
                var recording = SyntheticRecording.From(ecg, $"synthetic-{seed + i}");
                patients.Add(new RecordingSegmenter(recording, $"synthetic-{seed + i}", $"replay-monitor-{n + 1:D3}", ReplayCommand.DefaultStart.AddMilliseconds(i * 211), segmentSeconds));
            }
        }
        return patients;
    }
}
