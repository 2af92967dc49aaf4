using CGDmer.Transports.Files;
using Confluent.Kafka;

namespace CGDmer.Transports.Kafka;

/// <summary>Topic names of the Kafka transport (bound from configuration section <c>Kafka:Topics</c>).</summary>
public sealed class KafkaTopicOptions
{
    /// <summary>ECG segments in (protobuf <c>EcgSegment</c>, keyed by patient id).</summary>
    public string Segments { get; set; } = "ecg.segments.v1";
    /// <summary>FHIR R4 Observations out (FHIR JSON, keyed by patient id).</summary>
    public string Observations { get; set; } = "ecg.observations.v1";
    /// <summary>Alert events out (schemas/alert-event.schema.json, keyed by patient id).</summary>
    public string Alerts { get; set; } = "ecg.alerts.v1";
    /// <summary>Rejected and unreadable segments with their reason and source position (keyed by device id).</summary>
    public string DeadLetter { get; set; } = "ecg.segments.dead-letter.v1";
    /// <summary>
    /// Each patient's alert state after its last acknowledged change (<c>AlertCheckpoint</c> JSON, keyed by patient id;
    /// no codes once the patient holds none). Create it compacted: only the latest value per patient matters.
    /// </summary>
    public string AlertState { get; set; } = "ecg.alert-state.v1";
}

/// <summary>
/// Settings of the Kafka transport, bound by the host's Options pattern from section <see cref="SectionName"/>.
/// The defaults target a current Kafka: consumer group with cooperative-sticky assignment, offsets stored and committed
/// only by the transport (never automatically, so nothing is committed before its output is acknowledged), and an
/// idempotent producer with acks=all (no loss, no duplicates from producer retries).
/// </summary>
public sealed class KafkaOptions
{
    public const string SectionName = "Kafka";

    /// <summary>Comma-separated host:port list of the brokers.</summary>
    public string BootstrapServers { get; set; } = "";

    /// <summary>Consumer group of the service instances; all instances of one deployment share it.</summary>
    public string GroupId { get; set; } = "cgdmer-streaming";

    /// <summary>Client id reported to the brokers (their logs and quotas); null: librdkafka's default.</summary>
    public string? ClientId { get; set; }

    public KafkaTopicOptions Topics { get; set; } = new();

    /// <summary>
    /// Extra librdkafka properties passed through to every client, for security and site tuning: security.protocol,
    /// sasl.mechanism, sasl.username, sasl.password, ssl.ca.location, ssl.certificate.location, ... Properties the
    /// transport's delivery guarantees depend on (<see cref="ReservedSettings"/>) are refused.
    /// </summary>
    public Dictionary<string, string> Settings { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How often offsets stored by the transport are committed (also on revocation and at shutdown).</summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the consume loop waits for a message before it checks for shutdown and pending commits.</summary>
    public TimeSpan PollTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A segment message larger than this is dead-lettered unparsed (guards the parser and memory).</summary>
    public int MaxSegmentBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// At most this many bytes of an unreadable message are copied into its dead letter (the rest is found by position);
    /// its base64 copy must fit <see cref="MaxDeadLetterBytes"/>.
    /// </summary>
    public int MaxDeadLetterPayloadBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Largest dead letter, in bytes: a rejected segment beyond it keeps its header, reason, position and first samples
    /// and says it was truncated (<see cref="DeadLetterJson"/>). It must stay under the producer's <c>message.max.bytes</c>
    /// (librdkafka's default 1,000,000, or <see cref="Settings"/>) less <see cref="MessageOverheadBytes"/>: a dead letter
    /// Kafka refuses is not committed, so the service would stop at the same segment after every restart.
    /// </summary>
    public int MaxDeadLetterBytes { get; set; } = DeadLetterJson.DefaultMaxBytes;

    /// <summary>librdkafka's default producer <c>message.max.bytes</c>, used unless <see cref="Settings"/> sets it.</summary>
    public const int DefaultMessageMaxBytes = 1_000_000;

    /// <summary>Room left in a message for its key (a device id) and the record's framing besides the value.</summary>
    public const int MessageOverheadBytes = 4096;

    /// <summary>Default bound of <see cref="KafkaPipelineSink.Flush()"/> and of the flush at dispose.</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// librdkafka properties set by the transport itself: overriding them would break at-least-once delivery (offsets
    /// committed before their output is durable, producer losses or reordering) or the options above.
    /// </summary>
    public static IReadOnlySet<string> ReservedSettings { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "bootstrap.servers", "metadata.broker.list", "group.id", "client.id",
        "enable.auto.commit", "enable.auto.offset.store", "auto.commit.enable",
        "acks", "request.required.acks",
        "partition.assignment.strategy", "group.protocol",
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option (as configured, e.g. <c>Kafka:Topics:Alerts</c>).</summary>
    public KafkaOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
            throw Invalid(nameof(BootstrapServers), "is required (comma-separated host:port list of the brokers)");
        foreach (var server in BootstrapServers.Split(',', StringSplitOptions.TrimEntries))
        {
            int colon = server.LastIndexOf(':');
            if (server.Length == 0 || colon <= 0 || !int.TryParse(server.AsSpan(colon + 1), out int port) || port is < 1 or > 65535)
                throw Invalid(nameof(BootstrapServers), $"must be a comma-separated list of host:port, got an entry '{server}'");
        }
        if (string.IsNullOrWhiteSpace(GroupId))
            throw Invalid(nameof(GroupId), "is required (the consumer group of the service instances)");
        if (ClientId is not null && string.IsNullOrWhiteSpace(ClientId))
            throw Invalid(nameof(ClientId), "must be null (librdkafka's default) or non-blank");
        if (Topics is null) throw Invalid(nameof(Topics), "is required");
        var topics = new (string Name, string? Value)[]
        {
            ("Topics:" + nameof(KafkaTopicOptions.Segments), Topics.Segments),
            ("Topics:" + nameof(KafkaTopicOptions.Observations), Topics.Observations),
            ("Topics:" + nameof(KafkaTopicOptions.Alerts), Topics.Alerts),
            ("Topics:" + nameof(KafkaTopicOptions.DeadLetter), Topics.DeadLetter),
            ("Topics:" + nameof(KafkaTopicOptions.AlertState), Topics.AlertState),
        };
        foreach (var (name, value) in topics)
            if (TopicNameError(value) is { } error) throw Invalid(name, error);
        for (int i = 0; i < topics.Length; i++)
            for (int j = i + 1; j < topics.Length; j++)
                if (topics[i].Value == topics[j].Value)
                    throw Invalid(topics[j].Name, $"must differ from {SectionName}:{topics[i].Name} (both are '{topics[j].Value}'): each output needs its own topic and the input must never be an output");
        if (Settings is null) throw Invalid(nameof(Settings), "is required (may be empty)");
        foreach (var (key, value) in Settings)
        {
            if (string.IsNullOrWhiteSpace(key)) throw Invalid(nameof(Settings), "has an empty property name");
            if (ReservedSettings.Contains(key))
                throw Invalid($"{nameof(Settings)}:{key}", "is set by the transport itself and may not be overridden (delivery guarantees depend on it)");
            if (value is null) throw Invalid($"{nameof(Settings)}:{key}", "has no value");
        }
        ValidateOrdering();
        if (CommitInterval <= TimeSpan.Zero || CommitInterval > TimeSpan.FromMinutes(10))
            throw Invalid(nameof(CommitInterval), $"must be > 0 and ≤ 10 minutes, was {CommitInterval}");
        if (PollTimeout <= TimeSpan.Zero || PollTimeout > TimeSpan.FromSeconds(10))
            throw Invalid(nameof(PollTimeout), $"must be > 0 and ≤ 10 s (shutdown waits for it), was {PollTimeout}");
        if (MaxSegmentBytes < 1024)
            throw Invalid(nameof(MaxSegmentBytes), $"must be ≥ 1024, was {MaxSegmentBytes}");
        int messageMax = DefaultMessageMaxBytes;
        if (Settings.TryGetValue("message.max.bytes", out var configured)
            && (!int.TryParse(configured, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out messageMax)
                || messageMax <= MessageOverheadBytes))
            throw Invalid("Settings:message.max.bytes", $"must be a whole number of bytes above {MessageOverheadBytes}, was '{configured}'");
        int deadLetterMax = messageMax - MessageOverheadBytes;
        if (MaxDeadLetterBytes < DeadLetterJson.MinMaxBytes || MaxDeadLetterBytes > deadLetterMax)
            throw Invalid(nameof(MaxDeadLetterBytes),
                $"must be in [{DeadLetterJson.MinMaxBytes}, {deadLetterMax}] (the producer's message.max.bytes {messageMax} less {MessageOverheadBytes} for key and framing), was {MaxDeadLetterBytes}");
        int payloadMax = DeadLetterJson.MaxUnreadablePayloadBytes(MaxDeadLetterBytes);
        if (MaxDeadLetterPayloadBytes < 0 || MaxDeadLetterPayloadBytes > payloadMax)
            throw Invalid(nameof(MaxDeadLetterPayloadBytes),
                $"must be in [0, {payloadMax}] so its base64 copy fits {SectionName}:{nameof(MaxDeadLetterBytes)} ({MaxDeadLetterBytes}), was {MaxDeadLetterPayloadBytes}");
        if (FlushTimeout <= TimeSpan.Zero)
            throw Invalid(nameof(FlushTimeout), $"must be > 0, was {FlushTimeout}");
        return this;
    }

    /// <summary>The consumer's configuration: <see cref="Settings"/> first, then the transport's own properties on top.</summary>
    public ConsumerConfig ToConsumerConfig()
    {
        var config = new ConsumerConfig(Common())
        {
            GroupId = GroupId,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            // The transport decides what may be committed (the watermark of acknowledged output), never librdkafka.
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            // A new group starts at the oldest retained segment: missing a patient's data is worse than re-reading it.
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = false,
        };
        return config;
    }

    /// <summary>The producer's configuration: <see cref="Settings"/> first, then the transport's own properties on top.</summary>
    public ProducerConfig ToProducerConfig()
    {
        var config = new ProducerConfig(Common())
        {
            Acks = Acks.All,
            // Idempotent unless the site turned it off for a broker without it (Validate then demands one request in
            // flight, which keeps a patient's output in order through retries).
            EnableIdempotence = !IdempotenceTurnedOff,
        };
        return config;
    }

    private Dictionary<string, string> Common()
    {
        var common = new Dictionary<string, string>(Settings, StringComparer.Ordinal) { ["bootstrap.servers"] = BootstrapServers };
        if (ClientId is not null) common["client.id"] = ClientId;
        return common;
    }

    private bool IdempotenceTurnedOff => Settings.TryGetValue("enable.idempotence", out var v) && v == "false";

    /// <summary>
    /// <c>enable.idempotence</c> and the in-flight limit may be set, but only so that a patient's output stays in order:
    /// idempotence off needs exactly one request in flight; on, librdkafka allows at most five.
    /// </summary>
    private void ValidateOrdering()
    {
        const string idempotence = "enable.idempotence", inFlightKey = "max.in.flight.requests.per.connection";
        if (Settings.TryGetValue(idempotence, out var on) && on is not ("true" or "false"))
            throw Invalid($"{nameof(Settings)}:{idempotence}", $"must be true or false, was '{on}'");
        int? inFlight = null;
        foreach (var key in new[] { inFlightKey, "max.in.flight" })   // the second is librdkafka's alias of the first
        {
            if (!Settings.TryGetValue(key, out var raw)) continue;
            if (!int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
                throw Invalid($"{nameof(Settings)}:{key}", $"must be a whole number, was '{raw}'");
            if (IdempotenceTurnedOff ? n != 1 : n is < 1 or > 5)
                throw Invalid($"{nameof(Settings)}:{key}", IdempotenceTurnedOff
                    ? $"must be 1 when {SectionName}:{nameof(Settings)}:{idempotence} is false, or retries could reorder a patient's output; was {raw}"
                    : $"must be within 1..5 with the idempotent producer, was {raw}");
            inFlight = n;
        }
        if (IdempotenceTurnedOff && inFlight is null)
            throw Invalid($"{nameof(Settings)}:{inFlightKey}", $"must be set to 1 when {SectionName}:{nameof(Settings)}:{idempotence} is false, or retries could reorder a patient's output");
    }

    // Kafka's own rule: 1-249 characters of [a-zA-Z0-9._-], not "." or "..".
    internal static string? TopicNameError(string? topic)
    {
        if (string.IsNullOrEmpty(topic)) return "is required";
        if (topic.Length > 249) return $"must be at most 249 characters, was {topic.Length}";
        if (topic is "." or "..") return $"may not be '{topic}'";
        foreach (char c in topic)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                return $"may contain only ASCII letters, digits, '.', '_' and '-', got '{topic}'";
        return null;
    }

    private static ArgumentException Invalid(string option, string problem) =>
        new($"{SectionName}:{option} {problem}", option);
}
