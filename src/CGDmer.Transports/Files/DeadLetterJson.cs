using System.Text.Json;
using CGDmer.Contracts;
using CGDmer.Pipeline.Validation;

namespace CGDmer.Transports.Files;

/// <summary>
/// The dead-letter document of a rejected segment: the reason code and message, the device and sequence when readable,
/// when it was received, and the segment itself in its JSON mapping (so nothing is lost and it can be replayed once
/// fixed). The same document goes to the dead-letter file of a replay and, later, to the dead-letter topic.
/// </summary>
public static class DeadLetterJson
{
    /// <summary>The document of a segment the validate stage rejected; <paramref name="position"/> (when known) says where it was read.</summary>
    public static string Write(ValidationResult rejected, DateTimeOffset receivedAt, SourcePosition? position = null)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        var rejection = rejected.Rejection ?? throw new ArgumentException("the result is not a rejection", nameof(rejected));
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("reason", rejection.Code);
            json.WriteString("message", rejection.Message);
            json.WriteString("deviceId", rejection.DeviceId);
            json.WriteNumber("sequence", rejection.Sequence);
            json.WriteString("receivedAt", AlertIds.FormatTime(receivedAt));
            if (position is { } at) WriteSource(json, at);
            if (rejected.Input is { } input)
            {
                json.WritePropertyName("segment");
                string segmentJson;
                try { segmentJson = SegmentJson.ToJson(input); }
                catch (Exception e) { segmentJson = JsonSerializer.Serialize(new { unserializable = e.GetType().Name }); }
                json.WriteRawValue(segmentJson, skipInputValidation: true);
            }
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// The document of a message that could not even be read as a segment (not protobuf, empty, too large): the reason,
    /// where it was read, its size and SHA-256, and at most <paramref name="maxPayloadBytes"/> of its bytes (base64).
    /// The copy is bounded so the dead letter always fits the broker's message size; the position and the digest find
    /// and verify the original in the source topic while it is retained.
    /// </summary>
    public static string WriteUnreadable(ReadOnlySpan<byte> payload, string reason, string message, SourcePosition position,
        DateTimeOffset receivedAt, int maxPayloadBytes = 64 * 1024)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfNegative(maxPayloadBytes);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("reason", reason);
            json.WriteString("message", message);
            json.WriteString("receivedAt", AlertIds.FormatTime(receivedAt));
            WriteSource(json, position);
            json.WriteNumber("payloadBytes", payload.Length);
            json.WriteString("payloadSha256", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload)));
            bool truncated = payload.Length > maxPayloadBytes;
            json.WriteBase64String("payload", truncated ? payload[..maxPayloadBytes] : payload);
            json.WriteBoolean("payloadTruncated", truncated);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteSource(Utf8JsonWriter json, SourcePosition at)
    {
        json.WriteStartObject("source");
        json.WriteString("topic", at.Topic);
        json.WriteNumber("partition", at.Partition);
        json.WriteNumber("offset", at.Offset);
        json.WriteEndObject();
    }
}
