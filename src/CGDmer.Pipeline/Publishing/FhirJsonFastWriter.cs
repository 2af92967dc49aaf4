using System.Collections;
using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Hl7.Fhir.Introspection;
using Linq = System.Linq.Expressions;
using System.Reflection;
using Hl7.Fhir.Model;

namespace CGDmer.Pipeline.Publishing;

/// <summary>
/// The hot path of <see cref="FhirNdjson"/>: compact FHIR R4 JSON written straight from the POCO's element properties
/// (the R4 model's class mappings in FHIR element order, read through compiled getters) into a reused
/// <see cref="Utf8JsonWriter"/>. It covers the shapes the service emits — complex types, primitives without extensions,
/// repeating elements, choice elements ([x] named by the value's type) — and refuses anything else (extensions,
/// primitives with an id or extension, contained or nested resources, empty elements that Firely would prune):
/// <see cref="TryWrite"/> then returns false and the caller serialises with Firely. The output is byte-identical to
/// Firely's <c>BaseFhirJsonSerializer</c> (the tests compare them on every resource kind the service emits, on random
/// windows and on the refused shapes).
/// </summary>
/// <remarks>
/// Why: Firely's serializer buffers every element (its element enumeration and pruning writer), so at the service's
/// rate it made most of the pipeline's managed allocation and gen-0 collections. This walk allocates nothing of its own.
/// </remarks>
internal static class FhirJsonFastWriter
{
    private static readonly ModelInspector Inspector = ModelInfo.ModelInspector;

    /// <summary>One element of a type: its JSON name, whether it is a choice ([x]) or repeats, and a compiled getter.</summary>
    private sealed record ElementSlot(string Name, JsonEncodedText EncodedName, bool Choice, bool Repeats, Func<object, object?> Get)
    {
        /// <summary>A choice element's JSON name by its value's type ("valueQuantity"), encoded once per type (null: refused).</summary>
        public readonly ConcurrentDictionary<Type, JsonEncodedText?> ChoiceNames = new();
    }

    // The elements read through their property because Firely's private backing field was not found ("Type.element").
    // Declared before every getter that may fall back: static initialisers run in textual order.
    private static readonly ConcurrentDictionary<string, bool> PropertyFallbacks = new();

    /// <summary>A type's elements in FHIR order, and whether any instance of it is frozen (<see cref="Freeze"/>).</summary>
    private sealed class TypeLayout(ElementSlot[] slots)
    {
        public readonly ElementSlot[] Slots = slots;
        public volatile bool HasFrozen;
    }

    // Per POCO type: its layout (null for a type the R4 model does not map: refused).
    private static readonly ConcurrentDictionary<Type, TypeLayout?> Elements = new();

    // Elements frozen by their owner, with their JSON written once (Freeze).
    private static readonly ConditionalWeakTable<Base, byte[]> FrozenJson = new();

    /// <summary>A shape this writer does not cover; the caller falls back to Firely.</summary>
    private sealed class Unsupported : Exception;

    // Each refusal gets its own instance: the rare path, and an exception object must not be thrown on two threads at once.
    private static Unsupported Refused => new();

    /// <summary>
    /// Writes <paramref name="resource"/> as one compact JSON object. False (with the writer left mid-document: reset
    /// it and its buffer) when the resource has a shape this writer does not cover.
    /// </summary>
    public static bool TryWrite(Resource resource, Utf8JsonWriter writer)
    {
        try
        {
            writer.WriteStartObject();
            writer.WriteString("resourceType"u8, resource.TypeName);
            if (WriteMembers(resource, writer) == 0) return false;
            writer.WriteEndObject();
            return true;
        }
        catch (Unsupported)
        {
            return false;
        }
    }

    /// <summary>
    /// Marks <paramref name="element"/> as never to change again, so that its JSON is written once, now, and copied
    /// wherever it appears: for the parts an owner shares between the resources it builds (the Observation factory's
    /// codes). Changing a frozen element afterwards is a bug: its JSON would not follow. An element of a shape this writer
    /// refuses is left as it is (refused wherever it appears, as before).
    /// </summary>
    internal static T Freeze<T>(T element) where T : Base
    {
        ArgumentNullException.ThrowIfNull(element);
        if (element is Resource) return element;
        var layout = Elements.GetOrAdd(element.GetType(), Describe);
        if (layout is null) return element;
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, FhirNdjson.WriterOptions))
        {
            try
            {
                WriteObject(element, writer);
            }
            catch (Unsupported)
            {
                return element;
            }
        }
        FrozenJson.AddOrUpdate(element, buffer.WrittenSpan.ToArray());
        layout.HasFrozen = true;
        return element;
    }

    /// <summary>Writes the set elements of <paramref name="value"/> as members of the open object; returns how many.</summary>
    private static int WriteMembers(Base value, Utf8JsonWriter writer) =>
        WriteMembers(value, Elements.GetOrAdd(value.GetType(), Describe) ?? throw Refused, writer);

    private static int WriteMembers(Base value, TypeLayout layout, Utf8JsonWriter writer)
    {
        int members = 0;
        foreach (var slot in layout.Slots)
        {
            var element = slot.Get(value);
            if (element is null) continue;
            if (slot.Repeats)
            {
                if (element is not IList list) throw Refused;
                if (list.Count == 0) continue;
                writer.WritePropertyName(slot.EncodedName);
                writer.WriteStartArray();
                for (int i = 0; i < list.Count; i++)
                {
                    switch (list[i])
                    {
                        case PrimitiveType p: WritePrimitiveValue(p, writer); break;
                        case Base b: WriteObject(b, writer); break;
                        default: throw Refused;
                    }
                }
                writer.WriteEndArray();
            }
            else if (element is PrimitiveType primitive)
            {
                WriteName(slot, primitive, writer);
                WritePrimitiveValue(primitive, writer);
            }
            else if (element is Base child)
            {
                WriteName(slot, child, writer);
                WriteObject(child, writer);
            }
            else throw Refused;
            members++;
        }
        return members;
    }

    private static void WriteName(ElementSlot slot, Base value, Utf8JsonWriter writer)
    {
        if (!slot.Choice) writer.WritePropertyName(slot.EncodedName);
        else writer.WritePropertyName(slot.ChoiceNames.GetOrAdd(value.GetType(), ChoiceName, slot.Name) ?? throw Refused);
    }

    private static JsonEncodedText? ChoiceName(Type valueType, string element) =>
        Suffix(valueType) is { } suffix ? JsonEncodedText.Encode(element + suffix) : null;

    private static void WriteObject(Base value, Utf8JsonWriter writer)
    {
        if (value is Resource) throw Refused; // a nested resource (Bundle entry, contained) needs its resourceType
        var layout = Elements.GetOrAdd(value.GetType(), Describe) ?? throw Refused;
        if (layout.HasFrozen && FrozenJson.TryGetValue(value, out var json))
        {
            writer.WriteRawValue(json, skipInputValidation: true);
            return;
        }
        writer.WriteStartObject();
        // Firely prunes an element with nothing in it; this writer has already named it, so it refuses instead.
        if (WriteMembers(value, layout, writer) == 0) throw Refused;
        writer.WriteEndObject();
    }

    /// <summary>A primitive's JSON value; one with an id or extensions needs Firely's "_name" form.</summary>
    private static void WritePrimitiveValue(PrimitiveType primitive, Utf8JsonWriter writer)
    {
        if (primitive.ElementId is not null || !IsEmpty(ElementExtensions(primitive))) throw Refused;
        switch (primitive.JsonValue)
        {
            case string s when s.Length > 0: writer.WriteStringValue(s); break;
            case decimal d: writer.WriteNumberValue(d); break;
            case int i: writer.WriteNumberValue(i); break;
            case bool b: writer.WriteBooleanValue(b); break;
            default: throw Refused; // no value, an empty string, or a JSON type this writer does not know
        }
    }

    /// <summary>
    /// The elements of <paramref name="type"/> in FHIR order, or null (refused) for a type without a class mapping,
    /// with extensions or contained resources (never written here: their JSON forms differ), or with a property that
    /// has no public getter.
    /// </summary>
    private static TypeLayout? Describe(Type type)
    {
        var mapping = Inspector.FindClassMapping(type);
        if (mapping is null) return null;
        var slots = new List<(int Order, ElementSlot Slot)>();
        foreach (var p in mapping.PropertyMappings)
        {
            if (p.NativeProperty?.GetMethod is not { IsPublic: true } getter) return null;
            bool refusedElement = p.Name is "extension" or "modifierExtension" or "contained";
            // Reading a repeating element's property (Element.Extension, Observation.Identifier …) creates an empty list
            // on every element it is read on; the backing field says the same for free.
            var get = refusedElement || p.IsCollection ? BackingField(type, p.NativeProperty) ?? PropertyInstead(type, p.Name, getter) : Getter(getter);
            // Elements never written are still read, so that a set one refuses the resource instead of vanishing.
            slots.Add((p.Order ?? int.MaxValue, refusedElement
                ? new ElementSlot(p.Name, JsonEncodedText.Encode(p.Name), false, p.IsCollection, o => IsEmpty(get(o)) ? null : throw Refused)
                : new ElementSlot(p.Name, JsonEncodedText.Encode(p.Name), p.Choice != ChoiceType.None, p.IsCollection, get)));
        }
        return new TypeLayout(slots.OrderBy(s => s.Order).Select(s => s.Slot).ToArray());
    }

    // Element.Extension without creating the list (see Describe); the property where the field is not found.
    private static readonly Func<object, object?> ElementExtensions =
        BackingField(typeof(Element), typeof(Element).GetProperty(nameof(Element.Extension))!)
        ?? PropertyInstead(typeof(Element), "extension", typeof(Element).GetProperty(nameof(Element.Extension))!.GetMethod!);

    /// <summary>
    /// The repeating elements (extension, contained and the others) read through their public property (which creates an
    /// empty list on every element it is read on) because Firely's private backing field (<c>_Extension</c> …) was not found, as after a
    /// Firely upgrade that renames it. The output stays right; the saving is lost. Empty while the saving holds; a test
    /// says so, so that an upgrade does not lose it silently.
    /// </summary>
    internal static IReadOnlyCollection<string> ElementsReadThroughProperty => PropertyFallbacks.Keys.Order(StringComparer.Ordinal).ToArray();

    private static Func<object, object?> PropertyInstead(Type type, string element, MethodInfo getter)
    {
        PropertyFallbacks.TryAdd(type.Name + "." + element, true);
        return Getter(getter);
    }

    /// <summary>A getter of the private field behind <paramref name="property"/> (<c>_Name</c>), if the type has one.</summary>
    private static Func<object, object?>? BackingField(Type type, PropertyInfo property)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.GetField("_" + property.Name, BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly) is not { } field
                || !property.PropertyType.IsAssignableFrom(field.FieldType)) continue;
            var instance = Linq.Expression.Parameter(typeof(object), "instance");
            var read = Linq.Expression.Field(Linq.Expression.Convert(instance, t), field);
            return Linq.Expression.Lambda<Func<object, object?>>(Linq.Expression.Convert(read, typeof(object)), instance).Compile();
        }
        return null;
    }

    private static bool IsEmpty(object? element) => element is null || element is IList { Count: 0 };

    private static Func<object, object?> Getter(MethodInfo getter)
    {
        var instance = Linq.Expression.Parameter(typeof(object), "instance");
        var call = Linq.Expression.Call(Linq.Expression.Convert(instance, getter.DeclaringType!), getter);
        return Linq.Expression.Lambda<Func<object, object?>>(Linq.Expression.Convert(call, typeof(object)), instance).Compile();
    }

    /// <summary>A value type's FHIR type name with the first letter upper-cased: the suffix of a choice element ("String", "Quantity").</summary>
    private static string? Suffix(Type valueType) =>
        Inspector.FindClassMapping(valueType)?.Name is { Length: > 0 } name ? char.ToUpperInvariant(name[0]) + name[1..] : null;
}
