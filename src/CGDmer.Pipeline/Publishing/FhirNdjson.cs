using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace CGDmer.Pipeline.Publishing;

/// <summary>
/// FHIR R4 JSON, one resource per line (NDJSON, as FHIR bulk data): compact, no line breaks, so a resource is one
/// message or one line of a file. Parsing is strict: an unknown element or an invalid value is an error.
/// Serialising goes through <see cref="FhirJsonFastWriter"/> into a per-thread reused buffer (the shapes the service
/// emits), else through Firely's serializer; both give the same bytes.
/// </summary>
public static class FhirNdjson
{
    // Both are thread-safe once built; the inspector caches the R4 model's reflection data.
    private static readonly BaseFhirJsonSerializer Serializer = new(ModelInfo.ModelInspector);
    private static readonly BaseFhirJsonDeserializer Deserializer = new(ModelInfo.ModelInspector);

    // Firely's escaping: non-ASCII and HTML-sensitive characters as they are, only what JSON requires escaped.
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>A buffer larger than this after a resource is dropped rather than kept for the thread's next one.</summary>
    private const int KeptBufferBytes = 256 * 1024;

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>The resource as one line of compact FHIR JSON (no trailing newline).</summary>
    public static string Serialize(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return TryFast(resource, out var buffer) ? Encoding.UTF8.GetString(Done(buffer)) : Serializer.SerializeToString(resource, pretty: false);
    }

    /// <summary>The resource as UTF-8 compact FHIR JSON (a message payload).</summary>
    public static byte[] SerializeToUtf8(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return TryFast(resource, out var buffer) ? Done(buffer).ToArray() : Serializer.SerializeToBytes(resource, pretty: false);
    }

    /// <summary>Firely's serializer alone: the reference the fast path is tested against.</summary>
    internal static string SerializeWithFirely(Resource resource) => Serializer.SerializeToString(resource, pretty: false);

    private static bool TryFast(Resource resource, out ArrayBufferWriter<byte> buffer)
    {
        buffer = t_buffer ??= new ArrayBufferWriter<byte>(8192);
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        bool written = FhirJsonFastWriter.TryWrite(resource, writer);
        writer.Flush();
        return written;
    }

    /// <summary>The written bytes, valid until the thread's next call; an oversized buffer is let go afterwards.</summary>
    private static ReadOnlySpan<byte> Done(ArrayBufferWriter<byte> buffer)
    {
        var written = buffer.WrittenSpan;
        if (buffer.Capacity > KeptBufferBytes) { t_buffer = null; t_writer = null; }
        return written;
    }

    /// <summary>Writes the resources as NDJSON: one line each, '\n'-terminated.</summary>
    public static void Write(TextWriter writer, IEnumerable<Resource> resources)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(resources);
        foreach (var r in resources)
        {
            writer.Write(Serialize(r));
            writer.Write('\n');
        }
    }

    /// <summary>Parses one line of FHIR JSON. Throws <see cref="FormatException"/> when it is not a valid <typeparamref name="T"/>.</summary>
    public static T Parse<T>(string line) where T : Resource
    {
        ArgumentNullException.ThrowIfNull(line);
        Resource resource;
        try
        {
            resource = Deserializer.DeserializeResource(line);
        }
        catch (Exception ex) when (ex is DeserializationFailedException or JsonException)
        {
            throw new FormatException($"not a valid FHIR R4 resource: {ex.Message}", ex);
        }
        return resource as T
               ?? throw new FormatException($"expected a {typeof(T).Name}, got a {resource.TypeName}");
    }

    /// <summary>Parses NDJSON: one resource per non-empty line.</summary>
    public static IEnumerable<Resource> ReadAll(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        while (reader.ReadLine() is { } line)
            if (line.Length > 0) yield return Parse<Resource>(line);
    }
}
