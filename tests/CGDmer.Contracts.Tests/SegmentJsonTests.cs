using CGDmer.Contracts.Telemetry.V1;
using Google.Protobuf;

namespace CGDmer.Contracts.Tests;

public class SegmentJsonTests
{
    [Fact]
    public void Parses_the_documented_example_and_writes_it_back()
    {
        string doc = ContractDocs.JsonBlocks("ecg-segment.md")[0];
        var s = SegmentJson.ParseJson(doc);
        Assert.Equal(JsonParser.Default.Parse<EcgSegment>(doc), s);
        Assert.Equal(s, SegmentJson.ParseJson(SegmentJson.ToJson(s)));
        Assert.Equal(s, SegmentJson.ParseJson(SegmentJson.ToJson(s, indented: true)));
        Assert.DoesNotContain('\n', SegmentJson.ToJson(s));
        Assert.Contains('\n', SegmentJson.ToJson(s, indented: true));
    }

    [Fact]
    public void Round_trips_a_message_with_every_field_set()
    {
        var s = EcgSegmentContractTests.SmallSegment();
        Assert.Equal(s, SegmentJson.ParseJson(SegmentJson.ToJson(s)));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("{\"schemaVersion\": 1,", "malformed")]
    [InlineData("not json", "")]
    [InlineData("{\"schemaVersion\": 1, \"sampleRate\": 250}", "sampleRate")]          // unknown field (typo)
    [InlineData("{\"schemaVersion\": \"one\"}", "")]                                    // wrong type
    [InlineData("{\"schemaVersion\": -1}", "")]                                         // uint32 out of range
    [InlineData("{\"sequence\": \"12x\"}", "")]                                         // bad uint64
    [InlineData("{\"startTime\": \"yesterday\"}", "")]                                  // bad RFC 3339
    [InlineData("{\"leads\": [{\"samples\": [1, 2.5]}]}", "")]                          // non-integer sample
    [InlineData("{\"leads\": [{\"samples\": [3000000000]}]}", "")]                      // sint32 overflow
    [InlineData("[1, 2]", "")]                                                          // not an object
    public void Rejects_bad_documents_with_a_FormatException_that_says_why(string json, string mentions)
    {
        var e = Assert.Throws<FormatException>(() => SegmentJson.ParseJson(json));
        Assert.StartsWith("Invalid EcgSegment JSON", e.Message);
        Assert.True(e.Message.Length > "Invalid EcgSegment JSON: ".Length, e.Message);
        if (mentions.Length > 0) Assert.Contains(mentions, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Null_arguments_throw_ArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => SegmentJson.ParseJson(null!));
        Assert.Throws<ArgumentNullException>(() => SegmentJson.ToJson(null!));
    }
}
