using System.CommandLine;
using System.Globalization;
using System.Text;
using CGDmer.Evaluation.Ec57;
using CGDmer.Pipeline.Validation;
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
/// <c>evaluate</c>: scores annotated WFDB records the way ANSI/AAMI EC57 does. The streaming beat detector runs over
/// each record's monitoring lead as 1 s segments arrive (as in the service), its beats are written as a WFDB
/// <c>.qrs</c> annotation file (for bxb/epicmp) and compared beat by beat and by heart rate with the <c>.atr</c>
/// reference; the records are then replayed through the whole pipeline and its AF and VT alerts scored as episodes,
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
    private static readonly Option<bool> IecOption = new("--iec") { Description = "Also run the IEC 60601-2-27 heart-rate meter tests on synthesized signals (response, irregular rhythms, tall T waves, tachycardia, asystole)." };

    public static Command Create()
    {
        var cmd = new Command("evaluate", "Score annotated records as ANSI/AAMI EC57 does: beats (QRS Se/+P), heart rate, AF and VT alarm episodes and time to alarm. Writes .qrs files and ec57.json.")
        {
            RecordOption, RecordsDirOption, OutOption, LearningOption, NoAlarmsOption, IecOption,
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
        if (records.Count == 0) records.AddRange(Annotated(Path.Combine("data", "mitbih")));
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
        foreach (var path in request.Records)
        {
            var (beatResult, rateResult) = ScoreBeats(path, request);
            beats.Add(beatResult);
            rates.Add(rateResult);
        }
        var episodes = new List<EpisodeResult>();
        var timing = new List<AlarmTimingResult>();
        if (request.Alarms) ScoreAlarms(pr, request, episodes, timing);

        var report = Ec57Report.Create(request.Options, beats, rates, request.Alarms ? episodes : null);
        Console.Out.Write(Ec57Summary.Format(report));
        if (timing.Count > 0) Console.Out.Write(FormatTiming(timing));
        if (pr.GetValue(IecOption)) Console.Out.Write(FormatIec(CGDmer.Evaluation.Iec60601.HeartRateMeterSuite.Run()));
        File.WriteAllText(Path.Combine(request.OutputDirectory, "ec57.json"), report.ToJson());
        AnsiConsole.MarkupLineInterpolated($"[grey]wrote[/] {request.Records.Count} .qrs files and ec57.json to {request.OutputDirectory}");
        return 0;
    }

    /// <summary>The streaming detector over the record's monitoring lead, fed 1 s at a time; its beats as a .qrs file and scored.</summary>
    internal static (BeatByBeatResult Beats, HeartRateResult HeartRate) ScoreBeats(string path, EvaluateRequest request)
    {
        var record = WfdbReader.Read(path);
        var reference = AnnotationReader.Read(path + ".atr");
        var channel = MonitoringLead(record.Ecg);
        var detected = DetectStreaming(channel.Samples, record.SampleRateHz);
        WriteQrs(Path.Combine(request.OutputDirectory, record.Name + ".qrs"), detected);
        return (BeatByBeat.CompareDetections(record.Name, reference, detected, record.SampleRateHz, record.Length, request.Options),
                HeartRateComparison.Compare(record.Name, reference, detected, record.SampleRateHz, record.Length, request.Options));
    }

    /// <summary>Detected beats as a WFDB annotation file (every beat coded N: the detector does not classify).</summary>
    internal static void WriteQrs(string path, IEnumerable<long> beats) =>
        AnnotationWriter.Write(path, beats.Select(s => new Annotation(s, "N", AnnotationCodes.Normal, 0, 0, 0, null)));

    /// <summary>Lead II (MLII) when the record has it, as monitors show it; else its first ECG lead.</summary>
    internal static EcgChannel MonitoringLead(EcgRecord ecg) =>
        ecg.Channels.FirstOrDefault(c => c.Lead == Lead.II) ?? ecg.Channels.FirstOrDefault(c => c.Lead is not null) ?? ecg.Channels[0];

    /// <summary>Beats of <see cref="StreamingQrsDetector"/> fed one second at a time, as a monitor's segments arrive.</summary>
    internal static long[] DetectStreaming(float[] samples, double sampleRateHz)
    {
        var detector = new StreamingQrsDetector(sampleRateHz);
        var beats = new List<DetectedQrs>();
        int second = Math.Max(1, (int)Math.Round(sampleRateHz));
        for (int i = 0; i < samples.Length; i += second)
            detector.Process(samples.AsSpan(i, Math.Min(second, samples.Length - i)), beats);
        detector.Flush(beats);
        return [.. beats.Select(b => b.Sample)];
    }

    /// <summary>Replays the records through the pipeline and scores its AF and VT alerts against the annotated episodes.</summary>
    private static void ScoreAlarms(ParseResult pr, EvaluateRequest request, List<EpisodeResult> episodes, List<AlarmTimingResult> timing)
    {
        var builder = ServiceComposition.CreateBuilder(pr.GetValue(CommonOptions.ConfigOption)?.FullName, CommonOptions.Overrides(pr), LogLevel.Warning);
        using var host = builder.Build();
        if (!CommonOptions.ReportInvalidOptions(host.Services)) throw new ArgumentException("invalid settings (listed above)");
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
            foreach (var (rhythm, code) in new[] { ("(AFIB", EcgLabels.AtrialFibrillation.Key), ("(VT", EcgLabels.VentricularTachycardia.Key) })
            {
                var alarms = summary.AlertIntervals(patient.PatientId, code)
                    .Select(a => Episode.FromTimes(a.Onset, a.End, patient.StartTime, fs)).ToList();
                var raised = summary.AlertRaisedTimes(patient.PatientId, code)
                    .Select(t => (long)Math.Round((t - patient.StartTime).TotalSeconds * fs)).ToList();
                episodes.Add(EpisodeComparison.Compare(patient.Recording.Name, rhythm, reference, alarms, fs, length, request.Options));
                timing.Add(AlarmTiming.Compare(patient.Recording.Name, rhythm, EpisodeComparison.ReferenceEpisodes(reference, rhythm, length),
                                               alarms.Zip(raised), fs));
            }
        }
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

    internal static string FormatIec(IReadOnlyList<CGDmer.Evaluation.Iec60601.HeartRateMeterResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine("IEC 60601-2-27 heart-rate meter (synthesized and idealised test signals; streaming detector, 8-interval trimmed mean)");
        foreach (var r in results)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Test,-46} {(r.Value is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) : "never"),7} {r.Unit,-5} {(r.Passed ? "pass" : "FAIL"),-5} {r.Requirement}"));
        return sb.ToString();
    }
}
