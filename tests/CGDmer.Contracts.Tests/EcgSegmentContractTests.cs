using System.Text.Json.Nodes;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Signal;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace CGDmer.Contracts.Tests;

public class EcgSegmentContractTests
{
    private static string ExampleJson => ContractDocs.JsonBlocks("ecg-segment.md")[0];

    [Fact]
    public void Documented_example_parses_with_the_canonical_json_parser()
    {
        var s = JsonParser.Default.Parse<EcgSegment>(ExampleJson);

        Assert.Equal(1u, s.SchemaVersion);
        Assert.Equal("patient-0042", s.PatientId);
        Assert.Equal("monitor-icu3-bed07", s.DeviceId);
        Assert.Equal(1042ul, s.Sequence);
        Assert.Equal(500.0, s.SampleRateHz);
        // Sub-millisecond resolution survives: .123456 s.
        Assert.Equal(new Timestamp { Seconds = new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), Nanos = 123_456_000 }, s.StartTime);

        Assert.Equal(2, s.Leads.Count);
        var ii = s.Leads[0];
        Assert.Equal("MLII", ii.Lead);
        Assert.Equal(200.0, ii.Gain);
        Assert.Equal(1024, ii.Baseline);
        Assert.Equal("mV", ii.Unit);
        Assert.False(ii.LeadOff);
        Assert.Empty(ii.LeadOffRanges);
        Assert.Equal(1.33, (ii.Samples[4] - ii.Baseline) / ii.Gain, 12);

        var v1 = s.Leads[1];
        Assert.Equal("uV", v1.Unit);
        Assert.Equal(0, v1.Baseline);
        Assert.Equal(-900.0, (v1.Samples[4] - v1.Baseline) / v1.Gain, 9);
        Assert.Equal(new SampleRange { Start = 6, End = 10 }, Assert.Single(v1.LeadOffRanges));
    }

    [Fact]
    public void Documented_example_satisfies_the_documented_validation_rules()
    {
        var s = JsonParser.Default.Parse<EcgSegment>(ExampleJson);
        Assert.Equal(1u, s.SchemaVersion);
        Assert.InRange(s.SampleRateHz, 50, 2000);
        Assert.InRange(s.Leads.Count, 1, 12);
        int n = s.Leads[0].Samples.Count;
        var standard = new HashSet<Lead>();
        foreach (var lead in s.Leads)
        {
            Assert.True(Leads.TryParse(lead.Lead, out var std), $"unknown lead {lead.Lead}");
            Assert.True(standard.Add(std), $"duplicate lead {lead.Lead}");
            Assert.Equal(n, lead.Samples.Count);
            Assert.InRange(lead.Samples.Count, 1, 30 * s.SampleRateHz);
            Assert.True(lead.Gain > 0);
            Assert.Contains(lead.Unit, new[] { "V", "mV", "uV", "nV" });
            foreach (var r in lead.LeadOffRanges) Assert.True(r.Start < r.End && r.End <= n);
        }
    }

    [Fact]
    public void Documented_example_round_trips_through_binary_and_json()
    {
        var s = JsonParser.Default.Parse<EcgSegment>(ExampleJson);

        var fromBinary = EcgSegment.Parser.ParseFrom(s.ToByteArray());
        Assert.Equal(s, fromBinary);

        string json = JsonFormatter.Default.Format(s);
        Assert.Equal(s, JsonParser.Default.Parse<EcgSegment>(json));
        Assert.Equal(s, JsonParser.Default.Parse<EcgSegment>(JsonFormatter.Default.Format(fromBinary)));
    }

    [Fact]
    public void Documented_example_is_exactly_what_the_formatter_writes()
    {
        // The page claims the example is the canonical mapping (lowerCamelCase, RFC 3339 timestamp, uint64 as string,
        // defaults omitted): re-formatting must give the same JSON tree.
        var s = JsonParser.Default.Parse<EcgSegment>(ExampleJson);
        var written = JsonNode.Parse(JsonFormatter.Default.Format(s));
        var documented = JsonNode.Parse(ExampleJson);
        Assert.True(JsonNode.DeepEquals(documented, written), $"documented:\n{documented}\nformatter:\n{written}");
        Assert.Equal("1042", written!["sequence"]!.GetValue<string>());
        Assert.Equal("2026-11-25T18:00:00.123456Z", written["startTime"]!.GetValue<string>());
    }

    [Fact]
    public void Snake_case_field_names_are_accepted_too()
    {
        var s = JsonParser.Default.Parse<EcgSegment>(
            """{"schema_version":1,"patient_id":"p","sample_rate_hz":250,"leads":[{"lead":"II","lead_off":true}]}""");
        Assert.Equal(1u, s.SchemaVersion);
        Assert.Equal("p", s.PatientId);
        Assert.True(s.Leads[0].LeadOff);
    }

    /// <summary>A small message with every field set; the bytes below are written out by hand from the .proto.</summary>
    internal static EcgSegment SmallSegment() => new()
    {
        SchemaVersion = 1,
        PatientId = "p",
        DeviceId = "d",
        Sequence = 2,
        StartTime = new Timestamp { Seconds = 1, Nanos = 2 },
        SampleRateHz = 250.0,
        Leads =
        {
            new LeadSamples
            {
                Lead = "II",
                Samples = { 1, -1, 2 },
                Gain = 200.0,
                Baseline = -3,
                Unit = "mV",
                LeadOff = true,
                LeadOffRanges = { new SampleRange { Start = 1, End = 3 } },
            },
        },
    };

    [Fact]
    public void Field_numbers_and_wire_types_are_frozen()
    {
        const string expected =
            "0801" +                         // 1 schema_version varint 1
            "120170" +                       // 2 patient_id "p"
            "1a0164" +                       // 3 device_id "d"
            "2002" +                         // 4 sequence varint 2
            "2a0408011002" +                 // 5 start_time {1: seconds 1, 2: nanos 2}
            "31000000000040" + "6f40" +      // 6 sample_rate_hz fixed64 250.0
            "3a20" +                         // 7 leads, 32 bytes:
                "0a024949" +                 //   1 lead "II"
                "1203020104" +               //   2 samples packed zig-zag [1, -1, 2] -> 2, 1, 4
                "190000000000006940" +       //   3 gain fixed64 200.0
                "2005" +                     //   4 baseline zig-zag -3 -> 5
                "2a026d56" +                 //   5 unit "mV"
                "3001" +                     //   6 lead_off true
                "3a0408011003";              //   7 lead_off_ranges [{1: start 1, 2: end 3}]
        Assert.Equal(expected, Convert.ToHexStringLower(SmallSegment().ToByteArray()));
        Assert.Equal(SmallSegment(), EcgSegment.Parser.ParseFrom(Convert.FromHexString(expected)));
    }

    [Fact]
    public void Descriptor_matches_the_documented_package_and_fields()
    {
        var d = EcgSegment.Descriptor;
        Assert.Equal("cgdmer.telemetry.v1.EcgSegment", d.FullName);
        Assert.Equal(
            ["schema_version:1", "patient_id:2", "device_id:3", "sequence:4", "start_time:5", "sample_rate_hz:6", "leads:7"],
            d.Fields.InFieldNumberOrder().Select(f => $"{f.Name}:{f.FieldNumber}"));
        Assert.Equal(
            ["lead:1", "samples:2", "gain:3", "baseline:4", "unit:5", "lead_off:6", "lead_off_ranges:7"],
            LeadSamples.Descriptor.Fields.InFieldNumberOrder().Select(f => $"{f.Name}:{f.FieldNumber}"));
        Assert.True(LeadSamples.Descriptor.FindFieldByName("samples").IsPacked);
        Assert.Equal("google.protobuf.Timestamp", d.FindFieldByName("start_time").MessageType.FullName);
    }
}
