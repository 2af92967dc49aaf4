using CGDmer.Signal;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace CGDmer.Pipeline.Validation;

/// <summary>A half-open range of sample indices [<see cref="Start"/>, <see cref="End"/>).</summary>
public readonly record struct SampleIndexRange(int Start, int End)
{
    public int Length => End - Start;
    public bool Contains(int index) => index >= Start && index < End;
}

/// <summary>One validated lead: standard lead, samples in millivolts, lead-off state.</summary>
/// <remarks>
/// A lead the validator accepted keeps its wire samples (ADC integers) and converts them where they are read
/// (<see cref="CopyMillivolts"/>), so a segment costs no array of its own on the way into the window rings;
/// <see cref="SamplesMv"/> converts the whole lead once when asked. Both give the same values.
/// </remarks>
public sealed class EcgLeadData
{
    private float[]? _samplesMv;
    private readonly RepeatedField<int>? _adc;   // the wire message's samples, never written after receipt
    private readonly double _baseline, _factor;

    public EcgLeadData(Lead lead, string sourceName, float[] samplesMv, bool leadOff, IReadOnlyList<SampleIndexRange> leadOffRanges)
    {
        Lead = lead;
        SourceName = sourceName;
        _samplesMv = samplesMv ?? throw new ArgumentNullException(nameof(samplesMv));
        SampleCount = samplesMv.Length;
        LeadOff = leadOff;
        LeadOffRanges = leadOffRanges;
    }

    /// <summary>A lead whose samples are (<paramref name="adc"/>[i] − <paramref name="baseline"/>) · <paramref name="factor"/> mV, converted when read (<see cref="AdcConversion"/>).</summary>
    internal EcgLeadData(Lead lead, string sourceName, RepeatedField<int> adc, double baseline, double factor, bool leadOff,
                         IReadOnlyList<SampleIndexRange> leadOffRanges)
    {
        Lead = lead;
        SourceName = sourceName;
        _adc = adc;
        (_baseline, _factor) = (baseline, factor);
        SampleCount = adc.Count;
        LeadOff = leadOff;
        LeadOffRanges = leadOffRanges;
    }

    /// <summary>The standard lead the producer's label maps onto (MLII → II).</summary>
    public Lead Lead { get; }
    /// <summary>The label as sent by the producer (e.g. "MLII").</summary>
    public string SourceName { get; }
    /// <summary>Physical values in mV: (adc − baseline) / gain in the lead's unit, converted to mV.</summary>
    public float[] SamplesMv
    {
        get
        {
            if (_samplesMv is { } converted) return converted;
            var all = new float[SampleCount];
            CopyMillivolts(0, all);
            return _samplesMv = all;   // a race converts twice, to the same values
        }
    }

    /// <summary>Samples in the lead.</summary>
    public int SampleCount { get; }

    /// <summary>Writes samples [<paramref name="offset"/>, <paramref name="offset"/> + destination's length) in mV: the values of <see cref="SamplesMv"/>.</summary>
    public void CopyMillivolts(int offset, Span<float> destination)
    {
        if ((uint)offset > (uint)SampleCount || destination.Length > SampleCount - offset)
            throw new ArgumentOutOfRangeException(nameof(offset), $"samples [{offset}, {offset + destination.Length}) of a lead of {SampleCount}");
        if (_samplesMv is { } converted) converted.AsSpan(offset, destination.Length).CopyTo(destination);
        else AdcConversion.Convert(UnsafeCollectionOperations.AsSpan(_adc!).Slice(offset, destination.Length), _baseline, _factor, destination);
    }
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
