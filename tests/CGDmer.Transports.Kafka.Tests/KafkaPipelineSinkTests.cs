using System.Collections.Concurrent;
using System.Text.Json;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Publishing;
using CGDmer.Pipeline.Validation;
using CGDmer.Transports.Files;
using Hl7.Fhir.Model;

namespace CGDmer.Transports.Kafka.Tests;

/// <summary>The sink against the mock cluster, with real pipeline output (record 201 through the shipped model).</summary>
public class KafkaPipelineSinkTests : IClassFixture<MockKafkaCluster>
{
    private const string Patient = "patient-201";
    private const string Device = "monitor-7";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly Lazy<IReadOnlyList<PipelineOutput>> Outputs = new(() => TestData.PipelineOutputs(Patient, Device));
    private readonly MockKafkaCluster _cluster;

    public KafkaPipelineSinkTests(MockKafkaCluster cluster) => _cluster = cluster;

    /// <summary>The pipeline's outputs, with an onset and an end alert added to the first two windows (record 201's own alerts depend on its rhythm).</summary>
    private static List<PipelineOutput> OutputsWithAlerts()
    {
        var outputs = Outputs.Value.ToList();
        var windows = outputs.Select((o, i) => (o, i)).Where(x => x.o.Published is not null).Take(2).ToList();
        foreach (var ((output, index), evt) in windows.Zip(new[] { "onset", "end" }))
        {
            var w = output.Published!;
            outputs[index] = PipelineOutput.Of(w with { Interpreted = w.Interpreted with { Alerts = [.. w.Alerts, TestData.Alert(w, evt)] } });
        }
        return outputs;
    }

    [Fact]
    public void Observations_alerts_and_dead_letters_go_to_their_topics_with_their_keys_and_parse_back()
    {
        var options = _cluster.Options();
        var outputs = OutputsWithAlerts();
        var observations = outputs.Where(o => o.Published is not null).SelectMany(o => o.Published!.Observations).ToList();
        var alerts = outputs.Where(o => o.Published is not null).SelectMany(o => o.Published!.Alerts).ToList();
        var rejected = Assert.Single(outputs, o => o.Rejected is not null);
        Assert.True(observations.Count >= 8, $"the pipeline published {observations.Count} Observations");
        Assert.True(alerts.Count >= 2);
        var receivedAt = TestData.T0.AddMinutes(1);
        var deadAt = new SourcePosition("segments", 3, 1234);

        using var sink = new KafkaPipelineSink(options);
        var tasks = outputs.Select(o => (Output: o, Task: sink.Write(o, receivedAt, o.Rejected is not null ? deadAt : null))).ToList();
        Assert.True(sink.Flush(Patience));
        foreach (var (output, task) in tasks)
        {
            Assert.True(task.IsCompleted, "a flushed sink has completed every output's task");
#pragma warning disable xUnit1031 // completed above: Flush returned with nothing pending
            var outcome = task.Result;
#pragma warning restore xUnit1031
            Assert.True(outcome.Acknowledged, outcome.FirstError);
            int expected = output.Rejected is not null ? 1 : output.Published!.Observations.Count + output.Published.Alerts.Count;
            Assert.Equal(expected, outcome.Messages);
        }
        Assert.Equal(observations.Count + alerts.Count + 1, sink.Delivered);
        Assert.Equal(0, sink.Failed);
        Assert.Equal(0, sink.Pending);

        var observationMessages = TestData.ReadAll(_cluster.BootstrapServers, options.Topics.Observations, observations.Count, Patience);
        Assert.All(observationMessages, m => Assert.Equal(Patient, m.Message.Key));
        var parsed = observationMessages.Select(m => FhirNdjson.Parse<Observation>(m.Message.Value)).ToList();
        Assert.Equal(observations.Select(o => o.Resource.Id), parsed.Select(o => o.Id)); // one patient: one partition, in order
        Assert.Equal(observations.Select(o => FhirNdjson.Serialize(o.Resource)), observationMessages.Select(m => m.Message.Value));

        var alertMessages = TestData.ReadAll(_cluster.BootstrapServers, options.Topics.Alerts, alerts.Count, Patience);
        Assert.All(alertMessages, m => Assert.Equal(Patient, m.Message.Key));
        var parsedAlerts = alertMessages.Select(m => AlertEventJson.Deserialize(m.Message.Value)).ToList();
        Assert.Equal(alerts.Select(a => (a.AlertId, a.Event, a.PatientId, a.Onset)), parsedAlerts.Select(a => (a.AlertId, a.Event, a.PatientId, a.Onset)));
        // Same key, same partition count, same partitioner: a patient's alerts sit on the partition of its Observations.
        Assert.Equal(observationMessages[0].Partition, alertMessages[0].Partition);

        var dead = Assert.Single(TestData.ReadAll(_cluster.BootstrapServers, options.Topics.DeadLetter, 1, Patience));
        Assert.Equal(Device, dead.Message.Key);
        using var letter = JsonDocument.Parse(dead.Message.Value);
        Assert.Equal("UnknownUnit", letter.RootElement.GetProperty("reason").GetString());
        Assert.Equal(Device, letter.RootElement.GetProperty("deviceId").GetString());
        Assert.Equal("segments", letter.RootElement.GetProperty("source").GetProperty("topic").GetString());
        Assert.Equal(3, letter.RootElement.GetProperty("source").GetProperty("partition").GetInt32());
        Assert.Equal(1234, letter.RootElement.GetProperty("source").GetProperty("offset").GetInt64());
        Assert.True(letter.RootElement.TryGetProperty("segment", out _));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_2_MiB_rejected_segment_becomes_a_truncated_dead_letter_Kafka_takes()
    {
        // Before the bound, such a dead letter was over 1 MB: refused (MsgSizeTooLarge), never committed, read again.
        var options = _cluster.Options();
        var segment = TestData.Segmenter(Patient, Device).Segment(0).Clone();
        var rng = new Random(5);
        foreach (var lead in segment.Leads)
            while (lead.Samples.Count < 220_000) lead.Samples.Add(rng.Next(int.MinValue, int.MaxValue));
        Assert.True(segment.CalculateSize() >= 2 * 1024 * 1024, $"{segment.CalculateSize()} bytes");
        var rejected = new SegmentValidator().Validate(segment, TestData.T0.AddSeconds(30));
        Assert.Equal(RejectionReason.TooManySamples, rejected.Rejection!.Reason);
        var at = new SourcePosition(options.Topics.Segments, 2, 4321);

        using var sink = new KafkaPipelineSink(options);
        var outcome = await sink.Write(PipelineOutput.Of(rejected), TestData.T0, at).WaitAsync(Patience);
        Assert.Equal(new DeliveryOutcome(1, 0, null), outcome);

        var dead = Assert.Single(TestData.ReadAll(_cluster.BootstrapServers, options.Topics.DeadLetter, 1, Patience));
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(dead.Message.Value), 1, options.MaxDeadLetterBytes);
        using var letter = JsonDocument.Parse(dead.Message.Value);
        var root = letter.RootElement;
        Assert.Equal("TooManySamples", root.GetProperty("reason").GetString());
        Assert.Equal(4321, root.GetProperty("source").GetProperty("offset").GetInt64());
        Assert.True(root.GetProperty("truncated").GetBoolean());
        Assert.Equal(segment.CalculateSize(), root.GetProperty("original").GetProperty("bytes").GetInt32());
        Assert.Equal(Patient, root.GetProperty("segment").GetProperty("patientId").GetString());
    }

    [Fact]
    public async System.Threading.Tasks.Task An_unreadable_message_is_dead_lettered_with_its_position_and_bytes()
    {
        var options = _cluster.Options();
        byte[] garbage = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02];
        var consumed = KafkaSegmentSource.Parse(garbage, new SourcePosition(options.Topics.Segments, 1, 77), options.MaxSegmentBytes);
        using var sink = new KafkaPipelineSink(options);
        var outcome = await sink.WriteUnreadable(consumed, TestData.T0).WaitAsync(Patience);
        Assert.Equal(new DeliveryOutcome(1, 0, null), outcome);
        var readable = KafkaSegmentSource.Parse(Google.Protobuf.MessageExtensions.ToByteArray(TestData.Segmenter("p", "d").Segment(0)), consumed.Position, options.MaxSegmentBytes);
        Assert.Throws<ArgumentException>(() => { _ = sink.WriteUnreadable(readable, TestData.T0); }); // thrown at the call, not in the task

        var dead = Assert.Single(TestData.ReadAll(_cluster.BootstrapServers, options.Topics.DeadLetter, 1, Patience));
        Assert.Null(dead.Message.Key);
        var root = JsonDocument.Parse(dead.Message.Value).RootElement;
        Assert.Equal(UnreadableReason.MalformedMessage, root.GetProperty("reason").GetString());
        Assert.Equal(options.Topics.Segments, root.GetProperty("source").GetProperty("topic").GetString());
        Assert.Equal(1, root.GetProperty("source").GetProperty("partition").GetInt32());
        Assert.Equal(77, root.GetProperty("source").GetProperty("offset").GetInt64());
        Assert.Equal(garbage, root.GetProperty("payload").GetBytesFromBase64());
    }

    [Fact]
    public async System.Threading.Tasks.Task A_message_kafka_refuses_is_counted_surfaced_and_reported_in_the_outcome_not_thrown()
    {
        var options = _cluster.Options();
        // The producer refuses anything over 72,000 bytes (the dead-letter bound follows it down to its smallest): an
        // alert event with an oversized display text is too big; the dead letter and an ordinary alert event are not.
        options.Settings["message.max.bytes"] = "72000";
        options.MaxDeadLetterBytes = DeadLetterJson.MinMaxBytes;
        options.MaxDeadLetterPayloadBytes = DeadLetterJson.MaxUnreadablePayloadBytes(options.MaxDeadLetterBytes);
        var outputs = OutputsWithAlerts();
        var rejected = outputs.Single(o => o.Rejected is not null);
        var withAlert = outputs.First(o => o.Published is { Alerts.Count: > 0 });
        var alertOnly = PipelineOutput.Of(withAlert.Published! with { Observations = [] });
        var huge = PipelineOutput.Of(withAlert.Published! with
        {
            Observations = [],
            Interpreted = withAlert.Published.Interpreted with { Alerts = [TestData.Alert(withAlert.Published) with { Display = new string('x', 100_000) }] },
        });

        using var sink = new KafkaPipelineSink(options);
        var failures = new ConcurrentQueue<SinkFailure>();
        using var _ = sink.Failures.Subscribe(failures.Enqueue);
        var refused = await sink.Write(huge, TestData.T0, null).WaitAsync(Patience);
        var accepted = await sink.Write(alertOnly, TestData.T0, null).WaitAsync(Patience);
        var deadLetter = await sink.Write(rejected, TestData.T0, null).WaitAsync(Patience);

        Assert.False(refused.Acknowledged);
        Assert.Equal(1, refused.Messages);
        Assert.Equal(1, refused.Failed);
        Assert.Equal("MsgSizeTooLarge", refused.FirstError);
        Assert.True(accepted.Acknowledged);
        Assert.Equal(withAlert.Published!.Alerts.Count, accepted.Messages);
        Assert.Equal(new DeliveryOutcome(1, 0, null), deadLetter);
        Assert.Equal(1, sink.Failed);
        var failure = Assert.Single(failures);
        Assert.Equal(options.Topics.Alerts, failure.Topic);
        Assert.Equal("MsgSizeTooLarge", failure.Code);
    }

    [Fact]
    public void An_output_without_messages_is_acknowledged_at_once_and_a_disposed_sink_refuses_writes()
    {
        var options = _cluster.Options();
        var window = Outputs.Value.First(o => o.Published is not null).Published!;
        var empty = PipelineOutput.Of(window with { Observations = [], Interpreted = window.Interpreted with { Alerts = [] } });
        var sink = new KafkaPipelineSink(options);
        var task = sink.Write(empty, TestData.T0, null);
        Assert.True(task.IsCompletedSuccessfully);
#pragma warning disable xUnit1031 // completed synchronously, asserted above
        Assert.Equal(new DeliveryOutcome(0, 0, null), task.Result);
#pragma warning restore xUnit1031
        ((IPipelineSink)sink).Write(Outputs.Value.First(o => o.Published is { Observations.Count: > 0 }), TestData.T0);
        sink.Dispose();   // flushes first
        Assert.Equal(0, sink.Pending);
        Assert.True(sink.Delivered > 0);
        Assert.Throws<ObjectDisposedException>(() => { _ = sink.Write(empty, TestData.T0, null); });
        sink.Dispose();   // idempotent
    }
}
