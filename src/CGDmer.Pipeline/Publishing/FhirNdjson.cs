using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace CGDmer.Pipeline.Publishing;

/// <summary>
/// FHIR R4 JSON, one resource per line (NDJSON, as FHIR bulk data): compact, no line breaks, so a resource is one
/// message or one line of a file. Parsing is strict: an unknown element or an invalid value is an error.
/// </summary>
public static class FhirNdjson
{
    // Both are thread-safe once built; the inspector caches the R4 model's reflection data.
    private static readonly BaseFhirJsonSerializer Serializer = new(ModelInfo.ModelInspector);
    private static readonly BaseFhirJsonDeserializer Deserializer = new(ModelInfo.ModelInspector);

    /// <summary>The resource as one line of compact FHIR JSON (no trailing newline).</summary>
    public static string Serialize(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return Serializer.SerializeToString(resource, pretty: false);
    }

    /// <summary>The resource as UTF-8 compact FHIR JSON (a message payload).</summary>
    public static byte[] SerializeToUtf8(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return Serializer.SerializeToBytes(resource, pretty: false);
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
