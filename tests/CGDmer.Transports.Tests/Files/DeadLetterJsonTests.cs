using System.Text;
using System.Text.Json;
using CGDmer.Contracts;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Validation;
using CGDmer.Transports.Files;
using FsCheck;
using FsCheck.Xunit;
using Google.Protobuf.WellKnownTypes;

namespace CGDmer.Transports.Tests.Files;

/// <summary>Every dead letter fits its bound (no input can make one the broker refuses) and keeps what finds and explains it.</summary>
public class DeadLetterJsonTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 18, 0, 1, TimeSpan.Zero);
    private static readonly SourcePosition At = new("ecg.segments.v1", 3, 123_456);
    private static readonly SegmentValidator Validator = new();

    private static EcgSegment Segment(int leads, int samplesPerLead, int seed = 1)
    {
        var rng = new Random(seed);
        var s = new EcgSegment
        {
            SchemaVersion = 1, PatientId = "patient-0042", DeviceId = "monitor-icu3-bed07", Sequence = 1042,
            StartTime = Timestamp.FromDateTimeOffset(Now.AddSeconds(-1)), SampleRateHz = 500,
        };
        string[] names = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"];
        for (int li = 0; li < leads; li++)
        {
            var l = new LeadSamples { Lead = names[li % names.Length], Gain = 200, Baseline = 1024, Unit = "mV" };
            for (int i = 0; i < samplesPerLead; i++) l.Samples.Add(rng.Next(int.MinValue, int.MaxValue));
            l.LeadOffRanges.Add(new SampleRange { Start = 1, End = 3 });
            s.Leads.Add(l);
        }
        return s;
    }

    private static ValidationResult Rejected(EcgSegment s)
    {
        var r = Validator.Validate(s, Now);
        Assert.False(r.IsAccepted);
        return r;
    }

    private static int Utf8(string s) => Encoding.UTF8.GetByteCount(s);

    [Fact]
    public void A_2_MiB_segment_gives_a_dead_letter_under_the_bound_with_reason_position_header_and_the_first_samples()
    {
        var input = Segment(12, 36_000);   // 30 s at 500 Hz is 15,000: TooManySamples
        Assert.True(input.CalculateSize() >= 2 * 1024 * 1024, $"{input.CalculateSize()} bytes");
        var rejected = Rejected(input);
        string letter = DeadLetterJson.Write(rejected, Now, At);

        Assert.InRange(Utf8(letter), DeadLetterJson.DefaultMaxBytes / 2, DeadLetterJson.DefaultMaxBytes);
        using var doc = JsonDocument.Parse(letter);
        var root = doc.RootElement;
        Assert.Equal("TooManySamples", root.GetProperty("reason").GetString());
        Assert.Equal(rejected.Rejection!.Message, root.GetProperty("message").GetString());
        Assert.Equal("monitor-icu3-bed07", root.GetProperty("deviceId").GetString());
        Assert.Equal(1042UL, root.GetProperty("sequence").GetUInt64());
        Assert.Equal("ecg.segments.v1", root.GetProperty("source").GetProperty("topic").GetString());
        Assert.Equal(3, root.GetProperty("source").GetProperty("partition").GetInt32());
        Assert.Equal(123_456, root.GetProperty("source").GetProperty("offset").GetInt64());
        Assert.True(root.GetProperty("truncated").GetBoolean());
        Assert.Equal(input.CalculateSize(), root.GetProperty("original").GetProperty("bytes").GetInt32());
        Assert.Equal(12, root.GetProperty("original").GetProperty("leads").GetInt32());
        Assert.Equal(12 * 36_000, root.GetProperty("original").GetProperty("samples").GetInt64());

        // The segment is still a segment (it parses back): the header whole, each lead's first samples in order.
        var kept = SegmentJson.ParseJson(root.GetProperty("segment").GetRawText());
        Assert.Equal(input.PatientId, kept.PatientId);
        Assert.Equal(input.DeviceId, kept.DeviceId);
        Assert.Equal(input.Sequence, kept.Sequence);
        Assert.Equal(input.StartTime, kept.StartTime);
        Assert.Equal(input.SampleRateHz, kept.SampleRateHz);
        Assert.Equal(12, kept.Leads.Count);
        for (int li = 0; li < 12; li++)
        {
            var (a, b) = (input.Leads[li], kept.Leads[li]);
            Assert.Equal((a.Lead, a.Gain, a.Baseline, a.Unit), (b.Lead, b.Gain, b.Baseline, b.Unit));
            Assert.Equal(a.LeadOffRanges, b.LeadOffRanges);
            Assert.InRange(b.Samples.Count, 1000, a.Samples.Count - 1);
            Assert.Equal(a.Samples.Take(b.Samples.Count), b.Samples);
        }
    }

    [Fact]
    public void A_dead_letter_within_the_bound_is_unchanged()
    {
        var input = Segment(2, 10);
        input.Leads[1].Unit = "mmHg";
        var rejected = Rejected(input);
        string letter = DeadLetterJson.Write(rejected, Now, At);
        using var doc = JsonDocument.Parse(letter);
        var root = doc.RootElement;
        Assert.Equal(["reason", "message", "deviceId", "sequence", "receivedAt", "source", "segment"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(SegmentJson.ToJson(input), root.GetProperty("segment").GetRawText());
        Assert.Equal("UnknownUnit", root.GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData(1_704_067_200L, 1_500_000_000)]   // nanos above 1e9
    [InlineData(1_704_067_200L, -1)]
    [InlineData(long.MaxValue, 0)]                 // after 9999
    [InlineData(long.MinValue, int.MinValue)]
    public void A_start_time_out_of_range_is_kept_raw_and_the_segment_survives(long seconds, int nanos)
    {
        var input = Segment(2, 10);
        input.StartTime = new Timestamp { Seconds = seconds, Nanos = nanos };
        var rejected = Rejected(input);
        Assert.Equal(RejectionReason.BadStartTime, rejected.Rejection!.Reason);
        using var doc = JsonDocument.Parse(DeadLetterJson.Write(rejected, Now, At));
        var root = doc.RootElement;
        Assert.Equal(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), root.GetProperty("rawStartTime").GetProperty("seconds").GetString());
        Assert.Equal(nanos, root.GetProperty("rawStartTime").GetProperty("nanos").GetInt32());
        var kept = SegmentJson.ParseJson(root.GetProperty("segment").GetRawText());
        Assert.Null(kept.StartTime);
        Assert.Equal(input.Leads, kept.Leads);
        Assert.Equal(input.PatientId, kept.PatientId);
        Assert.Equal(nanos, input.StartTime.Nanos);   // the input itself is not changed
    }

    [Fact]
    public void A_truncated_segment_with_a_raw_start_time_keeps_both()
    {
        var input = Segment(12, 36_000);
        input.StartTime = new Timestamp { Seconds = 1_704_067_200L, Nanos = 2_000_000_000 };
        string letter = DeadLetterJson.Write(Rejected(input), Now, At);
        Assert.True(Utf8(letter) <= DeadLetterJson.DefaultMaxBytes);
        using var doc = JsonDocument.Parse(letter);
        Assert.True(doc.RootElement.GetProperty("truncated").GetBoolean());
        Assert.Equal(2_000_000_000, doc.RootElement.GetProperty("rawStartTime").GetProperty("nanos").GetInt32());
    }

    [Fact]
    public void Long_strings_and_many_leads_stay_within_the_smallest_bound()
    {
        var input = Segment(1, 1);
        input.PatientId = new string('p', 1_000_000);
        input.DeviceId = new string('\u2028', 100_000);   // escaped in JSON: six bytes each
        for (int li = 0; li < 50_000; li++)
        {
            var l = new LeadSamples { Lead = new string('\u0001', 200), Unit = new string('é', 200), Gain = double.NaN };
            l.Samples.Add(li);
            for (int r = 0; r < 40; r++) l.LeadOffRanges.Add(new SampleRange { Start = uint.MaxValue, End = uint.MaxValue });
            input.Leads.Add(l);
        }
        string letter = DeadLetterJson.Write(Rejected(input), Now, At, DeadLetterJson.MinMaxBytes);
        Assert.True(Utf8(letter) <= DeadLetterJson.MinMaxBytes, $"{Utf8(letter)} bytes");
        using var doc = JsonDocument.Parse(letter);
        Assert.True(doc.RootElement.GetProperty("truncated").GetBoolean());
        Assert.Equal(50_001, doc.RootElement.GetProperty("original").GetProperty("leads").GetInt32());
        Assert.True(doc.RootElement.TryGetProperty("segment", out _));
    }

    [Property(MaxTest = 25)]
    public bool Any_segment_and_bound_give_a_parsable_dead_letter_within_the_bound(PositiveInt seed)
    {
        var rng = new Random(seed.Get);
        var input = Segment(rng.Next(1, 14), rng.Next(1, 60_000), seed.Get);
        if (rng.Next(3) == 0) input.StartTime = new Timestamp { Seconds = rng.NextInt64(), Nanos = rng.Next(int.MinValue, int.MaxValue) };
        if (rng.Next(3) == 0) input.PatientId = new string('x', rng.Next(100_000));
        var rejected = Validator.Validate(input, Now);
        if (rejected.IsAccepted) return true;
        int bound = rng.Next(DeadLetterJson.MinMaxBytes, 1024 * 1024);
        string letter = DeadLetterJson.Write(rejected, Now, At, bound);
        using var doc = JsonDocument.Parse(letter);
        return Utf8(letter) <= bound && doc.RootElement.GetProperty("reason").GetString() == rejected.Rejection!.Code
               && doc.RootElement.TryGetProperty("segment", out _) && doc.RootElement.TryGetProperty("source", out _);
    }

    [Fact]
    public void A_bound_below_the_smallest_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DeadLetterJson.Write(Rejected(Segment(2, 36_000)), Now, At, DeadLetterJson.MinMaxBytes - 1));

    [Fact]
    public void An_unreadable_message_copy_that_fits_keeps_its_dead_letter_within_the_bound()
    {
        int bound = DeadLetterJson.DefaultMaxBytes;
        var payload = new byte[DeadLetterJson.MaxUnreadablePayloadBytes(bound) + 10_000];
        new Random(3).NextBytes(payload);
        string letter = DeadLetterJson.WriteUnreadable(payload, "OversizedMessage", new string('m', 100_000), At, Now,
                                                       DeadLetterJson.MaxUnreadablePayloadBytes(bound));
        Assert.True(Utf8(letter) <= bound, $"{Utf8(letter)} bytes");
    }
}
