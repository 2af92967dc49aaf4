namespace CGDmer.Signal.Tests;

/// <summary><see cref="Leads.TryParse"/>: the names recorders and monitors give their leads.</summary>
public class LeadNameTests
{
    [Theory]
    [InlineData("MLII", Lead.II)]
    [InlineData("ML2", Lead.II)]          // long-term Holter databases write the limb lead in digits
    [InlineData("ML 3", Lead.III)]
    [InlineData("MLI", Lead.I)]
    [InlineData("lead 2", Lead.II)]
    [InlineData("Lead-1", Lead.I)]
    [InlineData("ECG lead II", Lead.II)]
    [InlineData("ECG Lead 3", Lead.III)]
    [InlineData("MV2", Lead.V2)]
    [InlineData("MCL1", Lead.V1)]         // the telemetry's modified chest leads
    [InlineData("mcl6", Lead.V6)]
    [InlineData("lead MCL1", Lead.V1)]
    [InlineData("aVF", Lead.aVF)]
    [InlineData("V5", Lead.V5)]
    public void Recorder_and_monitor_names_map_to_standard_leads(string name, Lead expected)
    {
        Assert.True(Leads.TryParse(name, out var lead), name);
        Assert.Equal(expected, lead);
    }

    [Theory]
    [InlineData("2")]                     // a bare digit numbers a channel, not a lead
    [InlineData("ECG1")]
    [InlineData("ECG 2")]
    [InlineData("ECG lead")]
    [InlineData("ML4")]
    [InlineData("lead 0")]
    [InlineData("MLV1")]
    [InlineData("MLMCL1")]                // ML modifies limb leads only
    [InlineData("MCL7")]
    [InlineData("MCL")]
    [InlineData("CM5")]
    [InlineData("lead lead II")]
    public void Channel_numbers_and_other_names_are_refused(string name) =>
        Assert.False(Leads.TryParse(name, out _), name);

    /// <summary>A long-term ST record's montage (ML2, MV2): read onto II and V2, its labels kept.</summary>
    [Fact]
    public void A_record_naming_its_leads_in_digits_is_read_onto_them()
    {
        var dir = TestPaths.TempDir();
        try
        {
            File.Copy(TestPaths.Record("201") + ".dat", Path.Combine(dir, "rec.dat"));
            File.WriteAllText(Path.Combine(dir, "rec.hea"),
                "rec 2 360 650000\nrec.dat 212 200 11 1024 972 -519 0 ML2\nrec.dat 212 200 11 1024 982 30947 0 MV2\n");
            var record = CGDmer.Signal.Datasets.WfdbDatasets.Read(Path.Combine(dir, "rec"), out _);
            Assert.Equal([Lead.II, Lead.V2], record.Ecg.Channels.Select(c => c.Lead));
            Assert.Equal(["ML2", "MV2"], record.Ecg.Channels.Select(c => c.Label));
        }
        finally { Directory.Delete(dir, true); }
    }
}
