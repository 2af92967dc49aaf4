using System.Collections.Concurrent;
using CGDmer.Pipeline.Concurrency;

namespace CGDmer.Pipeline.Tests;

/// <summary>The worker loop shared by the model's thread, the publish thread and the patient lanes.</summary>
public class QueueWorkerTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    private sealed class Outcome
    {
        public readonly ConcurrentQueue<int> Delivered = new();
        public int Finished;
        public Exception? Failed;
        public readonly ManualResetEventSlim CleanedUp = new();
        public string? ThreadName;
        public bool Background;
    }

    private static (HandoffQueue<int> Queue, CancellationTokenSource Stop, Outcome Outcome, Thread Thread) Start(Action<int>? deliver = null)
    {
        var queue = new HandoffQueue<int>(capacity: 4);
        var stop = new CancellationTokenSource();
        var outcome = new Outcome();
        var thread = QueueWorker.Start("test-worker", queue, stop.Token,
            deliver: item => { outcome.ThreadName = Thread.CurrentThread.Name; outcome.Background = Thread.CurrentThread.IsBackground; (deliver ?? (_ => { }))(item); outcome.Delivered.Enqueue(item); },
            finish: () => Interlocked.Increment(ref outcome.Finished),
            fail: e => outcome.Failed = e,
            cleanup: outcome.CleanedUp.Set);
        return (queue, stop, outcome, thread);
    }

    [Fact]
    public void Every_item_is_delivered_in_order_on_the_named_thread_then_finish_once()
    {
        var (queue, _, outcome, thread) = Start();
        for (int i = 0; i < 100; i++) Assert.True(queue.TryAdd(i, CancellationToken.None));
        queue.CompleteAdding();

        Assert.True(thread.Join(Generous));
        Assert.Equal(Enumerable.Range(0, 100), outcome.Delivered);
        Assert.Equal(1, outcome.Finished);
        Assert.Null(outcome.Failed);
        Assert.True(outcome.CleanedUp.IsSet);
        Assert.Equal("test-worker", outcome.ThreadName);
        Assert.True(outcome.Background);   // it never keeps the process alive
    }

    [Fact]
    public void A_throwing_delivery_goes_to_fail_not_to_finish_and_the_thread_ends()
    {
        var boom = new InvalidOperationException("downstream threw");
        var (queue, _, outcome, thread) = Start(item => { if (item == 3) throw boom; });
        for (int i = 0; i < 6; i++) Assert.True(queue.TryAdd(i, CancellationToken.None));

        Assert.True(thread.Join(Generous));   // without CompleteAdding: the failure ended it, not the queue
        Assert.Same(boom, outcome.Failed);
        Assert.Equal(0, outcome.Finished);
        Assert.Equal([0, 1, 2], outcome.Delivered);
        Assert.True(outcome.CleanedUp.IsSet);
    }

    [Fact]
    public void A_cancelled_worker_ends_quietly()
    {
        // As a dispose does: cancel, then complete the queue. Neither finish (a lane would flush its patients to a
        // subscriber that has gone) nor fail, and the cleanup still runs.
        var (queue, stop, outcome, thread) = Start();
        Assert.True(queue.TryAdd(1, CancellationToken.None));
        Assert.True(SpinWait.SpinUntil(() => outcome.Delivered.Count == 1 && queue.ConsumerWaiting, Generous), "the worker never waited for more");
        stop.Cancel();
        queue.CompleteAdding();

        Assert.True(thread.Join(Generous));
        Assert.Equal(0, outcome.Finished);
        Assert.Null(outcome.Failed);
        Assert.True(outcome.CleanedUp.IsSet);
    }
}
