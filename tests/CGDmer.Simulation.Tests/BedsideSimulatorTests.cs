using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Validation;
using CGDmer.Signal.Synthesis;
using CGDmer.Transports.Replay;
using CGDmer.Simulation;
using Google.Protobuf;

namespace CGDmer.Simulation.Tests;

public class BedsideSimulatorTests
{
    private static readonly string Record201 = Path.Combine(AppContext.BaseDirectory, "assets", "mitbih", "201");
    private static readonly Lazy<ReplayRecording> Mitbih201 = new(() => ReplayRecording.FromWfdb(Record201));
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 30, 0, TimeSpan.Zero);

    private static SimulationSettings Settings(double seconds, SimulatorFaults? faults = null, int seed = 7) => new()
    {
        Seed = seed, Start = T0, Duration = TimeSpan.FromSeconds(seconds), Faults = faults ?? new SimulatorFaults(),
    };

    /// <summary>Three monitors on MIT-BIH 201 (cheap to read, 2 leads at 360 Hz).</summary>
    private static BedsideSimulator Wfdb(double seconds, SimulatorFaults? faults = null, int seed = 7, int monitors = 3) =>
        new(Settings(seconds, faults, seed), Enumerable.Repeat(MonitorSignal.FromRecording(Mitbih201.Value), monitors).ToList());

    private static EcgSegment Parse(SimulatedMessage m) => EcgSegment.Parser.ParseFrom(m.Value);

    private static RecordingSegmenter Reference(MonitorManifest m, ReplayRecording recording, double seconds) =>
        new(recording.Take(TimeSpan.FromSeconds(seconds)), m.PatientId, m.DeviceId, m.FirstSampleTime, 1.0, m.FirstSequence);

    [Theory]
    [InlineData(30)]   // one chunk
    [InlineData(150)]  // three chunks: sequence numbers, times and samples continue across them
    public void Without_faults_the_plan_is_each_monitors_segments_in_completion_order(double seconds)
    {
        var sim = Wfdb(seconds);
        var tally = sim.NewTally();
        var plan = sim.Messages(tally).ToList();

        Assert.All(plan, m => Assert.Equal(SimulatedMessageKind.Segment, m.Kind));
        Assert.All(plan, m => Assert.Equal(SegmentFaults.None, m.Faults));
        for (int i = 1; i < plan.Count; i++) Assert.True(plan[i - 1].SendAt <= plan[i].SendAt, $"message {i} is sent before its predecessor");
        Assert.Equal(sim.SegmentsPlanned, plan.Count);
        Assert.Equal(plan.Count, tally.Totals.Segments);
        Assert.Equal(0, tally.Totals.Messages - tally.Totals.Segments);

        var ids = sim.Monitors.Select(m => m.PatientId).Concat(sim.Monitors.Select(m => m.DeviceId)).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        foreach (var monitor in sim.Monitors)
        {
            var reference = Reference(monitor, Mitbih201.Value, seconds);
            Assert.Equal(reference.SegmentCount, monitor.SegmentsPlanned);
            var mine = plan.Where(m => m.Monitor == monitor.Index).ToList();
            Assert.All(mine, m => Assert.Equal(monitor.PatientId, m.Key));
            Assert.Equal(reference.SegmentCount, mine.Count);
            for (int k = 0; k < mine.Count; k++)
            {
                Assert.Equal(reference.Segment(k).ToByteArray(), mine[k].Value);
                Assert.Equal(monitor.FirstSequence + (ulong)k, mine[k].Sequence);
                // Sent when complete (true time = the monitor's clock without skew; none here).
                Assert.Equal(reference.EndOf(k) - T0, mine[k].SendAt);
            }
            Assert.Equal(reference.EndOf(reference.SegmentCount - 1), monitor.EndTime);
        }
    }

    [Fact]
    public void A_recording_shorter_than_the_simulation_loops_on_a_continuous_clock()
    {
        var shortRecording = Mitbih201.Value.Take(TimeSpan.FromSeconds(20));
        var sim = new BedsideSimulator(Settings(50), [MonitorSignal.FromRecording(shortRecording)]);
        var plan = sim.Messages().Select(Parse).ToList();
        Assert.Equal(50, plan.Count);
        for (int k = 20; k < 50; k++)
        {
            Assert.Equal(plan[k % 20].Leads.Select(l => l.Samples.ToArray()), plan[k].Leads.Select(l => l.Samples.ToArray()));
            Assert.Equal(plan[k - 1].StartTime.ToDateTimeOffset().AddSeconds(1), plan[k].StartTime.ToDateTimeOffset());
        }
    }

    [Fact]
    public void A_synthetic_monitor_is_the_samplers_patient_and_validates()
    {
        var settings = Settings(20);
        var sim = BedsideSimulator.Synthetic(settings, 2);
        var plan = sim.Messages().ToList();
        var validator = new SegmentValidator();
        for (int i = 0; i < 2; i++)
        {
            var monitor = sim.Monitors[i];
            var ecg = new DatasetSampler(new ConditionMix(), 20, 500).Generate(settings.Seed * 1000 + i);
            var reference = new RecordingSegmenter(SyntheticRecording.From(ecg, monitor.Source), monitor.PatientId, monitor.DeviceId,
                monitor.FirstSampleTime, 1.0, monitor.FirstSequence);
            var mine = plan.Where(m => m.Monitor == i).ToList();
            Assert.Equal(20, mine.Count);
            Assert.Equal(12, monitor.Leads);
            for (int k = 0; k < mine.Count; k++)
            {
                Assert.Equal(reference.Segment(k).ToByteArray(), mine[k].Value);
                Assert.True(validator.Validate(Parse(mine[k]), reference.EndOf(k)).IsAccepted);
            }
        }
    }

    [Fact]
    public void A_long_synthetic_monitor_is_generated_chunk_by_chunk_without_a_seam_in_numbering_or_time()
    {
        var sim = BedsideSimulator.Synthetic(Settings(130), 1);
        var segments = sim.Messages().Select(Parse).ToList();
        Assert.Equal(130, segments.Count);
        var validator = new SegmentValidator();
        for (int k = 0; k < segments.Count; k++)
        {
            Assert.Equal(sim.Monitors[0].FirstSequence + (ulong)k, segments[k].Sequence);
            Assert.Equal(sim.Monitors[0].FirstSampleTime.AddSeconds(k), segments[k].StartTime.ToDateTimeOffset());
            Assert.True(validator.Validate(segments[k], segments[k].StartTime.ToDateTimeOffset().AddSeconds(1)).IsAccepted);
        }
        // Chunks are different stretches of the patient, not one chunk repeated.
        Assert.NotEqual(segments[5].Leads[1].Samples, segments[65].Leads[1].Samples);
    }

    private static readonly SimulatorFaults Everything = new()
    {
        JitterMs = 300, ReorderProbability = 0.1, DuplicateProbability = 0.1, GapProbability = 0.03, LeadOffProbability = 0.03,
        NoiseBurstProbability = 0.03, ClockSkewMs = 5000, MalformedProbability = 0.2,
        OversizedBytes = 64 * 1024, // as a service with Kafka:MaxSegmentBytes = 65535 would see it, under the broker's 1 MB
    };

    [Fact]
    public void The_same_seed_gives_the_same_plan_and_another_seed_another()
    {
        static List<SimulatedMessage> Plan(int seed) => Wfdb(120, Everything, seed).Messages().ToList();
        var a = Plan(11);
        var b = Plan(11);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i] with { Value = [] }, b[i] with { Value = [] });
            Assert.Equal(a[i].Value, b[i].Value);
        }
        var c = Plan(12);
        Assert.False(a.Count == c.Count && a.Zip(c).All(p => p.First.SendAt == p.Second.SendAt && p.First.Value.AsSpan().SequenceEqual(p.Second.Value)));
        // Enumerating twice replays the plan (no state kept between enumerations).
        var sim = Wfdb(60, Everything, 11);
        Assert.Equal(sim.Messages().Select(m => m.SendAt), sim.Messages().Select(m => m.SendAt));
    }

    [Fact]
    public void Every_plan_is_in_send_order_and_keeps_every_good_segment_once()
    {
        var sim = Wfdb(240, Everything, 3);
        var tally = sim.NewTally();
        var plan = sim.Messages(tally).ToList();
        for (int i = 1; i < plan.Count; i++) Assert.True(plan[i - 1].SendAt <= plan[i].SendAt);
        var good = plan.Where(m => m.Kind == SimulatedMessageKind.Segment).ToList();
        Assert.Equal(good.Count, good.Select(m => (m.Monitor, m.Sequence)).Distinct().Count());
        var totals = tally.Totals;
        Assert.Equal(sim.SegmentsPlanned, totals.Segments + totals.GapSegments);
        Assert.Equal(plan.Count, totals.Messages);
        Assert.Equal(plan.Count(m => m.Kind == SimulatedMessageKind.Duplicate), totals.Duplicates);
        Assert.Equal(plan.Count(m => m.Kind == SimulatedMessageKind.Malformed), totals.Malformed);
        Assert.Equal(good.Count(m => m.Faults.HasFlag(SegmentFaults.Reordered)), totals.Reordered);
        Assert.Equal(good.Count(m => m.Faults.HasFlag(SegmentFaults.LeadOff)), totals.LeadOff);
        Assert.Equal(good.Count(m => m.Faults.HasFlag(SegmentFaults.NoiseBurst)), totals.NoiseBurst);
        Assert.True(totals.Duplicates > 0 && totals.Malformed > 0 && totals.Reordered > 0 && totals.GapSegments > 0 && totals.LeadOff > 0 && totals.NoiseBurst > 0,
            "the configured rates give each fault at least once in 720 segments");
    }

    [Fact]
    public void Duplicates_are_byte_identical_copies_sent_after_their_original()
    {
        var plan = Wfdb(120, new SimulatorFaults { DuplicateProbability = 0.2 }).Messages().ToList();
        var duplicates = plan.Select((m, i) => (m, i)).Where(p => p.m.Kind == SimulatedMessageKind.Duplicate).ToList();
        Assert.NotEmpty(duplicates);
        foreach (var (dup, at) in duplicates)
        {
            int original = plan.FindIndex(m => m.Kind == SimulatedMessageKind.Segment && m.Monitor == dup.Monitor && m.Sequence == dup.Sequence);
            Assert.InRange(original, 0, at - 1);
            Assert.Equal(plan[original].Value, dup.Value);
            Assert.Equal(plan[original].Key, dup.Key);
            Assert.True(dup.SendAt > plan[original].SendAt);
            Assert.True(dup.SendAt - plan[original].SendAt <= TimeSpan.FromSeconds(1));
        }
        // The good segments are the clean plan's.
        var clean = Wfdb(120).Messages().Select(m => Convert.ToBase64String(m.Value));
        Assert.Equal(clean, plan.Where(m => m.Kind == SimulatedMessageKind.Segment).Select(m => Convert.ToBase64String(m.Value)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public void Reordering_stays_within_its_bound(int bound)
    {
        var plan = Wfdb(180, new SimulatorFaults { ReorderProbability = 0.25, ReorderMaxSegments = bound }).Messages().ToList();
        int reordered = 0, maxOvertaken = 0;
        foreach (var monitor in plan.GroupBy(m => m.Monitor))
        {
            var arrival = monitor.Select(m => m.Sequence).ToList();
            Assert.Equal(arrival.Order(), arrival.OrderBy(s => s)); // every segment once
            Assert.Equal(180, arrival.Distinct().Count());
            for (int i = 0; i < arrival.Count; i++)
            {
                // How many later segments arrived before this one.
                int overtaken = arrival.Take(i).Count(s => s > arrival[i]);
                Assert.True(overtaken <= bound, $"sequence {arrival[i]} overtaken by {overtaken} > {bound}");
                maxOvertaken = Math.Max(maxOvertaken, overtaken);
            }
            reordered += monitor.Count(m => m.Faults.HasFlag(SegmentFaults.Reordered));
        }
        Assert.True(reordered > 0);
        Assert.Equal(bound, maxOvertaken); // the bound is reached, not just respected
    }

    [Fact]
    public void Gaps_remove_exactly_the_counted_segments()
    {
        var sim = Wfdb(300, new SimulatorFaults { GapProbability = 0.02, GapMaxSegments = 6 });
        var tally = sim.NewTally();
        var plan = sim.Messages(tally).ToList();
        var manifest = sim.Manifest(tally);
        long gapped = 0;
        foreach (var monitor in manifest.Monitors)
        {
            var sent = plan.Where(m => m.Monitor == monitor.Index).Select(m => m.Sequence).ToHashSet();
            var missing = Enumerable.Range(0, (int)monitor.SegmentsPlanned).Select(k => monitor.FirstSequence + (ulong)k).Where(s => !sent.Contains(s)).ToList();
            var declared = monitor.Gaps.SelectMany(g => Enumerable.Range(0, g.Count).Select(j => g.FirstSequence + (ulong)j)).ToList();
            Assert.Equal(missing, declared);
            Assert.All(monitor.Gaps, g => Assert.InRange(g.Count, 1, 6));
            Assert.Equal(missing.Count, monitor.Counts!.GapSegments);
            gapped += missing.Count;
        }
        Assert.True(gapped > 0);
        Assert.Equal(gapped, manifest.Totals!.GapSegments);
    }

    [Fact]
    public void Clock_skew_shifts_each_monitors_start_times_by_its_offset_and_not_its_delivery()
    {
        var clean = Wfdb(60, seed: 5, monitors: 6).Messages().ToList();
        var skewedSim = Wfdb(60, new SimulatorFaults { ClockSkewMs = 4000 }, seed: 5, monitors: 6);
        var skewed = skewedSim.Messages().ToList();
        Assert.Equal(clean.Count, skewed.Count);
        Assert.Equal(clean.Select(m => (m.Monitor, m.Sequence, m.SendAt)), skewed.Select(m => (m.Monitor, m.Sequence, m.SendAt)));
        var offsets = skewedSim.Monitors.Select(m => m.ClockSkewMs).ToList();
        Assert.All(offsets, o => Assert.InRange(o, -4000, 4000));
        Assert.True(offsets.Distinct().Count() > 1, "each monitor has its own skew");
        for (int i = 0; i < clean.Count; i++)
        {
            var expected = Parse(clean[i]);
            var actual = Parse(skewed[i]);
            var shift = actual.StartTime.ToDateTimeOffset() - expected.StartTime.ToDateTimeOffset();
            Assert.Equal(offsets[skewed[i].Monitor], shift.TotalMilliseconds, 3);
            Assert.True(skewed[i].Faults.HasFlag(SegmentFaults.ClockSkewed) == (offsets[skewed[i].Monitor] != 0));
            // Only the clock moved: the samples are the same.
            Assert.Equal(expected.Leads, actual.Leads);
        }
    }

    [Fact]
    public void Lead_off_periods_flag_one_lead_and_flatten_it_for_whole_segments()
    {
        var faults = new SimulatorFaults { LeadOffProbability = 0.05, LeadOffSeconds = 4 };
        var sim = Wfdb(300, faults);
        var clean = Wfdb(300).Messages().ToList();
        var plan = sim.Messages().ToList();
        Assert.Equal(clean.Select(m => m.Sequence), plan.Select(m => m.Sequence));
        int flagged = 0;
        for (int i = 0; i < plan.Count; i++)
        {
            var segment = Parse(plan[i]);
            var off = segment.Leads.Where(l => l.LeadOff).ToList();
            if (!plan[i].Faults.HasFlag(SegmentFaults.LeadOff))
            {
                Assert.Equal(clean[i].Value, plan[i].Value);
                continue;
            }
            flagged++;
            var lead = Assert.Single(off);
            Assert.Empty(lead.LeadOffRanges);
            Assert.All(lead.Samples, s => Assert.Equal(lead.Baseline, s));
            // The other lead is untouched.
            var before = Parse(clean[i]);
            Assert.Equal(before.Leads.Single(l => l.Lead != lead.Lead), segment.Leads.Single(l => l.Lead != lead.Lead));
        }
        Assert.True(flagged > 0);
        // Periods last 4 segments (runs of flagged sequence numbers per monitor are multiples of 4, bar the recording's end).
        foreach (var monitor in plan.GroupBy(m => m.Monitor))
        {
            var list = monitor.ToList();
            int run = 0;
            for (int i = 0; i <= list.Count; i++)
            {
                bool on = i < list.Count && list[i].Faults.HasFlag(SegmentFaults.LeadOff);
                if (on) { run++; continue; }
                if (run > 0 && i < list.Count) Assert.True(run % 4 == 0, $"a lead-off run of {run} segments");
                run = 0;
            }
        }
    }

    [Fact]
    public void Noise_bursts_add_bounded_noise_to_every_lead()
    {
        var faults = new SimulatorFaults { NoiseBurstProbability = 0.05, NoiseBurstSeconds = 2, NoiseAmplitudeMv = 0.5 };
        var plan = Wfdb(200, faults).Messages().ToList();
        var clean = Wfdb(200).Messages().ToList();
        int noisy = 0;
        for (int i = 0; i < plan.Count; i++)
        {
            if (!plan[i].Faults.HasFlag(SegmentFaults.NoiseBurst)) { Assert.Equal(clean[i].Value, plan[i].Value); continue; }
            noisy++;
            var a = Parse(clean[i]);
            var b = Parse(plan[i]);
            for (int l = 0; l < a.Leads.Count; l++)
            {
                double bound = 0.5 * a.Leads[l].Gain + 1; // 200 ADC units per mV in 201
                var diff = a.Leads[l].Samples.Zip(b.Leads[l].Samples, (x, y) => Math.Abs(x - y)).ToList();
                Assert.All(diff, d => Assert.InRange(d, 0, bound));
                Assert.True(diff.Count(d => d > 0) > diff.Count / 2, "most samples carry noise");
            }
        }
        Assert.True(noisy > 0);
    }

    [Fact]
    public void Malformed_messages_are_extra_and_each_has_the_rejection_the_validator_gives()
    {
        var faults = new SimulatorFaults { MalformedProbability = 0.5 };
        var sim = Wfdb(120, faults);
        var tally = sim.NewTally();
        var plan = sim.Messages(tally).ToList();
        var clean = Wfdb(120).Messages().ToList();
        Assert.Equal(clean.Select(m => Convert.ToBase64String(m.Value)), plan.Where(m => m.Kind == SimulatedMessageKind.Segment).Select(m => Convert.ToBase64String(m.Value)));
        var validator = new SegmentValidator();
        var bad = plan.Where(m => m.Kind == SimulatedMessageKind.Malformed).ToList();
        Assert.Equal(Enum.GetValues<Malformation>().Order(), bad.Select(m => m.Malformation!.Value).Distinct().Order());
        foreach (var m in bad)
        {
            var expected = m.ExpectedDeadLetter!.Value;
            Assert.Equal(sim.Monitors[m.Monitor].PatientId, m.Key);
            if (expected.Unreadable)
            {
                if (expected.Reason == "EmptyMessage") Assert.Empty(m.Value);
                else if (expected.Reason == "OversizedMessage") Assert.True(m.Value.Length > 4 * 1024 * 1024);
                else Assert.Throws<InvalidProtocolBufferException>(() => EcgSegment.Parser.ParseFrom(m.Value));
                continue;
            }
            var segment = EcgSegment.Parser.ParseFrom(m.Value);
            var result = validator.Validate(segment, sim.Monitors[m.Monitor].FirstSampleTime + m.SendAt);
            Assert.False(result.IsAccepted, $"{m.Malformation} was accepted");
            Assert.Equal(expected.Rejection, result.Rejection!.Reason);
        }
        Assert.Equal(bad.Count, tally.Totals.DeadLettersByReason.Values.Sum());
    }

    [Fact]
    public void Only_the_configured_malformations_are_drawn()
    {
        var faults = new SimulatorFaults { MalformedProbability = 1, MalformedKinds = [Malformation.UnknownLead, Malformation.EmptyMessage] };
        var bad = Wfdb(30, faults).Messages().Where(m => m.Kind == SimulatedMessageKind.Malformed).ToList();
        Assert.Equal(90, bad.Count);
        Assert.All(bad, m => Assert.Contains(m.Malformation!.Value, new[] { Malformation.UnknownLead, Malformation.EmptyMessage }));
    }

    [Fact]
    public void The_manifest_describes_the_monitors_and_round_trips_through_json()
    {
        var sim = Wfdb(90, Everything);
        var tally = sim.NewTally();
        int count = sim.Messages(tally).Count();
        var manifest = sim.Manifest(tally);
        Assert.Equal(count, manifest.Totals!.Messages);
        Assert.Equal(manifest.Totals.Segments, manifest.Monitors.Sum(m => m.Counts!.Segments));
        Assert.All(manifest.Monitors, m =>
        {
            Assert.Equal(90, m.SegmentsPlanned);
            Assert.Equal(TimeSpan.FromSeconds(90), m.EndTime - m.FirstSampleTime);
            Assert.Equal("201", m.Source);
            Assert.Equal(360, m.SampleRateHz);
        });
        var json = manifest.ToJson();
        Assert.Contains("\"patientId\": \"sim-patient-001\"", json);
        var back = SimulationManifest.FromJson(json);
        Assert.Equal(manifest.Monitors.Select(m => m with { Counts = null, Gaps = [] }), back.Monitors.Select(m => m with { Counts = null, Gaps = [] }));
        Assert.Equal(manifest.Monitors.SelectMany(m => m.Gaps), back.Monitors.SelectMany(m => m.Gaps));
        Assert.Equal(manifest.Totals.DeadLettersByReason, back.Totals!.DeadLettersByReason);
    }

    [Fact]
    public void The_plan_file_round_trips()
    {
        var sim = Wfdb(30, Everything);
        var path = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.ndjson");
        try
        {
            long n = SimulationPlanFile.Write(sim.Messages(), path);
            var back = SimulationPlanFile.Read(path).ToList();
            var plan = sim.Messages().ToList();
            Assert.Equal(n, back.Count);
            for (int i = 0; i < plan.Count; i++)
            {
                Assert.Equal(plan[i].Value, back[i].Value);
                Assert.Equal(plan[i] with { Value = [] }, back[i] with { Value = [] });
            }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void The_plan_is_lazy_a_day_of_many_beds_does_not_sit_in_memory()
    {
        var sim = Wfdb(24 * 3600, Everything, monitors: 100);
        Assert.Equal(100L * 24 * 3600, sim.SegmentsPlanned);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int n = sim.Messages().Take(5000).Count();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(5000, n);
        // Eager, a day of 201 for 100 beds would be ~25 GB of samples; lazily it is one 60 s chunk per bed and the messages.
        Assert.True(allocated < 400L * 1024 * 1024, $"allocated {allocated / (1024 * 1024)} MB for 5000 messages");
    }

    [Theory]
    [InlineData("JitterMs", -1)]
    [InlineData("ReorderProbability", 1.5)]
    [InlineData("DuplicateProbability", double.NaN)]
    [InlineData("GapProbability", -0.1)]
    [InlineData("LeadOffProbability", 2)]
    [InlineData("LeadOffSeconds", 0)]
    [InlineData("NoiseBurstProbability", double.PositiveInfinity)]
    [InlineData("NoiseBurstSeconds", -3)]
    [InlineData("NoiseAmplitudeMv", 1000)]
    [InlineData("ClockSkewMs", double.NaN)]
    [InlineData("MalformedProbability", 1.01)]
    public void An_invalid_fault_rate_is_refused_naming_it(string option, double value)
    {
        var faults = new SimulatorFaults();
        typeof(SimulatorFaults).GetProperty(option)!.SetValue(faults, value);
        var e = Assert.Throws<ArgumentException>(() => faults.Validate());
        Assert.Equal(option, e.ParamName);
        var e2 = Assert.Throws<ArgumentException>(() => new BedsideSimulator(Settings(10, faults), [MonitorSignal.FromRecording(Mitbih201.Value)]));
        Assert.Equal($"Faults:{option}", e2.ParamName);
    }

    [Theory]
    [InlineData("ReorderMaxSegments", 0)]
    [InlineData("GapMaxSegments", 0)]
    [InlineData("OversizedBytes", 100)]
    public void An_invalid_fault_bound_is_refused_naming_it(string option, int value)
    {
        var faults = new SimulatorFaults();
        typeof(SimulatorFaults).GetProperty(option)!.SetValue(faults, value);
        Assert.Equal(option, Assert.Throws<ArgumentException>(() => faults.Validate()).ParamName);
    }

    [Fact]
    public void Invalid_settings_are_refused_naming_them()
    {
        Assert.Equal("Duration", Assert.Throws<ArgumentException>(() => new SimulationSettings { Duration = TimeSpan.Zero }.Validate()).ParamName);
        Assert.Equal("SegmentSeconds", Assert.Throws<ArgumentException>(() => new SimulationSettings { SegmentSeconds = 31 }.Validate()).ParamName);
        Assert.Equal("IdPrefix", Assert.Throws<ArgumentException>(() => new SimulationSettings { IdPrefix = "a b" }.Validate()).ParamName);
        Assert.Equal("MalformedKinds", Assert.Throws<ArgumentException>(() => new SimulatorFaults { MalformedKinds = [(Malformation)42] }.Validate()).ParamName);
        Assert.True(new SimulatorFaults().None);
        Assert.False(Everything.None);
    }
}
