using System.Reactive.Threading.Tasks;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using CGDmer.Pipeline.Concurrency;
using CGDmer.Pipeline.Validation;

namespace CGDmer.Pipeline.Tests;

public class PatientLanesOperatorTests
{
    private static readonly SegmentValidator Validator = new(new SegmentValidationOptions());

    private static EcgSegmentData Segment(string patient, ulong sequence) =>
        Validator.Validate(SegmentBuilder.With(s => { s.PatientId = patient; s.DeviceId = "dev-" + patient; s.Sequence = sequence; }), SegmentBuilder.Now).Segment!;

    private static List<EcgSegmentData> Interleaved(int patients, int perPatient) =>
        Enumerable.Range(0, perPatient).SelectMany(k => Enumerable.Range(0, patients).Select(p => Segment($"patient-{p}", (ulong)k))).ToList();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Every_patient_keeps_its_own_order_and_nothing_is_lost(int lanes)
    {
        var input = Interleaved(9, 40);
        var output = input.ToObservable()
            .PerPatientLanes(lanes, 3, lane => lane.Select(s => (s.PatientId, s.Sequence, Thread.CurrentThread.ManagedThreadId)))
            .ToList().Wait();
        Assert.Equal(input.Count, output.Count);
        foreach (var g in output.GroupBy(o => o.PatientId))
        {
            Assert.Equal(Enumerable.Range(0, 40).Select(i => (ulong)i), g.Select(o => o.Sequence));
            Assert.Single(g.Select(o => o.ManagedThreadId).Distinct()); // one patient, one lane
        }
        if (lanes > 1) Assert.True(output.Select(o => o.ManagedThreadId).Distinct().Count() > 1, "work spread over lanes");
    }

    [Fact]
    public void Lane_threads_run_at_the_nice_value_asked_for_on_linux()
    {
        if (!OperatingSystem.IsLinux()) return;
        // The nice value is field 19 of /proc/thread-self/stat (counted from the last ')', since the name may hold spaces).
        static int OwnNice()
        {
            string stat = File.ReadAllText("/proc/thread-self/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16]);
        }
        int callerNice = OwnNice();
        var seen = Interleaved(6, 3).ToObservable()
            .PerPatientLanes(2, 4, lane => lane.Select(_ => OwnNice()), laneNice: 7)
            .ToList().Wait();
        Assert.All(seen, nice => Assert.Equal(Math.Max(7, callerNice), nice));
        Assert.Equal(callerNice, OwnNice()); // the upstream thread keeps its own
        Assert.Throws<ArgumentOutOfRangeException>(() => Observable.Empty<EcgSegmentData>().PerPatientLanes(2, 4, l => l, laneNice: 20));
    }

    [Fact]
    public async Task A_full_lane_blocks_the_upstream_instead_of_buffering()
    {
        using var gate = new ManualResetEventSlim(false);
        var source = new Subject<EcgSegmentData>();
        int processed = 0;
        using var sub = source
            .PerPatientLanes(2, 2, lane => lane.Do(_ => { gate.Wait(); Interlocked.Increment(ref processed); }))
            .Subscribe(_ => { });
        // One patient, so one lane: 1 segment in its stage (waiting at the gate) + 2 queued; the 4th OnNext must block.
        int offered = 0;
        var producer = Task.Run(() => { for (ulong i = 0; i < 4; i++) { Interlocked.Increment(ref offered); source.OnNext(Segment("p", i)); } });
        // The 4th offer made for sure (not merely not started yet) before asking whether it blocks.
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref offered) == 4, 5000), $"{offered} segments offered");
        Assert.False(await producer.FinishesWithin(300), "the upstream should block while the lane is full");
        gate.Set();
        Assert.True(await producer.FinishesWithin(5000));
        source.OnCompleted();
        SpinWait.SpinUntil(() => Volatile.Read(ref processed) == 4, 5000);
        Assert.Equal(4, processed);
    }

    [Fact]
    public void An_upstream_error_comes_after_every_lane_has_flushed()
    {
        var input = Interleaved(6, 5);
        var seen = new List<string>();
        Exception? error = null;
        var done = new ManualResetEventSlim();
        input.ToObservable().Concat(Observable.Throw<EcgSegmentData>(new InvalidOperationException("source broke")))
            .PerPatientLanes(3, 4, lane => lane.Select(s => s.PatientId).Concat(Observable.Return("flushed")))
            .Subscribe(x => { lock (seen) seen.Add(x); }, e => { error = e; done.Set(); }, done.Set);
        Assert.True(done.Wait(5000));
        Assert.IsType<InvalidOperationException>(error);
        Assert.Equal(input.Count, seen.Count(x => x != "flushed"));
        Assert.Equal(3, seen.Count(x => x == "flushed"));
    }

    [Fact]
    public void A_lane_that_throws_ends_the_stream_with_that_error()
    {
        var input = Interleaved(4, 10);
        var ex = Assert.Throws<AggregateException>(() => input.ToObservable()
            .PerPatientLanes(2, 2, lane => lane.Select(s => s.Sequence == 5 ? throw new FormatException("stage bug") : s))
            .ToList().ToTask().Wait(5000));
        Assert.IsType<FormatException>(ex.InnerException);
    }

    [Fact]
    public void Lane_assignment_is_stable_and_in_range()
    {
        for (int lanes = 1; lanes <= 8; lanes++)
            foreach (var id in new[] { "", "a", "patient-0042", new string('x', 64) })
            {
                int lane = PatientLanesOperator.LaneOf(id, lanes);
                Assert.InRange(lane, 0, lanes - 1);
                Assert.Equal(lane, PatientLanesOperator.LaneOf(id, lanes));
            }
        Assert.Equal(5, Enumerable.Range(0, 100).Select(i => PatientLanesOperator.LaneOf($"patient-{i}", 5)).Distinct().Count());
    }
}
