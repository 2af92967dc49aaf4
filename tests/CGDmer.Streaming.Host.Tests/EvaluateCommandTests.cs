using CGDmer.Evaluation.Ec57;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Streaming.Host.Tests;

public sealed class EvaluateCommandTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("cgdmer-evaluate-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    private static string Record(string name) => HostFixture.Asset("mitbih", name);

    [Fact]
    public void Writes_the_streaming_detectors_classified_beats_as_a_qrs_file_that_reads_back_and_scores_them()
    {
        var request = new EvaluateRequest([Record("201")], _out, Ec57Options.Default, Alarms: false);
        var (beats, rate, runs, runTiming) = EvaluateCommand.ScoreBeats(Record("201"), request);
        var written = AnnotationReader.Read(Path.Combine(_out, "201.qrs"));
        var record = WfdbReader.Read(Record("201"));
        var detected = EvaluateCommand.DetectStreaming(EvaluateCommand.MonitoringLead(record.Ecg).Samples, record.SampleRateHz);
        Assert.Equal(detected.Select(b => b.Sample), written.Select(a => a.Sample));
        Assert.Equal(detected.Select(b => b.Type == CGDmer.Signal.Beats.BeatType.Ventricular ? "V" : "N"), written.Select(a => a.Symbol));
        Assert.Contains(written, a => a.Symbol == "V");
        Assert.NotNull(beats);
        Assert.NotNull(rate);
        Assert.True(beats.Qrs.Sensitivity > 0.97 && beats.Qrs.PositivePredictivity > 0.99, $"{beats.Qrs}");
        // The beat classes are scored as bxb scores them: 201's PVCs.
        Assert.NotNull(beats.Veb);
        Assert.True(beats.Veb.Sensitivity > 0.95 && beats.Veb.PositivePredictivity > 0.75, $"{beats.Veb}");
        Assert.True(rate.Steps > 0);
        // 201 has no annotated VT: its runs table is scored (and any run the classes make is a false one).
        Assert.Equal(0, runs.ReferenceEpisodes);
        Assert.Equal(0, runTiming.Episodes);
    }

    [Fact]
    public void Scores_the_ventricular_runs_of_the_beat_classes_against_the_reference_VT_episodes()
    {
        // 203's reference holds runs of VT among its multiform PVCs.
        var request = new EvaluateRequest([Record("203")], _out, Ec57Options.Default, Alarms: false);
        var (_, _, runs, timing) = EvaluateCommand.ScoreBeats(Record("203"), request);
        Assert.True(runs.ReferenceEpisodes > 5, $"{runs}");
        Assert.True(runs.ReferenceEpisodesDetected > runs.ReferenceEpisodes / 2, $"{runs}");
        Assert.True(timing.Alarmed > 0 && timing.WorstSeconds < 11, $"{timing.Alarmed} of {timing.Episodes}, worst {timing.WorstSeconds} s");
        Assert.Contains("(VT", EvaluateCommand.FormatRuns([runs]));
    }

    [Fact]
    public void A_reference_with_rhythms_only_scores_the_episodes_but_no_beats_or_heart_rate()
    {
        // As a MIT-BIH AF Database record: 203's .atr without its beats (its VT episodes are rhythm annotations).
        var dir = Directory.CreateTempSubdirectory("cgdmer-rhythms-").FullName;
        try
        {
            foreach (var ext in new[] { ".hea", ".dat" }) File.Copy(Record("203") + ext, Path.Combine(dir, "203" + ext));
            AnnotationWriter.Write(Path.Combine(dir, "203.atr"), AnnotationReader.Read(Record("203") + ".atr").Where(a => a.Rhythm is not null));
            var request = new EvaluateRequest([Path.Combine(dir, "203")], _out, Ec57Options.Default, Alarms: false);
            var (beats, rate, runs, _) = EvaluateCommand.ScoreBeats(Path.Combine(dir, "203"), request);
            Assert.Null(beats);   // not a +P of 0 against no reference
            Assert.Null(rate);
            var full = EvaluateCommand.ScoreBeats(Record("203"), request with { Records = [Record("203")] }).Runs;
            Assert.Equal(full.ReferenceEpisodes, runs.ReferenceEpisodes);
            Assert.Equal(full.ReferenceEpisodesDetected, runs.ReferenceEpisodesDetected);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void The_monitoring_lead_is_lead_II_when_the_record_has_it()
    {
        var record = WfdbReader.Read(Record("201"));
        Assert.Equal(CGDmer.Signal.Lead.II, EvaluateCommand.MonitoringLead(record.Ecg).Lead);
    }

    [Fact]
    public void The_verb_prints_the_EC57_tables_with_alarm_timing_and_writes_its_report()
    {
        int code = EvaluateCommand.Create().Parse(["--record", Record("201"), "--out", _out, "--set", $"Model:Path={HostFixture.Asset("cgdmer-small.onnx")}",
                                                   "--set", "Metrics:Enabled=false"]).Invoke();
        Assert.Equal(0, code);
        var report = Ec57Report.FromJson(File.ReadAllText(Path.Combine(_out, "ec57.json")));
        Assert.Equal("201", Assert.Single(report.Beats!.Records).Record);
        var af = Assert.Single(report.Episodes, e => e.Rhythm == "(AFIB");
        Assert.True(af.Gross.ReferenceEpisodes > 0);
        Assert.True(File.Exists(Path.Combine(_out, "replay", "alerts.ndjson")));
    }

    [Fact]
    public void A_record_without_reference_annotations_is_refused_naming_it()
    {
        var bare = Path.Combine(_out, "bare");
        File.Copy(Record("201") + ".hea", bare + ".hea");
        var pr = EvaluateCommand.Create().Parse(["--record", bare]);
        var e = Assert.Throws<FileNotFoundException>(() => EvaluateCommand.BuildRequest(pr));
        Assert.Contains("bare", e.Message);
        Assert.Contains(".atr", e.Message);
        Assert.Equal(2, pr.Invoke());
    }

    [Fact]
    public void Replay_writes_the_records_beats_as_qrs_files_on_request()
    {
        int code = ReplayCommand.Create().Parse(["--record", Record("201"), "--qrs", "--out", _out, "--set", $"Model:Path={HostFixture.Asset("cgdmer-small.onnx")}",
                                                 "--set", "Metrics:Enabled=false"]).Invoke();
        Assert.Equal(0, code);
        var beats = AnnotationReader.Read(Path.Combine(_out, "201.qrs"));
        Assert.InRange(beats.Count, 1900, 2000);   // record 201 has 1,963 annotated beats
        Assert.All(beats, b => Assert.True(b.IsBeat));
        // The beats the service counted, against the reference within 150 ms (one-to-one pairing aside).
        var service = AnnotationReader.Read(Path.Combine(_out, "201.svc"));
        var reference = AnnotationReader.Beats(AnnotationReader.Read(Record("201") + ".atr")).Select(a => a.Sample).ToArray();
        Assert.Equal(service.Select(b => b.Sample).Order(), service.Select(b => b.Sample));
        int found = reference.Count(r => service.Any(b => Math.Abs(r - b.Sample) <= 54));   // 150 ms at 360 Hz
        int real = service.Count(b => reference.Any(r => Math.Abs(r - b.Sample) <= 54));
        // A guard below the measured figure: the beat stream (model 0.5.0 measures on it) counts fewer of 201's fast AF beats.
        Assert.True(found >= 0.97 * reference.Length, $"{found} of {reference.Length} reference beats found");
        Assert.True(real >= 0.99 * service.Count, $"{real} of {service.Count} service beats near a reference one");
    }

    [Fact]
    public void A_bad_learning_period_is_refused() =>
        Assert.Equal(2, EvaluateCommand.Create().Parse(["--record", Record("201"), "--learning-seconds", "-1", "--no-alarms", "--out", _out]).Invoke());
}

public sealed class CheckConfigCommandTests
{
    private static int Check(params string[] args) =>
        CheckConfigCommand.Create().Parse([.. args, "--set", $"Model:Path={HostFixture.Asset("cgdmer-small.onnx")}"]).Invoke();

    [Fact]
    public void Valid_settings_pass_and_connect_to_nothing() =>
        Assert.Equal(0, Check("--set", "Kafka:BootstrapServers=broker.invalid:9092", "--set", "FhirServer:BaseUrl=http://fhir.invalid/fhir"));

    [Fact]
    public void A_misspelt_setting_or_a_missing_broker_list_fails()
    {
        Assert.Equal(2, Check("--set", "Kafka:BootstrapServers=b:9092", "--set", "Batching:MaxBatchSiz=4"));
        Assert.Equal(2, Check());
        Assert.Equal(2, Check("--set", "Kafka:BootstrapServers=b:9092", "--set", "Bacthing:MaxBatchSize=4"));
    }
}
