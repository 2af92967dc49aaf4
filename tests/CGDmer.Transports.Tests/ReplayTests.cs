using CGDmer.Simulation;
using System.Reactive.Linq;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Validation;
using CGDmer.Signal;
using CGDmer.Signal.Synthesis;
using CGDmer.Signal.Wfdb;
using CGDmer.Transports.Replay;

namespace CGDmer.Transports.Tests;

public class ReplayTests
{
    private static readonly string Record201 = Path.Combine(AppContext.BaseDirectory, "assets", "mitbih", "201");
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Wfdb_segments_validate_and_reproduce_the_records_millivolts()
    {
        var recording = ReplayRecording.FromWfdb(Record201);
        var expected = WfdbReader.Read(Record201).Ecg;
        var segmenter = new RecordingSegmenter(recording, "p1", "d1", T0, segmentSeconds: 1.0, firstSequence: 7);
        Assert.Equal(360, segmenter.SamplesPerSegment);
        Assert.Equal((expected.Length + 359) / 360, segmenter.SegmentCount);

        var validator = new SegmentValidator(new SegmentValidationOptions());
        foreach (int k in new[] { 0, 1, 100, segmenter.SegmentCount - 1 })
        {
            var segment = segmenter.Segment(k);
            Assert.Equal(7UL + (ulong)k, segment.Sequence);
            var result = validator.Validate(segment, segmenter.EndOf(k));
            Assert.True(result.IsAccepted, result.ToString());
            var data = result.Segment!;
            Assert.Equal(segmenter.TimeOf(k * 360L), data.StartTime);
            foreach (var lead in data.Leads)
            {
                var channel = expected.Channel(lead.Lead)!;
                for (int i = 0; i < data.SampleCount; i++)
                    Assert.Equal(channel.Samples[k * 360 + i], lead.SamplesMv[i], 4);
            }
        }
    }

    [Fact]
    public void Only_the_named_leads_are_sent_and_a_record_without_them_is_an_error_naming_its_leads()
    {
        var recording = ReplayRecording.FromWfdb(Record201);
        var onlyII = recording.OnlyLeads([Lead.II]);
        Assert.Equal(["MLII"], onlyII.Leads.Select(l => l.Name));
        Assert.Equal(recording.Leads[0].Adc.ToArray(), onlyII.Leads[0].Adc.ToArray());
        var segment = new RecordingSegmenter(onlyII, "p1", "d1", T0, segmentSeconds: 1.0).Segment(3);
        Assert.Equal(["MLII"], segment.Leads.Select(l => l.Lead));

        Assert.Equal(["V1"], recording.OnlyLeads([Lead.V1, Lead.V5]).Leads.Select(l => l.Name));
        Assert.Same(recording, recording.OnlyLeads([Lead.V1, Lead.II]));
        var e = Assert.Throws<InvalidDataException>(() => recording.OnlyLeads([Lead.V5]));
        Assert.Contains("none of the leads V5", e.Message);
        Assert.Contains("MLII, V1", e.Message);
    }

    [Fact]
    public void Lead_off_ranges_are_clipped_merged_and_a_whole_segment_off_is_a_flag()
    {
        var adc = new int[100];
        var lead = new ReplayLead("II", adc, 200, 0, "mV") { LeadOff = [(5, 12), (10, 15), (38, 60)] };
        var recording = new ReplayRecording("x", 100, [lead]);
        var seg = new RecordingSegmenter(recording, "p", "d", T0, segmentSeconds: 0.2);
        Assert.Equal(5, seg.SegmentCount);
        var s0 = seg.Segment(0).Leads[0];
        Assert.False(s0.LeadOff);
        Assert.Equal([(5u, 15u)], s0.LeadOffRanges.Select(r => (r.Start, r.End)));
        var s1 = seg.Segment(1).Leads[0];
        Assert.Equal([(18u, 20u)], s1.LeadOffRanges.Select(r => (r.Start, r.End)));
        var s2 = seg.Segment(2).Leads[0];
        Assert.True(s2.LeadOff);
        Assert.Empty(s2.LeadOffRanges);
        Assert.Empty(seg.Segment(3).Leads[0].LeadOffRanges);

        var validator = new SegmentValidator(new SegmentValidationOptions());
        for (int k = 0; k < seg.SegmentCount; k++)
            Assert.True(validator.Validate(seg.Segment(k), seg.EndOf(k)).IsAccepted);
    }

    [Fact]
    public void Synthetic_recording_sends_its_lead_off_intervals_and_quantises_to_microvolts()
    {
        var sampler = new DatasetSampler(new ConditionMix(), 20, 250);
        SyntheticEcg? ecg = null;
        for (int seed = 1; seed < 200 && ecg is null; seed++)
        {
            var candidate = sampler.Generate(seed);
            if (candidate.LeadOff.Count > 0) ecg = candidate;
        }
        Assert.NotNull(ecg);
        var recording = SyntheticRecording.From(ecg!, "syn");
        Assert.Equal(12, recording.Leads.Count);
        var off = ecg!.LeadOff[0];
        var lead = recording.Leads.Single(l => l.Name == Leads.Name(off.Lead));
        Assert.Contains(lead.LeadOff, r => r.Start <= off.StartSample && r.End >= off.EndSample);
        var ii = recording.Leads.Single(l => l.Name == "II");
        Assert.Equal(ecg.Lead(Lead.II)[123], ii.Adc.Span[123] / 1000f, 3);
    }

    [Fact]
    public async Task Replay_interleaves_patients_by_completion_time_and_advances_its_clock()
    {
        var a = new RecordingSegmenter(Flat(1000, 100), "a", "da", T0, 1.0);
        var b = new RecordingSegmenter(Flat(1000, 100), "b", "db", T0.AddMilliseconds(500), 1.0);
        var source = new ReplaySource([a, b], ReplayPace.AsFastAsPossible);
        var seen = new List<(string, ulong, DateTimeOffset)>();
        await source.Segments().ForEachAsync(s => seen.Add((s.PatientId, s.Sequence, source.Now)));
        Assert.Equal(20, seen.Count);
        Assert.Equal(source.SegmentCount, seen.Count);
        Assert.Equal(("a", 0UL), (seen[0].Item1, seen[0].Item2));
        Assert.Equal(("b", 0UL), (seen[1].Item1, seen[1].Item2));
        Assert.Equal(T0.AddSeconds(1), seen[0].Item3);
        for (int i = 1; i < seen.Count; i++) Assert.True(seen[i].Item3 >= seen[i - 1].Item3);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (ulong)i), seen.Where(s => s.Item1 == "b").Select(s => s.Item2));
    }

    [Fact]
    public async Task Real_time_replay_paces_by_the_speed_factor()
    {
        var a = new RecordingSegmenter(Flat(300, 100), "a", "da", T0, 1.0);
        var source = new ReplaySource([a], ReplayPace.RealTime, speed: 10);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var count = await source.Segments().Count();
        Assert.Equal(3, count);
        // 3 s of ECG at 10× must take about 0.3 s; only the lower bound is a correctness property (it must wait).
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(280), watch.Elapsed.ToString());
    }

    [Fact]
    public void Unreadable_record_is_an_error_naming_the_file()
    {
        var ex = Assert.Throws<InvalidDataException>(() => ReplayRecording.FromWfdb("/nonexistent/record-x"));
        Assert.Contains("record-x", ex.Message);
    }

    private static ReplayRecording Flat(int samples, double rate) =>
        new("flat", rate, [new ReplayLead("II", new int[samples], 200, 0, "mV")]);
}
