using CGDmer.Signal.PtbXl;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Signal.Tests;

public class PtbXlTests
{
    private static PtbXlDatabase Load() => PtbXlDatabase.Load(TestPaths.PtbXlFixture);

    [Fact]
    public void Loads_entries_with_codes_patients_and_splits()
    {
        var db = Load();
        Assert.Equal(3, db.Entries.Count);
        var e1 = db.Entries[0];
        Assert.Equal(1, e1.EcgId);
        Assert.Equal(15709, e1.PatientId);
        Assert.Equal(3, e1.StratFold);
        Assert.Equal(PtbXlSplit.Train, e1.Split);
        Assert.Equal(56.0, e1.Age);
        Assert.Equal(1, e1.Sex);
        Assert.Equal(new Dictionary<string, double> { ["NORM"] = 100, ["LVOLT"] = 0, ["SR"] = 0 }, e1.ScpCodes);
        Assert.Equal("records100/00000/00001_lr", e1.FilenameLr);
        Assert.Equal("records500/00000/00001_hr", e1.FilenameHr);
        Assert.Equal([EcgLabels.SinusRhythm, EcgLabels.LowQrsVoltage], e1.Labels());
        Assert.Equal([EcgLabels.SinusRhythm], e1.Labels(minLikelihood: 50));

        var e2 = db.Entries[1];
        Assert.Equal(PtbXlSplit.Validation, e2.Split);
        Assert.Equal("sinusbradykardie, \"sonst\" normales ekg", e2.Report); // doubled quotes inside a quoted field
        Assert.Equal([EcgLabels.SinusRhythm, EcgLabels.SinusBradycardia], e2.Labels());

        var e3 = db.Entries[2];
        Assert.Equal(PtbXlSplit.Test, e3.Split);
        Assert.Contains('\n', Assert.IsType<string>(e3.Report)); // line break inside a quoted field
        Assert.Equal([EcgLabels.AtrialFibrillation, EcgLabels.LeftBundleBranchBlock], e3.Labels()); // IMI has no label
        Assert.Equal([1], db.InSplit(PtbXlSplit.Train).Select(e => e.EcgId));
        Assert.Equal([3], db.InSplit(PtbXlSplit.Test).Select(e => e.EcgId));
    }

    [Theory]
    [InlineData(1, PtbXlSplit.Train)]
    [InlineData(8, PtbXlSplit.Train)]
    [InlineData(9, PtbXlSplit.Validation)]
    [InlineData(10, PtbXlSplit.Test)]
    public void Standard_split(int fold, PtbXlSplit split) => Assert.Equal(split, PtbXlDatabase.SplitOf(fold));

    [Fact]
    public void Invalid_fold_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PtbXlDatabase.SplitOf(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PtbXlDatabase.SplitOf(11));
    }

    [Fact]
    public void Reads_scp_statements()
    {
        var st = Load().Statements;
        Assert.True(st["NORM"].IsDiagnostic);
        Assert.Equal("NORM", st["NORM"].DiagnosticClass);
        Assert.True(st["AFIB"].IsRhythm);
        Assert.False(st["AFIB"].IsDiagnostic);
        Assert.True(st["LVOLT"].IsForm);
        Assert.Equal("MI", st["IMI"].DiagnosticClass);
        Assert.Equal("complete left bundle branch block", st["CLBBB"].Description);
    }

    [Fact]
    public void Loads_records_at_both_resolutions_with_verified_checksums()
    {
        var db = Load();
        var lr = db.LoadRecord(db.Entries[0]);
        Assert.Equal(100.0, lr.SampleRateHz);
        Assert.Equal(12, lr.SignalCount);
        Assert.Equal(100, lr.Length);
        var (twelve, present) = lr.Ecg.ToTwelveLead();
        Assert.All(present, Assert.True);
        Assert.Equal(Leads.StandardOrder, lr.Ecg.Channels.Select(c => c.Lead!.Value));
        // make_fixture.py: lead l, sample t = round((l+1)·100·sin(2π(id+l)t/fs)) + 10l − 50 + (t(l+1) mod 97), in µV.
        for (int l = 0; l < 12; l++)
            for (int t = 0; t < 100; t++)
            {
                int uv = (int)Math.Round((l + 1) * 100 * Math.Sin(2 * Math.PI * (1 + l) * t / 100.0), MidpointRounding.ToEven) + 10 * l - 50 + t * (l + 1) % 97;
                Assert.InRange(twelve[l][t] - uv / 1000f, -1.5e-6f, 1.5e-6f);
            }
        var hr = db.LoadRecord(db.Entries[0], PtbXlResolution.High500Hz);
        Assert.Equal(500.0, hr.SampleRateHz);
        Assert.Equal(500, hr.Length);
        Assert.Equal("mV", hr.Signal(3).Units);
        Assert.Equal(Lead.aVR, hr.Ecg.Channels[3].Lead);
        foreach (var e in db.Entries) Assert.Equal(12, db.LoadRecord(e).SignalCount);
    }

    [Fact]
    public void Missing_high_resolution_file_is_reported()
    {
        var db = Load();
        Assert.Throws<FileNotFoundException>(() => db.LoadRecord(db.Entries[2], PtbXlResolution.High500Hz));
    }

    [Theory]
    [InlineData("{}", 0)]
    [InlineData("{'NORM': 100.0}", 1)]
    [InlineData("{'IMI': 35.0, 'ABQRS': 0.0, 'SR': 0.0}", 3)]
    [InlineData("{\"STE_\": 50}", 1)]
    public void Parses_scp_code_dicts(string text, int count)
    {
        var d = PtbXlDatabase.ParseScpCodes(text);
        Assert.Equal(count, d.Count);
    }

    [Theory]
    [InlineData("NORM: 100")]
    [InlineData("{'NORM' 100}")]
    [InlineData("{'NORM': abc}")]
    [InlineData("{'NORM: 1}")]
    public void Rejects_malformed_scp_code_dicts(string text) =>
        Assert.Throws<FormatException>(() => PtbXlDatabase.ParseScpCodes(text));
}
