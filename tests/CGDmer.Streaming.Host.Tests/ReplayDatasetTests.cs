using System.Text.Json;
using CGDmer.Transports.Files;
using CGDmer.Transports.Replay;

namespace CGDmer.Streaming.Host.Tests;

/// <summary>
/// Replay of the real recordings beside MIT-BIH, from the fixtures shipped in data/: a CinC 2017 recording is one monitor
/// lead (I), an AFTDB record two (II and V1), and the AFTDB record's beat marks and whole-record AF serve as its reference.
/// </summary>
public sealed class ReplayDatasetTests : IDisposable
{
    /// <summary>A folder of this test's own for the records it builds.</summary>
    private readonly string _dir = Directory.CreateTempSubdirectory("cgdmer-replay-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Lazy<(ReplaySummary Summary, string Out, List<RecordingSegmenter> Patients)> Run = new(() =>
    {
        var outDir = Path.Combine(Path.GetTempPath(), "cgdmer-replay-tests", "datasets-" + Guid.NewGuid().ToString("N")[..8]);
        var request = new ReplayRequest(
            [HostFixture.Asset("cinc2017", "A00225"), HostFixture.Asset("aftdb", "learning-set", "n01")],
            0, 0, 1, 1, ReplayPace.AsFastAsPossible, 1, 1, outDir);
        var patients = ReplayJob.BuildPatients(request, out var references);
        using var host = HostFixture.Build();
        return (ReplayJob.Run(host.Services, request, patients, references, print: false), outDir, patients);
    });

    [Fact]
    public void Cinc2017_and_aftdb_records_become_one_and_two_lead_monitors()
    {
        var patients = Run.Value.Patients;
        Assert.Equal(["cinc2017-A00225", "aftdb-n01"], patients.Select(p => p.PatientId));
        var cinc = patients[0].Recording;
        Assert.Equal(["I"], cinc.Leads.Select(l => l.Name));
        Assert.Equal(300.0, cinc.SampleRateHz);
        Assert.Equal(9000, cinc.Length);
        Assert.Equal(1000.0, cinc.Leads[0].Gain);
        Assert.Equal(1, cinc.Leads[0].Adc.Span[0]); // the samples, not the header's stale initial value (85)
        var aftdb = patients[1].Recording;
        Assert.Equal(["II", "V1"], aftdb.Leads.Select(l => l.Name));
        Assert.Null(aftdb.AssumedLeadsNote);   // the dataset defines its leads: nothing to note
        Assert.Null(cinc.AssumedLeadsNote);
        Assert.Equal(128.0, aftdb.SampleRateHz);
        Assert.Equal(7680, aftdb.Length);
    }

    [Fact]
    public void Observations_come_out_for_each_record_with_its_leads()
    {
        var (summary, outDir, _) = Run.Value;
        Assert.Equal(0, summary.RejectedSegments);
        Assert.True(summary.WindowCount("cinc2017-A00225") >= 3, $"{summary.WindowCount("cinc2017-A00225")} windows of the 30 s CinC record");
        Assert.True(summary.WindowCount("aftdb-n01") >= 8, $"{summary.WindowCount("aftdb-n01")} windows of the 60 s AFTDB record");

        var leadNotes = new Dictionary<string, HashSet<string>>();
        foreach (var line in File.ReadLines(Path.Combine(outDir, NdjsonPipelineSink.ObservationsFile)))
        {
            using var doc = JsonDocument.Parse(line);
            var o = doc.RootElement;
            string patient = o.GetProperty("subject").GetProperty("identifier").GetProperty("value").GetString()!;
            if (!o.TryGetProperty("note", out var notes)) continue;
            foreach (var n in notes.EnumerateArray())
                if (n.GetProperty("text").GetString() is { } text && text.StartsWith("Leads analysed:", StringComparison.Ordinal))
                    (leadNotes.TryGetValue(patient, out var set) ? set : leadNotes[patient] = []).Add(text);
        }
        Assert.Equal(["Leads analysed: I."], leadNotes["cinc2017-A00225"]);
        Assert.Equal(["Leads analysed: II, V1."], leadNotes["aftdb-n01"]);
        Assert.Empty(File.ReadAllLines(Path.Combine(outDir, NdjsonPipelineSink.DeadLetterFile)));
    }

    [Fact]
    public void The_aftdb_record_is_judged_against_its_beat_marks_and_AF_throughout()
    {
        var summary = Run.Value.Summary;
        Assert.False(summary.Agreements.ContainsKey("cinc2017-A00225")); // labelled per recording only: no reference
        var a = summary.Agreements["aftdb-n01"];
        Assert.Equal(60.0, a.AfAnnotatedSeconds, 6);
        Assert.Equal(0.0, a.NonAfSeconds, 6);
        Assert.True(a.HeartRateWindows >= 8, $"{a.HeartRateWindows} windows with a heart rate");
    }

    [Fact]
    public void A_record_whose_signals_are_only_called_ECG_with_rhythm_annotations_only_replays_on_II_and_V1()
    {
        // As a MIT-BIH AF Database record: signals "ECG1" and "ECG2", an .atr with rhythm annotations and no beats.
        // Built from the first two minutes of 201.
        const int frames = 360 * 120;
        File.WriteAllBytes(Path.Combine(_dir, "04015.dat"), File.ReadAllBytes(HostFixture.Asset("mitbih", "201.dat"))[..(3 * frames)]);
        string Header(short sum1, short sum2) =>
            $"04015 2 360 {frames}\n04015.dat 212 200 11 1024 972 {sum1} 0 ECG1\n04015.dat 212 200 11 1024 982 {sum2} 0 ECG2\n";
        File.WriteAllText(Path.Combine(_dir, "04015.hea"), Header(0, 0));
        // The header's checksums are verified: give the truncated signals theirs.
        var raw = CGDmer.Signal.Wfdb.WfdbReader.Read(Path.Combine(_dir, "04015"), CGDmer.Signal.Wfdb.WfdbReadOptions.Unverified);
        short Sum(int signal) { int sum = 0; foreach (short v in raw.RawSamples(signal).Span) sum += v; return unchecked((short)sum); }
        File.WriteAllText(Path.Combine(_dir, "04015.hea"), Header(Sum(0), Sum(1)));
        var rhythms = CGDmer.Signal.Wfdb.AnnotationReader.Read(HostFixture.Asset("mitbih", "201.atr")).Where(x => x.Rhythm is not null && x.Sample < frames);
        CGDmer.Signal.Wfdb.AnnotationWriter.Write(Path.Combine(_dir, "04015.atr"), rhythms);
        var request = new ReplayRequest([Path.Combine(_dir, "04015")], 0, 0, 1, 1, ReplayPace.AsFastAsPossible, 1, 1, _dir);
        var patients = ReplayJob.BuildPatients(request, out var references);
        var recording = Assert.Single(patients).Recording;
        Assert.Equal(["II", "V1"], recording.Leads.Select(l => l.Name));
        Assert.Equal(["ECG1 as II", "ECG2 as V1"], recording.AssumedLeads);
        Assert.Equal("record 04015 names no lead; sent with ECG1 as II, ECG2 as V1 (a two-lead Holter's usual montage)", recording.AssumedLeadsNote);
        Assert.Equal(recording.AssumedLeads, recording.Take(TimeSpan.FromSeconds(30)).AssumedLeads);
        Assert.Equal("wfdb-04015", Assert.Single(patients).PatientId);   // not an MIT-BIH Arrhythmia Database record
        Assert.False(references["wfdb-04015"].HasBeats);

        using var host = HostFixture.Build();
        var summary = ReplayJob.Run(host.Services, request, patients, references, print: false);
        Assert.True(summary.WindowCount("wfdb-04015") >= 20, $"{summary.WindowCount("wfdb-04015")} windows of 2 minutes");
        var a = summary.Agreements["wfdb-04015"];
        // The rhythm-only reference gives the AF time the full one gives over the same two minutes.
        var full = CGDmer.Evaluation.RecordReference.TryLoad(HostFixture.Asset("mitbih", "201"), 360, 650000, ReplayCommand.DefaultStart)!;
        Assert.Equal(full.AfSeconds(ReplayCommand.DefaultStart, ReplayCommand.DefaultStart.AddSeconds(120)), a.AfAnnotatedSeconds, 6);
        Assert.Equal(120.0 - a.AfAnnotatedSeconds, a.NonAfSeconds, 6);
        Assert.Equal((0, 0), (a.QrsReferenceBeats, a.QrsDetected));   // no beat reference: no QRS or heart-rate figures
        Assert.Equal(0, a.HeartRateWindows);
    }

    [Fact]
    public void Two_records_of_one_name_are_refused_rather_than_mixed_into_one_patient()
    {
        foreach (var ext in new[] { ".hea", ".mat" }) File.Copy(HostFixture.Asset("cinc2017", "A00225" + ext), Path.Combine(_dir, "A00225" + ext));
        var request = new ReplayRequest([HostFixture.Asset("cinc2017", "A00225"), Path.Combine(_dir, "A00225")],
                                        0, 0, 1, 1, ReplayPace.AsFastAsPossible, 1, 1, _dir);
        var e = Assert.Throws<ArgumentException>(() => ReplayJob.BuildPatients(request, out _));
        Assert.Contains("would both be patient 'cinc2017-A00225'", e.Message);
        Assert.Contains(Path.Combine(_dir, "A00225"), e.Message);
    }

    [Fact]
    public void A_record_that_cannot_be_read_is_an_error_naming_it()
    {
        File.Copy(HostFixture.Asset("cinc2017", "A00225.hea"), Path.Combine(_dir, "A00225.hea"));
        File.WriteAllBytes(Path.Combine(_dir, "A00225.mat"), File.ReadAllBytes(HostFixture.Asset("cinc2017", "A00225.mat"))[..1000]);
        var request = new ReplayRequest([Path.Combine(_dir, "A00225")], 0, 0, 1, 1, ReplayPace.AsFastAsPossible, 1, 1, _dir);
        var e = Assert.Throws<InvalidDataException>(() => ReplayJob.BuildPatients(request, out _));
        Assert.Contains(Path.Combine(_dir, "A00225.mat"), e.Message);
        Assert.Contains("truncated", e.Message);
    }
}
