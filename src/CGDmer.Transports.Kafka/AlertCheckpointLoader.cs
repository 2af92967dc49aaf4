using CGDmer.Pipeline.Interpretation;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace CGDmer.Transports.Kafka;

/// <summary>
/// Reads the alert-state topic (<see cref="KafkaTopicOptions.AlertState"/>) from its beginning to its end as it stood
/// when asked: the latest checkpoint of each patient (one without codes when the patient's alerts ended; a record without
/// a value, which the service never writes, forgets the patient). Used when the
/// runner is given partitions, before it reads their segments, so that their patients' alerts go on.
/// </summary>
public static class AlertCheckpointLoader
{
    /// <summary>
    /// The latest checkpoint per patient. A value that is not a checkpoint is skipped and counted in
    /// <paramref name="unreadable"/>; a topic not read to its end within <paramref name="timeout"/> gives what was read
    /// (and <paramref name="complete"/> false).
    /// </summary>
    public static IReadOnlyList<AlertCheckpoint> Load(KafkaOptions options, TimeSpan timeout, out int unreadable, out bool complete, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        string topic = options.Topics.AlertState;
        var config = options.ToConsumerConfig();
        // Its own group id, never committed: the reader assigns partitions itself and reads from their beginning.
        config.GroupId = options.GroupId + ".alert-state-reader";
        config.EnablePartitionEof = true;   // the end of a partition as it stood: a compacted log may lack its last offsets
        var deadline = DateTime.UtcNow + timeout;
        var latest = new Dictionary<string, AlertCheckpoint?>(StringComparer.Ordinal);
        unreadable = 0;
        complete = false;
        using var consumer = new ConsumerBuilder<string?, byte[]?>(config)
            .SetLogHandler((_, m) => { if (m.Level <= SyslogLevel.Warning) log?.AlertStateReaderClientLog(m.Facility, m.Message); })
            .SetErrorHandler((_, e) => log?.AlertStateReaderError(e.Code.ToString(), e.Reason))
            .Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var metadata = admin.GetMetadata(topic, Remaining(deadline));
        var partitions = metadata.Topics.SingleOrDefault(t => t.Topic == topic)?.Partitions ?? [];
        var ends = new Dictionary<int, long>();
        var starts = new List<TopicPartitionOffset>();
        foreach (var p in partitions)
        {
            var tp = new TopicPartition(topic, p.PartitionId);
            var marks = consumer.QueryWatermarkOffsets(tp, Remaining(deadline));
            if (marks.High.Value > marks.Low.Value)
            {
                ends[p.PartitionId] = marks.High.Value;
                starts.Add(new TopicPartitionOffset(tp, marks.Low));
            }
        }
        if (starts.Count > 0)
        {
            consumer.Assign(starts);
            while (ends.Count > 0 && DateTime.UtcNow < deadline)
            {
                var r = consumer.Consume(Remaining(deadline, TimeSpan.FromMilliseconds(500)));
                if (r is null) continue;
                if (r.IsPartitionEOF) { ends.Remove(r.Partition.Value); continue; }
                if (r.Message.Key is { Length: > 0 } patient)
                {
                    if (r.Message.Value is not { Length: > 0 } value) latest[patient] = null;
                    else
                    {
                        try
                        {
                            var c = AlertCheckpointJson.Deserialize(value);
                            if (c.PatientId == patient) latest[patient] = c;
                            else unreadable++;
                        }
                        catch (FormatException) { unreadable++; }
                    }
                }
                int partition = r.Partition.Value;
                if (ends.TryGetValue(partition, out long end) && r.Offset.Value >= end - 1) ends.Remove(partition);
            }
        }
        complete = ends.Count == 0;
        return [.. latest.Values.OfType<AlertCheckpoint>()];
    }

    private static TimeSpan Remaining(DateTime deadline, TimeSpan? atMost = null)
    {
        var left = deadline - DateTime.UtcNow;
        if (left < TimeSpan.FromMilliseconds(1)) left = TimeSpan.FromMilliseconds(1);
        return atMost is { } cap && cap < left ? cap : left;
    }
}
