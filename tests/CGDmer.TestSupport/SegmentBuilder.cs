using CGDmer.Contracts.Telemetry.V1;
using Google.Protobuf.WellKnownTypes;

namespace CGDmer.TestSupport;

/// <summary>Minimal valid segments for the tests: the schema's example (MLII in mV, V1 in uV, 10 samples at 500 Hz).</summary>
public static class SegmentBuilder
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 18, 0, 1, TimeSpan.Zero);
    public static readonly DateTimeOffset Start = new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.Zero).AddTicks(1_234_560);

    public static EcgSegment Valid()
    {
        var s = new EcgSegment
        {
            SchemaVersion = 1,
            PatientId = "patient-0042",
            DeviceId = "monitor-icu3-bed07",
            Sequence = 1042,
            StartTime = Timestamp.FromDateTimeOffset(Start),
            SampleRateHz = 500,
        };
        var mlii = new LeadSamples { Lead = "MLII", Gain = 200, Baseline = 1024, Unit = "mV" };
        mlii.Samples.Add([1024, 1030, 1041, 1102, 1290, 1480, 1310, 1090, 1010, 1018]);
        var v1 = new LeadSamples { Lead = "V1", Gain = 0.2, Unit = "uV" };
        v1.Samples.Add([-12, -10, -5, -40, -180, -350, 0, 0, 0, 0]);
        v1.LeadOffRanges.Add(new SampleRange { Start = 6, End = 10 });
        s.Leads.Add(mlii);
        s.Leads.Add(v1);
        return s;
    }

    public static LeadSamples MakeLead(string name, int count, double gain = 1, string unit = "mV", int value = 0)
    {
        var l = new LeadSamples { Lead = name, Gain = gain, Unit = unit };
        for (int i = 0; i < count; i++) l.Samples.Add(value);
        return l;
    }

    /// <summary>A one-lead segment with <paramref name="count"/> samples at <paramref name="rate"/> Hz.</summary>
    public static EcgSegment OneLead(double rate, int count)
    {
        var s = Valid();
        s.SampleRateHz = rate;
        s.Leads.Clear();
        s.Leads.Add(MakeLead("II", count));
        return s;
    }

    public static EcgSegment With(Action<EcgSegment> change)
    {
        var s = Valid();
        change(s);
        return s;
    }
}
