using CGDmer.Signal.Datasets;

namespace CGDmer.Signal.Tests;

/// <summary><see cref="WfdbDatasets.PlaceUnnamedEcg"/>: records whose signals are only called "ECG" (AFDB, NSRDB, SVDB, LTAFDB).</summary>
public class UnnamedEcgTests
{
    /// <summary>MIT-BIH 201's signal file under a header that describes its two signals as given.</summary>
    private static string Record201As(string dir, string first, string second)
    {
        File.Copy(TestPaths.Record("201") + ".dat", Path.Combine(dir, "rec.dat"));
        File.WriteAllText(Path.Combine(dir, "rec.hea"),
            $"rec 2 360 650000\nrec.dat 212 200 11 1024 972 -519 0 {first}\nrec.dat 212 200 11 1024 982 30947 0 {second}\n");
        return Path.Combine(dir, "rec");
    }

    [Theory]
    [InlineData("ECG1", "ECG2", Lead.II, Lead.V1)]
    [InlineData("ECG", "ECG", Lead.II, Lead.V1)]
    [InlineData("ecg 1", "Resp", Lead.II, null)]
    [InlineData("Resp", "ECG", null, Lead.II)]
    [InlineData("MLII", "ECG", Lead.II, null)]       // a record that names a lead keeps its own
    [InlineData("V5", "ECG2", Lead.V5, null)]
    public void Signals_only_called_ECG_go_on_II_and_V1_when_no_signal_names_a_lead(string first, string second, Lead? lead1, Lead? lead2)
    {
        var dir = TestPaths.TempDir();
        try
        {
            var record = WfdbDatasets.Read(Record201As(dir, first, second), out var dataset);
            Assert.Equal(WfdbDataset.Other, dataset);
            Assert.Equal([lead1, lead2], record.Ecg.Channels.Select(c => c.Lead));
            Assert.Equal([first, second], record.Ecg.Channels.Select(c => c.Label));   // labels stay as recorded
            Assert.Equal(650000, record.Length);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("ECG", true)]
    [InlineData("ECG1", true)]
    [InlineData("ECG 2", true)]
    [InlineData("ecg", true)]
    [InlineData("ECG12", false)]
    [InlineData("ECG lead II", false)]
    [InlineData("EEG", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void An_unnamed_ECG_is_ECG_with_at_most_one_digit(string? description, bool unnamed) =>
        Assert.Equal(unnamed, WfdbDatasets.IsUnnamedEcg(description));

    [Theory]
    [InlineData("100", 360, true)]
    [InlineData("124", 360, true)]
    [InlineData("200", 360, true)]
    [InlineData("234", 360, true)]
    [InlineData("125", 360, false)]      // the database's names end at 124 and 234
    [InlineData("235", 360, false)]
    [InlineData("099", 360, false)]
    [InlineData("201", 250, false)]      // another rate: another database
    [InlineData("04015", 250, false)]    // AFDB
    [InlineData("118e24", 360, false)]   // the noise stress test's records are built from MIT-BIH, not of it
    [InlineData("+12", 360, false)]
    public void An_MIT_BIH_Arrhythmia_Database_record_is_named_100_to_124_or_200_to_234_at_360_Hz(string name, double rate, bool mitBih) =>
        Assert.Equal(mitBih, WfdbDatasets.IsMitBihArrhythmiaRecord(name, rate));
}
