using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using CGDmer.Pipeline.Batching;
using CGDmer.Pipeline.Measurement;
using static CGDmer.TestSupport.TestWindows;

namespace CGDmer.Pipeline.Tests.Batching;

public class BatchOperatorTests
{
    private sealed class Harness : IDisposable
    {
        public readonly HistoricalScheduler Clock = new();
        public readonly Subject<MeasuredWindow> Source = new();
        public readonly List<WindowBatch> Batches = [];
        public Exception? Error;
        public bool Completed;
        private readonly IDisposable _sub;

        public Harness(int size, double delayMs)
        {
            _sub = Source.BatchWindows(new BatchingOptions { MaxBatchSize = size, MaxDelayMilliseconds = delayMs }, Clock)
                .Subscribe(Batches.Add, e => Error = e, () => Completed = true);
        }

        public void Advance(double ms) => Clock.AdvanceBy(TimeSpan.FromMilliseconds(ms));
        public void Dispose() => _sub.Dispose();
    }

    [Fact]
    public void Size_trigger_closes_a_full_batch_without_waiting()
    {
        using var h = new Harness(size: 3, delayMs: 100);
        for (int p = 0; p < 7; p++) h.Source.OnNext(Make(p, 0));
        Assert.Equal(2, h.Batches.Count);
        Assert.Equal([0L, 1L], h.Batches.Select(b => b.Sequence));
        Assert.All(h.Batches, b => Assert.Equal(3, b.AnalyzableCount));
        // The seventh window waits for the delay, which counts from its own arrival.
        h.Advance(99);
        Assert.Equal(2, h.Batches.Count);
        h.Advance(1);
        Assert.Equal(3, h.Batches.Count);
        Assert.Equal(["patient-6#0"], h.Batches[2].Windows.Select(Key));
    }

    [Fact]
    public void Delay_trigger_counts_from_the_first_window_of_the_batch()
    {
        using var h = new Harness(size: 10, delayMs: 50);
        h.Source.OnNext(Make(1, 0));
        h.Advance(30);
        h.Source.OnNext(Make(2, 0));     // does not restart the clock
        h.Advance(19);
        Assert.Empty(h.Batches);
        h.Advance(1);
        var b = Assert.Single(h.Batches);
        Assert.Equal(["patient-1#0", "patient-2#0"], b.Windows.Select(Key));
    }

    [Fact]
    public void An_idle_timer_never_emits_an_empty_batch_nor_closes_a_newer_batch_early()
    {
        using var h = new Harness(size: 2, delayMs: 50);
        h.Source.OnNext(Make(1, 0));
        h.Advance(10);
        h.Source.OnNext(Make(2, 0));     // batch 0 closed by size; its timer (due at 50) must do nothing
        Assert.Single(h.Batches);
        h.Advance(30);
        h.Source.OnNext(Make(3, 0));     // batch 1 opens at 40, due at 90
        h.Advance(20);                   // t = 60: the old timer's time has passed
        Assert.Single(h.Batches);
        h.Advance(29);
        Assert.Single(h.Batches);
        h.Advance(1);
        Assert.Equal(2, h.Batches.Count);
        h.Advance(10_000);
        Assert.Equal(2, h.Batches.Count);
        Assert.All(h.Batches, b => Assert.NotEmpty(b.Windows));
    }

    [Fact]
    public void A_window_without_signal_alone_is_emitted_at_once_and_otherwise_rides_along()
    {
        using var h = new Harness(size: 2, delayMs: 50);
        h.Source.OnNext(Make(1, 0, analyzable: false));
        Assert.Equal(0, Assert.Single(h.Batches).AnalyzableCount);
        h.Source.OnNext(Make(2, 0));
        h.Source.OnNext(Make(3, 0, analyzable: false));
        h.Source.OnNext(Make(4, 0));
        Assert.Equal(2, h.Batches.Count);
        Assert.Equal(["patient-2#0", "patient-3#0", "patient-4#0"], h.Batches[1].Windows.Select(Key));
    }

    [Fact]
    public void Completion_flushes_the_partial_batch_then_completes()
    {
        using var h = new Harness(size: 10, delayMs: 1000);
        h.Source.OnNext(Make(1, 0));
        h.Source.OnNext(Make(1, 1));
        h.Source.OnCompleted();
        Assert.True(h.Completed);
        Assert.Equal(2, Assert.Single(h.Batches).Windows.Count);
        h.Advance(5000);   // the cancelled timer stays silent
        Assert.Single(h.Batches);
    }

    [Fact]
    public void Completion_without_pending_windows_emits_nothing()
    {
        using var h = new Harness(size: 2, delayMs: 10);
        h.Source.OnNext(Make(1, 0));
        h.Source.OnNext(Make(1, 1));
        h.Source.OnCompleted();
        Assert.Single(h.Batches);
        Assert.True(h.Completed);
    }

    [Fact]
    public void Errors_propagate_and_release_the_pending_samples()
    {
        using var h = new Harness(size: 10, delayMs: 1000);
        var pending = Make(1, 0);
        h.Source.OnNext(pending);
        var ex = new IOException("broker gone");
        h.Source.OnError(ex);
        Assert.Same(ex, h.Error);
        Assert.Empty(h.Batches);
        Assert.True(pending.Window.SignalReleased);
        h.Advance(5000);
        Assert.Empty(h.Batches);
    }

    [Fact]
    public void Zero_delay_closes_every_batch_on_arrival()
    {
        using var h = new Harness(size: 4, delayMs: 0);
        h.Source.OnNext(Make(1, 0));
        h.Source.OnNext(Make(2, 0));
        Assert.Equal(2, h.Batches.Count);
    }

    [Fact]
    public void Order_and_numbering_hold_across_triggers()
    {
        using var h = new Harness(size: 3, delayMs: 20);
        var sent = new List<string>();
        var rng = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            var w = Make(rng.Next(5), i, analyzable: rng.NextDouble() > 0.2);
            sent.Add(Key(w));
            h.Source.OnNext(w);
            h.Advance(rng.Next(0, 15));
        }
        h.Source.OnCompleted();
        Assert.Equal(sent, h.Batches.SelectMany(b => b.Windows).Select(Key));
        Assert.Equal(Enumerable.Range(0, h.Batches.Count).Select(i => (long)i), h.Batches.Select(b => b.Sequence));
        Assert.All(h.Batches, b => Assert.InRange(b.AnalyzableCount, 0, 3));
    }

    [Fact]
    public void Arguments_are_checked()
    {
        var src = Observable.Empty<MeasuredWindow>();
        Assert.Throws<ArgumentNullException>(() => src.BatchWindows(null!, Scheduler.Default));
        Assert.Throws<ArgumentNullException>(() => src.BatchWindows(new BatchingOptions(), null!));
        Assert.Throws<ArgumentException>(() => src.BatchWindows(new BatchingOptions { MaxBatchSize = 0 }, Scheduler.Default));
    }

    [Fact]
    public void A_scheduler_that_sleeps_for_due_times_is_refused_at_composition()
    {
        // The batch delay would block the lane that opened the batch (and, further out, Rx's shared timer lock).
        foreach (var scheduler in new IScheduler[] { Scheduler.Immediate, Scheduler.CurrentThread })
        {
            var ex = Assert.Throws<ArgumentException>(() => Observable.Empty<MeasuredWindow>().BatchWindows(new BatchingOptions(), scheduler));
            Assert.Equal("scheduler", ex.ParamName);
        }
    }
}
