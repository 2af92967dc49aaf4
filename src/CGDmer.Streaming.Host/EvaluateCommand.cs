using System.CommandLine;
using System.Globalization;
using System.Text;
using CGDmer.Evaluation.Ec57;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Beats;
using CGDmer.Signal.Wfdb;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace CGDmer.Streaming.Host;

/// <summary>What <c>evaluate</c> was asked to do.</summary>
internal sealed record EvaluateRequest(IReadOnlyList<string> Records, string OutputDirectory, Ec57Options Options, bool Alarms);

/// <summary>
/// <c>evaluate</c>: scores annotated WFDB records the way ANSI/AAMI EC57 does. The streaming beat detector and beat
/// classifier run over each record's monitoring lead as 1 s segments arrive, its beats are written as a WFDB
/// <c>.qrs</c> annotation file (N or V, for bxb/epicmp) and compared beat by beat (QRS and VEB), by heart rate, and by
/// their ventricular runs against the reference VT episodes with the <c>.atr</c> reference; the records are then replayed through the whole pipeline and its AF and VT alerts scored as episodes,
/// with the time to alarm. Writes the tables and <c>ec57.json</c>.
/// </summary>
internal static class EvaluateCommand
{
    private static readonly Option<string[]> RecordOption = new("--record")
    {
        Description = "Annotated WFDB record (path without extension, with .hea, .dat and .atr; repeatable). Default: the records in data/mitbih.",
        AllowMultipleArgumentsPerToken = true,
    };
    private static readonly Option<DirectoryInfo?> RecordsDirOption = new("--records-dir") { Description = "Also every record with an .atr file in this folder (e.g. ../shared/data/mitbih-ds1)." };
    private static readonly Option<DirectoryInfo> OutOption = new("--out", "-o") { Description = "Output folder (.qrs files, the replay's NDJSON, ec57.json).", DefaultValueFactory = _ => new DirectoryInfo("runs/evaluate") };
    private static readonly Option<double> LearningOption = new("--learning-seconds") { Description = "Learning period left out of the statistics (EC57: 300 s).", DefaultValueFactory = _ => 300 };
    private static readonly Option<bool> NoAlarmsOption = new("--no-alarms") { Description = "Score beats and heart rate only (no replay through the model)." };
    private static readonly Option<bool> BeatStreamOption = new("--beat-stream") { Description = "Also score the window stage's beat stream: the monitoring lead resampled to the model's rate and epoch-anchored as the service runs it (writes <record>.stm)." };
    private static readonly Option<bool> IecOption = new("--iec") { Description = "Also run the IEC 60601-2-27 heart-rate meter tests on synthesized signals (response, irregular rhythms, tall T waves, tachycardia, asystole)." };

    public static Command Create()
    {
        var cmd = new Command("evaluate", "Score annotated records as ANSI/AAMI EC57 does: beats (QRS and VEB Se/+P), heart rate, ventricular runs, AF and VT alarm episodes and time to alarm. Writes .qrs files and ec57.json.")
        {
            RecordOption, RecordsDirOption, OutOption, LearningOption, NoAlarmsOption, BeatStreamOption, IecOption,
        };
        CommonOptions.AddTo(cmd);
        cmd.SetAction(pr => CommonOptions.Guard(() => Run(pr)));
        return cmd;
    }

    internal static EvaluateRequest BuildRequest(ParseResult pr)
    {
        var records = new List<string>(pr.GetValue(RecordOption) ?? []);
        if (pr.GetValue(RecordsDirOption) is { } dir)
        {
            if (!dir.Exists) throw new DirectoryNotFoundException($"--records-dir '{dir.FullName}' does not exist.");
            records.AddRange(Annotated(dir.FullName));
        }
        if (records.Count == 0)
        {
            var shipped = BundledFiles.Resolve(BundledFiles.DefaultRecordsFolder, Directory.Exists);
            if (!Directory.Exists(shipped)) throw new DirectoryNotFoundException($"no --record or --records-dir, and the default records are not at {BundledFiles.Places(shipped)}.");
            records.AddRange(Annotated(shipped));
        }
        foreach (var r in records)
            foreach (var ext in new[] { ".hea", ".atr" })
                if (!File.Exists(r + ext)) throw new FileNotFoundException($"record '{r}' has no {ext} file: evaluate needs the record and its reference annotations.", r + ext);
        var options = new Ec57Options { LearningPeriodSeconds = pr.GetValue(LearningOption) }.Validate();
        return new EvaluateRequest(records, pr.GetValue(OutOption)!.FullName, options, !pr.GetValue(NoAlarmsOption));
    }

    private static IEnumerable<string> Annotated(string folder) =>
        Directory.EnumerateFiles(folder, "*.atr").Select(f => Path.ChangeExtension(f, null)).Where(r => File.Exists(r + ".hea")).Order(StringComparer.Ordinal);

    private static int Run(ParseResult pr)
    {
        var request = BuildRequest(pr);
        Directory.CreateDirectory(request.OutputDirectory);
        var beats = new List<BeatByBeatResult>();
        var rates = new List<HeartRateResult>();
        var runs = new List<EpisodeResult>();
        var timing = new List<AlarmTimingResult>();
        foreach (var path in request.Records)
        {
            var scored = ScoreBeats(path, request);
            if (scored.Beats is not null && scored.HeartRate is not null)
            {
                beats.Add(scored.Beats);
                rates.Add(scored.HeartRate);
            }
            else AnsiConsole.MarkupLineInterpolated($"[yellow]note:[/] {path}.atr has no beat annotations (rhythms only): its beats and heart rate are not scored");
            runs.Add(scored.Runs);
            timing.Add(scored.RunTiming);
        }
        var episodes = new List<EpisodeResult>();
        var rateAlarms = new List<HeartRateAlarmResult>();
        if (request.Alarms) ScoreAlarms(pr, request, episodes, timing, rateAlarms);

        var report = Ec57Report.Create(request.Options, beats, rates, request.Alarms ? episodes : null);
        Console.Out.Write(Ec57Summary.Format(report));
        if (pr.GetValue(BeatStreamOption)) ScoreBeatStream(pr, request);
        Console.Out.Write(FormatRuns(runs));
        WriteJson(request, "ventricular-runs.json", EpisodeSummary.Of(VtRhythm, runs));
        if (timing.Count > 0) Console.Out.Write(FormatTiming(timing));
        if (rateAlarms.Count > 0)
        {
            Console.Out.Write(FormatRateAlarms(rateAlarms));
            WriteJson(request, "heart-rate-alarms.json", rateAlarms);
        }
        if (pr.GetValue(IecOption))
        {
            var meter = CGDmer.Evaluation.Iec60601.HeartRateMeterSuite.Run();
            Console.Out.Write(FormatIec(meter));
            using var host = BuildHost(pr);
            var service = ServiceIecSuite(host.Services, Path.Combine(request.OutputDirectory, "iec-alarms"));
            Console.Out.Write(FormatIec(service,
                "IEC 60601-2-27 through the service (synthesized signals, leads II and V1: the published heart rate, and the time to alarm of its heart-rate alarms)"));
            WriteJson(request, "iec.json", new { meter, service });
        }
        File.WriteAllText(Path.Combine(request.OutputDirectory, "ec57.json"), report.ToJson());
        AnsiConsole.MarkupLineInterpolated($"[grey]wrote[/] {request.Records.Count} .qrs files and ec57.json to {request.OutputDirectory}");
        return 0;
    }

    /// <summary>
    /// The streaming detector and beat classifier over the record's monitoring lead, fed 1 s at a time; its beats as a
    /// .qrs file (N or V) and scored, QRS and VEB.
    /// The ventricular runs among the classified beats are scored against the reference VT episodes, and timed from each
    /// episode's onset to when its run was known (its third ventricular beat, plus the classifier's look-ahead). A
    /// reference with rhythm annotations only (the MIT-BIH AF Database's) scores no beats or heart rate: those are null.
    /// </summary>
    internal static (BeatByBeatResult? Beats, HeartRateResult? HeartRate, EpisodeResult Runs, AlarmTimingResult RunTiming) ScoreBeats(
        string path, EvaluateRequest request)
    {
        var record = CGDmer.Signal.Datasets.WfdbDatasets.Read(path, out _);
        var reference = AnnotationReader.Read(path + ".atr");
        bool beatReference = reference.Any(a => a.IsBeat);
        var channel = MonitoringLead(record.Ecg);
        double fs = record.SampleRateHz;
        var detected = DetectStreaming(channel.Samples, fs);
        var annotations = QrsAnnotations(detected);
        AnnotationWriter.Write(Path.Combine(request.OutputDirectory, record.Name + ".qrs"), annotations);
        long lookAhead = (long)Math.Ceiling(new StreamingBeatClassifier(fs).LookAheadSeconds * fs);
        var runs = VentricularRuns.Find(detected, fs)
            .Select(r => (Extent: new Episode(r.FirstSample, r.LastSample + 1), RaisedAt: r.ConfirmedAtSample + lookAhead)).ToList();
        return (beatReference ? BeatByBeat.Compare(record.Name, reference, annotations, fs, record.Length, request.Options) : null,
                beatReference ? HeartRateComparison.Compare(record.Name, reference, detected.Select(b => b.Sample).ToArray(), fs, record.Length, request.Options) : null,
                EpisodeComparison.Compare(record.Name, VtRhythm, reference, runs.Select(r => r.Extent), fs, record.Length, request.Options),
                AlarmTiming.Compare(record.Name, "VT:runs", EpisodeComparison.ReferenceEpisodes(reference, VtRhythm, record.Length), runs, fs));
    }

    /// <summary>
    /// Scores the beats the window stage streams (<c>PatientBeatStream</c>): each record's monitoring lead resampled to
    /// the configured model's rate, fed 1 s at a time to an <see cref="EpochAnchoredBeatStream"/> with the service's
    /// epoch and warm-up, its beats put back on the record's sample clock; QRS and VEB, and heart rate. Writes
    /// &lt;record&gt;.stm and beat-stream.json.
    /// </summary>
    private static void ScoreBeatStream(ParseResult pr, EvaluateRequest request)
    {
        using var host = BuildHost(pr);
        int rate = host.Services.GetRequiredService<IFindingsModel>().Geometry.SampleRateHz;
        var windowing = host.Services.GetRequiredService<IOptions<WindowingOptions>>().Value;
        var beats = new List<BeatByBeatResult>();
        var rates = new List<HeartRateResult>();
        foreach (var path in request.Records)
        {
            var record = CGDmer.Signal.Datasets.WfdbDatasets.Read(path, out _);
            var reference = AnnotationReader.Read(path + ".atr");
            if (!reference.Any(a => a.IsBeat)) continue;   // rhythms only: no beats to score
            var detected = StreamAsTheServiceDoes(MonitoringLead(record.Ecg).Samples, record.SampleRateHz, rate, windowing);
            var annotations = QrsAnnotations(detected);
            AnnotationWriter.Write(Path.Combine(request.OutputDirectory, record.Name + ".stm"), annotations);
            beats.Add(BeatByBeat.Compare(record.Name, reference, annotations, record.SampleRateHz, record.Length, request.Options));
            rates.Add(HeartRateComparison.Compare(record.Name, reference, detected.Select(b => b.Sample).ToArray(), record.SampleRateHz, record.Length, request.Options));
        }
        var report = Ec57Report.Create(request.Options, beats, rates);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"The window stage's beat stream (monitoring lead at {rate} Hz, epochs of {windowing.BeatEpochSeconds:0.#} s, warm-up {windowing.BeatWarmUpSeconds:0.#} s)"));
        Console.Out.Write(Ec57Summary.Format(report));
        File.WriteAllText(Path.Combine(request.OutputDirectory, "beat-stream.json"), report.ToJson());
    }

    /// <summary>The beat stream of one lead as the window stage runs it, on the lead's own sample clock (see <see cref="ScoreBeatStream"/>).</summary>
    internal static ClassifiedBeat[] StreamAsTheServiceDoes(float[] samples, double sampleRateHz, int modelRateHz, WindowingOptions options)
    {
        var x = CGDmer.Signal.Dsp.Resampler.Resample(samples, sampleRateHz, modelRateHz);
        var stream = new EpochAnchoredBeatStream(modelRateHz, (int)Math.Round(options.BeatEpochSeconds * modelRateHz),
                                                 (int)Math.Round(options.BeatWarmUpSeconds * modelRateHz));
        var beats = new List<ClassifiedBeat>();
        for (int i = 0; i < x.Length; i += modelRateHz) stream.Feed(i, x.AsSpan(i, Math.Min(modelRateHz, x.Length - i)), beats);
        stream.Flush(beats);
        return [.. beats.Select(b => b with { Sample = (long)Math.Round(b.Sample * sampleRateHz / modelRateHz) })];
    }

    private const string VtRhythm = "(VT";

    /// <summary>The ventricular runs' episode table, in the form of the EC57 episode tables.</summary>
    internal static string FormatRuns(IReadOnlyList<EpisodeResult> runs)
    {
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Ventricular runs of the streaming beat classes (monitoring lead; {VentricularRuns.MinBeats} or more V beats, each RR ≤ {VentricularRuns.MaxRrSeconds:0.##} s) against the reference {VtRhythm} episodes"));
        Ec57Summary.Format(sb, EpisodeSummary.Of(VtRhythm, runs));
        sb.AppendLine();
        return sb.ToString();
    }

    /// <summary>Classified beats as WFDB annotations: N for a normal beat, V for a ventricular one.</summary>
    internal static Annotation[] QrsAnnotations(IEnumerable<ClassifiedBeat> beats) =>
        [.. beats.Select(b => b.Type == BeatType.Ventricular
            ? new Annotation(b.Sample, "V", AnnotationCodes.Pvc, 0, 0, 0, null)
            : new Annotation(b.Sample, "N", AnnotationCodes.Normal, 0, 0, 0, null))];

    /// <summary>Unclassified beats as a WFDB annotation file (every beat coded N).</summary>
    internal static void WriteQrs(string path, IEnumerable<long> beats) =>
        AnnotationWriter.Write(path, beats.Select(s => new Annotation(s, "N", AnnotationCodes.Normal, 0, 0, 0, null)));

    /// <summary>Lead II (MLII) when the record has it, as monitors show it; else its first ECG lead.</summary>
    internal static EcgChannel MonitoringLead(EcgRecord ecg) =>
        ecg.Channels.FirstOrDefault(c => c.Lead == Lead.II) ?? ecg.Channels.FirstOrDefault(c => c.Lead is not null) ?? ecg.Channels[0];

    /// <summary>Beats of <see cref="StreamingBeatClassifier"/> fed one second at a time, as a monitor's segments arrive.</summary>
    internal static ClassifiedBeat[] DetectStreaming(float[] samples, double sampleRateHz)
    {
        var classifier = new StreamingBeatClassifier(sampleRateHz);
        var beats = new List<ClassifiedBeat>();
        int second = Math.Max(1, (int)Math.Round(sampleRateHz));
        for (int i = 0; i < samples.Length; i += second)
            classifier.Process(samples.AsSpan(i, Math.Min(second, samples.Length - i)), beats);
        classifier.Flush(beats);
        return [.. beats];
    }

    /// <summary>Replays the records through the pipeline and scores its AF and VT alerts against the annotated episodes.</summary>
    private static void ScoreAlarms(ParseResult pr, EvaluateRequest request, List<EpisodeResult> episodes, List<AlarmTimingResult> timing,
                                    List<HeartRateAlarmResult> rateAlarms)
    {
        using var host = BuildHost(pr);
        var o = host.Services.GetRequiredService<IOptions<Pipeline.Interpretation.InterpretationOptions>>().Value;
        var limits = new HeartRateAlarmLimits(o.HeartRateHighAboveBpm, o.HeartRateLowBelowBpm, o.HeartRateHysteresisBpm, o.AsystoleAfterSeconds);
        var replay = new ReplayRequest(request.Records, 0, 120, 1, 1, Transports.Replay.ReplayPace.AsFastAsPossible, 1, 1,
                                       Path.Combine(request.OutputDirectory, "replay"));
        var patients = ReplayJob.BuildPatients(replay, out var references, host.Services.GetRequiredService<IOptions<SegmentValidationOptions>>().Value);
        var summary = ReplayJob.Run(host.Services, replay, patients, references, print: false);
        for (int i = 0; i < patients.Count; i++)
        {
            // One patient per record, in order (no copies, no synthetic patients).
            var (patient, path) = (patients[i], request.Records[i]);
            var reference = AnnotationReader.Read(path + ".atr");
            double fs = patient.Recording.SampleRateHz;
            long length = patient.Recording.Length;
            long Sample(DateTimeOffset t) => (long)Math.Round((t - patient.StartTime).TotalSeconds * fs);
            // Each alert of a code: its extent (onset to end) and when it was raised, on the record's sample clock.
            List<(Episode Extent, long RaisedAt)> Alarms(string code) =>
                [.. summary.AlertIntervals(patient.PatientId, code).Select(a => Episode.FromTimes(a.Onset, a.End, patient.StartTime, fs))
                    .Zip(summary.AlertRaisedTimes(patient.PatientId, code).Select(Sample))];
            foreach (var (rhythm, code) in new[] { ("(AFIB", EcgLabels.AtrialFibrillation.Key), ("(VT", EcgLabels.VentricularTachycardia.Key) })
            {
                var alarms = Alarms(code);
                episodes.Add(EpisodeComparison.Compare(patient.Recording.Name, rhythm, reference, [.. alarms.Select(a => a.Extent)], fs, length, request.Options));
                timing.Add(AlarmTiming.Compare(patient.Recording.Name, rhythm, EpisodeComparison.ReferenceEpisodes(reference, rhythm, length), alarms, fs));
            }
            // A monitor without VT detection alarms VT by its rate: the heart_rate_high alarms against the VT episodes.
            timing.Add(AlarmTiming.Compare(patient.Recording.Name, "VT:HR", EpisodeComparison.ReferenceEpisodes(reference, "(VT", length),
                                           Alarms(Pipeline.Interpretation.AlertVocabulary.HeartRateHigh), fs));
            foreach (var code in Pipeline.Interpretation.AlertVocabulary.HeartRateCodes)
            {
                var alarms = Alarms(code);
                rateAlarms.Add(HeartRateAlarmAgreement.Compare(patient.Recording.Name, code, reference, alarms.Select(a => a.RaisedAt), fs, length, limits));
                // Time to alarm from each stretch the reference beats themselves put beyond the limit for 10 s or more.
                timing.Add(AlarmTiming.Compare(patient.Recording.Name, TimingLabel(code),
                                               HeartRateAlarmAgreement.ReferenceEpisodes(code, reference, fs, length, limits), alarms, fs));
            }
        }
    }

    private static void WriteJson<T>(EvaluateRequest request, string name, T value) =>
        File.WriteAllText(Path.Combine(request.OutputDirectory, name),
            System.Text.Json.JsonSerializer.Serialize(value, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true }));

    private static IHost BuildHost(ParseResult pr)
    {
        var host = ServiceComposition.CreateBuilder(pr.GetValue(CommonOptions.ConfigOption)?.FullName, CommonOptions.Overrides(pr), LogLevel.Warning).Build();
        if (!CommonOptions.ReportInvalidOptions(host.Services))
        {
            host.Dispose();
            throw new ArgumentException("invalid settings (listed above)");
        }
        return host;
    }

    /// <summary>Where each alarm signal's onset falls in the 5 s hop of the window grid: the time to alarm depends on it.</summary>
    internal static readonly double[] OnsetPhasesSeconds = [0, 1.25, 2.5, 3.75];

    /// <summary>
    /// Replays IEC 60601-2-27 signals through the service built from <paramref name="services"/>, as a monitor sending
    /// leads II and V1 in 1 s segments. First the heart rate the service publishes for the physiological bigeminy of the
    /// meter suite; then, for each alarm signal (<see cref="CGDmer.Evaluation.Iec60601.AlarmTestSignals"/>), the time
    /// from the onset of its condition to the onset event of the alert it should raise (when that event was observed:
    /// the end of the window that raised it). Each alarm signal is replayed with its onset at each of
    /// <see cref="OnsetPhasesSeconds"/> into the window grid; the figure is the worst of them (null if one never alarmed).
    /// The replay's files go to <paramref name="outputDirectory"/>.
    /// </summary>
    internal static IReadOnlyList<CGDmer.Evaluation.Iec60601.HeartRateMeterResult> ServiceIecSuite(IServiceProvider services, string outputDirectory)
    {
        var signals = CGDmer.Evaluation.Iec60601.AlarmTestSignals.Create();
        var patients = new List<Transports.Replay.RecordingSegmenter>();
        var starts = new List<DateTimeOffset>();
        for (int i = 0; i < signals.Count; i++)
        {
            var recording = Simulation.SyntheticRecording.From(signals[i].Ecg, $"iec-alarm-{i + 1}", [Lead.II, Lead.V1]);
            for (int k = 0; k < OnsetPhasesSeconds.Length; k++)
            {
                // The grid is absolute: moving the start back moves the onset later into its hop.
                var start = ReplayCommand.DefaultStart.AddSeconds(-OnsetPhasesSeconds[k]);
                patients.Add(new Transports.Replay.RecordingSegmenter(recording, $"iec-alarm-{i + 1}-{k + 1}", $"iec-monitor-{i + 1:D2}{k + 1}", start));
                starts.Add(start);
            }
        }
        // The physiological bigeminy of the meter suite, as a monitor sends it: the heart rate the service publishes.
        var (bigeminy, truth) = CGDmer.Evaluation.Iec60601.HeartRateMeterSuite.PhysiologicalBigeminy(3);
        patients.Add(new Transports.Replay.RecordingSegmenter(Simulation.SyntheticRecording.From(bigeminy, "iec-bigeminy", [Lead.II, Lead.V1]),
                                                              "iec-bigeminy", "iec-monitor-bigeminy", ReplayCommand.DefaultStart));
        var request = new ReplayRequest([], 0, 120, 1, 1, Transports.Replay.ReplayPace.AsFastAsPossible, 1, 1, outputDirectory);
        var summary = ReplayJob.Run(services, request, patients, new Dictionary<string, CGDmer.Evaluation.RecordReference>(), print: false);
        var results = new List<CGDmer.Evaluation.Iec60601.HeartRateMeterResult>();
        const double tolerance = 5;
        var shown = summary.HeartRates("iec-bigeminy").Where(h => h.Start >= ReplayCommand.DefaultStart.AddSeconds(20)).ToList();
        double? error = shown.Count == 0 ? null : shown.Max(h => Math.Abs(h.Bpm - truth));
        results.Add(new(string.Create(CultureInfo.InvariantCulture, $"physiological bigeminy, leads II and V1 (mean rate {truth:F0} /min)"),
            $"every published heart rate from 20 s on within ±{tolerance} /min of the mean rate", error, "/min", tolerance, error <= tolerance));
        double limit = CGDmer.Evaluation.Iec60601.AlarmTestSignals.AlarmLimitSeconds;
        for (int i = 0; i < signals.Count; i++)
        {
            var s = signals[i];
            var times = new List<double?>();
            for (int k = 0; k < OnsetPhasesSeconds.Length; k++)
            {
                int p = i * OnsetPhasesSeconds.Length + k;
                times.Add(summary.AlertRaisedTimes(patients[p].PatientId, s.AlertCode)
                    .Select(r => (r - starts[p]).TotalSeconds - s.OnsetSeconds).Where(d => d >= 0).Order().Select(d => (double?)d).FirstOrDefault());
            }
            double? worst = times.Any(t => t is null) ? null : times.Max();
            string spread = times.Any(t => t is null) ? "" : string.Create(CultureInfo.InvariantCulture, $", best {times.Min():F1} s");
            results.Add(new($"{s.Test}{spread}", $"{s.AlertCode} alert raised in < {limit} s (worst of {OnsetPhasesSeconds.Length} onset phases)", worst, "s", limit, worst < limit));
        }
        return results;
    }

    internal static string FormatTiming(IReadOnlyList<AlarmTimingResult> timing)
    {
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine("Time to alarm (from each annotated episode's onset, learning period included, to when the first alert overlapping it was raised)");
        sb.AppendLine($"{"Record",-8} {"Rhythm",-6} {"Episodes",8} {"Alarmed",8} {"Median s",9} {"Worst s",8}");
        foreach (var group in timing.GroupBy(t => t.Rhythm))
        {
            foreach (var t in group.Where(t => t.Episodes > 0)) sb.AppendLine(Row(t));
            sb.AppendLine(Row(AlarmTimingResult.Gross(group.Key, group)));
        }
        return sb.ToString();

        static string Row(AlarmTimingResult t) => string.Create(CultureInfo.InvariantCulture,
            $"{t.Record,-8} {t.Rhythm,-6} {t.Episodes,8} {t.Alarmed,8} {Seconds(t.MedianSeconds),9} {Seconds(t.WorstSeconds),8}");

        static string Seconds(double? s) => s is { } x ? x.ToString("F1", CultureInfo.InvariantCulture) : "—";
    }

    /// <summary>The timing table's rhythm column for a heart-rate alarm (six characters at most).</summary>
    private static string TimingLabel(string code) => code switch
    {
        "heart_rate_high" => "HR>lim",
        "heart_rate_low" => "HR<lim",
        _ => "ASYS",
    };

    internal static string FormatRateAlarms(IReadOnlyList<HeartRateAlarmResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine("Heart-rate alarms (each onset checked against the rate of the reference beats when it was raised)");
        sb.AppendLine($"{"Record",-8} {"Alarm",-16} {"Onsets",7} {"Confirmed",10} {"+P",7} {"Unconfirmed /h",15}");
        foreach (var group in results.GroupBy(r => r.Code))
        {
            foreach (var r in group.Where(r => r.Onsets > 0)) sb.AppendLine(Row(r));
            sb.AppendLine(Row(HeartRateAlarmResult.Gross(group.Key, group)));
        }
        return sb.ToString();

        static string Row(HeartRateAlarmResult r) => string.Create(CultureInfo.InvariantCulture,
            $"{r.Record,-8} {r.Code,-16} {r.Onsets,7} {r.Confirmed,10} {(r.PositivePredictivity is { } p ? (100 * p).ToString("F1", CultureInfo.InvariantCulture) + "%" : "—"),7} {r.UnconfirmedPerHour,15:F2}");
    }

    internal static string FormatIec(IReadOnlyList<CGDmer.Evaluation.Iec60601.HeartRateMeterResult> results,
        string title = "IEC 60601-2-27 heart-rate meter (synthesized and idealised test signals; streaming detector, 8-interval trimmed mean)")
    {
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine(title);
        foreach (var r in results)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Test,-46} {(r.Value is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) : "never"),7} {r.Unit,-5} {(r.Passed ? "pass" : "FAIL"),-5} {r.Requirement}"));
        return sb.ToString();
    }
}
