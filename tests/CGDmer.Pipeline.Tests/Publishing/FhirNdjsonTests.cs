// FHIR POCO properties are nullable throughout; these tests assert their presence explicitly.
#nullable disable warnings
using CGDmer.Pipeline.Publishing;
using Hl7.Fhir.Model;
using static CGDmer.Pipeline.Tests.Publishing.PublishTestData;

namespace CGDmer.Pipeline.Tests.Publishing;

public class FhirNdjsonTests
{
    [Fact]
    public void Observations_serialize_to_one_line_and_round_trip()
    {
        var model = Model();
        foreach (var o in Factory(model).Create(Interpreted(model)).Select(x => x.Resource)
                     .Concat(Factory(model).Create(Interpreted(model, suppressed: "poor_signal")).Select(x => x.Resource)))
        {
            var line = FhirNdjson.Serialize(o);
            Assert.DoesNotContain('\n', line);
            Assert.DoesNotContain('\r', line);
            Assert.StartsWith("{\"resourceType\":\"Observation\"", line);
            var back = FhirNdjson.Parse<Observation>(line);
            Assert.True(o.IsExactly(back), "parsed Observation differs from the original");
            Assert.Equal(line, FhirNdjson.Serialize(back));
            Assert.Equal(line, System.Text.Encoding.UTF8.GetString(FhirNdjson.SerializeToUtf8(o)));
        }
    }

    [Fact]
    public void Json_has_the_exact_fhir_shape()
    {
        var model = Model();
        var hr = Factory(model).Create(Interpreted(model, measurement: Measured(hr: 72.44)))[0].Resource;
        using var doc = System.Text.Json.JsonDocument.Parse(FhirNdjson.Serialize(hr));
        var root = doc.RootElement;
        Assert.Equal("final", root.GetProperty("status").GetString());
        Assert.Equal("2026-11-25T18:00:10.250Z", root.GetProperty("effectivePeriod").GetProperty("start").GetString());
        var q = root.GetProperty("valueQuantity");
        Assert.Equal("72.4", q.GetProperty("value").GetRawText());
        Assert.Equal("/min", q.GetProperty("code").GetString());
        Assert.Equal("http://unitsofmeasure.org", q.GetProperty("system").GetString());
        Assert.False(root.TryGetProperty("issued", out _)); // deterministic output: no wall-clock time
    }

    [Fact]
    public void Device_round_trips()
    {
        var d = DeviceFactory.ForModel(Model());
        var back = FhirNdjson.Parse<Device>(FhirNdjson.Serialize(d));
        Assert.True(d.IsExactly(back));
    }

    [Fact]
    public void Ndjson_writes_one_line_per_resource_and_reads_them_back()
    {
        var model = Model();
        var resources = Factory(model).Create(Interpreted(model)).Select(o => (Resource)o.Resource)
            .Prepend(DeviceFactory.ForModel(model)).ToArray();
        var sw = new StringWriter();
        FhirNdjson.Write(sw, resources);
        var text = sw.ToString();
        Assert.Equal(3, text.Count(c => c == '\n'));
        Assert.EndsWith("\n", text);
        var back = FhirNdjson.ReadAll(new StringReader(text + "\n")).ToArray();
        Assert.Equal(resources.Select(r => r.TypeName), back.Select(r => r.TypeName));
        Assert.All(resources.Zip(back), p => Assert.True(p.First.IsExactly(p.Second)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},\"bogus\":1}")]
    [InlineData("{\"resourceType\":\"Observation\",\"status\":\"nonsense\",\"code\":{\"text\":\"x\"}}")]
    [InlineData("{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},\"valueQuantity\":{\"value\":\"abc\"}}")]
    public void Invalid_input_is_a_format_exception(string line)
    {
        Assert.Throws<FormatException>(() => FhirNdjson.Parse<Observation>(line));
    }

    [Fact]
    public void Wrong_resource_type_is_a_format_exception()
    {
        var line = FhirNdjson.Serialize(DeviceFactory.ForModel(Model()));
        var ex = Assert.Throws<FormatException>(() => FhirNdjson.Parse<Observation>(line));
        Assert.Contains("Device", ex.Message);
    }
}
