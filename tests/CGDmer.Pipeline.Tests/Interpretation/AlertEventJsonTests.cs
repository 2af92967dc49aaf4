using System.Text.Json;
using System.Text.Json.Nodes;
using CGDmer.Contracts;
using CGDmer.Pipeline.Interpretation;
using static CGDmer.Pipeline.Tests.Interpretation.Fx;

namespace CGDmer.Pipeline.Tests.Interpretation;

public class AlertEventJsonTests
{
    private static AlertEvent Clinical() => new()
    {
        AlertId = AlertIds.Derive("patient-0042", "clinical", Af, new DateTimeOffset(2026, 11, 25, 18, 0, 10, TimeSpan.Zero), "0.1.0"),
        Event = "onset",
        Kind = "clinical",
        Code = Af,
        SnomedCt = "49436004",
        Display = "Atrial fibrillation",
        PatientId = "patient-0042",
        DeviceId = "monitor-icu3-bed07",
        // Sub-millisecond and a non-UTC offset: written as UTC with milliseconds.
        Onset = new DateTimeOffset(2026, 11, 25, 19, 0, 10, TimeSpan.FromHours(1)).AddTicks(4),
        ObservedAt = new DateTimeOffset(2026, 11, 25, 18, 0, 30, TimeSpan.Zero),
        Probability = 0.87,
        Priority = "medium",
        ModelName = "cgdmer-small",
        ModelVersion = "0.1.0",
        ObservationIds = ["ecg-1", "ecg-2"],
    };

    [Fact]
    public void Writes_camel_case_in_schema_order_with_event_times_and_no_nulls()
    {
        string json = AlertEventJson.Serialize(Clinical());
        var node = JsonNode.Parse(json)!.AsObject();
        Assert.Equal(["schemaVersion", "alertId", "event", "kind", "code", "snomedCt", "display", "patientId", "deviceId", "onset",
                      "observedAt", "probability", "priority", "modelName", "modelVersion", "observationIds"],
                     node.Select(p => p.Key));
        Assert.Equal("2026-11-25T18:00:10.000Z", (string?)node["onset"]);
        Assert.Equal("2026-11-25T18:00:30.000Z", (string?)node["observedAt"]);
        Assert.Equal(0.87, (double)node["probability"]!);
        Assert.Equal(1, (int)node["schemaVersion"]!);
        AssertSchemaValid(Clinical());
    }

    [Fact]
    public void Round_trips()
    {
        var technical = new AlertEvent
        {
            AlertId = AlertIds.Derive("p", "technical", "lead_off", T0, null),
            Event = "end", Kind = "technical", Code = "lead_off", Display = "Lead off", PatientId = "p", DeviceId = "d",
            Onset = T0, End = T0.AddSeconds(41.5), ObservedAt = T0.AddSeconds(50), Leads = ["V1", "aVF"], Priority = "medium",
        };
        foreach (var e in new[] { Clinical(), technical })
        {
            string json = AlertEventJson.Serialize(e);
            var back = AlertEventJson.Deserialize(json);
            Assert.Equal(json, AlertEventJson.Serialize(back));
            Assert.Equal(json, AlertEventJson.Serialize(AlertEventJson.Deserialize(AlertEventJson.SerializeToUtf8Bytes(e))));
            AssertSchemaValid(back);
        }
        Assert.Equal(T0.AddSeconds(41.5), AlertEventJson.Deserialize(AlertEventJson.Serialize(technical)).End);
    }

    [Theory]
    [InlineData("""{"op":"add","key":"severity","value":"high"}""")]
    [InlineData("""{"op":"remove","key":"alertId"}""")]
    [InlineData("""{"op":"remove","key":"onset"}""")]
    [InlineData("""{"op":"add","key":"schemaVersion","value":2}""")]
    [InlineData("""{"op":"add","key":"onset","value":"yesterday"}""")]
    [InlineData("""{"op":"add","key":"onset","value":"2026-11-25T18:00:10"}""")]
    [InlineData("""{"op":"add","key":"probability","value":"0.5"}""")]
    public void Reading_refuses_what_the_schema_refuses(string edit)
    {
        var e = JsonNode.Parse(edit)!.AsObject();
        var doc = JsonNode.Parse(AlertEventJson.Serialize(Clinical()))!.AsObject();
        if ((string?)e["op"] == "remove") doc.Remove((string)e["key"]!);
        else doc[(string)e["key"]!] = e["value"]!.DeepClone();
        Assert.ThrowsAny<JsonException>(() => AlertEventJson.Deserialize(doc.ToJsonString()));
    }

    [Fact]
    public void Reads_offsets_as_utc()
    {
        var doc = JsonNode.Parse(AlertEventJson.Serialize(Clinical()))!.AsObject();
        doc["onset"] = "2026-11-25T19:00:10.250+01:00";
        var e = AlertEventJson.Deserialize(doc.ToJsonString());
        Assert.Equal(TimeSpan.Zero, e.Onset.Offset);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 18, 0, 10, 250, TimeSpan.Zero), e.Onset);
    }
}

public class AlertEventDocTests
{
    [Fact]
    public void The_documented_onset_example_names_observations_as_the_tracker_does()
    {
        // schemas/alert-event.md, first example: AF from 18:00:10, two 10 s windows, model 0.1.0.
        var t = new DateTimeOffset(2026, 11, 25, 18, 0, 10, TimeSpan.Zero);
        Assert.Equal("ecg-805bb6c61cd366ca2c6ac2519b618e93", ObservationIds.Derive("patient-0042", ObservationIds.Findings, t, t.AddSeconds(10), "0.1.0"));
        Assert.Equal("ecg-363a478cc0f16b09f4cae769cf57ca50", ObservationIds.Derive("patient-0042", ObservationIds.Findings, t.AddSeconds(10), t.AddSeconds(20), "0.1.0"));
    }
}
