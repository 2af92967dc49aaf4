using System.Text.Json;
using CGDmer.Transports.Files;
using CGDmer.Transports.Replay;

namespace CGDmer.Streaming.Host.Tests;

/// <summary>A replay cancelled midway (what SIGINT/SIGTERM do) ends cleanly and is compared only with what it replayed.</summary>
public class ReplayInterruptTests
{
    [Fact]
    public void A_cancelled_replay_writes_whole_lines_and_compares_only_the_replayed_span()
    {
        var outDir = Path.Combine(Path.GetTempPath(), "cgdmer-replay-tests", "interrupt-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var request = new ReplayRequest([HostFixture.Asset("mitbih", "201")], 0, 0, 1, 1, ReplayPace.RealTime, 120, 1, outDir);
            var patients = ReplayJob.BuildPatients(request, out var references);
            var full = references["mitbih-201"];
            using var host = HostFixture.Build();
            Assert.Empty(ServiceComposition.ValidateAll(host.Services));
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(4));   // about 8 of the record's 30 minutes
            var summary = ReplayJob.Run(host.Services, request, patients, references, print: false, cancel.Token);

            Assert.True(summary.Windows > 0);
            var a = summary.Agreements["mitbih-201"];
            double compared = a.AfAnnotatedSeconds + a.NonAfSeconds, recorded = (full.End - full.Start).TotalSeconds;
            // Before, the whole record's reference counted: the AF never replayed as missed and 30 min of span.
            Assert.True(compared > 0 && compared < recorded / 2, $"compared over {compared:F0} s of the record's {recorded:F0} s");
            Assert.True(a.AfAnnotatedSeconds <= full.AfSeconds(full.Start, full.End));

            Assert.True(File.Exists(Path.Combine(outDir, "summary.json")));
            foreach (var file in new[] { NdjsonPipelineSink.ObservationsFile, NdjsonPipelineSink.AlertsFile })
            {
                var content = File.ReadAllText(Path.Combine(outDir, file));
                Assert.True(content.Length == 0 || content.EndsWith('\n'));
                foreach (var line in content.Split('\n', StringSplitOptions.RemoveEmptyEntries)) using (JsonDocument.Parse(line)) { }
            }
        }
        finally { if (Directory.Exists(outDir)) Directory.Delete(outDir, true); }
    }
}
