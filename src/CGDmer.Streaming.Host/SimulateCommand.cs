using System.CommandLine;
using System.Diagnostics;
using CGDmer.Transports.Kafka;
using CGDmer.Transports.Replay;
using CGDmer.Simulation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace CGDmer.Streaming.Host;

/// <summary>What <c>simulate</c> was asked to do (options checked, each error naming its option).</summary>
internal sealed record SimulateRequest(
    int Monitors, IReadOnlyList<string> Records, SimulationSettings Settings, double? Speed, int MaxInFlight,
    string? ManifestPath, string? OutPath);

/// <summary>
/// <c>simulate</c>: emulates N bedside monitors producing ECG segments to the Kafka segment topic in real time (or
/// faster), from synthetic 12-lead patients or WFDB records, with faults on demand. <c>--out</c> writes the delivery
/// plan as NDJSON instead (a dry run, no Kafka); <c>--manifest</c> writes what was planned and sent, per monitor.
/// Kafka settings come from section Kafka of the same configuration layers as <c>run</c> (--config, CGDMER_ env, --set).
/// </summary>
internal static class SimulateCommand
{
    private static readonly Option<int> MonitorsOption = new("--monitors", "-n") { Description = "Simulated bedside monitors (one patient each).", DefaultValueFactory = _ => 1 };
    private static readonly Option<string[]> SourceOption = new("--source")
    {
        Description = "'synthetic' (12-lead synthetic patients) or WFDB record paths without extension (monitors take them in turn; records loop).",
        AllowMultipleArgumentsPerToken = true,
        DefaultValueFactory = _ => ["synthetic"],
    };
    private static readonly Option<double> MinutesOption = new("--minutes") { Description = "How long each monitor plays.", DefaultValueFactory = _ => 10 };
    private static readonly Option<double> SegmentOption = new("--segment-seconds") { Description = "Length of each segment a monitor sends.", DefaultValueFactory = _ => 1 };
    private static readonly Option<double> SpeedOption = new("--speed") { Description = "Pace: 1 = real time, 10 = ten times faster.", DefaultValueFactory = _ => 1 };
    private static readonly Option<bool> FastOption = new("--as-fast-as-possible") { Description = "Send as fast as the brokers take it (ignores --speed)." };
    private static readonly Option<int> SeedOption = new("--seed") { Description = "Seed of the patients and faults (same seed, same messages).", DefaultValueFactory = _ => 1 };
    private static readonly Option<DateTimeOffset?> StartOption = new("--start")
    {
        Description = "ECG time of the first sample (ISO 8601). Default: now in real time; otherwise the plan's length before now, so no segment lies in the future.",
    };
    private static readonly Option<string> IdPrefixOption = new("--id-prefix") { Description = "Prefix of the simulated patient/device ids.", DefaultValueFactory = _ => "sim" };
    private static readonly Option<double> JitterOption = new("--jitter-ms") { Description = "Delivery jitter: up to this many ms late." };
    private static readonly Option<double> ReorderOption = new("--reorder") { Description = "Probability that a segment is delivered out of order." };
    private static readonly Option<int> ReorderMaxOption = new("--reorder-max") { Description = "Out-of-order distance bound (segments).", DefaultValueFactory = _ => 3 };
    private static readonly Option<double> DuplicateOption = new("--duplicate") { Description = "Probability that a segment is delivered twice." };
    private static readonly Option<double> GapOption = new("--gap") { Description = "Probability that a gap (segments never sent) starts at a segment." };
    private static readonly Option<int> GapMaxOption = new("--gap-max") { Description = "Longest gap (segments).", DefaultValueFactory = _ => 5 };
    private static readonly Option<double> LeadOffOption = new("--lead-off") { Description = "Probability that a lead-off period starts at a segment." };
    private static readonly Option<double> LeadOffSecondsOption = new("--lead-off-seconds") { Description = "Length of a lead-off period.", DefaultValueFactory = _ => 10 };
    private static readonly Option<double> NoiseOption = new("--noise") { Description = "Probability that a noise burst starts at a segment." };
    private static readonly Option<double> NoiseSecondsOption = new("--noise-seconds") { Description = "Length of a noise burst.", DefaultValueFactory = _ => 3 };
    private static readonly Option<double> NoiseMvOption = new("--noise-mv") { Description = "Amplitude of a noise burst (mV).", DefaultValueFactory = _ => 1 };
    private static readonly Option<double> ClockSkewOption = new("--clock-skew-ms") { Description = "Each monitor's clock is off by up to ± this many ms." };
    private static readonly Option<double> MalformedOption = new("--malformed") { Description = "Probability that a malformed message follows a segment (extra messages)." };
    private static readonly Option<string[]> MalformedKindsOption = new("--malformed-kinds")
    {
        Description = "Malformations to draw from (default all): " + string.Join(", ", Enum.GetNames<Malformation>()) + ".",
        AllowMultipleArgumentsPerToken = true,
    };
    private static readonly Option<int> OversizedOption = new("--oversized-bytes")
    {
        Description = "Size of an oversized payload: just above the service's Kafka:MaxSegmentBytes and below the broker's message limit.",
        DefaultValueFactory = _ => 4 * 1024 * 1024 + 1,
    };
    private static readonly Option<int> MaxInFlightOption = new("--max-in-flight") { Description = "Unacknowledged messages at most.", DefaultValueFactory = _ => 10_000 };
    private static readonly Option<FileInfo?> ManifestOption = new("--manifest") { Description = "Write the manifest (monitors, ids, times, counts per fault) as JSON." };
    private static readonly Option<FileInfo?> OutOption = new("--out") { Description = "Dry run: write the delivery plan as NDJSON instead of producing to Kafka." };

    public static Command Create()
    {
        var cmd = new Command("simulate", "Emulate bedside monitors producing ECG segments to Kafka (real time or faster), with faults on demand.")
        {
            MonitorsOption, SourceOption, MinutesOption, SegmentOption, SpeedOption, FastOption, SeedOption, StartOption, IdPrefixOption,
            JitterOption, ReorderOption, ReorderMaxOption, DuplicateOption, GapOption, GapMaxOption, LeadOffOption, LeadOffSecondsOption,
            NoiseOption, NoiseSecondsOption, NoiseMvOption, ClockSkewOption, MalformedOption, MalformedKindsOption, OversizedOption,
            MaxInFlightOption, ManifestOption, OutOption,
            CommonOptions.ConfigOption, CommonOptions.SetOption,
        };
        cmd.SetAction((pr, ct) => Task.FromResult(CommonOptions.Guard(() => Run(pr, ct))));
        return cmd;
    }

    /// <summary>The request the options describe; throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public static SimulateRequest BuildRequest(ParseResult pr, DateTimeOffset now)
    {
        int monitors = pr.GetValue(MonitorsOption);
        if (monitors < 1 || monitors > 99_999) throw new ArgumentException($"--monitors must be in [1, 99999], got {monitors}");
        var sources = pr.GetValue(SourceOption) ?? [];
        if (sources.Length == 0) throw new ArgumentException("--source needs 'synthetic' or at least one WFDB record path");
        bool synthetic = sources is ["synthetic"];
        if (!synthetic && sources.Contains("synthetic"))
            throw new ArgumentException("--source is either 'synthetic' or WFDB record paths, not both");
        double minutes = pr.GetValue(MinutesOption);
        if (!(minutes > 0 && minutes <= 7 * 24 * 60)) throw new ArgumentException($"--minutes must be > 0 and ≤ 10080 (a week), got {minutes}");
        double speed = pr.GetValue(SpeedOption);
        if (!(speed > 0 && double.IsFinite(speed))) throw new ArgumentException($"--speed must be a positive factor, got {speed}");
        bool fast = pr.GetValue(FastOption);
        int maxInFlight = pr.GetValue(MaxInFlightOption);
        if (maxInFlight < 1 || maxInFlight > 1_000_000) throw new ArgumentException($"--max-in-flight must be in [1, 1000000], got {maxInFlight}");
        var kinds = new List<Malformation>();
        foreach (var name in pr.GetValue(MalformedKindsOption) ?? [])
            kinds.Add(Enum.TryParse<Malformation>(name, ignoreCase: true, out var kind) && Enum.IsDefined(kind)
                ? kind
                : throw new ArgumentException($"--malformed-kinds has '{name}', which is not one of {string.Join(", ", Enum.GetNames<Malformation>())}"));

        var duration = TimeSpan.FromMinutes(minutes);
        // Real time: the ECG is live. Faster: the ECG was recorded just before now, so the service (whose clock is the
        // wall clock) never sees segments from the future, however fast they come.
        var start = pr.GetValue(StartOption) ?? (!fast && speed == 1 ? now : now - duration);
        var faults = new SimulatorFaults
        {
            JitterMs = pr.GetValue(JitterOption),
            ReorderProbability = pr.GetValue(ReorderOption),
            ReorderMaxSegments = pr.GetValue(ReorderMaxOption),
            DuplicateProbability = pr.GetValue(DuplicateOption),
            GapProbability = pr.GetValue(GapOption),
            GapMaxSegments = pr.GetValue(GapMaxOption),
            LeadOffProbability = pr.GetValue(LeadOffOption),
            LeadOffSeconds = pr.GetValue(LeadOffSecondsOption),
            NoiseBurstProbability = pr.GetValue(NoiseOption),
            NoiseBurstSeconds = pr.GetValue(NoiseSecondsOption),
            NoiseAmplitudeMv = pr.GetValue(NoiseMvOption),
            ClockSkewMs = pr.GetValue(ClockSkewOption),
            MalformedProbability = pr.GetValue(MalformedOption),
            MalformedKinds = kinds.Count > 0 ? kinds : null,
            OversizedBytes = pr.GetValue(OversizedOption),
        };
        var settings = new SimulationSettings
        {
            Seed = pr.GetValue(SeedOption), Start = start, Duration = duration, SegmentSeconds = pr.GetValue(SegmentOption),
            IdPrefix = pr.GetValue(IdPrefixOption) ?? "", Faults = faults,
        };
        try { settings.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"{OptionOf(e.ParamName)} {Reason(e)}", e); }
        return new SimulateRequest(monitors, synthetic ? [] : sources, settings, fast ? null : speed, maxInFlight,
            pr.GetValue(ManifestOption)?.FullName, pr.GetValue(OutOption)?.FullName);
    }

    /// <summary>The simulator a request describes (loads each WFDB record once; monitors take the records in turn).</summary>
    public static BedsideSimulator BuildSimulator(SimulateRequest request)
    {
        if (request.Records.Count == 0) return BedsideSimulator.Synthetic(request.Settings, request.Monitors);
        var signals = request.Records.Select(path => MonitorSignal.FromRecording(ReplayJob.LoadRecord(path, out _))).ToList();
        return new BedsideSimulator(request.Settings, Enumerable.Range(0, request.Monitors).Select(i => signals[i % signals.Count]).ToList());
    }

    /// <summary>
    /// Kafka options from section Kafka of the verb's configuration layers, bound and validated as <c>run</c> does
    /// (<see cref="ServiceComposition.AddKafkaTransport"/>); throws naming the bad setting. Loads no model.
    /// </summary>
    public static KafkaOptions BindKafka(ParseResult pr)
    {
        var builder = ServiceComposition.CreateBuilder(pr.GetValue(CommonOptions.ConfigOption)?.FullName, CommonOptions.Overrides(pr), LogLevel.Warning);
        ServiceComposition.AddKafkaTransport(builder);
        using var host = builder.Build();
        return ServiceComposition.KafkaOptionsOf(host.Services);
    }

    private static int Run(ParseResult pr, CancellationToken ct)
    {
        var request = BuildRequest(pr, DateTimeOffset.UtcNow);
        // Kafka settings are checked before any ECG is generated (a typo should not cost a minute of synthesis).
        var kafka = request.OutPath is null ? BindKafka(pr) : null;
        var simulator = BuildSimulator(request);
        var tally = simulator.NewTally();
        var watch = Stopwatch.StartNew();
        ProduceReport? report = null;
        long written = 0;
        if (request.OutPath is { } outPath)
            written = SimulationPlanFile.Write(simulator.Messages(tally), outPath);
        else
        {
            AnsiConsole.MarkupLineInterpolated($"[grey]simulating[/] {request.Monitors} monitor(s), {request.Settings.Duration.TotalMinutes:0.##} min each, {(request.Speed is { } s ? $"{s:0.##}× real time" : "as fast as possible")} → {kafka!.BootstrapServers} {kafka.Topics.Segments}");
            using var producer = new KafkaSegmentProducer(kafka, request.MaxInFlight);
            report = producer.Send(simulator.Messages(tally), request.Speed, ct);
        }
        watch.Stop();
        var manifest = simulator.Manifest(tally);
        if (request.ManifestPath is { } manifestPath) manifest.WriteTo(manifestPath);
        PrintSummary(manifest, report, written, watch.Elapsed, request.OutPath);
        return report is { Failed: > 0 } ? 1 : 0;
    }

    private static void PrintSummary(SimulationManifest manifest, ProduceReport? report, long written, TimeSpan elapsed, string? outPath)
    {
        var t = manifest.Totals!;
        var table = new Table().AddColumns("messages", "count");
        table.AddRow("good segments", t.Segments.ToString());
        table.AddRow("  of which late (jitter)", t.Jittered.ToString());
        table.AddRow("  of which out of order", t.Reordered.ToString());
        table.AddRow("  of which lead-off", t.LeadOff.ToString());
        table.AddRow("  of which noise burst", t.NoiseBurst.ToString());
        table.AddRow("duplicates", t.Duplicates.ToString());
        table.AddRow("segments never sent (gaps)", t.GapSegments.ToString());
        foreach (var (kind, n) in t.MalformedByKind) table.AddRow($"malformed: {kind}", n.ToString());
        table.AddRow("[bold]messages[/]", t.Messages.ToString());
        AnsiConsole.Write(table);
        if (report is not null)
        {
            AnsiConsole.MarkupLineInterpolated($"produced {report.Produced}, delivered {report.Delivered}, failed {report.Failed} in {report.Elapsed.TotalSeconds:F1} s: {report.DeliveredPerSecond:F0} messages/s (max lag {report.MaxLag.TotalMilliseconds:F0} ms){(report.Cancelled ? ", cancelled" : "")}");
            foreach (var (code, n) in report.FailuresByCode) AnsiConsole.MarkupLineInterpolated($"[red]failed[/] {code}: {n}");
        }
        else AnsiConsole.MarkupLineInterpolated($"wrote {written} messages to {outPath} in {elapsed.TotalSeconds:F1} s ({written / Math.Max(elapsed.TotalSeconds, 1e-3):F0} messages/s)");
    }

    private static string OptionOf(string? setting) => setting switch
    {
        "Duration" => "--minutes",
        "SegmentSeconds" => "--segment-seconds",
        "IdPrefix" => "--id-prefix",
        "Faults:JitterMs" => "--jitter-ms",
        "Faults:ReorderProbability" => "--reorder",
        "Faults:ReorderMaxSegments" => "--reorder-max",
        "Faults:DuplicateProbability" => "--duplicate",
        "Faults:GapProbability" => "--gap",
        "Faults:GapMaxSegments" => "--gap-max",
        "Faults:LeadOffProbability" => "--lead-off",
        "Faults:LeadOffSeconds" => "--lead-off-seconds",
        "Faults:NoiseBurstProbability" => "--noise",
        "Faults:NoiseBurstSeconds" => "--noise-seconds",
        "Faults:NoiseAmplitudeMv" => "--noise-mv",
        "Faults:ClockSkewMs" => "--clock-skew-ms",
        "Faults:MalformedProbability" => "--malformed",
        "Faults:MalformedKinds" => "--malformed-kinds",
        "Faults:OversizedBytes" => "--oversized-bytes",
        _ => setting ?? "an option",
    };

    private static string Reason(ArgumentException e)
    {
        int i = e.Message.LastIndexOf(" (Parameter '", StringComparison.Ordinal);
        return i >= 0 ? e.Message[..i] : e.Message;
    }
}
