using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CGDmer.Contracts;

namespace CGDmer.Pipeline.Interpretation;

/// <summary>
/// The wire form of <see cref="AlertEvent"/> (schemas/alert-event.schema.json): camelCase names, times as
/// <see cref="AlertIds.FormatTime"/> (the form the alertId is derived from), null members omitted, no unknown members on
/// read (the schema has additionalProperties false).
/// </summary>
public static class AlertEventJson
{
    /// <summary>The serializer options used by this class (immutable once first used).</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    public static string Serialize(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return JsonSerializer.Serialize(alert, Options);
    }

    public static byte[] SerializeToUtf8Bytes(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return JsonSerializer.SerializeToUtf8Bytes(alert, Options);
    }

    /// <summary>Reads one event; throws <see cref="JsonException"/> for malformed JSON, missing required or unknown members, or another schema version.</summary>
    public static AlertEvent Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var alert = JsonSerializer.Deserialize<AlertEvent>(json, Options) ?? throw new JsonException("alert event is null");
        if (alert.SchemaVersion != AlertEvent.SchemaVersionV1)
            throw new JsonException($"alert event schemaVersion {alert.SchemaVersion} is not supported (this build reads {AlertEvent.SchemaVersionV1})");
        return alert;
    }

    public static AlertEvent Deserialize(ReadOnlySpan<byte> utf8Json)
    {
        var alert = JsonSerializer.Deserialize<AlertEvent>(utf8Json, Options) ?? throw new JsonException("alert event is null");
        if (alert.SchemaVersion != AlertEvent.SchemaVersionV1)
            throw new JsonException($"alert event schemaVersion {alert.SchemaVersion} is not supported (this build reads {AlertEvent.SchemaVersionV1})");
        return alert;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var o = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            // Probabilities are plain numbers; NaN/Infinity are not JSON and not valid here.
            NumberHandling = JsonNumberHandling.Strict,
        };
        o.Converters.Add(new EventTimeConverter());
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }

    /// <summary>RFC 3339 UTC with milliseconds on write; any RFC 3339 offset accepted on read.</summary>
    private sealed class EventTimeConverter : JsonConverter<DateTimeOffset>
    {
        private static readonly string[] RfcFormats =
        [
            "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'",
            "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mm:sszzz",
        ];

        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String) throw new JsonException("a time must be an RFC 3339 string");
            string s = reader.GetString()!;
            // RFC 3339 requires an offset: "Z" or ±hh:mm; a local time without one is refused.
            if (!DateTimeOffset.TryParseExact(s, RfcFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
                throw new JsonException($"'{s}' is not an RFC 3339 date-time with offset");
            return t.ToUniversalTime();
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(AlertIds.FormatTime(value));
    }
}
