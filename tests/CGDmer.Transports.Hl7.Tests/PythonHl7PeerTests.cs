using CGDmer.TestSupport;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Publishing;

namespace CGDmer.Transports.Hl7.Tests;

/// <summary>Every kind of message the sink writes, parsed and checked by python-hl7 (Hl7Peers/validate_pcd.py), through the file sink.</summary>
public class PythonHl7PeerTests
{
    private static string WriteFile(IEnumerable<PublishedWindow> windows, Hl7Options? options = null)
    {
        string path = Path.Combine(Path.GetTempPath(), $"cgdmer-pcd-{Guid.NewGuid():N}.er7");
        options ??= new Hl7Options();
        options.File = path;
        using var sink = new Hl7FileSink(options);
        foreach (var w in windows) sink.Write(new PipelineOutput(w, null));
        sink.DrainAsync(TimeSpan.FromSeconds(5)).Wait();
        return path;
    }

    [Fact]
    public void Python_hl7_parses_and_accepts_every_PCD_01_and_PCD_04_message()
    {
        var windows = TestOutputs.Windows(300);
        string path = WriteFile(windows, new Hl7Options { SendingFacility = "ICU^3", PatientIdAuthority = "HOSP&1", DeviceIdAuthority = "WARD" });
        var (code, output) = PythonHl7.Run("validate_pcd.py", path);
        Assert.True(code == 0, output);
        int r01 = windows.Count(w => w.Observations.Count > 0), r40 = windows.Sum(w => w.Alerts.Count);
        Assert.Contains($"ok {r01 + r40} messages ({r01} ORU^R01, {r40} ORU^R40)", output);
        File.Delete(path);
    }

    [Fact]
    public void Python_hl7_accepts_the_pinned_replay_of_record_201()
    {
        // tests/CGDmer.Streaming.Host.Tests/golden: the HL7 stream a replay of MIT-BIH 201 writes, pinned there byte for byte.
        var (code, output) = PythonHl7.Run("validate_pcd.py", Path.Combine(AppContext.BaseDirectory, "golden", "mitbih-201.pcd.er7"));
        Assert.True(code == 0, output);
        Assert.Matches(@"ok \d+ messages \(\d+ ORU\^R01, [1-9]\d* ORU\^R40\)", output);
    }

    [Fact]
    public void The_validator_fails_a_message_that_breaks_the_profile()
    {
        string path = WriteFile(TestOutputs.Windows(20));
        string text = File.ReadAllText(path);
        // An OBX-4 that is not dotted containment.
        File.WriteAllText(path, text.Replace("|1.1.1.1|", "|1-1|"));
        var (code, output) = PythonHl7.Run("validate_pcd.py", path);
        Assert.Equal(1, code);
        Assert.Contains("OBX-4 1-1 is not dotted containment", output);
        File.Delete(path);
    }

    [Fact]
    public void The_file_has_CR_LF_segment_ends_and_one_MSH_per_message()
    {
        var windows = TestOutputs.Windows(10);
        string path = WriteFile(windows);
        string text = File.ReadAllText(path);
        Assert.DoesNotContain("\r\r", text);
        Assert.Equal(text.Split('\r').Length - 1, text.Split("\r\n").Length - 1);
        Assert.Equal(windows.Count(w => w.Observations.Count > 0) + windows.Sum(w => w.Alerts.Count), text.Split("MSH|^~\\&|").Length - 1);
        File.Delete(path);
    }
}
