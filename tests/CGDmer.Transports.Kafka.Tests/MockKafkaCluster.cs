using Confluent.Kafka;

namespace CGDmer.Transports.Kafka.Tests;

/// <summary>
/// librdkafka's in-process mock cluster (<c>test.mock.num.brokers</c>): a real Kafka protocol endpoint on localhost that
/// lives as long as the client that created it. Other clients reach it through <see cref="BootstrapServers"/>, read
/// from the owner's metadata. Each test uses its own topics, so one cluster serves a test class.
/// </summary>
public sealed class MockKafkaCluster : IDisposable
{
    private readonly IAdminClient _owner;

    public MockKafkaCluster()
    {
        var config = new AdminClientConfig { BootstrapServers = "unused:9092" };
        config.Set("test.mock.num.brokers", "1");
        _owner = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).Build();
        var metadata = _owner.GetMetadata(TimeSpan.FromSeconds(10));
        BootstrapServers = string.Join(",", metadata.Brokers.Select(b => $"{b.Host}:{b.Port}"));
    }

    public string BootstrapServers { get; }

    /// <summary>
    /// Partitions of every topic: the mock creates a topic on first use with its default of 4 (CreateTopics is not
    /// served: it waits for a controller the mock does not have), so tests let topics auto-create.
    /// </summary>
    public const int PartitionsPerTopic = 4;

    /// <summary>Options pointing at this cluster with fresh topic names and group (tests never share topics).</summary>
    public KafkaOptions Options(string? group = null)
    {
        string run = Guid.NewGuid().ToString("N")[..8];
        return new KafkaOptions
        {
            BootstrapServers = BootstrapServers,
            GroupId = group ?? $"test-group-{run}",
            Topics = new KafkaTopicOptions
            {
                Segments = $"segments-{run}",
                Observations = $"observations-{run}",
                Alerts = $"alerts-{run}",
                DeadLetter = $"dead-letter-{run}",
                AlertState = $"alert-state-{run}",
            },
            CommitInterval = TimeSpan.FromMilliseconds(200),
            // The mock keeps a member that left (LeaveGroup answered) until its session times out, so a member that
            // joins after it waits that long (45 s by default): a short session keeps the restart tests quick.
            Settings = { ["session.timeout.ms"] = "6000", ["heartbeat.interval.ms"] = "500" },
            FlushTimeout = TimeSpan.FromSeconds(20),
        };
    }

    public void Dispose() => _owner.Dispose();
}
