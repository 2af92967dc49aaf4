using CGDmer.Pipeline.Settlement;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using FsCheck;
using FsCheck.Xunit;
using static CGDmer.TestSupport.WindowTestData;

namespace CGDmer.Pipeline.Tests.Settlement;

/// <summary>
/// The window stage's input settlement (what lets a transport commit its read position): an input is never settled while
/// a window still to come reads it (safety), settlement keeps up with the stream, and closing a patient's state settles
/// the rest (liveness).
/// </summary>
public class InputSettlementTests
{
    private sealed record Input(long Ordinal, string Patient, EcgSegmentData Segment, long StateId, SegmentOutcome Outcome);

    /// <summary>Drives <see cref="PatientWindowerRegistry"/> like the pipeline does and settles like a ledger with instant delivery.</summary>
    private sealed class Harness
    {
        private readonly List<Input> _inputs = [];
        private readonly HashSet<long> _settled = [];
        private readonly List<PatientStateClosed> _closings = [];
        private readonly Dictionary<string, InputSettlement> _lastWindow = [];
        private readonly NativeLayout _layout;
        private long _ordinal;

        public Harness(WindowingOptions options, double rateHz)
        {
            Options = options;
            Stage = new PatientWindowerRegistry(Geometry, options, null, _closings.Add);
            _layout = new NativeLayout(rateHz, Geometry, options);
        }

        public WindowingOptions Options { get; }
        public PatientWindowerRegistry Stage { get; }
        public int Windows { get; private set; }
        public int MaxUnsettled { get; private set; }
        /// <summary>Most signal (seconds of stored, unsettled inputs) any patient has held at once.</summary>
        public double MaxUnsettledSeconds { get; private set; }
        public IEnumerable<Input> Unsettled => _inputs.Where(i => !_settled.Contains(i.Ordinal));

        public void Add(EcgSegmentData segment, DateTimeOffset now)
        {
            // A fresh object per delivery, as the validate stage makes: a re-delivery is a new input.
            var copy = new EcgSegmentData(segment.PatientId, segment.DeviceId, segment.Sequence, segment.StartTime, 0,
                                          segment.SampleRateHz, segment.SampleCount, segment.Leads) { InputOrdinal = ++_ordinal };
            var output = new List<EcgWindow>();
            var outcome = Stage.Add(copy, now, output);
            // A window reads only the inputs its own patient state was given (a closed state's samples are gone).
            _inputs.Add(new Input(copy.InputOrdinal, copy.PatientId, copy, Stage.Find(copy.PatientId)?.StateId ?? -1, outcome));
            Deliver(output);
            MaxUnsettled = Math.Max(MaxUnsettled, Unsettled.Count());
            double held = Unsettled.Where(i => i.Patient == copy.PatientId && i.Outcome == SegmentOutcome.Stored).Sum(i => i.Segment.SampleCount / i.Segment.SampleRateHz);
            MaxUnsettledSeconds = Math.Max(MaxUnsettledSeconds, held);
        }

        public void FlushSilent(DateTimeOffset now)
        {
            var output = new List<EcgWindow>();
            Stage.FlushSilent(now, output);
            Deliver(output);
        }

        private void Deliver(List<EcgWindow> windows)
        {
            foreach (var w in windows)
            {
                Windows++;
                // Safety: no input this window reads (span and resampler margins) may be settled already, nor one the window
                // before it reads: a restart must be able to rebuild that one too (the alarm strip's pre-roll).
                long first = _layout.WindowStart(w.Index - 1) - _layout.Margin, end = _layout.WindowStart(w.Index) + _layout.WindowNative + _layout.Margin;
                foreach (var input in _inputs)
                {
                    if (input.Patient != w.PatientId || input.StateId != w.Settlement.StateId || !_settled.Contains(input.Ordinal)) continue;
                    long a = _layout.SampleIndexAt(input.Segment.StartTimeUtcTicks), b = a + input.Segment.SampleCount;
                    Assert.False(a < end && b > first && input.Outcome == SegmentOutcome.Stored,
                        $"input {input.Ordinal} ({a}..{b}) was settled before window {w.Index} ({first}..{end}) that reads it; stored dup {!Stored(input, w)} ordinals {string.Join(",", _inputs.Where(i => i.Patient == w.PatientId).Select(i => $"{i.Ordinal}:{_layout.SampleIndexAt(i.Segment.StartTimeUtcTicks)}:{i.Outcome}:{i.StateId}").TakeLast(30))}");
                }
                // Windows of a patient come numbered 1, 2, 3 … per state, states in increasing order.
                var s = w.Settlement;
                if (_lastWindow.TryGetValue(w.PatientId, out var last))
                    Assert.True(s.StateId > last.StateId ? s.WindowNumber == 1 : s.StateId == last.StateId && s.WindowNumber == last.WindowNumber + 1,
                        $"window numbering {last} → {s}");
                else Assert.Equal(1, s.WindowNumber);
                _lastWindow[w.PatientId] = s;
                SettleThrough(w.PatientId, s.InputsThrough);
                w.ReleaseSignal();
            }
            // Closings after the windows (with instant delivery, their windows are all delivered by now).
            foreach (var c in _closings)
            {
                if (c.Settlement.WindowNumber > 0)
                    Assert.Equal(_lastWindow[c.PatientId], c.Settlement with { InputsThrough = _lastWindow[c.PatientId].InputsThrough });
                SettleThrough(c.PatientId, c.Settlement.InputsThrough);
            }
            _closings.Clear();
        }

        // The windower may have dropped a re-delivered input whose samples it already had; that one reads nothing, and
        // settling it early is fine. Which copy was stored is the first delivery of the same samples.
        private bool Stored(Input input, EcgWindow w) =>
            !_inputs.Any(o => o.Ordinal < input.Ordinal && o.Patient == input.Patient && o.StateId == input.StateId && o.Segment.StartTime == input.Segment.StartTime
                              && o.Segment.SampleCount == input.Segment.SampleCount);

        private void SettleThrough(string patient, long through)
        {
            foreach (var input in _inputs)
                if (input.Patient == patient && input.Ordinal <= through) _settled.Add(input.Ordinal);
        }
    }

    private static List<EcgSegmentData> PatientStream(string patient, Random rng, double rate, double seconds)
    {
        var list = new List<EcgSegmentData>();
        long sample = (long)Math.Round(rng.Next(0, 30) / 10.0 * rate), end = sample + (long)(rate * seconds);
        ulong seq = 1;
        while (sample < end)
        {
            int count = (int)Math.Min(end - sample, rng.Next((int)(0.3 * rate), (int)(1.5 * rate)));
            // Now and then a long gap (a new run) inside the stream.
            if (rng.Next(40) == 0) sample += (long)(rate * 15);
            list.Add(Segment(patient, seq++, sample / rate, rate, count, device: "monitor-" + patient));
            sample += count;
        }
        return list;
    }

    [Property(MaxTest = 40)]
    public bool No_input_is_settled_before_the_last_window_that_reads_it_and_closing_settles_the_rest(int seed, bool tightCapacity, bool beatStream)
    {
        var rng = new Random(seed);
        const double rate = 250;
        var options = new WindowingOptions { MaxPatients = tightCapacity ? 2 : 16, SilentPatientTimeoutSeconds = 30, BeatStreamLeads = beatStream ? 2 : 0 };
        var h = new Harness(options, rate);
        var streams = new[] { "a", "b", "c" }.Select(p => new Queue<EcgSegmentData>(PatientStream(p, rng, rate, beatStream ? 200 : 60))).ToList();
        var now = T0.AddMinutes(1);
        var sent = new List<EcgSegmentData>();
        while (streams.Any(s => s.Count > 0))
        {
            var queue = streams[rng.Next(streams.Count)];
            if (!queue.TryDequeue(out var next)) continue;
            // Within the bound, a later segment overtakes this one now and then.
            if (queue.Count > 0 && rng.Next(6) == 0) { var later = queue.Dequeue(); h.Add(later, now); sent.Add(later); }
            h.Add(next, now);
            sent.Add(next);
            int roll = rng.Next(30);
            if (roll == 0) h.Add(sent[rng.Next(sent.Count)], now);                  // a re-delivery, possibly long late
            if (roll == 1) { now = now.AddSeconds(31); h.FlushSilent(now); }          // the ward goes quiet for a while
            now = now.AddMilliseconds(50);
        }
        h.FlushSilent(now.AddMinutes(5));
        // Keeping up: what stays open is about one window (+ margins, reorder bound, hop) of each patient, not the stream;
        // with the beat stream, an epoch, its warm-up and the windows' context more (PatientWindower.HeldUntil)
        if (!beatStream) Assert.True(h.MaxUnsettled <= 3 * 25, $"{h.MaxUnsettled} inputs unsettled at once");
        // (the context a window reads reaches back RhythmFeatures.ContextSeconds, 20 s before the 10-s window)
        double bound = options.BeatEpochSeconds + options.BeatWarmUpSeconds + CGDmer.Signal.Beats.RhythmFeatures.ContextSeconds + 2 * options.HopSeconds
                       + options.ReorderBoundSeconds + 3;
        if (beatStream) Assert.True(h.MaxUnsettledSeconds <= bound, $"{h.MaxUnsettledSeconds} s of a patient's signal unsettled at once (bound {bound} s)");
        Assert.True(h.Windows > 0);
        Assert.Empty(h.Unsettled);
        Assert.Equal(0, h.Stage.ActivePatients);
        return true;
    }

    [Fact]
    public void At_the_end_of_the_stream_the_inputs_of_unelapsed_windows_stay_unsettled()
    {
        var closings = new List<PatientStateClosed>();
        // The windows' own hold (the beat stream's, which holds an epoch more, is the property test's).
        using var stage = new PatientWindowerRegistry(Geometry, new WindowingOptions { BeatStreamLeads = 0 }, null, closings.Add);
        var output = new List<EcgWindow>();
        long ordinal = 0;
        foreach (var s in Stream("p", 250, 0, 28))
        {
            var copy = new EcgSegmentData(s.PatientId, s.DeviceId, s.Sequence, s.StartTime, 0, s.SampleRateHz, s.SampleCount, s.Leads) { InputOrdinal = ++ordinal };
            stage.Add(copy, T0, output);
        }
        stage.FlushAll(output, endOfStream: true);
        Assert.Empty(closings);   // no closing: the unelapsed windows were not emitted
        var last = output[^1].Settlement;
        // 28 s of 1 s segments: windows at 5, 10, 15 s elapsed (0 has no left margin; 20 needs data to 30 s). Unsettled:
        // the inputs the window at 20 s would read, and those of the window before it (from ~15 s on, minus the resampler
        // margin), which a restart rebuilds for the alarm strip's pre-roll.
        Assert.Equal(3, output.Count);
        Assert.InRange(last.InputsThrough, 13, 15);
        Assert.Equal(new InputSettlement(1, 3, last.InputsThrough), last);
        foreach (var w in output) w.ReleaseSignal();
    }

    [Fact]
    public void A_segment_dropped_as_late_does_not_hold_back_the_settlement()
    {
        var closings = new List<PatientStateClosed>();
        using var stage = new PatientWindowerRegistry(Geometry, new WindowingOptions { BeatStreamLeads = 0 }, null, closings.Add);
        var output = new List<EcgWindow>();
        var stream = Stream("p", 250, 0, 60);
        long ordinal = 0;
        void Add(EcgSegmentData s) => stage.Add(new EcgSegmentData(s.PatientId, s.DeviceId, s.Sequence, s.StartTime, 0, s.SampleRateHz,
                                                                   s.SampleCount, s.Leads) { InputOrdinal = ++ordinal }, T0, output);
        for (int i = 0; i < 30; i++) Add(stream[i]);
        Add(stream[2]);                                      // ordinal 31: 28 s late, dropped
        for (int i = 30; i < 60; i++) Add(stream[i]);         // ordinals 32..61
        var settledByLast = output[^1].Settlement.InputsThrough;
        Assert.True(settledByLast > 31, $"the late input 31 should be settled by now, got {settledByLast}");
        foreach (var w in output) w.ReleaseSignal();
    }

    [Fact]
    public void Old_samples_re_sent_under_new_sequence_numbers_hold_nothing_back()
    {
        using var windower = new PatientWindower("p", Geometry, new WindowingOptions { BeatStreamLeads = 0 });
        var output = new List<EcgWindow>();
        var stream = Stream("p", 250, 0, 30);
        long ordinal = 0;
        foreach (var s in stream)
            windower.Add(new EcgSegmentData(s.PatientId, s.DeviceId, s.Sequence, s.StartTime, 0, s.SampleRateHz, s.SampleCount, s.Leads) { InputOrdinal = ++ordinal }, output);
        int emitted = output.Count;
        // A stuck device: the last segment again and again, each time with a new sequence number.
        var last = stream[^1];
        for (int i = 0; i < 1000; i++)
        {
            var again = new EcgSegmentData(last.PatientId, last.DeviceId, last.Sequence + 1 + (ulong)i, last.StartTime, 0, last.SampleRateHz,
                                           last.SampleCount, last.Leads) { InputOrdinal = ++ordinal };
            Assert.Equal(SegmentOutcome.Duplicate, windower.Add(again, output));
        }
        Assert.Equal(emitted, output.Count);
        Assert.InRange(windower.HeldInputs, 1, 25);   // the stored segments of the open windows (and one hop before), not the 1,000 re-sends
        // The next real data settles them all with the windows it completes (the last stuck segment is held until the
        // window after the last one that reads it, at 35 s: 20 s more).
        foreach (var s in Stream("p", 250, 30, 20))
            windower.Add(new EcgSegmentData(s.PatientId, s.DeviceId, s.Sequence + 5000, s.StartTime, 0, s.SampleRateHz, s.SampleCount, s.Leads) { InputOrdinal = ++ordinal }, output);
        Assert.True(output.Count > emitted);
        Assert.True(output[^1].Settlement.InputsThrough > 30 + 1000, $"settled through {output[^1].Settlement.InputsThrough}");
        foreach (var w in output) w.ReleaseSignal();
    }

    [Fact]
    public void When_the_input_resumes_its_end_leaves_a_window_without_its_right_margin_to_the_restart_which_builds_the_same_windows()
    {
        // 25 s of 1 s segments at 250 Hz, then the end: the window at 15 s spans to 25 s but its right resampler margin is
        // not there. A replay's end emits it, resampled against the edge; a resumable input's end leaves it to the restart.
        // The continued stream (40 s) builds every window with its margin.
        var stream = Stream("p", 250, 0, 40);
        List<(long Index, float[] Samples)> Run(WindowingOptions options, int segments)
        {
            using var windower = new PatientWindower("p", Geometry, options);
            var output = new List<EcgWindow>();
            long ordinal = 0;
            foreach (var seg in stream.Take(segments))
                windower.Add(new EcgSegmentData(seg.PatientId, seg.DeviceId, seg.Sequence, seg.StartTime, 0, seg.SampleRateHz, seg.SampleCount, seg.Leads) { InputOrdinal = ++ordinal }, output);
            windower.Flush(output, endOfStream: true);
            // The samples are in pooled buffers (longer than the window): copied before they go back.
            var copies = output.Select(w => (w.Index, w.Signal.AsSpan(0, Geometry.LeadCount * Geometry.WindowSamples).ToArray())).ToList();
            foreach (var w in output) w.ReleaseSignal();
            return copies;
        }
        var replayEnd = Run(new WindowingOptions(), 25);
        var resumableEnd = Run(new WindowingOptions().ForResumableInput(), 25);
        var later = Run(new WindowingOptions().ForResumableInput(), 40);
        Assert.Equal(replayEnd.Count - 1, resumableEnd.Count);
        var (edgedIndex, edged) = replayEnd[^1];
        Assert.False(edged.AsSpan().SequenceEqual(later.Single(w => w.Index == edgedIndex).Samples), "the edge changes the window's last samples");
        // Every window the resumable end emitted is the window the continued stream builds, sample for sample.
        foreach (var (index, samples) in resumableEnd)
            Assert.True(samples.AsSpan().SequenceEqual(later.Single(w => w.Index == index).Samples), $"window {index}");
    }
}
