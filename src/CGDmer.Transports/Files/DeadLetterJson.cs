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
    public static string Write(ValidationResult rejected, DateTimeOffset receivedAt)
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
}
