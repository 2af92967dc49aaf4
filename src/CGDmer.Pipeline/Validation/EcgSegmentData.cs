using CGDmer.Signal;

namespace CGDmer.Pipeline.Validation;

/// <summary>A half-open range of sample indices [<see cref="Start"/>, <see cref="End"/>).</summary>
public readonly record struct SampleIndexRange(int Start, int End)
{
    public int Length => End - Start;
    public bool Contains(int index) => index >= Start && index < End;
}

/// <summary>One validated lead: standard lead, samples in millivolts, lead-off state.</summary>
public sealed class EcgLeadData
{
    public EcgLeadData(Lead lead, string sourceName, float[] samplesMv, bool leadOff, IReadOnlyList<SampleIndexRange> leadOffRanges)
    {
        Lead = lead;
        SourceName = sourceName;
        SamplesMv = samplesMv;
        LeadOff = leadOff;
        LeadOffRanges = leadOffRanges;
    }

    /// <summary>The standard lead the producer's label maps onto (MLII → II).</summary>
    public Lead Lead { get; }
    /// <summary>The label as sent by the producer (e.g. "MLII").</summary>
    public string SourceName { get; }
    /// <summary>Physical values in mV: (adc − baseline) / gain in the lead's unit, converted to mV.</summary>
    public float[] SamplesMv { get; }
    /// <summary>The whole lead is off (masked out of the model input, raises a technical alert).</summary>
    public bool LeadOff { get; }
    /// <summary>Sorted, non-overlapping sample ranges to treat as missing.</summary>
    public IReadOnlyList<SampleIndexRange> LeadOffRanges { get; }

    /// <summary>True when sample <paramref name="index"/> is missing (lead off or inside a lead-off range).</summary>
    public bool IsMissing(int index)
    {
        if (LeadOff) return true;
        foreach (var r in LeadOffRanges)
        {
            if (index < r.Start) return false;
            if (index < r.End) return true;
        }
        return false;
    }
}

/// <summary>A segment that passed every stateless rule of schemas/ecg-segment.md, with samples in mV.</summary>
public sealed class EcgSegmentData
{
    public EcgSegmentData(string patientId, string deviceId, ulong sequence, DateTimeOffset startTime, int startTimeSubTickNanos,
                          double sampleRateHz, int sampleCount, IReadOnlyList<EcgLeadData> leads)
    {
        PatientId = patientId;
        DeviceId = deviceId;
        Sequence = sequence;
        StartTime = startTime;
        StartTimeSubTickNanos = startTimeSubTickNanos;
        SampleRateHz = sampleRateHz;
        SampleCount = sampleCount;
        Leads = leads;
    }

    public string PatientId { get; }
    public string DeviceId { get; }
    public ulong Sequence { get; }
    /// <summary>Time of sample 0 (UTC, offset zero), to 100 ns.</summary>
    public DateTimeOffset StartTime { get; }
    /// <summary>UTC ticks (100 ns) of <see cref="StartTime"/>: sub-millisecond precision, cheap to compare and store.</summary>
    public long StartTimeUtcTicks => StartTime.UtcTicks;
    /// <summary>The nanoseconds below one tick (0..99) that the wire timestamp carried, kept so nothing is lost.</summary>
    public int StartTimeSubTickNanos { get; }
    public double SampleRateHz { get; }
    /// <summary>Samples per lead (the same in every lead).</summary>
    public int SampleCount { get; }
    /// <summary>The present leads, in the order the producer sent them.</summary>
    public IReadOnlyList<EcgLeadData> Leads { get; }

    /// <summary>1-based position of the segment in its pipeline subscription (see <see cref="ValidationResult.InputOrdinal"/>); 0 outside a pipeline.</summary>
    public long InputOrdinal { get; internal set; }

    /// <summary>SampleCount / SampleRateHz.</summary>
    public TimeSpan Duration => DurationOf(SampleCount, SampleRateHz);
    /// <summary>Time just after the last sample (start of the next contiguous segment).</summary>
    public DateTimeOffset EndTime => StartTime + Duration;

    /// <summary>Time at which sample <paramref name="index"/> was taken.</summary>
    public DateTimeOffset SampleTime(int index) => StartTime + DurationOf(index, SampleRateHz);

    public bool TryGetLead(Lead lead, out EcgLeadData data)
    {
        foreach (var l in Leads)
            if (l.Lead == lead) { data = l; return true; }
        data = null!;
        return false;
    }

    public static TimeSpan DurationOf(int samples, double sampleRateHz) =>
        TimeSpan.FromTicks((long)Math.Round(samples * (double)TimeSpan.TicksPerSecond / sampleRateHz));
}
