using System.CommandLine;
using CGDmer.Simulation;

namespace CGDmer.Streaming.Host.Tests;

public class SimulateCommandTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 4, 12, 0, 0, TimeSpan.Zero);

    private static ParseResult Parse(params string[] args)
    {
        var pr = SimulateCommand.Create().Parse(args);
        Assert.Empty(pr.Errors);
        return pr;
    }

    [Theory]
    [InlineData("--monitors", "0")]
    [InlineData("--minutes", "-1")]
    [InlineData("--speed", "0")]
    [InlineData("--segment-seconds", "40")]
    [InlineData("--jitter-ms", "-5")]
    [InlineData("--reorder", "1.5")]
    [InlineData("--reorder-max", "0")]
    [InlineData("--duplicate", "-0.1")]
    [InlineData("--gap", "2")]
    [InlineData("--gap-max", "0")]
    [InlineData("--lead-off", "3")]
    [InlineData("--lead-off-seconds", "0")]
    [InlineData("--noise", "-1")]
    [InlineData("--noise-mv", "-1")]
    [InlineData("--clock-skew-ms", "-10")]
    [InlineData("--malformed", "7")]
    [InlineData("--malformed-kinds", "Garbage")]
    [InlineData("--oversized-bytes", "10")]
    [InlineData("--max-in-flight", "0")]
    [InlineData("--id-prefix", "with space")]
    public void A_bad_option_is_an_error_naming_it(string option, string value)
    {
        var e = Assert.Throws<ArgumentException>(() => SimulateCommand.BuildRequest(Parse(option, value), Now));
        Assert.StartsWith(option + " ", e.Message);
        // The verb exits 2 without producing anything.
        Assert.Equal(2, SimulateCommand.Create().Parse([option, value]).Invoke());
    }

    [Fact]
    public void Mixing_synthetic_and_records_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => SimulateCommand.BuildRequest(Parse("--source", "synthetic", "data/mitbih/201"), Now));
        Assert.Contains("--source", e.Message);
    }

    [Fact]
    public void Kafka_settings_are_required_and_checked_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => SimulateCommand.BindKafka(Parse()));
        Assert.Contains("Kafka:BootstrapServers", e.Message);
        e = Assert.Throws<ArgumentException>(() => SimulateCommand.BindKafka(Parse("--set", "Kafka:BootstrapServers=localhost:9092", "--set", "Kafka:Topics:Segment=x")));
        Assert.Contains("Segment", e.Message);
        var options = SimulateCommand.BindKafka(Parse("--set", "Kafka:BootstrapServers=localhost:9092", "--set", "Kafka:Topics:Segments=beds", "--set", "Kafka:Settings:broker.version.fallback=0.9.0"));
        Assert.Equal("beds", options.Topics.Segments);
        Assert.Equal("0.9.0", options.Settings["broker.version.fallback"]);
    }

    [Fact]
    public void The_start_defaults_to_now_in_real_time_and_to_the_past_when_faster()
    {
        Assert.Equal(Now, SimulateCommand.BuildRequest(Parse("--minutes", "5"), Now).Settings.Start);
        Assert.Equal(Now.AddMinutes(-5), SimulateCommand.BuildRequest(Parse("--minutes", "5", "--speed", "4"), Now).Settings.Start);
        var fast = SimulateCommand.BuildRequest(Parse("--minutes", "5", "--as-fast-as-possible"), Now);
        Assert.Equal(Now.AddMinutes(-5), fast.Settings.Start);
        Assert.Null(fast.Speed);
        Assert.Equal(DateTimeOffset.Parse("2026-01-01T00:00:00Z"), SimulateCommand.BuildRequest(Parse("--start", "2026-01-01T00:00:00Z"), Now).Settings.Start);
    }

    [Fact]
    public void A_dry_run_writes_the_plan_and_the_manifest_without_kafka()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"simulate-{Guid.NewGuid():N}");
        try
        {
            string plan = Path.Combine(dir, "plan.ndjson"), manifestPath = Path.Combine(dir, "manifest.json");
            int rc = SimulateCommand.Create().Parse([
                "--monitors", "3", "--source", HostFixture.Asset("mitbih", "201"), "--minutes", "1", "--seed", "4", "--start", "2026-01-01T08:00:00Z",
                "--duplicate", "0.1", "--gap", "0.05", "--malformed", "0.2", "--malformed-kinds", "UnknownLead", "emptymessage",
                "--out", plan, "--manifest", manifestPath]).Invoke();
            Assert.Equal(0, rc);
            var messages = SimulationPlanFile.Read(plan).ToList();
            var manifest = SimulationManifest.FromJson(File.ReadAllText(manifestPath));
            Assert.Equal(3, manifest.Monitors.Count);
            Assert.All(manifest.Monitors, m => Assert.Equal("201", m.Source));
            Assert.Equal(messages.Count, manifest.Totals!.Messages);
            Assert.Equal(3 * 60, manifest.Totals.Segments + manifest.Totals.GapSegments);
            Assert.All(messages.Where(m => m.Kind == SimulatedMessageKind.Malformed),
                m => Assert.Contains(m.Malformation!.Value, new[] { Malformation.UnknownLead, Malformation.EmptyMessage }));
            Assert.Equal(manifest.Totals.Duplicates, messages.Count(m => m.Kind == SimulatedMessageKind.Duplicate));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
