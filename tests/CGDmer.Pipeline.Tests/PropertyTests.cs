using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Validation;
using FsCheck;
using FsCheck.Xunit;
using Google.Protobuf.WellKnownTypes;

namespace CGDmer.Pipeline.Tests;

public class PropertyTests
{
    private static readonly SegmentValidator Validator = new();
    private static readonly string[] LeadNames = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6", "MLII", "MV1", "lead II", "V7", "", "x"];
    private static readonly string[] Units = ["V", "mV", "uV", "nV", "mv", "", "MV", "mmHg", "[", "10*3.V"];
    private static readonly double[] Rates = [50, 2000, 500, 360, 49.9, 0, -1, double.NaN, double.PositiveInfinity, 1e300, 250.5];
    private static readonly double[] Gains = [200, 0.2, 1, 0, -1, double.NaN, double.NegativeInfinity, 1e-300, 1e300, double.Epsilon];

    /// <summary>Random segments, mostly near-valid with a few fields perturbed, so both outcomes are exercised.</summary>
    private static EcgSegment RandomSegment(int seed)
    {
        var rng = new Random(seed);
        T Pick<T>(T[] xs) => xs[rng.Next(xs.Length)];
        bool Rare() => rng.Next(6) == 0;
        var s = new EcgSegment
        {
            SchemaVersion = Rare() ? (uint)rng.Next(3) : 1u,
            PatientId = Rare() ? new string(' ', rng.Next(3)) + new string('p', rng.Next(70)) : "patient-1",
            DeviceId = Rare() ? new string('d', rng.Next(70)) + (rng.Next(2) == 0 ? " " : "") : "dev-1",
            Sequence = (ulong)rng.NextInt64(),
            SampleRateHz = Rare() ? Pick(Rates) : 500,
        };
        var now = SegmentBuilder.Now;
        if (!Rare())
            s.StartTime = Rare()
                ? new Timestamp { Seconds = rng.NextInt64(long.MinValue, long.MaxValue), Nanos = rng.Next(int.MinValue, int.MaxValue) }
                : Timestamp.FromDateTimeOffset(now + TimeSpan.FromMinutes(rng.Next(-1500, 10)));
        int leads = Rare() ? rng.Next(15) : rng.Next(1, 4);
        int count = Rare() ? rng.Next(0, 16000) : rng.Next(1, 50);
        for (int li = 0; li < leads; li++)
        {
            var l = new LeadSamples
            {
                Lead = Rare() ? Pick(LeadNames) : LeadNames[li % 12],
                Gain = Rare() ? Pick(Gains) : 100,
                Baseline = Rare() ? rng.Next(int.MinValue, int.MaxValue) : 0,
                Unit = Rare() ? Pick(Units) : "mV",
                LeadOff = rng.Next(10) == 0,
            };
            int n = Rare() ? rng.Next(0, count + 2) : count;
            // Rare large samples: mostly within the ±1 kV a sample may have at gain 100, some beyond it (SampleOutOfRange).
            for (int i = 0; i < n; i++)
                l.Samples.Add(Rare() ? (rng.Next(20) == 0 ? rng.Next(int.MinValue, int.MaxValue) : rng.Next(-50_000_000, 50_000_000)) : rng.Next(-2000, 2000));
            int ranges = rng.Next(4) == 0 ? rng.Next(4) : 0;
            for (int ri = 0; ri < ranges; ri++)
                l.LeadOffRanges.Add(new SampleRange { Start = (uint)rng.Next(-2, n + 2), End = (uint)rng.Next(-2, n + 2) });
            s.Leads.Add(l);
        }
        return s;
    }

    private static bool ExactlyOneOutcome(ValidationResult r) =>
        r is not null && (r.IsAccepted ? r.Segment is not null && r.Rejection is null
                                        : r.Segment is null && r.Rejection is not null && r.Rejection.Message.Length > 0);

    [Property(MaxTest = 2000)]
    public bool Random_segments_never_throw_and_give_exactly_one_outcome(int seed)
    {
        var s = RandomSegment(seed);
        var r = Validator.Validate(s, SegmentBuilder.Now);
        if (!ExactlyOneOutcome(r)) return false;
        if (r.IsAccepted)
        {
            var d = r.Segment!;
            foreach (var l in d.Leads)
            {
                if (l.SamplesMv.Length != d.SampleCount) return false;
                foreach (var v in l.SamplesMv) if (!float.IsFinite(v)) return false;
            }
        }
        else if (r.Rejection!.Message.Contains("patient-1")) return false;
        return true;
    }

    [Fact]
    public void Random_generator_covers_both_outcomes()
    {
        int accepted = 0, rejected = 0;
        for (int seed = 0; seed < 500; seed++)
            if (Validator.Validate(RandomSegment(seed), SegmentBuilder.Now).IsAccepted) accepted++; else rejected++;
        Assert.True(accepted > 20, $"accepted {accepted}");
        Assert.True(rejected > 20, $"rejected {rejected}");
    }

    [Property(MaxTest = 1000)]
    public bool Arbitrary_field_values_never_throw(uint version, NonNull<string> patient, NonNull<string> device, ulong sequence,
        long seconds, int nanos, double rate, NonNull<string> lead, int[] samples, double gain, int baseline, NonNull<string> unit,
        bool leadOff, uint rangeStart, uint rangeEnd, long receivedTicks)
    {
        var s = new EcgSegment
        {
            SchemaVersion = version, PatientId = patient.Get, DeviceId = device.Get, Sequence = sequence,
            StartTime = new Timestamp { Seconds = seconds, Nanos = nanos }, SampleRateHz = rate,
        };
        var l = new LeadSamples { Lead = lead.Get, Gain = gain, Baseline = baseline, Unit = unit.Get, LeadOff = leadOff };
        l.Samples.Add(samples ?? []);
        l.LeadOffRanges.Add(new SampleRange { Start = rangeStart, End = rangeEnd });
        s.Leads.Add(l);
        var received = new DateTimeOffset(Math.Abs(receivedTicks % DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero);
        return ExactlyOneOutcome(Validator.Validate(s, received)) && ExactlyOneOutcome(Validator.Validate(s, SegmentBuilder.Now));
    }
}
