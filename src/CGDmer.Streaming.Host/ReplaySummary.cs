using CGDmer.Evaluation;
using System.Text.Json;
using CGDmer.Contracts.Model;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Transports.Files;
using CGDmer.Transports.Replay;
using Spectre.Console;

namespace CGDmer.Streaming.Host;

/// <summary>Per-patient tallies of a replay, its summary table, and the agreement with reference annotations.</summary>
public sealed class ReplaySummary(ModelMetadata model, IReadOnlyList<RecordingSegmenter> patients, IReadOnlyDictionary<string, RecordReference> references)
{
    private sealed class Patient
    {
        public int Windows, Analyzable, NoSignal, Suppressed;
        public readonly List<(DateTimeOffset Start, DateTimeOffset End, double Bpm)> HeartRates = [];
        public readonly Dictionary<string, int> FindingWindows = [];
        /// <summary>One entry per alert (by alertId, in onset order); End is set by its end event.</summary>
        public readonly List<AlertSpan> Alerts = [];
        public readonly Dictionary<string, int> AlertIndex = new(StringComparer.Ordinal);
        public DateTimeOffset LastWindowEnd;
        /// <summary>The service's beats, absolute ticks: each window contributes those nearer its centre than a neighbour's.</summary>
        public readonly List<long> BeatTicks = [];
        public DateTimeOffset? FirstWindowStart;
        /// <summary>The previous window's beats (ticks) and centre, committed up to the midpoint with the next window's centre.</summary>
        public long[] PendingBeats = [];
        public long PendingCentre;
        public long CommittedUntil = long.MinValue;
    }

    /// <summary>
    /// Adds a window's beats (absolute ticks). A beat counts once, from the window whose centre is nearest: the previous
    /// window's beats are committed up to the midpoint between the two centres, away from both windows' edges.
    /// </summary>
    private static void TileBeats(Patient p, CGDmer.Pipeline.Windowing.EcgWindow window, IReadOnlyList<int> beatSamples)
    {
        long start = window.Start.UtcTicks, centre = start + (window.End.UtcTicks - start) / 2;
        double ticksPerSample = TimeSpan.TicksPerSecond / window.Geometry.SampleRateHz;
        if (p.FirstWindowStart is null) p.FirstWindowStart = window.Start;
        else CommitPending(p, (p.PendingCentre + centre) / 2);
        var ticks = new long[beatSamples.Count];
        for (int i = 0; i < ticks.Length; i++) ticks[i] = start + (long)Math.Round(beatSamples[i] * ticksPerSample);
        p.PendingBeats = ticks;
        p.PendingCentre = centre;
    }

    /// <summary>Commits the pending window's beats in [what was committed, <paramref name="until"/>).</summary>
    private static void CommitPending(Patient p, long until)
    {
        foreach (long t in p.PendingBeats)
            if (t >= p.CommittedUntil && t < until) p.BeatTicks.Add(t);
        p.CommittedUntil = Math.Max(p.CommittedUntil, until);
        p.PendingBeats = [];
    }

    private readonly Dictionary<string, Patient> _patients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RecordAgreement> _agreements = new(StringComparer.Ordinal);
    private long _rejected;
    private TimeSpan _elapsed;
    private NdjsonPipelineSink? _sink;

    public long RejectedSegments => _rejected;
    /// <summary>What the second sink (HL7) acknowledged, when the replay had one.</summary>
    public DeliveryTally? AlsoDelivered { get; internal set; }
    public int Windows => _patients.Values.Sum(p => p.Windows);
    public TimeSpan Elapsed => _elapsed;
    /// <summary>Agreement with the annotations, per patient that has them (after <see cref="Finish"/>).</summary>
    public IReadOnlyDictionary<string, RecordAgreement> Agreements => _agreements;
    /// <summary>Alert onsets per patient and code.</summary>
    public int AlertOnsets(string patientId, string code) =>
        _patients.TryGetValue(patientId, out var p) ? p.Alerts.Count(a => a.Code == code) : 0;
    /// <summary>Per label key, the number of the patient's windows in which it was a present finding.</summary>
    public IReadOnlyDictionary<string, int> FindingWindows(string patientId) =>
        _patients.TryGetValue(patientId, out var p) ? p.FindingWindows : new Dictionary<string, int>();
    /// <summary>The codes of the patient's alerts of one kind ("clinical", "technical").</summary>
    public IReadOnlyList<string> AlertCodes(string patientId, string kind) =>
        _patients.TryGetValue(patientId, out var p) ? p.Alerts.Where(a => a.Kind == kind).Select(a => a.Code).Distinct().ToList() : [];
    /// <summary>The beats the service's windows counted (absolute ticks, ascending): each window's fused beats nearer its centre than a neighbour's. Complete after <see cref="Finish"/>.</summary>
    public IReadOnlyList<long> BeatTicks(string patientId) => _patients.TryGetValue(patientId, out var p) ? p.BeatTicks : [];
    /// <summary>The patient's published heart rates: each window's span and rate.</summary>
    public IReadOnlyList<(DateTimeOffset Start, DateTimeOffset End, double Bpm)> HeartRates(string patientId) =>
        _patients.TryGetValue(patientId, out var p) ? p.HeartRates : [];
    public int WindowCount(string patientId) => _patients.TryGetValue(patientId, out var p) ? p.Windows : 0;
    /// <summary>The patient's alert intervals for <paramref name="code"/>: onset to end, or to the last window while active.</summary>
    public IReadOnlyList<(DateTimeOffset Onset, DateTimeOffset End)> AlertIntervals(string patientId, string code) =>
        _patients.TryGetValue(patientId, out var p) ? Intervals(p, code) : [];
    /// <summary>When each of the patient's <paramref name="code"/> alerts was raised, in onset order (pairs with <see cref="AlertIntervals"/>).</summary>
    public IReadOnlyList<DateTimeOffset> AlertRaisedTimes(string patientId, string code) =>
        _patients.TryGetValue(patientId, out var p) ? p.Alerts.Where(a => a.Code == code).Select(a => a.RaisedAt).ToList() : [];

    public void Add(PipelineOutput output)
    {
        if (output.Rejected is { } rejected)
        {
            if (!rejected.IsNotice) _rejected++;   // a notice (a device's new epoch) rejected nothing
            return;
        }
        if (output.Published is not { } published) return;   // input settlement only
        var window = published.Window;
        if (!_patients.TryGetValue(window.PatientId, out var p)) _patients[window.PatientId] = p = new Patient();
        p.Windows++;
        if (window.IsAnalyzable) p.Analyzable++; else p.NoSignal++;
        if (published.Interpreted.ClinicalSuppressedReason is not null) p.Suppressed++;
        if (window.End > p.LastWindowEnd) p.LastWindowEnd = window.End;
        if (published.Interpreted.Analyzed.Measurement.HeartRateBpm is { } hr) p.HeartRates.Add((window.Start, window.End, hr));
        TileBeats(p, window, published.Interpreted.Analyzed.Measurement.FusedBeatSamples);
        foreach (var f in published.Interpreted.Findings)
            if (f.Present) p.FindingWindows[f.Label.Key] = p.FindingWindows.GetValueOrDefault(f.Label.Key) + 1;
        foreach (var alert in published.Alerts) Track(p, alert);
    }

    private sealed class AlertSpan(string kind, string code, DateTimeOffset onset, DateTimeOffset raisedAt)
    {
        public string Kind { get; } = kind;
        public string Code { get; } = code;
        public DateTimeOffset Onset { get; } = onset;
        /// <summary>When the onset event was raised (its window's observation time): what a time to alarm measures.</summary>
        public DateTimeOffset RaisedAt { get; } = raisedAt;
        public DateTimeOffset? End { get; set; }
    }

    private static void Track(Patient p, AlertEvent alert)
    {
        if (alert.Event == "onset")
        {
            p.AlertIndex[alert.AlertId] = p.Alerts.Count;
            p.Alerts.Add(new AlertSpan(alert.Kind, alert.Code, alert.Onset, alert.ObservedAt));
        }
        else if (alert.Event == "end" && p.AlertIndex.TryGetValue(alert.AlertId, out int i))
            p.Alerts[i].End = alert.End;
    }

    /// <summary>Alert intervals of a patient for <paramref name="code"/>: onset to end, or to the last window for alerts still active.</summary>
    private static List<(DateTimeOffset, DateTimeOffset)> Intervals(Patient p, string code) =>
        p.Alerts.Where(a => a.Code == code).Select(a => (a.Onset, a.End ?? p.LastWindowEnd)).ToList();

    /// <summary>Computes the agreements and writes summary.json next to the NDJSON files.</summary>
    public void Finish(TimeSpan elapsed, NdjsonPipelineSink sink)
    {
        _elapsed = elapsed;
        _sink = sink;
        foreach (var p in _patients.Values) CommitPending(p, long.MaxValue);
        foreach (var (patient, reference) in references)
            if (_patients.TryGetValue(patient, out var p))
                _agreements[patient] = RecordAgreement.Compute(reference, p.HeartRates, Intervals(p, "atrial_fibrillation"),
                    [.. p.Alerts.Where(a => a.Code == "atrial_fibrillation").Select(a => a.RaisedAt)],
                    p.FirstWindowStart is { } first ? (p.BeatTicks, first, p.LastWindowEnd) : null);
        WriteJson(sink);
    }

    public void Print()
    {
        var sink = _sink ?? throw new InvalidOperationException("Finish first");
        var elapsed = _elapsed;
        var table = new Table().Title($"[bold]replay[/] — {model.ModelName} {model.ModelVersion}");
        table.AddColumns("patient", "ECG", "windows", "no signal", "median HR", "findings (windows)", "clinical alerts", "heart-rate alerts", "technical alerts");
        double ecgSeconds = 0;
        foreach (var seg in patients)
        {
            ecgSeconds += seg.Recording.Duration.TotalSeconds;
            _patients.TryGetValue(seg.PatientId, out var p);
            p ??= new Patient();
            var hrs = p.HeartRates.Select(h => h.Bpm).Order().ToList();
            string findings = string.Join(", ", p.FindingWindows.OrderByDescending(kv => kv.Value).Take(3).Select(kv => $"{kv.Key} {kv.Value}"));
            string clinical = string.Join(", ", p.Alerts.Where(a => a.Kind == "clinical").GroupBy(a => a.Code).Select(g => $"{g.Key} ×{g.Count()}"));
            string heartRate = string.Join(", ", p.Alerts.Where(a => a.Kind == "heart_rate").GroupBy(a => a.Code).Select(g => $"{g.Key} ×{g.Count()}"));
            string technical = string.Join(", ", p.Alerts.Where(a => a.Kind == "technical").GroupBy(a => a.Code).Select(g => $"{g.Key} ×{g.Count()}"));
            table.AddRow(Markup.Escape(seg.PatientId), $"{seg.Recording.Duration.TotalMinutes:F1} min", p.Windows.ToString(), p.NoSignal.ToString(),
                hrs.Count > 0 ? $"{hrs[hrs.Count / 2]:F0} /min" : "—", Markup.Escape(findings == "" ? "—" : findings),
                Markup.Escape(clinical == "" ? "—" : clinical), Markup.Escape(heartRate == "" ? "—" : heartRate), Markup.Escape(technical == "" ? "—" : technical));
        }
        AnsiConsole.Write(table);

        if (_agreements.Count > 0)
        {
            var check = new Table().Title("[bold]agreement with the reference annotations[/]");
            check.AddColumns("patient", "QRS Se / +P", "HR windows", "HR error mean / median", "within 5 /min", "annotated AF", "AF alert covers", "AF alert outside AF", "AF alert onsets (outside AF)", "AF time to alarm median / worst (missed)");
            foreach (var (patient, a) in _agreements)
            {
                check.AddRow(Markup.Escape(patient),
                    a.QrsSensitivity is { } se ? $"{Percent(se, "P2")} / {Percent(a.QrsPositivePredictivity, "P2")}" : "—",
                    a.HeartRateWindows.ToString(),
                    a.HeartRateMeanAbsError is { } mae ? $"{mae:F1} / {a.HeartRateMedianAbsError:F1} /min" : "—",
                    a.HeartRateWithin5Bpm is { } w ? $"{w:P0}" : "—",
                    $"{a.AfAnnotatedSeconds / 60:F1} min",
                    a.AfTimeSensitivity is { } s ? $"{s:P0}" : "—",
                    a.AfFalseAlertFraction is { } f ? $"{f:P1} of non-AF time" : "—",
                    $"{a.AfAlertOnsets} ({a.AfAlertOnsetsOutsideAf})",
                    a.AfTimesToAlarmSeconds.Count > 0
                        ? $"{a.AfTimeToAlarmMedianSeconds:F1} / {a.AfTimesToAlarmSeconds.Max():F1} s ({a.AfEpisodesMissed})"
                        : a.AfEpisodesMissed > 0 ? $"— ({a.AfEpisodesMissed})" : "—");
            }
            AnsiConsole.Write(check);
            if (Pooled() is { } all)
                AnsiConsole.MarkupLineInterpolated(
                    $"QRS complexes of the service's windows (each beat once, matched within 150 ms): Se {Percent(all.QrsSensitivity, "P2")}, +P {Percent(all.QrsPositivePredictivity, "P2")} of {all.QrsReferenceBeats} reference beats. AF alerts over {_agreements.Count} annotated records: duration sensitivity {Percent(all.AfTimeSensitivity)}, positive predictivity {Percent(all.AfAlertPositivePredictivity)}, active during {Percent(all.AfFalseAlertFraction, "P2")} of non-AF time ({all.FalseAfAlertMinutesPerHour:F2} min per hour); time to alarm {(all.AfTimesToAlarmSeconds.Count > 0 ? $"median {all.AfTimeToAlarmMedianSeconds:F1} s, worst {all.AfTimesToAlarmSeconds.Max():F1} s" : "—")}, {all.AfEpisodesMissed} AF episode(s) not alarmed");
        }

        int windows = _patients.Values.Sum(p => p.Windows);
        AnsiConsole.MarkupLineInterpolated(
            $"{windows} windows from {ecgSeconds / 3600:F2} h of ECG in {elapsed.TotalSeconds:F1} s ({windows / Math.Max(elapsed.TotalSeconds, 1e-9):F0} windows/s, {ecgSeconds / Math.Max(elapsed.TotalSeconds, 1e-9):F0}× real time); {_rejected} segments rejected");
        AnsiConsole.MarkupLineInterpolated($"[grey]wrote[/] {sink.ObservationCount} Observations, {sink.AlertCount} alert events, {sink.DeadLetterCount} dead letters to {sink.Directory}");
        if (AlsoDelivered is { } hl7)
            AnsiConsole.MarkupLineInterpolated($"[grey]HL7:[/] {hl7.Accepted} of {hl7.Written} outputs acknowledged, {hl7.Failed} not");

    }

    private static string Percent(double? v, string format = "P1") => v is { } x ? x.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "—";

    /// <summary>The agreement of all annotated records together (times summed), or null when none was annotated.</summary>
    public RecordAgreement? Pooled()
    {
        if (_agreements.Count == 0) return null;
        var a = _agreements.Values.ToList();
        return new RecordAgreement(a.Sum(x => x.HeartRateWindows), null, null, null,
            a.Sum(x => x.AfAnnotatedSeconds), a.Sum(x => x.AfAlertedSecondsInAf), a.Sum(x => x.AfAlertSecondsOutsideAf), a.Sum(x => x.NonAfSeconds),
            a.Sum(x => x.AfAlertOnsets), a.Sum(x => x.AfAlertOnsetsOutsideAf))
        {
            AfTimesToAlarmSeconds = [.. a.SelectMany(x => x.AfTimesToAlarmSeconds)],
            AfEpisodesMissed = a.Sum(x => x.AfEpisodesMissed),
            QrsReferenceBeats = a.Sum(x => x.QrsReferenceBeats), QrsMatched = a.Sum(x => x.QrsMatched), QrsDetected = a.Sum(x => x.QrsDetected),
        };
    }

    private void WriteJson(NdjsonPipelineSink sink)
    {
        var json = new
        {
            model = new { model.ModelName, model.ModelVersion },
            windows = Windows,
            rejectedSegments = _rejected,
            observations = sink.ObservationCount,
            alertEvents = sink.AlertCount,
            elapsedSeconds = _elapsed.TotalSeconds,
            pooledAgreement = Pooled(),
            patients = _patients.ToDictionary(kv => kv.Key, kv => new
            {
                kv.Value.Windows, kv.Value.Analyzable, kv.Value.NoSignal, kv.Value.Suppressed,
                findingWindows = kv.Value.FindingWindows,
                alerts = kv.Value.Alerts.GroupBy(a => a.Code).ToDictionary(g => g.Key, g => g.Count()),
                agreement = _agreements.GetValueOrDefault(kv.Key),
            }),
        };
        PatientDataFile.WriteAllText(Path.Combine(sink.Directory, "summary.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
    }
}
