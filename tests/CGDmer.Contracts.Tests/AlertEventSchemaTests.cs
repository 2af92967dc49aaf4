using System.Text.Json.Nodes;
using CGDmer.Signal;
using NJsonSchema;

namespace CGDmer.Contracts.Tests;

public class AlertEventSchemaTests
{
    private static readonly Lazy<JsonSchema> Schema =
        new(() => JsonSchema.FromJsonAsync(ContractDocs.Read("alert-event.schema.json")).GetAwaiter().GetResult());

    private static JsonObject Onset() => JsonNode.Parse(ContractDocs.JsonBlocks("alert-event.md")[0])!.AsObject();
    private static JsonObject End() => JsonNode.Parse(ContractDocs.JsonBlocks("alert-event.md")[1])!.AsObject();
    private static JsonObject HeartRateOnset() => JsonNode.Parse(ContractDocs.JsonBlocks("alert-event.md")[2])!.AsObject();

    private static ICollection<NJsonSchema.Validation.ValidationError> Validate(JsonNode doc) =>
        Schema.Value.Validate(doc.ToJsonString());

    [Fact]
    public void Markdown_has_exactly_the_three_documented_examples()
    {
        Assert.Equal(3, ContractDocs.JsonBlocks("alert-event.md").Count);
        Assert.Equal("onset", (string?)Onset()["event"]);
        Assert.Equal("end", (string?)End()["event"]);
        Assert.Equal("heart_rate", (string?)HeartRateOnset()["kind"]);
    }

    [Fact]
    public void Documented_examples_validate()
    {
        Assert.Empty(Validate(Onset()));
        Assert.Empty(Validate(End()));
        Assert.Empty(Validate(HeartRateOnset()));
        var withRate = HeartRateOnset();
        withRate["code"] = "heart_rate_high";
        withRate["snomedCt"] = "3424008";
        withRate["heartRateBpm"] = 187.5;
        Assert.Empty(Validate(withRate));
    }

    public static TheoryData<string, string> BrokenVariants => new()
    {
        { "end event without end", """{"op":"remove","from":"end","key":"end"}""" },
        { "clinical without snomedCt", """{"op":"remove","from":"onset","key":"snomedCt"}""" },
        { "clinical without probability", """{"op":"remove","from":"onset","key":"probability"}""" },
        { "clinical without modelVersion", """{"op":"remove","from":"onset","key":"modelVersion"}""" },
        { "clinical without observations", """{"op":"set","from":"onset","key":"observationIds","value":[]}""" },
        { "probability 1.5", """{"op":"set","from":"onset","key":"probability","value":1.5}""" },
        { "probability negative", """{"op":"set","from":"onset","key":"probability","value":-0.1}""" },
        { "unknown event", """{"op":"set","from":"onset","key":"event","value":"start"}""" },
        { "unknown kind", """{"op":"set","from":"onset","key":"kind","value":"advisory"}""" },
        { "onset event with end", """{"op":"set","from":"onset","key":"end","value":"2026-11-25T18:01:00.000Z"}""" },
        { "schemaVersion 2", """{"op":"set","from":"onset","key":"schemaVersion","value":2}""" },
        { "clinical with technical code", """{"op":"set","from":"onset","key":"code","value":"lead_off"}""" },
        { "clinical with unknown label", """{"op":"set","from":"onset","key":"code","value":"myocardial_infarction"}""" },
        { "technical with clinical code", """{"op":"set","from":"end","key":"code","value":"atrial_fibrillation"}""" },
        { "technical without leads", """{"op":"remove","from":"end","key":"leads"}""" },
        { "technical with probability", """{"op":"set","from":"end","key":"probability","value":0.5}""" },
        { "technical with snomedCt", """{"op":"set","from":"end","key":"snomedCt","value":"49436004"}""" },
        { "unknown property", """{"op":"set","from":"onset","key":"severity","value":"high"}""" },
        { "bad priority", """{"op":"set","from":"onset","key":"priority","value":"urgent"}""" },
        { "onset not a date-time", """{"op":"set","from":"onset","key":"onset","value":"yesterday"}""" },
        { "alertId not derived hex", """{"op":"set","from":"onset","key":"alertId","value":"AF-1"}""" },
        { "missing patientId", """{"op":"remove","from":"onset","key":"patientId"}""" },
        { "heart rate without snomedCt", """{"op":"remove","from":"heart","key":"snomedCt"}""" },
        { "heart rate with probability", """{"op":"set","from":"heart","key":"probability","value":0.5}""" },
        { "heart rate with leads", """{"op":"set","from":"heart","key":"leads","value":["II"]}""" },
        { "heart rate with modelVersion", """{"op":"set","from":"heart","key":"modelVersion","value":"0.2.0"}""" },
        { "heart rate with a model label", """{"op":"set","from":"heart","key":"code","value":"sinus_tachycardia"}""" },
        { "heart rate with a technical code", """{"op":"set","from":"heart","key":"code","value":"no_signal"}""" },
        { "heart rate zero", """{"op":"set","from":"heart","key":"heartRateBpm","value":0}""" },
        { "clinical with heart rate code", """{"op":"set","from":"onset","key":"code","value":"asystole"}""" },
        { "clinical with heartRateBpm", """{"op":"set","from":"onset","key":"heartRateBpm","value":130}""" },
        { "technical with heartRateBpm", """{"op":"set","from":"end","key":"heartRateBpm","value":130}""" },
        { "technical with heart rate code", """{"op":"set","from":"end","key":"code","value":"asystole"}""" },
    };

    [Theory]
    [MemberData(nameof(BrokenVariants))]
    public void Broken_variants_do_not_validate(string name, string edit)
    {
        var e = JsonNode.Parse(edit)!.AsObject();
        var doc = (string?)e["from"] switch { "onset" => Onset(), "heart" => HeartRateOnset(), _ => End() };
        string key = (string)e["key"]!;
        if ((string?)e["op"] == "remove") Assert.True(doc.Remove(key), $"{name}: example has no {key}");
        else doc[key] = e["value"]!.DeepClone();
        Assert.NotEmpty(Validate(doc));
    }

    [Fact]
    public void Clinical_codes_are_exactly_the_EcgLabels_and_examples_use_their_snomed_and_display()
    {
        var schema = JsonNode.Parse(ContractDocs.Read("alert-event.schema.json"))!;
        var codes = schema["properties"]!["code"]!["enum"]!.AsArray().Select(n => (string)n!).ToList();
        string[] technical = ["lead_off", "poor_signal", "no_signal"];
        string[] heartRate = ["heart_rate_high", "heart_rate_low", "asystole"];
        Assert.Equal(EcgLabels.All.Select(l => l.Key).Concat(heartRate).Concat(technical), codes);

        var onset = Onset();
        var label = EcgLabels.ByKey((string)onset["code"]!);
        Assert.Equal(label.SnomedCode, (string?)onset["snomedCt"]);
        Assert.Equal(label.Display, (string?)onset["display"]);
    }

    [Fact]
    public void Example_alert_ids_are_the_documented_derivation()
    {
        foreach (var e in new[] { Onset(), End(), HeartRateOnset() })
        {
            string expected = AlertIds.Derive((string)e["patientId"]!, (string)e["kind"]!, (string)e["code"]!,
                (string)e["onset"]!, (string?)e["modelVersion"]);
            Assert.Equal(expected, (string?)e["alertId"]);
        }
        var onset = Onset();
        Assert.Equal((string)onset["onset"]!, AlertIds.FormatTime(DateTimeOffset.Parse((string)onset["onset"]!)));
        Assert.Equal((string?)onset["alertId"], AlertIds.Derive("patient-0042", "clinical", "atrial_fibrillation",
            new DateTimeOffset(2026, 11, 25, 18, 0, 10, TimeSpan.Zero), "0.1.0"));
    }

    [Fact]
    public void Schema_declares_draft07_and_if_then_for_standard_validators()
    {
        var schema = JsonNode.Parse(ContractDocs.Read("alert-event.schema.json"))!;
        Assert.Equal("http://json-schema.org/draft-07/schema#", (string?)schema["$schema"]);
        foreach (var rule in schema["allOf"]!.AsArray())
        {
            Assert.NotNull(rule!["if"]);
            Assert.NotNull(rule["then"]);
            Assert.NotNull(rule["anyOf"]);
        }
    }
}
