using CGDmer.Transports.Files;
using Confluent.Kafka;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CGDmer.Transports.Kafka.Tests;

public class KafkaOptionsTests
{
    private static KafkaOptions Valid() => new() { BootstrapServers = "kafka-1:9092,kafka-2:9092" };

    private static string MessageOf(Action<KafkaOptions> change)
    {
        var options = Valid();
        change(options);
        return Assert.Throws<ArgumentException>(() => options.Validate()).Message;
    }

    [Fact]
    public void Defaults_with_bootstrap_servers_are_valid() => Valid().Validate();

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("kafka-1")]
    [InlineData("kafka-1:")]
    [InlineData("kafka-1:0")]
    [InlineData("kafka-1:70000")]
    [InlineData("kafka-1:9092,")]
    [InlineData(":9092")]
    public void Bad_bootstrap_servers_name_the_option(string servers) =>
        Assert.Contains("Kafka:BootstrapServers", MessageOf(o => o.BootstrapServers = servers));

    [Fact]
    public void Blank_group_names_the_option() => Assert.Contains("Kafka:GroupId", MessageOf(o => o.GroupId = " "));

    [Theory]
    [InlineData(nameof(KafkaTopicOptions.Segments))]
    [InlineData(nameof(KafkaTopicOptions.Observations))]
    [InlineData(nameof(KafkaTopicOptions.Alerts))]
    [InlineData(nameof(KafkaTopicOptions.DeadLetter))]
    public void A_bad_topic_name_names_its_option(string topic)
    {
        foreach (var bad in new[] { "", "has space", "slash/topic", "..", ".", new string('a', 250), "é" })
        {
            var message = MessageOf(o => typeof(KafkaTopicOptions).GetProperty(topic)!.SetValue(o.Topics, bad));
            Assert.Contains($"Kafka:Topics:{topic}", message);
        }
    }

    [Fact]
    public void An_output_topic_equal_to_the_input_is_refused()
    {
        var message = MessageOf(o => o.Topics.Alerts = o.Topics.Segments);
        Assert.Contains("Kafka:Topics:Alerts", message);
        Assert.Contains("Kafka:Topics:Segments", message);
    }

    [Theory]
    [InlineData("enable.auto.commit")]
    [InlineData("enable.auto.offset.store")]
    [InlineData("acks")]
    [InlineData("enable.idempotence")]
    [InlineData("group.id")]
    [InlineData("bootstrap.servers")]
    [InlineData("partition.assignment.strategy")]
    public void Settings_that_delivery_depends_on_cannot_be_overridden(string key) =>
        Assert.Contains($"Kafka:Settings:{key}", MessageOf(o => o.Settings[key] = "x"));

    [Fact]
    public void Numeric_bounds_name_their_option()
    {
        Assert.Contains("Kafka:CommitInterval", MessageOf(o => o.CommitInterval = TimeSpan.Zero));
        Assert.Contains("Kafka:PollTimeout", MessageOf(o => o.PollTimeout = TimeSpan.FromMinutes(1)));
        Assert.Contains("Kafka:MaxSegmentBytes", MessageOf(o => o.MaxSegmentBytes = 10));
        Assert.Contains("Kafka:MaxDeadLetterPayloadBytes", MessageOf(o => o.MaxDeadLetterPayloadBytes = 2_000_000));
        Assert.Contains("Kafka:FlushTimeout", MessageOf(o => o.FlushTimeout = TimeSpan.FromSeconds(-1)));
        Assert.Contains("Kafka:ClientId", MessageOf(o => o.ClientId = ""));
    }

    [Fact]
    public void Dead_letters_are_bounded_below_the_producers_message_limit()
    {
        var valid = Valid().Validate();
        Assert.Equal(512 * 1024, valid.MaxDeadLetterBytes);
        Assert.True(valid.MaxDeadLetterBytes + KafkaOptions.MessageOverheadBytes <= KafkaOptions.DefaultMessageMaxBytes);
        Assert.Contains("Kafka:MaxDeadLetterBytes", MessageOf(o => o.MaxDeadLetterBytes = 1000));
        Assert.Contains("Kafka:MaxDeadLetterBytes", MessageOf(o => o.MaxDeadLetterBytes = 1_000_000));
        // A site that lowers message.max.bytes must lower the bound with it; one that raises it may raise the bound.
        Assert.Contains("Kafka:MaxDeadLetterBytes", MessageOf(o => o.Settings["message.max.bytes"] = "200000"));
        Assert.Null(Record.Exception(() => { var o = Valid(); o.Settings["message.max.bytes"] = "200000"; o.MaxDeadLetterBytes = 150_000; o.Validate(); }));
        Assert.Null(Record.Exception(() => { var o = Valid(); o.Settings["message.max.bytes"] = "4000000"; o.MaxDeadLetterBytes = 2_000_000; o.Validate(); }));
        Assert.Contains("Kafka:Settings:message.max.bytes", MessageOf(o => o.Settings["message.max.bytes"] = "1 MB"));
        // The base64 copy of an unreadable message's bytes must fit the bound as well.
        Assert.Contains("Kafka:MaxDeadLetterPayloadBytes", MessageOf(o => o.MaxDeadLetterPayloadBytes = 400 * 1024));
        Assert.Null(Record.Exception(() => { var o = Valid(); o.MaxDeadLetterPayloadBytes = DeadLetterJson.MaxUnreadablePayloadBytes(o.MaxDeadLetterBytes); o.Validate(); }));
    }

    [Fact]
    public void The_exception_names_the_option_as_its_parameter() =>
        Assert.Equal("GroupId", Assert.Throws<ArgumentException>(() => { var o = Valid(); o.GroupId = ""; o.Validate(); }).ParamName);

    [Fact]
    public void Production_defaults_are_at_least_once_and_cooperative()
    {
        var options = Valid();
        options.Settings["security.protocol"] = "SASL_SSL";
        options.Settings["sasl.mechanism"] = "SCRAM-SHA-512";
        options.Settings["ssl.ca.location"] = "/etc/ssl/ca.pem";
        var consumer = options.ToConsumerConfig();
        Assert.Equal(PartitionAssignmentStrategy.CooperativeSticky, consumer.PartitionAssignmentStrategy);
        Assert.False(consumer.EnableAutoCommit);
        Assert.False(consumer.EnableAutoOffsetStore);
        Assert.Equal("cgdmer-streaming", consumer.GroupId);
        Assert.Equal("kafka-1:9092,kafka-2:9092", consumer.BootstrapServers);
        // Passed through verbatim (librdkafka parses them), so read back as the strings that were configured.
        Assert.Equal("SASL_SSL", consumer.Get("security.protocol"));
        Assert.Equal("SCRAM-SHA-512", consumer.Get("sasl.mechanism"));
        Assert.Null(consumer.ApiVersionRequest);

        var producer = options.ToProducerConfig();
        Assert.Equal(Acks.All, producer.Acks);
        Assert.True(producer.EnableIdempotence);
        Assert.Equal("SASL_SSL", producer.Get("security.protocol"));
        Assert.Equal("/etc/ssl/ca.pem", producer.SslCaLocation);
    }

    [Fact]
    public void Idempotence_may_be_turned_off_only_with_one_request_in_flight()
    {
        // What a broker older than 0.11 needs (the integration tests' 0.9 broker sets exactly this).
        var options = Valid();
        foreach (var (key, value) in new Dictionary<string, string>
                 {
                     ["api.version.request"] = "false", ["broker.version.fallback"] = "0.9.0",
                     ["enable.idempotence"] = "false", ["max.in.flight.requests.per.connection"] = "1",
                 })
            options.Settings[key] = value;
        options.Validate();
        foreach (ClientConfig config in new ClientConfig[] { options.ToConsumerConfig(), options.ToProducerConfig() })
        {
            Assert.False(config.ApiVersionRequest);
            Assert.Equal("0.9.0", config.BrokerVersionFallback);
        }
        var producer = options.ToProducerConfig();
        Assert.False(producer.EnableIdempotence);
        Assert.Equal("1", producer.Get("max.in.flight.requests.per.connection"));
        Assert.Equal(Acks.All, producer.Acks);

        options.Settings["max.in.flight.requests.per.connection"] = "2";
        Assert.Contains("Kafka:Settings:max.in.flight.requests.per.connection must be 1 when Kafka:Settings:enable.idempotence is false",
                        Assert.Throws<ArgumentException>(() => options.Validate()).Message);
        options.Settings.Remove("max.in.flight.requests.per.connection");
        Assert.Contains("must be set to 1", Assert.Throws<ArgumentException>(() => options.Validate()).Message);
        options.Settings["max.in.flight"] = "1";   // librdkafka's alias does as well
        options.Validate();
    }

    [Theory]
    [InlineData("0")]
    [InlineData("6")]
    [InlineData("many")]
    public void The_idempotent_producer_keeps_librdkafkas_in_flight_bound(string inFlight)
    {
        Assert.Contains("Kafka:Settings:max.in.flight.requests.per.connection",
                        MessageOf(o => o.Settings["max.in.flight.requests.per.connection"] = inFlight));
        var options = Valid();
        options.Settings["max.in.flight.requests.per.connection"] = "5";
        Assert.True(options.Validate().ToProducerConfig().EnableIdempotence);
    }

    [Property(MaxTest = 300)]
    public Property Topic_names_follow_kafkas_rule(NonEmptyString candidate)
    {
        string name = candidate.Get;
        bool legal = name.Length <= 249 && name is not ("." or "..")
                     && name.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-');
        return (KafkaOptions.TopicNameError(name) is null == legal).Label($"'{name}' legal={legal}");
    }

    [Property(MaxTest = 200)]
    public Property Names_of_legal_characters_are_accepted(PositiveInt length, int seed)
    {
        const string alphabet = "abcxyzABCXYZ0189._-";
        var random = new Random(seed);
        var name = new string(Enumerable.Range(0, 1 + length.Get % 249).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
        return (name is "." or ".." || KafkaOptions.TopicNameError(name) is null).Label(name);
    }
}
