using CGDmer.Streaming.Host;
using System.CommandLine;
using System.Reactive.Concurrency;
using CGDmer.Pipeline;
using CGDmer.Transports.Kafka;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CGDmer.Bench.Tests;

public class KafkaBenchCommandTests
{
    private static ParseResult Parse(params string[] args)
    {
        var pr = KafkaBenchCommand.Create().Parse(args);
        Assert.Empty(pr.Errors);
        return pr;
    }

    [Theory]
    [InlineData("--beds", "0")]
    [InlineData("--beds", "100000")]
    [InlineData("--minutes", "0")]
    [InlineData("--minutes", "-2")]
    [InlineData("--minutes", "NaN")]
    [InlineData("--realtime-seconds", "4")]
    [InlineData("--realtime-seconds", "Infinity")]
    [InlineData("--segment-seconds", "0")]
    [InlineData("--segment-seconds", "31")]
    [InlineData("--safety-factor", "0")]
    [InlineData("--safety-factor", "1.2")]
    [InlineData("--retries", "-1")]
    [InlineData("--retries", "11")]
    [InlineData("--drain-timeout-seconds", "1")]
    public void A_bad_option_is_an_error_naming_it(string option, string value)
    {
        var e = Assert.Throws<ArgumentException>(() => KafkaBenchCommand.BuildRequest(Parse(option, value)));
        Assert.StartsWith(option + " ", e.Message);
        // The verb exits 2 before it touches a broker or loads the model.
        Assert.Equal(2, KafkaBenchCommand.Create().Parse([option, value, "--set", "Kafka:BootstrapServers=127.0.0.1:1"]).Invoke());
    }

    [Fact]
    public void A_backlog_shorter_than_one_segment_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => KafkaBenchCommand.BuildRequest(Parse("--minutes", "0.01", "--segment-seconds", "2")));
        Assert.StartsWith("--minutes ", e.Message);
    }

    [Fact]
    public void The_defaults_are_a_valid_request()
    {
        var r = KafkaBenchCommand.BuildRequest(Parse());
        Assert.Equal((100, 3.0, 60.0, 1.0, 0.8, false), (r.Beds, r.Minutes, r.RealTimeSeconds, r.SegmentSeconds, r.SafetyFactor, r.SkipRealTime));
        Assert.Null(r.JsonPath);
    }

    [Fact]
    public void Kafka_settings_are_checked_before_anything_runs()
    {
        // No bootstrap servers, then an unknown Kafka setting: exit 2 each, without a broker.
        Assert.Equal(2, KafkaBenchCommand.Create().Parse(["--skip-realtime", "--set", "Kafka:BootstrapServers="]).Invoke());
        Assert.Equal(2, KafkaBenchCommand.Create().Parse(["--skip-realtime", "--set", "Kafka:BootstrapServers=127.0.0.1:1", "--set", "Kafka:Topic=x"]).Invoke());
    }

    /// <summary>
    /// The measurement core end to end against librdkafka's in-process mock cluster, with tiny numbers: only that the
    /// figures are consistent with what was sent (no timing assertions: speed is for the verb to print).
    /// </summary>
    [Fact]
    public void The_measurement_core_reports_consistent_figures_on_a_mock_cluster()
    {
        var config = new AdminClientConfig { BootstrapServers = "unused:9092" };
        config.Set("test.mock.num.brokers", "1");
        using var mock = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).Build();
        string servers = string.Join(",", mock.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Select(b => $"{b.Host}:{b.Port}"));
        var broker = new KafkaOptions
        {
            BootstrapServers = servers,
            CommitInterval = TimeSpan.FromMilliseconds(200),
            Settings = { ["session.timeout.ms"] = "6000", ["heartbeat.interval.ms"] = "500" },
            FlushTimeout = TimeSpan.FromSeconds(20),
        };
        using var host = HostFixture.Build(("Metrics:Enabled", "false"));
        var sp = host.Services;
        var hop = ServiceComposition.Components(sp, TaskPoolScheduler.Default).Windowing.HopSeconds;
        var lines = new List<string>();
        var bench = new KafkaBenchmark(s => EcgPipeline.Run(s, () => DateTimeOffset.UtcNow, ServiceComposition.Components(sp, TaskPoolScheduler.Default)),
            broker, hop, NullLoggerFactory.Instance, lines.Add);

        var (backlog, t) = bench.Throughput(beds: 3, minutes: 0.5, segmentSeconds: 1, TimeSpan.FromSeconds(90));
        Assert.Equal(3 * 30, backlog.Segments);
        Assert.Equal(0, backlog.Failed);
        Assert.InRange(backlog.MeanSegmentBytes, 12 * 500, 12 * 500 * 5); // 12 leads × 500 samples, a few bytes each
        Assert.Equal(backlog.Segments, t.SegmentsConsumed);
        // 30 s of ECG per bed: a 10 s window every 5 s hop, at least the ones whose time elapsed before the stop.
        Assert.InRange(t.WindowsPublished, 3 * 3, 3 * 6);
        Assert.True(t.SegmentsPerSecond > 0 && double.IsFinite(t.SegmentsPerSecond));
        Assert.True(t.WindowsPerSecond >= 0 && double.IsFinite(t.WindowsPerSecond));
        Assert.Equal(t.SegmentsPerSecond * backlog.MeanSegmentBytes / 1e6, t.MegabytesPerSecondIn, 6);
        Assert.True(t.MeasuredSeconds > 0 && t.MeasuredSeconds <= t.DrainSeconds);
        Assert.True(t.ObservationsPerWindow >= 1, $"{t.ObservationsPerWindow} Observations per window");
        Assert.Equal((int)Math.Floor(Math.Min(t.SegmentsPerSecond, t.WindowsPerSecond * hop)), bench.BedsAtCapacity(t, 1));

        // 24 s: windows complete from about 12 s on (10 s window + reorder bound), well inside the measured 20–100 %.
        var run = bench.RealTime(beds: 2, seconds: 24, segmentSeconds: 1);
        Assert.Equal(2, run.Beds);
        Assert.Equal(2 * 24, run.SegmentsProduced);
        Assert.InRange(run.SegmentsConsumed, 1, run.SegmentsProduced);
        Assert.True(run.ProducerMaxLagSeconds >= 0);
        Assert.False(double.IsNaN(run.BacklogMiddle) || double.IsNaN(run.BacklogEnd));
        Assert.True(run.Windows > 0, "windows completed in the measured part of the run");
        Assert.True(run.EmittedP50Ms >= 0 && run.EmittedP50Ms <= run.EmittedP99Ms);
        // Acknowledged comes after emitted, for the same windows.
        Assert.True(run.AcknowledgedP50Ms >= run.EmittedP50Ms, $"{run.AcknowledgedP50Ms} < {run.EmittedP50Ms}");
        Assert.Contains(lines, l => l.StartsWith("real time, 2 beds", StringComparison.Ordinal));
    }
}
