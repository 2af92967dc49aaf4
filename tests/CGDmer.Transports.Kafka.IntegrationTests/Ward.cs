using System.Collections.Concurrent;
using System.Text.Json;
using CGDmer.Simulation;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace CGDmer.Transports.Kafka.IntegrationTests;

/// <summary>
/// One simulated ward for a service test: its own topics and consumer group on the shared broker, the bedside simulator
/// that feeds it, the settings the service runs with, and collectors that read what the service published.
/// </summary>
internal sealed class Ward : IDisposable
{
    /// <summary>The model's window (10 s) and the service's hop (5 s): the window grid the expected windows lie on.</summary>
    public static readonly TimeSpan WindowLength = TimeSpan.FromSeconds(10), Hop = TimeSpan.FromSeconds(5);

    private readonly KafkaBrokerFixture _broker;
    private readonly ITestOutputHelper _output;
    private readonly List<IDisposable> _owned = [];

    public Ward(KafkaBrokerFixture broker, ITestOutputHelper output, string purpose)
    {
        _broker = broker;
        _output = output;
        string stem = KafkaBrokerFixture.NewTopic(purpose);
        Topics = new KafkaTopicOptions
        {
            Segments = stem + ".segments", Observations = stem + ".observations", Alerts = stem + ".alerts", DeadLetter = stem + ".dead-letter",
        };
        GroupId = stem + ".service";
    }

    public KafkaTopicOptions Topics { get; }
    public string GroupId { get; }

    /// <summary>The service's settings for this ward (test-only: the 0.9 protocol, a short session so a killed member's
    /// partitions move on within seconds, commits every second).</summary>
    public List<string> ServiceSettings(params string[] extra)
    {
        var settings = new List<string>
        {
            $"Kafka:BootstrapServers={_broker.BootstrapServers}",
            $"Kafka:GroupId={GroupId}",
            $"Kafka:Topics:Segments={Topics.Segments}",
            $"Kafka:Topics:Observations={Topics.Observations}",
            $"Kafka:Topics:Alerts={Topics.Alerts}",
            $"Kafka:Topics:DeadLetter={Topics.DeadLetter}",
            "Kafka:CommitInterval=00:00:01",
            "Kafka:Settings:session.timeout.ms=6000",
            "Kafka:Settings:heartbeat.interval.ms=1000",
            "Kafka:Settings:reconnect.backoff.max.ms=1000",
        };
        foreach (var (key, value) in _broker.LegacyClientSettings) settings.Add($"Kafka:Settings:{key}={value}");
        settings.AddRange(extra);
        return settings;
    }

    /// <summary>Producer options for the simulator (test-only protocol settings as for the service).</summary>
    public KafkaOptions ProducerOptions()
    {
        var options = new KafkaOptions { BootstrapServers = _broker.BootstrapServers, Topics = Topics, Settings = { ["reconnect.backoff.max.ms"] = "1000" } };
        foreach (var (key, value) in _broker.LegacyClientSettings) options.Settings[key] = value;
        return options;
    }

    /// <summary>
    /// Synthetic 12-lead monitors whose recordings end one minute ago (the service's validator refuses the future; a
    /// paced replay of the past is as live as it gets for the service).
    /// </summary>
    public static BedsideSimulator Monitors(int count, TimeSpan duration, int seed, SimulatorFaults? faults = null)
    {
        var start = DateTimeOffset.UtcNow - duration - TimeSpan.FromMinutes(1);
        var settings = new SimulationSettings
        {
            Seed = seed,
            Start = new DateTimeOffset(start.Ticks - start.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero),
            Duration = duration,
            IdPrefix = $"it{seed}",
            Faults = faults ?? new SimulatorFaults(),
        };
        return BedsideSimulator.Synthetic(settings, count);
    }

    /// <summary>Sends the simulator's plan (real time × <paramref name="speed"/>, or as fast as possible when null) on a background thread.</summary>
    public Task<ProduceReport> Produce(BedsideSimulator simulator, double? speed, CancellationToken cancel = default) =>
        Produce(simulator.Messages(), speed, cancel);

    /// <summary>Sends <paramref name="plan"/> (e.g. materialised up front, so that producing costs no synthesis).</summary>
    public Task<ProduceReport> Produce(IEnumerable<SimulatedMessage> plan, double? speed, CancellationToken cancel = default) => Task.Run(() =>
    {
        _broker.WaitUntilTopicIsLed(Topics.Segments, TimeSpan.FromSeconds(30));
        using var producer = new KafkaSegmentProducer(ProducerOptions());
        var report = producer.Send(plan, speed, cancel);
        var failures = report.FailuresByCode.Count == 0 ? "" : $" ({string.Join(", ", report.FailuresByCode.Select(kv => $"{kv.Key} {kv.Value}"))})";
        _output.WriteLine($"[simulator] produced {report.Produced}, delivered {report.Delivered}, failed {report.Failed}{failures} in {report.Elapsed.TotalSeconds:F1} s");
        return report;
    }, cancel);

    /// <summary>
    /// The windows the service must publish for <paramref name="simulator"/>: every grid window whose span and right
    /// resampler margin lie within a monitor's recording and whose left margin does too (the first window needs one).
    /// Keyed (patient id, window start).
    /// </summary>
    public static HashSet<(string Patient, DateTimeOffset Start)> ExpectedWindows(BedsideSimulator simulator)
    {
        var expected = new HashSet<(string, DateTimeOffset)>();
        var margin = TimeSpan.FromMilliseconds(250);
        foreach (var m in simulator.Monitors)
        {
            long first = (m.FirstSampleTime + margin - DateTimeOffset.UnixEpoch).Ticks;
            long k = (first + Hop.Ticks - 1) / Hop.Ticks;
            for (var start = DateTimeOffset.UnixEpoch.AddTicks(k * Hop.Ticks); start + WindowLength + margin <= m.EndTime; start += Hop)
                expected.Add((m.PatientId, start));
        }
        return expected;
    }

    /// <summary>Starts reading <paramref name="topic"/> from its beginning into a collector (stopped when the ward is disposed).</summary>
    public TopicCollector Collect(string topic)
    {
        var collector = new TopicCollector(_broker.CreateConsumerConfig(GroupId + ".reader." + Guid.NewGuid().ToString("N")), topic);
        _owned.Add(collector);
        return collector;
    }

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }
}

/// <summary>Reads a topic from the beginning on its own thread and keeps every message (key, value as text).</summary>
internal sealed class TopicCollector : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly ConcurrentQueue<(string? Key, string Value)> _messages = new();

    public TopicCollector(ConsumerConfig config, string topic)
    {
        _thread = new Thread(() =>
        {
            using var consumer = new ConsumerBuilder<string?, byte[]>(config).Build();
            consumer.Subscribe(topic);
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
                    if (r is { IsPartitionEOF: false, Message: not null }) _messages.Enqueue((r.Message.Key, System.Text.Encoding.UTF8.GetString(r.Message.Value ?? [])));
                }
                catch (ConsumeException) { /* a topic not created yet, a broker restart: keep reading */ }
            }
            consumer.Close();
        }) { IsBackground = true, Name = "collector " + topic };
        _thread.Start();
    }

    public IReadOnlyList<(string? Key, string Value)> Messages => _messages.ToArray();
    public int Count => _messages.Count;

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(10));
    }
}

/// <summary>What the service published on the Observations topic, by window.</summary>
internal sealed class PublishedObservations
{
    private readonly Dictionary<string, List<string>> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Patient, DateTimeOffset Start), HashSet<string>> _kindsByWindow = [];

    public PublishedObservations(IEnumerable<(string? Key, string Value)> messages)
    {
        foreach (var (_, json) in messages)
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            string id = root.GetProperty("id").GetString()!;
            string patient = root.GetProperty("subject").GetProperty("identifier").GetProperty("value").GetString()!;
            var start = DateTimeOffset.Parse(root.GetProperty("effectivePeriod").GetProperty("start").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            (_byId.TryGetValue(id, out var copies) ? copies : _byId[id] = []).Add(json);
            if (id.StartsWith("strip-", StringComparison.Ordinal)) continue;   // an alarm's strip spans two windows
            var key = (patient, start);
            (_kindsByWindow.TryGetValue(key, out var kinds) ? kinds : _kindsByWindow[key] = []).Add(id[..id.IndexOf('-')]);
        }
    }

    public int Messages => _byId.Values.Sum(c => c.Count);
    public int Resources => _byId.Count;
    /// <summary>Messages beyond the first of each id (re-processing after a crash or rebalance).</summary>
    public int Duplicates => Messages - Resources;

    /// <summary>
    /// Expected windows without an EKG-impression Observation (every analyzable window has one; the heart-rate
    /// Observation is left out where the rhythm gives no measurable rate, so it is not required here).
    /// </summary>
    public List<(string Patient, DateTimeOffset Start)> Missing(IEnumerable<(string Patient, DateTimeOffset Start)> expected) =>
        expected.Where(w => !_kindsByWindow.TryGetValue(w, out var kinds) || !kinds.Contains("ecg")).ToList();

    /// <summary>Windows with at least one Observation published (distinct patient and start).</summary>
    public int Windows => _kindsByWindow.Count;

    /// <summary>Heart-rate Observations published (distinct resources).</summary>
    public int HeartRates => _byId.Keys.Count(id => id.StartsWith("hr-", StringComparison.Ordinal));

    /// <summary>Ids published more than once with different content (must be none).</summary>
    public List<string> DifferingDuplicates() =>
        _byId.Where(kv => kv.Value.Distinct(StringComparer.Ordinal).Count() > 1).Select(kv => kv.Key).ToList();
}
