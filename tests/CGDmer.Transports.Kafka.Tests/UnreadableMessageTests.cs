using System.Text.Json;
using CGDmer.Transports.Files;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Google.Protobuf;

namespace CGDmer.Transports.Kafka.Tests;

/// <summary>Reading a message value as a segment never throws; what cannot be read is described for the dead letter.</summary>
public class UnreadableMessageTests
{
    private static readonly SourcePosition At = new("segments", 2, 41);

    [Fact]
    public void A_valid_segment_is_read_with_its_position()
    {
        var segment = TestData.Segmenter("patient-1", "monitor-1").Segment(3);
        var consumed = KafkaSegmentSource.Parse(segment.ToByteArray(), At, 1 << 20);
        Assert.True(consumed.IsReadable);
        Assert.Equal(segment, consumed.Segment);
        Assert.Equal(At, consumed.Position);
        Assert.Null(consumed.Unreadable);
    }

    [Fact]
    public void Invalid_protobuf_is_a_malformed_message()
    {
        byte[] bytes = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        var consumed = KafkaSegmentSource.Parse(bytes, At, 1 << 20);
        Assert.False(consumed.IsReadable);
        Assert.Equal(UnreadableReason.MalformedMessage, consumed.Unreadable!.Reason);
        Assert.Equal(bytes, consumed.Unreadable.Payload);
        Assert.False(string.IsNullOrWhiteSpace(consumed.Unreadable.Message));
    }

    [Fact]
    public void A_truncated_segment_is_a_malformed_message()
    {
        var bytes = TestData.Segmenter("patient-1", "monitor-1").Segment(0).ToByteArray();
        var consumed = KafkaSegmentSource.Parse(bytes[..(bytes.Length / 2)], At, 1 << 20);
        Assert.Equal(UnreadableReason.MalformedMessage, consumed.Unreadable?.Reason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(new byte[0])]
    public void No_value_is_an_empty_message(byte[]? value) =>
        Assert.Equal(UnreadableReason.EmptyMessage, KafkaSegmentSource.Parse(value, At, 1 << 20).Unreadable?.Reason);

    [Fact]
    public void A_message_over_the_bound_is_not_parsed()
    {
        var bytes = TestData.Segmenter("patient-1", "monitor-1").Segment(0).ToByteArray();
        var consumed = KafkaSegmentSource.Parse(bytes, At, bytes.Length - 1);
        Assert.Equal(UnreadableReason.OversizedMessage, consumed.Unreadable?.Reason);
        Assert.True(KafkaSegmentSource.Parse(bytes, At, bytes.Length).IsReadable);
    }

    [Property(MaxTest = 500)]
    public Property Any_bytes_are_read_or_described_never_thrown(byte[] bytes)
    {
        var consumed = KafkaSegmentSource.Parse(bytes, At, 1 << 20);
        return (consumed.IsReadable ^ consumed.Unreadable is not null)
            .And(consumed.Position == At)
            .And(bytes is { Length: > 0 } || consumed.Unreadable?.Reason == UnreadableReason.EmptyMessage);
    }

    [Fact]
    public void The_dead_letter_of_an_unreadable_message_has_reason_position_digest_and_a_bounded_copy()
    {
        var payload = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var json = DeadLetterJson.WriteUnreadable(payload, UnreadableReason.MalformedMessage, "bad wire type", At, TestData.T0, maxPayloadBytes: 100);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("MalformedMessage", root.GetProperty("reason").GetString());
        Assert.Equal("bad wire type", root.GetProperty("message").GetString());
        Assert.Equal("segments", root.GetProperty("source").GetProperty("topic").GetString());
        Assert.Equal(2, root.GetProperty("source").GetProperty("partition").GetInt32());
        Assert.Equal(41, root.GetProperty("source").GetProperty("offset").GetInt64());
        Assert.Equal(1000, root.GetProperty("payloadBytes").GetInt32());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload)), root.GetProperty("payloadSha256").GetString());
        Assert.Equal(payload[..100], root.GetProperty("payload").GetBytesFromBase64());
        Assert.True(root.GetProperty("payloadTruncated").GetBoolean());
        Assert.DoesNotContain('\n', json);

        var whole = JsonDocument.Parse(DeadLetterJson.WriteUnreadable(payload, "X", "", At, TestData.T0, maxPayloadBytes: 1000)).RootElement;
        Assert.Equal(payload, whole.GetProperty("payload").GetBytesFromBase64());
        Assert.False(whole.GetProperty("payloadTruncated").GetBoolean());
    }
}
