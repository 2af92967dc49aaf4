using System.Globalization;
using System.Text;
using System.Text.Json;
using CGDmer.Contracts;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Validation;
using Google.Protobuf.WellKnownTypes;

namespace CGDmer.Transports.Files;

/// <summary>
/// The dead-letter document of a rejected segment: the reason code and message, the device and sequence when readable,
/// when it was received, and the segment itself in its JSON mapping (so nothing is lost and it can be replayed once
/// fixed). The same document goes to the dead-letter file of a replay and to the dead-letter topic.
/// <para>
/// Every document is at most a given number of UTF-8 bytes (<see cref="DefaultMaxBytes"/>, or the Kafka transport's
/// <c>MaxDeadLetterBytes</c>), so that no input can make a dead letter the broker refuses: a refused output is not
/// committed and would be read, and refused, again after every restart. A segment too large for it keeps its header
/// (identifiers, start time, rate, each lead's name, gain, baseline, unit and lead-off ranges) and the first samples of each
/// lead; <c>truncated: true</c> and <c>original</c> {bytes, leads, samples} say what was cut, and the source position
/// finds the whole message while the topic retains it. A start time the JSON mapping cannot write (nanos or seconds
/// out of range) is left out of <c>segment</c> and kept as <c>rawStartTime</c> {seconds, nanos}.
/// </para>
/// </summary>
public static class DeadLetterJson
{
    /// <summary>Default bound of a dead letter: well under Kafka's default 1 MB message limit.</summary>
    public const int DefaultMaxBytes = 512 * 1024;

    /// <summary>Smallest allowed bound: room for the header of any segment, however long its strings or many its leads.</summary>
    public const int MinMaxBytes = 64 * 1024;

    /// <summary>
    /// Room an unreadable message's document needs besides its base64 copy of the bytes (reason, message, position,
    /// digest): a copy of at most <see cref="MaxUnreadablePayloadBytes"/> bytes keeps the document within the bound.
    /// </summary>
    public const int UnreadableOverheadBytes = 32 * 1024;

    /// <summary>Largest copy of an unreadable message's bytes whose dead letter stays within <paramref name="maxBytes"/> (base64: 4 bytes per 3).</summary>
    public static int MaxUnreadablePayloadBytes(int maxBytes) => Math.Max(0, (maxBytes - UnreadableOverheadBytes) / 4 * 3);

    // What a truncated segment keeps of its structure (the contract allows 12 leads, 64-character identifiers).
    private const int MaxKeptLeads = 16, MaxKeptRanges = 16, MaxKeptChars = 64, MaxMessageChars = 4096;
    // Longest JSON of one sample in the protobuf mapping: "-2147483648, ".
    private const int MaxSampleJsonBytes = 13;

    /// <summary>
    /// The document of a segment the validate stage rejected; <paramref name="position"/> (when known) says where it was
    /// read. At most <paramref name="maxBytes"/> UTF-8 bytes (≥ <see cref="MinMaxBytes"/>).
    /// </summary>
    public static string Write(ValidationResult rejected, DateTimeOffset receivedAt, SourcePosition? position = null, int maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        var rejection = rejected.Rejection ?? throw new ArgumentException("the result is not a rejection", nameof(rejected));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, MinMaxBytes);
        var input = rejected.Input;
        if (input is null) return Document(rejection, receivedAt, position, null, null);

        long totalSamples = 0;
        foreach (var lead in input.Leads) totalSamples += lead.Samples.Count;
        // Whole, when it can fit (each sample takes at least 3 bytes: a digit and ", ").
        if (totalSamples * 3 <= maxBytes)
        {
            var whole = Document(rejection, receivedAt, position, input, null);
            if (Encoding.UTF8.GetByteCount(whole) <= maxBytes) return whole;
        }

        var original = new Original(input.CalculateSize(), input.Leads.Count, totalSamples);
        var header = Truncated(input, 0);
        var headerOnly = Document(rejection, receivedAt, position, header, original);
        int headerBytes = Encoding.UTF8.GetByteCount(headerOnly);
        if (headerBytes > maxBytes)
            return Document(rejection, receivedAt, position, null, original);   // unreachable with MinMaxBytes
        // The samples share what the header leaves; the estimate is an upper bound, the loop makes sure.
        int leads = Math.Max(1, header.Leads.Count);
        int perLead = (int)Math.Min(int.MaxValue, (maxBytes - headerBytes) / ((long)MaxSampleJsonBytes * leads));
        while (perLead > 0)
        {
            var document = Document(rejection, receivedAt, position, Truncated(input, perLead), original);
            if (Encoding.UTF8.GetByteCount(document) <= maxBytes) return document;
            perLead /= 2;
        }
        return headerOnly;
    }

    /// <summary>What a truncated dead letter's segment was before it was cut.</summary>
    private readonly record struct Original(int Bytes, int Leads, long Samples);

    private static string Document(SegmentRejection rejection, DateTimeOffset receivedAt, SourcePosition? position,
                                   EcgSegment? segment, Original? original)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("reason", rejection.Code);
            json.WriteString("message", Clip(rejection.Message, MaxMessageChars));
            json.WriteString("deviceId", rejection.DeviceId);
            json.WriteNumber("sequence", rejection.Sequence);
            json.WriteString("receivedAt", AlertIds.FormatTime(receivedAt));
            if (position is { } at) WriteSource(json, at);
            if (segment is not null)
            {
                // The JSON mapping refuses a timestamp outside 0001–9999 or with nanos outside [0, 1e9): keep the raw values.
                var start = segment.StartTime;
                if (start is not null && !IsWritable(start))
                {
                    segment = segment.Clone();
                    segment.StartTime = null;
                    json.WriteStartObject("rawStartTime");
                    json.WriteString("seconds", start.Seconds.ToString(CultureInfo.InvariantCulture));   // int64 as text, as proto3 JSON does
                    json.WriteNumber("nanos", start.Nanos);
                    json.WriteEndObject();
                }
                json.WritePropertyName("segment");
                string segmentJson;
                try { segmentJson = SegmentJson.ToJson(segment); }
                catch (Exception e) { segmentJson = JsonSerializer.Serialize(new { unserializable = e.GetType().Name }); }
                json.WriteRawValue(segmentJson, skipInputValidation: true);
            }
            if (original is { } o)
            {
                json.WriteBoolean("truncated", true);
                json.WriteStartObject("original");
                json.WriteNumber("bytes", o.Bytes);
                json.WriteNumber("leads", o.Leads);
                json.WriteNumber("samples", o.Samples);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A copy of <paramref name="segment"/>'s header with at most <paramref name="samplesPerLead"/> samples per lead.</summary>
    private static EcgSegment Truncated(EcgSegment segment, int samplesPerLead)
    {
        var copy = new EcgSegment
        {
            SchemaVersion = segment.SchemaVersion,
            PatientId = Clip(segment.PatientId, MaxKeptChars),
            DeviceId = Clip(segment.DeviceId, MaxKeptChars),
            Sequence = segment.Sequence,
            StartTime = segment.StartTime?.Clone(),
            SampleRateHz = segment.SampleRateHz,
        };
        for (int li = 0; li < Math.Min(segment.Leads.Count, MaxKeptLeads); li++)
        {
            var lead = segment.Leads[li];
            var kept = new LeadSamples
            {
                Lead = Clip(lead.Lead, MaxKeptChars),
                Gain = lead.Gain,
                Baseline = lead.Baseline,
                Unit = Clip(lead.Unit, MaxKeptChars),
                LeadOff = lead.LeadOff,
            };
            int n = Math.Min(lead.Samples.Count, samplesPerLead);
            for (int i = 0; i < n; i++) kept.Samples.Add(lead.Samples[i]);
            for (int ri = 0; ri < Math.Min(lead.LeadOffRanges.Count, MaxKeptRanges); ri++) kept.LeadOffRanges.Add(lead.LeadOffRanges[ri].Clone());
            copy.Leads.Add(kept);
        }
        return copy;
    }

    // 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds: the range the JSON mapping writes.
    private const long MinTimestampSeconds = -62_135_596_800, MaxTimestampSeconds = 253_402_300_799;

    private static bool IsWritable(Timestamp t) =>
        t.Nanos is >= 0 and <= 999_999_999 && t.Seconds is >= MinTimestampSeconds and <= MaxTimestampSeconds;

    private static string Clip(string? s, int max) => s is null ? "" : s.Length <= max ? s : s[..max] + "…";

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
            json.WriteString("message", Clip(message, MaxMessageChars));
            json.WriteString("receivedAt", AlertIds.FormatTime(receivedAt));
            WriteSource(json, position);
            json.WriteNumber("payloadBytes", payload.Length);
            json.WriteString("payloadSha256", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload)));
            bool truncated = payload.Length > maxPayloadBytes;
            json.WriteBase64String("payload", truncated ? payload[..maxPayloadBytes] : payload);
            json.WriteBoolean("payloadTruncated", truncated);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
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
