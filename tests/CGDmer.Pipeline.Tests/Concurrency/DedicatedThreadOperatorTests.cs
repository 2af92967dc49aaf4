using System.Reactive.Linq;
using System.Reactive.Subjects;
using CGDmer.Pipeline.Concurrency;

namespace CGDmer.Pipeline.Tests;

public class DedicatedThreadOperatorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public void Items_arrive_in_order_on_the_named_thread_then_completion()
    {
        var threads = new HashSet<string?>();
        var items = Observable.Range(0, 10_000).OnDedicatedThread(16, "test-publish")
            .Do(_ => threads.Add(Thread.CurrentThread.Name))
            .ToList().Wait();
        Assert.Equal(Enumerable.Range(0, 10_000), items);
        Assert.Equal(["test-publish"], threads);
    }

    [Fact]
    public void An_upstream_error_arrives_after_the_items_before_it()
    {
        var seen = new List<int>();
        var source = Observable.Range(0, 5).Concat(Observable.Throw<int>(new InvalidOperationException("upstream broke")));
        var error = Assert.Throws<InvalidOperationException>(() => source.OnDedicatedThread(2, "t").Do(seen.Add).Wait());
        Assert.Equal("upstream broke", error.Message);
        Assert.Equal([0, 1, 2, 3, 4], seen);
    }

    [Fact]
    public async Task A_slow_downstream_blocks_the_upstream_once_the_queue_is_full()
    {
        var source = new Subject<int>();
        var gate = new ManualResetEventSlim(false);
        var entered = new ManualResetEventSlim(false);
        var received = new List<int>();
        var done = new ManualResetEventSlim();
        int offered = 0;
        using var sub = source.OnDedicatedThread(4, "t").Subscribe(i => { entered.Set(); gate.Wait(); lock (received) received.Add(i); }, () => done.Set());
        var producing = Task.Factory.StartNew(() =>
        {
            for (int i = 0; i < 20; i++) { Interlocked.Increment(ref offered); source.OnNext(i); }
            source.OnCompleted();
        }, TaskCreationOptions.LongRunning);
        // The downstream holds item 0 and the queue fills: the producer stops at the 5th or 6th offer (the 6th when item 0
        // left the queue before it filled; a queue that is still above half full does not wake its producer).
        Assert.True(entered.Wait(Patience), "nothing reached the downstream");
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref offered) >= 5, Patience), $"{offered} items offered");
        Assert.False(await producing.FinishesWithin(TimeSpan.FromMilliseconds(300)), "the upstream was not held back");
        Assert.InRange(Volatile.Read(ref offered), 5, 6);
        gate.Set();
        Assert.True(await producing.FinishesWithin(Patience));
        Assert.True(done.Wait(Patience));
        Assert.Equal(Enumerable.Range(0, 20), received);
    }

    [Fact]
    public async Task A_throwing_downstream_gets_nothing_more_and_no_longer_blocks_the_upstream()
    {
        var source = new Subject<int>();
        var delivered = new List<int>();
        using var sub = source.OnDedicatedThread(1, "t").Subscribe(i =>
        {
            lock (delivered) delivered.Add(i);
            if (i == 3) throw new InvalidOperationException("sink broke");
        });
        var producing = Task.Run(() => { for (int i = 0; i < 100; i++) source.OnNext(i); source.OnCompleted(); });
        Assert.True(await producing.FinishesWithin(Patience), "the upstream stayed blocked after the downstream failed");
        Thread.Sleep(100);
        lock (delivered) Assert.Equal([0, 1, 2, 3], delivered);
    }

    [Fact]
    public async Task Disposing_releases_an_upstream_blocked_on_a_full_queue()
    {
        var source = new Subject<int>();
        var gate = new ManualResetEventSlim(false);
        var entered = new ManualResetEventSlim(false);
        int offered = 0;
        var sub = source.OnDedicatedThread(1, "t").Subscribe(_ => { entered.Set(); gate.Wait(); });
        var producing = Task.Factory.StartNew(() =>
        {
            for (int i = 0; i < 10; i++) { Interlocked.Increment(ref offered); source.OnNext(i); }
        }, TaskCreationOptions.LongRunning);
        // Item 0 on the downstream, item 1 queued, the third offer blocked: only then dispose.
        Assert.True(entered.Wait(Patience));
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref offered) == 3, Patience), $"{offered} items offered");
        Assert.False(await producing.FinishesWithin(TimeSpan.FromMilliseconds(200)));
        sub.Dispose();
        Assert.True(await producing.FinishesWithin(Patience));
        gate.Set();
    }
}
