using System.Runtime.CompilerServices;
using CGDmer.Transports.Hl7;
using CGDmer.Transports.Replay;

namespace CGDmer.Streaming.Host.Tests;

/// <summary>
/// The HL7 v2 stream of a replay of MIT-BIH 201 (PCD-01 per window, PCD-04 per alert event), written as an ER7 file,
/// pinned byte for byte by golden/mitbih-201.pcd.er7. A change to the encoder, the pipeline or the model shows here as
/// a diff to review; <c>CGDMER_UPDATE_GOLDEN=1</c> rewrites the file after such a change. python-hl7 validates the same
/// file in CGDmer.Transports.Hl7.Tests.
/// </summary>
public class Hl7ReplayGoldenTests
{
    [Fact]
    public void A_replay_of_record_201_writes_the_pinned_HL7_stream()
    {
        string outDir = Path.Combine(Path.GetTempPath(), "cgdmer-hl7-golden-" + Guid.NewGuid().ToString("N")[..8]);
        string file = Path.Combine(outDir, "201.er7");
        var request = new ReplayRequest([HostFixture.Asset("mitbih", "201")], 0, 0, 1, 1, ReplayPace.AsFastAsPossible, 1, 1, outDir);
        var patients = ReplayJob.BuildPatients(request, out var references);
        using var host = HostFixture.Build();
        ReplaySummary summary;
        using (var sink = new Hl7FileSink(new Hl7Options { File = file }))
            summary = ReplayJob.Run(host.Services, request, patients, references, print: false, alsoTo: sink);
        Assert.Equal(0, summary.AlsoDelivered!.Failed);
        Assert.Equal(summary.AlsoDelivered.Written, summary.AlsoDelivered.Accepted);
        string written = File.ReadAllText(file);
        if (Environment.GetEnvironmentVariable("CGDMER_UPDATE_GOLDEN") == "1") File.WriteAllText(SourceGoldenPath(), written);
        string golden = HostFixture.Asset("golden", "mitbih-201.pcd.er7");
        Assert.True(File.Exists(golden), $"{golden} is missing: run this test with CGDMER_UPDATE_GOLDEN=1 to write it");
        string expected = File.ReadAllText(golden);
        Assert.Equal(expected.Split("\r\n").Length, written.Split("\r\n").Length);
        Assert.Equal(expected, written);
        Directory.Delete(outDir, true);
    }

    private static string SourceGoldenPath([CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "golden", "mitbih-201.pcd.er7");
}
