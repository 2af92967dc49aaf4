using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CGDmer.Pipeline.Publishing;
using FsCheck.Xunit;
using Hl7.Fhir.Model;

namespace CGDmer.Pipeline.Tests.Publishing;

/// <summary>
/// <see cref="FhirJsonFastWriter"/> writes exactly Firely's bytes for what the service emits, takes the fast path for
/// it (else the speed-up is silently gone), and refuses the shapes it does not cover so that <see cref="FhirNdjson"/>
/// falls back to Firely for them.
/// </summary>
public class FhirJsonFastWriterTests
{
    private static bool Fast(Resource resource)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        return FhirJsonFastWriter.TryWrite(resource, writer);
    }

    private static void AssertSameAsFirely(Resource resource, bool expectFastPath)
    {
        string firely = FhirNdjson.SerializeWithFirely(resource);
        Assert.Equal(expectFastPath, Fast(resource));
        Assert.Equal(firely, FhirNdjson.Serialize(resource));
        Assert.Equal(firely, Encoding.UTF8.GetString(FhirNdjson.SerializeToUtf8(resource)));
    }

    [Fact]
    public void Every_observation_of_the_realistic_ward_and_the_model_device_take_the_fast_path_and_equal_firely()
    {
        var model = PublishTestData.Model();
        int observations = 0;
        foreach (var options in new[] { new PublishingOptions(), new PublishingOptions { PatientReference = PatientReferenceMode.Literal, ProjectUri = "https://example.org/cgdmer" } })
        {
            var factory = new ObservationFactory(options, model);
            AssertSameAsFirely(factory.ModelDevice, expectFastPath: true);
            foreach (var window in InterpretedWindows.Realistic(model, 300, seed: 11))
                foreach (var p in factory.Create(window))
                {
                    AssertSameAsFirely(p.Resource, expectFastPath: true);
                    observations++;
                }
        }
        Assert.True(observations > 500, $"only {observations} Observations");
    }

    [Fact]
    public void A_frozen_element_is_written_from_its_json_kept_at_freezing_wherever_it_appears()
    {
        // Freezing keeps the element's JSON as the walk wrote it and copies it from then on: shown here by changing a
        // frozen element afterwards (which its owner must never do), whose old JSON then still comes out.
        var code = FhirJsonFastWriter.Freeze(new CodeableConcept("http://loinc.org", "8867-4", "Heart rate", "Heart rate"));
        Observation Observation(string id) => new()
        {
            Id = id, Status = ObservationStatus.Final, Code = code,
            Component = [new Observation.ComponentComponent { Code = code, Value = new Quantity(1.5m, "1") }],
        };
        var before = Observation("a");
        AssertSameAsFirely(before, expectFastPath: true);
        string frozen = FhirNdjson.Serialize(before);
        code.Text = "changed after freezing";
        Assert.Equal(frozen, FhirNdjson.Serialize(Observation("a")));
        Assert.NotEqual(frozen, FhirNdjson.SerializeWithFirely(Observation("a")));
        // An element of the same type that is not frozen is walked as before.
        AssertSameAsFirely(new Observation { Id = "b", Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "8601-7") }, expectFastPath: true);
    }

    [Fact]
    public void Freezing_an_element_the_writer_refuses_leaves_it_refused_so_firely_writes_it()
    {
        var withExtension = new CodeableConcept("http://loinc.org", "8867-4");
        withExtension.Extension.Add(new Extension("http://example.org/x", new FhirString("y")));
        FhirJsonFastWriter.Freeze(withExtension);
        AssertSameAsFirely(new Observation { Id = "c", Status = ObservationStatus.Final, Code = withExtension }, expectFastPath: false);
    }

    [Property(MaxTest = 300)]
    public void Random_windows_serialize_as_firely_does(int seed)
    {
        var (w, options, model) = PublishPropertyTests.Random(seed);
        if (PublishPropertyTests.HasControlCharacter(w)) return; // refused by the factory (its own test)
        foreach (var p in new ObservationFactory(options, model).Create(w))
            AssertSameAsFirely(p.Resource, expectFastPath: true);
    }

    [Fact]
    public void Strings_are_escaped_as_firely_escapes_them()
    {
        var o = new Observation
        {
            Id = "esc", Status = ObservationStatus.Final,
            Code = new CodeableConcept("urn:x", "c", "<é'&\"µ\\ \u2028\u2029 \t\r\n 漢字 😀 \u007f \u00ad"),
            Note = [new Annotation { Text = "</script> \u0085 ½" }],
        };
        AssertSameAsFirely(o, expectFastPath: true);
    }

    [Fact]
    public void Choice_elements_are_named_by_their_value_type()
    {
        var o = new Observation { Id = "choice", Status = ObservationStatus.Preliminary, Code = new CodeableConcept("urn:x", "c"), Effective = new FhirDateTime("2026-11-26T00:00:00.001Z") };
        o.Component.Add(new Observation.ComponentComponent { Code = new CodeableConcept("urn:x", "s"), Value = new FhirString("II") });
        o.Component.Add(new Observation.ComponentComponent { Code = new CodeableConcept("urn:x", "i"), Value = new Integer(-5) });
        o.Component.Add(new Observation.ComponentComponent { Code = new CodeableConcept("urn:x", "b"), Value = new FhirBoolean(false) });
        o.Component.Add(new Observation.ComponentComponent { Code = new CodeableConcept("urn:x", "q"), Value = new Quantity(72.0m, "/min") });
        o.Component.Add(new Observation.ComponentComponent { Code = new CodeableConcept("urn:x", "r"), Value = new Hl7.Fhir.Model.Range { Low = new Quantity(0.0001m, "1"), High = new Quantity(1e12m, "1") } });
        o.Component.Add(new Observation.ComponentComponent { Code = new CodeableConcept("urn:x", "p"), Value = new Period { Start = "2026-11-26" } });
        o.Value = new Ratio(new Quantity(1, "1"), new Quantity(3.50m, "1"));
        AssertSameAsFirely(o, expectFastPath: true);
    }

    [Fact]
    public void An_id_on_a_complex_element_is_written_as_firely_writes_it()
    {
        var o = new Observation { Status = ObservationStatus.Final, Code = new CodeableConcept("urn:x", "c") { ElementId = "code-1" } };
        AssertSameAsFirely(o, expectFastPath: true);
    }

    public static TheoryData<string, Resource> RefusedShapes() => new()
    {
        { "extension on the resource", new Observation { Status = ObservationStatus.Final, Extension = [new Extension("http://x/ext", new FhirString("v"))] } },
        { "extension on a primitive", WithStatusExtension() },
        { "id on a primitive", WithStatusId() },
        { "empty complex element (Firely prunes it)", new Observation { Status = ObservationStatus.Final, Code = new CodeableConcept() } },
        { "contained resource", new Observation { Status = ObservationStatus.Final, Contained = [new Patient { Id = "p1" }] } },
        { "nested resource", new Bundle { Type = Bundle.BundleType.Collection, Entry = [new Bundle.EntryComponent { Resource = new Observation { Status = ObservationStatus.Final } }] } },
        { "empty resource", new Observation() },
        { "primitive without a value", new Observation { StatusElement = new Code<ObservationStatus>() } },
    };

    private static Observation WithStatusExtension()
    {
        var o = new Observation { Status = ObservationStatus.Final };
        o.StatusElement.Extension.Add(new Extension("http://x/why", new FhirString("because")));
        return o;
    }

    private static Observation WithStatusId()
    {
        var o = new Observation { Status = ObservationStatus.Final };
        o.StatusElement.ElementId = "s1";
        return o;
    }

    [Theory]
    [MemberData(nameof(RefusedShapes))]
    public void Shapes_it_does_not_cover_are_refused_and_serialized_by_firely(string shape, Resource resource)
    {
        Assert.False(Fast(resource), shape);
        Assert.Equal(FhirNdjson.SerializeWithFirely(resource), FhirNdjson.Serialize(resource));
    }

    [Fact]
    public void Threads_serializing_at_once_each_get_their_own_bytes()
    {
        var model = PublishTestData.Model();
        var factory = new ObservationFactory(new PublishingOptions(), model);
        var resources = InterpretedWindows.Realistic(model, 200, seed: 5).SelectMany(factory.Create).Select(p => p.Resource).ToArray();
        var expected = resources.Select(FhirNdjson.SerializeWithFirely).ToArray();
        var actual = new string[resources.Length * 8];
        Parallel.For(0, actual.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => actual[i] = FhirNdjson.Serialize(resources[i % resources.Length]));
        for (int i = 0; i < actual.Length; i++) Assert.Equal(expected[i % resources.Length], actual[i]);
    }

    [Fact]
    public void Repeating_elements_are_read_from_firelys_backing_fields_without_creating_lists()
    {
        // Every type the service emits described (the realistic ward's Observations and the Device), then: had Firely
        // renamed its private fields, the writer would read the public properties, create an empty list on every
        // element, and still write the same bytes, so the byte-equality tests would not notice.
        var model = PublishTestData.Model();
        var factory = new ObservationFactory(new PublishingOptions(), model);
        Assert.True(Fast(factory.ModelDevice));
        foreach (var window in InterpretedWindows.Realistic(model, 300, seed: 11))
            foreach (var p in factory.Create(window))
                Assert.True(Fast(p.Resource));
        Assert.Empty(FhirJsonFastWriter.ElementsReadThroughProperty);

        // And reading did not create them: the element's list is still unset after the write (Firely's own
        // serializer would show an empty list as absent too, so only the field tells).
        var heartRate = (Observation)factory.Create(InterpretedWindows.Realistic(model, 1, seed: 11)[0])[0].Resource;
        // Every repeating element of the Observation that was unset before the write (identifier, basedOn, note …).
        var lists = new List<System.Reflection.FieldInfo>();
        for (var t = typeof(Observation); t is not null; t = t.BaseType)
            lists.AddRange(t.GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly)
                .Where(f => f.Name.StartsWith('_') && f.FieldType.IsGenericType && f.FieldType.GetGenericTypeDefinition() == typeof(List<>)));
        var unset = lists.Where(f => f.GetValue(heartRate) is null).ToArray();
        Assert.True(unset.Length >= 8, string.Join(", ", unset.Select(f => f.Name)));
        Assert.True(Fast(heartRate));
        Assert.All(unset, f => Assert.Null(f.GetValue(heartRate)));
        var field = typeof(Element).GetField("_Extension", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        Assert.Null(field.GetValue(heartRate.Code));
        Assert.Null(field.GetValue(heartRate.Code.Coding[0]));
    }

    [Fact]
    public void A_resource_larger_than_the_kept_buffer_serializes_whole_and_the_next_one_too()
    {
        var big = new Observation { Id = "big", Status = ObservationStatus.Final, Note = [new Annotation { Text = new string('x', 400_000) }] };
        var small = new Observation { Id = "small", Status = ObservationStatus.Final };
        AssertSameAsFirely(big, expectFastPath: true);
        AssertSameAsFirely(small, expectFastPath: true);
    }
}
