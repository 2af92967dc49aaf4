using CGDmer.Contracts.Telemetry.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace CGDmer.Transports.Replay;

/// <summary>
/// Cuts a <see cref="ReplayRecording"/> into the EcgSegment messages a bedside gateway would publish: fixed-length
/// segments, consecutive sequence numbers, start times on the recording's clock, lead-off ranges clipped to each segment.
/// </summary>
public sealed class RecordingSegmenter
{
    public RecordingSegmenter(ReplayRecording recording, string patientId, string deviceId, DateTimeOffset startTime,
                              double segmentSeconds = 1.0, ulong firstSequence = 0)
    {
        ArgumentNullException.ThrowIfNull(recording);
        ArgumentException.ThrowIfNullOrWhiteSpace(patientId);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        if (!(segmentSeconds > 0) || segmentSeconds > 30)
            throw new ArgumentOutOfRangeException(nameof(segmentSeconds), segmentSeconds, "a segment lasts more than 0 and at most 30 s");
        Recording = recording;
        PatientId = patientId;
        DeviceId = deviceId;
        StartTime = startTime;
        SamplesPerSegment = Math.Max(1, (int)Math.Round(segmentSeconds * recording.SampleRateHz));
        FirstSequence = firstSequence;
    }

    public ReplayRecording Recording { get; }
    public string PatientId { get; }
    public string DeviceId { get; }
    public DateTimeOffset StartTime { get; }
    public int SamplesPerSegment { get; }
    public ulong FirstSequence { get; }

    public int SegmentCount => (Recording.Length + SamplesPerSegment - 1) / SamplesPerSegment;

    /// <summary>ECG time of sample <paramref name="index"/> of the recording.</summary>
    public DateTimeOffset TimeOf(long index) => StartTime.AddTicks((long)Math.Round(index * (double)TimeSpan.TicksPerSecond / Recording.SampleRateHz));

    /// <summary>ECG time just after segment <paramref name="k"/> (when a live device would have it complete).</summary>
    public DateTimeOffset EndOf(int k) => TimeOf(Math.Min((long)(k + 1) * SamplesPerSegment, Recording.Length));

    /// <summary>Segment <paramref name="k"/> (0-based) as a wire message.</summary>
    public EcgSegment Segment(int k)
    {
        if ((uint)k >= (uint)SegmentCount) throw new ArgumentOutOfRangeException(nameof(k), k, $"the recording has {SegmentCount} segments");
        int start = k * SamplesPerSegment;
        int count = Math.Min(SamplesPerSegment, Recording.Length - start);
        var segment = new EcgSegment
        {
            SchemaVersion = 1,
            PatientId = PatientId,
            DeviceId = DeviceId,
            Sequence = FirstSequence + (ulong)k,
            StartTime = Timestamp.FromDateTimeOffset(TimeOf(start)),
            SampleRateHz = Recording.SampleRateHz,
        };
        foreach (var lead in Recording.Leads)
        {
            var wire = new LeadSamples { Lead = lead.Name, Gain = lead.Gain, Baseline = lead.Baseline, Unit = lead.Unit };
            // Sized once and filled in place: no intermediate array per lead and segment.
            wire.Samples.Capacity = count;
            UnsafeCollectionOperations.SetCount(wire.Samples, count);
            lead.Adc.Span.Slice(start, count).CopyTo(UnsafeCollectionOperations.AsSpan(wire.Samples));
            AddLeadOff(wire, lead.LeadOff, start, count);
            segment.Leads.Add(wire);
        }
        return segment;
    }

    /// <summary>All segments in order.</summary>
    public IEnumerable<EcgSegment> Segments()
    {
        for (int k = 0; k < SegmentCount; k++) yield return Segment(k);
    }

    // Clips the recording's lead-off ranges to the segment, merging overlaps (the schema wants sorted, disjoint ranges);
    // a lead off for the whole segment is sent as lead_off = true.
    private static void AddLeadOff(LeadSamples wire, IReadOnlyList<(int Start, int End)> ranges, int start, int count)
    {
        int end = start + count;
        uint openStart = 0, openEnd = 0;
        bool open = false;
        foreach (var (s, e) in ranges)
        {
            if (e <= start || s >= end) continue;
            uint rs = (uint)(Math.Max(s, start) - start), re = (uint)(Math.Min(e, end) - start);
            if (open && rs <= openEnd) { openEnd = Math.Max(openEnd, re); continue; }
            if (open) wire.LeadOffRanges.Add(new SampleRange { Start = openStart, End = openEnd });
            (openStart, openEnd, open) = (rs, re, true);
        }
        if (!open) return;
        if (openStart == 0 && openEnd == count && wire.LeadOffRanges.Count == 0) { wire.LeadOff = true; return; }
        wire.LeadOffRanges.Add(new SampleRange { Start = openStart, End = openEnd });
    }
}
