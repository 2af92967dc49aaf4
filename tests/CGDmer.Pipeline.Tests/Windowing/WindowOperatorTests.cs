using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using CGDmer.Pipeline.Concurrency;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Wfdb;
using static CGDmer.TestSupport.WindowTestData;

namespace CGDmer.Pipeline.Tests.Windowing;

public class WindowOperatorTests
{
    private sealed class Harness : IDisposable
    {
        public readonly HistoricalScheduler Scheduler = new(T0);
        public readonly Subject<EcgSegmentData> Source = new();
        public readonly List<EcgWindow> Windows = [];
        public readonly Metrics.PipelineMetrics Metrics = NewMetrics();
        public bool Completed;
        public Exception? Error;
        private readonly IDisposable _subscription;

        public Harness(WindowingOptions? options = null)
        {
            _subscription = Source.WindowPerPatient(Geometry, options ?? new WindowingOptions(), Scheduler, Metrics)
                                  .Subscribe(Windows.Add, e => Error = e, () => Completed = true);
        }

        /// <summary>Delivers the segments one per second of scheduler time (real-time playback).</summary>
        public void Play(IEnumerable<EcgSegmentData> segments)
        {
            foreach (var s in segments)
            {
                Source.OnNext(s);
                Scheduler.AdvanceBy(TimeSpan.FromSeconds(1));
            }
        }

        public void Dispose()
        {
            _subscription.Dispose();
            Release(Windows);
        }
    }

    [Fact]
    public void OnCompleted_flushes_every_patient_then_completes()
    {
        using var h = new Harness();
        h.Play(Stream("p1", 360, 0, 12));
        h.Play(Stream("p2", 360, 0, 15));
        // The first windows start at 5 s ([0, 10) has no left resampler margin); [5, 15) waits for its right margin.
        Assert.Empty(h.Windows);
        h.Source.OnCompleted();
        Assert.True(h.Completed);
        // Only windows whose span has elapsed: p2's [5, 15) yes; p1's [5, 15) and both [10, 20) reach past the last
        // sample — the stream ended, not the signal — so they are dropped rather than reported as NoSignal.
        Assert.Equal([5], h.Windows.Select(w => (w.Start - T0).TotalSeconds).Order());
        Assert.All(h.Windows, w => Assert.True(w.IsAnalyzable));
        Assert.Equal(0, h.Metrics.ActivePatients.Value);
    }

    [Fact]
    public void Silent_patient_is_flushed_by_the_timer_and_its_state_dropped()
    {
        using var h = new Harness();
        h.Play(Stream("p1", 360, 0, 12));                         // last p1 segment at scheduler time 11 s
        h.Scheduler.AdvanceBy(TimeSpan.FromSeconds(10));
        h.Play(Stream("p2", 500, 100, 1));                        // another patient, at 22 s
        Assert.Equal(2, h.Metrics.ActivePatients.Value);
        int before = h.Windows.Count;
        h.Scheduler.AdvanceBy(TimeSpan.FromSeconds(17));           // 40 s: p1 silent for 29 s, nothing yet
        Assert.Equal(before, h.Windows.Count);
        Assert.Equal(2, h.Metrics.ActivePatients.Value);
        h.Scheduler.AdvanceBy(TimeSpan.FromSeconds(2));            // 42 s: p1 silent for 31 s
        Assert.Equal([5, 10], h.Windows.Skip(before).Where(w => w.PatientId == "p1").Select(w => (w.Start - T0).TotalSeconds));
        Assert.Equal(1, h.Metrics.ActivePatients.Value);
        Assert.Equal(1, Count(h.Metrics.PatientsEvicted, "silent"));
        h.Scheduler.AdvanceBy(TimeSpan.FromSeconds(30));           // and then p2
        Assert.Equal(0, h.Metrics.ActivePatients.Value);
        Assert.Equal(2, Count(h.Metrics.PatientsEvicted, "silent"));

        // The patient comes back: a new run, first window at the first grid start at or after its new first sample.
        int n = h.Windows.Count;
        h.Play(Stream("p1", 360, 61.2, 15));
        Assert.Equal([65], h.Windows.Skip(n).Select(w => (w.Start - T0).TotalSeconds));
        Assert.False(h.Completed);
    }

    [Fact]
    public void Segments_keep_a_patient_active_and_the_timer_does_not_flush_it()
    {
        using var h = new Harness(new WindowingOptions { SilentPatientTimeoutSeconds = 3 });
        h.Play(Stream("p1", 360, 0, 40));                          // a segment every second: never 3 s silent
        Assert.Equal(0, Count(h.Metrics.PatientsEvicted, "silent"));
        Assert.All(h.Windows, w => Assert.Equal(WindowStatus.Analyzable, w.Status));
    }

    [Fact]
    public void Beyond_MaxPatients_the_least_recently_active_patient_is_flushed_and_evicted()
    {
        using var h = new Harness(new WindowingOptions { MaxPatients = 2 });
        h.Play(Stream("p1", 360, 0, 7));
        h.Play(Stream("p2", 360, 0, 7));
        h.Play(Stream("p1", 360, 7, 1));                           // p1 active again: p2 is now the least recent
        Assert.Empty(h.Windows);
        h.Play(Stream("p3", 360, 0, 1));
        Assert.Equal(["p2"], h.Windows.Select(w => w.PatientId));   // window 5 of p2, flushed ([0, 10) has no left margin)
        Assert.Equal(1, Count(h.Metrics.PatientsEvicted, "capacity"));
        Assert.Equal(2, h.Metrics.ActivePatients.Value);
    }

    [Fact]
    public void Interleaved_patients_do_not_mix()
    {
        var p1 = Stream("p1", 360, 0.5, 40);
        var p2 = Stream("p2", 500, 3, 40).Select(s => Segment("p2", s.Sequence, (s.StartTime - T0).TotalSeconds, 500, s.SampleCount, [Lead.V5, Lead.II])).ToList();
        using var h = new Harness();
        var interleaved = p1.Zip(p2).SelectMany(pair => new[] { pair.First, pair.Second });
        h.Play(interleaved);
        h.Source.OnCompleted();

        var alone1 = Run(p1, endOfStream: true);
        var alone2 = Run(p2, endOfStream: true);
        AssertSameWindows(alone1, h.Windows.Where(w => w.PatientId == "p1").ToList());
        AssertSameWindows(alone2, h.Windows.Where(w => w.PatientId == "p2").ToList());
        Assert.All(h.Windows.Where(w => w.PatientId == "p2" && w.IsAnalyzable), w => Assert.Equal([1f, 0f, 1f], w.LeadMask));
        Release(alone1.Concat(alone2));
    }

    [Fact]
    public void Segment_that_breaks_a_windower_is_counted_and_the_stream_goes_on()
    {
        using var h = new Harness();
        var bad = new EcgSegmentData("p-bad", "d", 1, T0, 0, 360, 360,
            [new EcgLeadData(Lead.II, "II", new float[10], false, [])]);   // fewer samples than SampleCount
        h.Play(Stream("p1", 360, 0, 5));
        h.Source.OnNext(bad);
        h.Play(Stream("p1", 360, 5, 15));
        Assert.Null(h.Error);
        Assert.Equal(1, Count(h.Metrics.SegmentsDropped, "error"));
        Assert.Equal(1, Count(h.Metrics.PatientsEvicted, "error"));
        Assert.Equal([5], h.Windows.Select(w => (w.Start - T0).TotalSeconds));   // [10, 20) waits for its right margin
    }

    [Fact]
    public void Source_error_flushes_then_is_passed_on()
    {
        using var h = new Harness();
        h.Play(Stream("p1", 360, 0, 8));
        var boom = new InvalidOperationException("transport failed");
        h.Source.OnError(boom);
        Assert.Same(boom, h.Error);
        Assert.Equal([5], h.Windows.Select(w => (w.Start - T0).TotalSeconds));   // the first window with a left margin
    }

    [Fact]
    public void Invalid_options_fail_at_composition()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Observable.Empty<EcgSegmentData>().WindowPerPatient(Geometry, new WindowingOptions { HopSeconds = 3 }, TaskPoolScheduler.Default));
        Assert.Equal(nameof(WindowingOptions.HopSeconds), ex.ParamName);
    }

    [Fact]
    public void A_scheduler_that_sleeps_for_due_times_is_refused_at_composition()
    {
        // Rx runs a timer on these by sleeping, holding the lock every LocalScheduler arms timers under.
        foreach (var scheduler in new IScheduler[] { Scheduler.Immediate, Scheduler.CurrentThread })
        {
            var ex = Assert.Throws<ArgumentException>(() => Observable.Empty<EcgSegmentData>().WindowPerPatient(Geometry, new WindowingOptions(), scheduler));
            Assert.Equal("scheduler", ex.ParamName);
        }
    }

    [Fact]
    public async Task Timer_and_segments_from_different_threads_are_serialized()
    {
        // Real threads: segments pushed from two tasks for different patients while a short silence timeout fires.
        var options = new WindowingOptions { SilentPatientTimeoutSeconds = 0.001 };
        var source = new Subject<EcgSegmentData>();
        int inside = 0, overlaps = 0, count = 0;
        using var sub = source.WindowPerPatient(Geometry, options, TaskPoolScheduler.Default).Subscribe(w =>
        {
            if (Interlocked.Increment(ref inside) != 1) Interlocked.Increment(ref overlaps);
            Thread.SpinWait(100);
            Interlocked.Decrement(ref inside);
            Interlocked.Increment(ref count);
            w.ReleaseSignal();
        });
        var sync = Subject.Synchronize(source);
        var tasks = new[] { "a", "b" }.Select(p => Task.Run(() =>
        {
            foreach (var s in Stream(p, 360, 0, 30)) sync.OnNext(s);
        })).ToArray();
        await Task.WhenAll(tasks);
        source.OnCompleted();
        Assert.Equal(0, overlaps);
        Assert.True(count >= 4, $"{count} windows");
    }

    [Fact]
    public void Real_record_201_streamed_in_one_second_segments()
    {
        var path = FindRecord("201");
        var record = WfdbReader.Read(path);
        Assert.Equal(360, record.SampleRateHz);
        var channels = record.Ecg.Channels;
        const int seconds = 600;                                  // the first ten minutes keep the test fast
        var segments = new List<EcgSegmentData>();
        for (int sec = 0; sec < seconds; sec++)
        {
            var leads = new List<EcgLeadData>();
            foreach (var ch in channels)
            {
                var x = ch.Samples.AsSpan(sec * 360, 360).ToArray();
                var off = new List<SampleIndexRange>();
                for (int i = 0; i < x.Length; i++)
                    if (!float.IsFinite(x[i])) { off.Add(new SampleIndexRange(i, i + 1)); x[i] = 0; }   // as the validator would flag them
                leads.Add(new EcgLeadData(ch.Lead!.Value, ch.Label, x, false, off));
            }
            segments.Add(new EcgSegmentData("rec-201", "mitbih", (ulong)sec, T0.AddSeconds(sec), 0, 360, 360, leads));
        }
        using var h = new Harness();
        h.Play(segments);
        h.Source.OnCompleted();

        // 5 … 590 s: [0, 10) has no left resampler margin; [595, 605) reaches past the end of the stream.
        Assert.Equal(seconds / 5 - 2, h.Windows.Count);
        Assert.Equal(Enumerable.Range(1, seconds / 5 - 2).Select(i => i * 5.0), h.Windows.Select(w => (w.Start - T0).TotalSeconds));
        var full = h.Windows.ToList();
        Assert.All(full, w => Assert.Equal([Lead.II, Lead.V1], w.RecordedLeads));
        Assert.True(full.Count(w => w.IsAnalyzable) >= full.Count - 2, $"{full.Count(w => !w.IsAnalyzable)} windows without signal");

        // Window content: the same as resampling the whole ten minutes, cutting and preprocessing.
        var mlii = channels.Single(c => c.Lead == Lead.II).Samples.AsSpan(0, seconds * 360).ToArray();
        var whole = Signal.Dsp.Resampler.Resample(mlii, 360, 100);
        foreach (var w in full.Where(w => w.IsAnalyzable && w.Index % 7 == 0))
        {
            int first = (int)Math.Round((w.Start - T0).TotalSeconds * 100);
            var expected = whole.AsSpan(first, 1000).ToArray();
            Signal.Dsp.EcgPreprocessing.Apply(expected, 100);
            var row = w.Row(Geometry.RowOf(Lead.II));
            for (int i = 0; i < 1000; i++) Assert.True(Math.Abs(expected[i] - row[i]) < 1e-4, $"window {w.Start:O} sample {i}");
            Assert.True(row.ToArray().Max(Math.Abs) > 0.3f, "QRS complexes of at least 0.3 mV");
        }
    }

    private static string FindRecord(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "data", "mitbih", name);
            if (File.Exists(candidate + ".hea")) return candidate;
        }
        throw new FileNotFoundException($"data/mitbih/{name}.hea not found above {AppContext.BaseDirectory}");
    }
}

public class EndOfStreamFlushTests
{
    [Fact]
    public void Silence_reports_the_half_filled_windows_but_the_end_of_the_stream_does_not()
    {
        var stream = WindowTestData.Stream("p1", 360, 0, 17);
        var silence = WindowTestData.Run(stream, endOfStream: false);
        var ended = WindowTestData.Run(stream, endOfStream: true);
        // Silence: [10, 20) and [15, 25) hold data the signal stopped in the middle of, so they are reported (masked).
        // ([0, 10) is never a window: it has no left resampler margin.)
        Assert.Equal([5.0, 10, 15], silence.Select(w => (w.Start - WindowTestData.T0).TotalSeconds));
        Assert.Contains(silence, w => !w.IsAnalyzable);
        // End of stream: only [5, 15), whose span has elapsed.
        Assert.Equal([5.0], ended.Select(w => (w.Start - WindowTestData.T0).TotalSeconds));
        WindowTestData.Release(silence.Concat(ended));
    }
}
