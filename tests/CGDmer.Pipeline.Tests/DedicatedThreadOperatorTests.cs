using System.Reactive.Linq;
using System.Reactive.Subjects;
using CGDmer.Pipeline.Operators;

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
    public void A_slow_downstream_blocks_the_upstream_once_the_queue_is_full()
    {
        var source = new Subject<int>();
        var gate = new ManualResetEventSlim(false);
        var received = new List<int>();
        var done = new ManualResetEventSlim();
        using var sub = source.OnDedicatedThread(4, "t").Subscribe(i => { gate.Wait(); lock (received) received.Add(i); }, () => done.Set());
        var producing = Task.Run(() => { for (int i = 0; i < 20; i++) source.OnNext(i); source.OnCompleted(); });
        // One item on the downstream, four queued: the producer cannot finish while the downstream is held.
        Assert.False(producing.Wait(TimeSpan.FromMilliseconds(300)), "the upstream was not held back");
        gate.Set();
        Assert.True(producing.Wait(Patience));
        Assert.True(done.Wait(Patience));
        Assert.Equal(Enumerable.Range(0, 20), received);
    }

    [Fact]
    public void A_throwing_downstream_gets_nothing_more_and_no_longer_blocks_the_upstream()
    {
        var source = new Subject<int>();
        var delivered = new List<int>();
        using var sub = source.OnDedicatedThread(1, "t").Subscribe(i =>
        {
            lock (delivered) delivered.Add(i);
            if (i == 3) throw new InvalidOperationException("sink broke");
        });
        var producing = Task.Run(() => { for (int i = 0; i < 100; i++) source.OnNext(i); source.OnCompleted(); });
        Assert.True(producing.Wait(Patience), "the upstream stayed blocked after the downstream failed");
        Thread.Sleep(100);
        lock (delivered) Assert.Equal([0, 1, 2, 3], delivered);
    }

    [Fact]
    public void Disposing_releases_an_upstream_blocked_on_a_full_queue()
    {
        var source = new Subject<int>();
        var gate = new ManualResetEventSlim(false);
        var sub = source.OnDedicatedThread(1, "t").Subscribe(_ => gate.Wait());
        var producing = Task.Run(() => { for (int i = 0; i < 10; i++) source.OnNext(i); });
        Assert.False(producing.Wait(TimeSpan.FromMilliseconds(200)));
        sub.Dispose();
        Assert.True(producing.Wait(Patience));
        gate.Set();
    }
}
