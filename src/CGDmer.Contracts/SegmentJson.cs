using CGDmer.Contracts.Telemetry.V1;
using Google.Protobuf;

namespace CGDmer.Contracts;

/// <summary>
/// The JSON form of <see cref="EcgSegment"/> (schemas/ecg-segment.md): the canonical proto3 JSON mapping of
/// Google.Protobuf, with parse failures reported as a <see cref="FormatException"/> that says what was wrong.
/// This is syntax only; the contract's validation rules are applied by the pipeline afterwards.
/// </summary>
public static class SegmentJson
{
    // Unknown fields are an error (the contract says so); a typo in a field name must not silently drop data.
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);
    private static readonly JsonFormatter IndentedFormatter = new(JsonFormatter.Settings.Default.WithIndentation());

    /// <summary>Parses one JSON document into an <see cref="EcgSegment"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="FormatException">The text is not JSON, or not an EcgSegment in the proto3 JSON mapping.</exception>
    public static EcgSegment ParseJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (string.IsNullOrWhiteSpace(json))
            throw new FormatException("Invalid EcgSegment JSON: the document is empty.");
        try
        {
            return Parser.Parse<EcgSegment>(json);
        }
        catch (InvalidJsonException e)
        {
            throw new FormatException($"Invalid EcgSegment JSON: malformed JSON: {e.Message}", e);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new FormatException($"Invalid EcgSegment JSON: {e.Message}", e);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
            throw new FormatException($"Invalid EcgSegment JSON: {e.Message}", e);
        }
    }

    /// <summary>Writes the canonical proto3 JSON of <paramref name="segment"/> (default-valued fields omitted).</summary>
    public static string ToJson(EcgSegment segment, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(segment);
        return (indented ? IndentedFormatter : Formatter).Format(segment);
    }
}
