using CGDmer.Pipeline.Concurrency;

namespace CGDmer.Pipeline.Tests;

public class HandoffQueueTests
{
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Items_come_out_in_the_order_they_went_in_and_none_is_lost_between_two_threads()
    {
        var queue = new HandoffQueue<int>(capacity: 7);
        const int count = 200_000;
        var producer = Task.Run(() =>
        {
            for (int i = 0; i < count; i++) Assert.True(queue.TryAdd(i, CancellationToken.None));
            queue.CompleteAdding();
        });
        int expected = 0;
        while (queue.TryTake(out int item, CancellationToken.None)) Assert.Equal(expected++, item);
        Assert.True(await producer.FinishesWithin(Generous));
        Assert.Equal(count, expected);
    }

    [Fact]
    public async Task A_producer_of_a_full_queue_waits_until_half_of_it_was_taken()
    {
        var queue = new HandoffQueue<int>(capacity: 4);
        for (int i = 0; i < 4; i++) Assert.True(queue.TryAdd(i, CancellationToken.None));
        var blocked = Task.Factory.StartNew(() => queue.TryAdd(4, CancellationToken.None), TaskCreationOptions.LongRunning);
        // Parked for sure (not merely not started yet on a busy machine) before taking anything.
        Assert.True(SpinWait.SpinUntil(() => queue.WaitingProducers == 1, Generous), "the producer never blocked");

        Assert.True(queue.TryTake(out _, CancellationToken.None)); // 3 left: above half, the producer sleeps on
        Assert.False(await blocked.FinishesWithin(Blocked));
        Assert.True(queue.TryTake(out _, CancellationToken.None)); // 2 left = half: it resumes
        Assert.True(await blocked.FinishesWithin(Generous));
        Assert.True(await blocked);
        Assert.Equal(3, queue.InFlight);
    }

    [Fact]
    public async Task An_idle_consumer_is_woken_by_the_first_item()
    {
        var queue = new HandoffQueue<string>(capacity: 4);
        var taking = Task.Run(() => queue.TryTake(out var item, CancellationToken.None) ? item : null);
        // Waiting for sure (not merely not started yet), so that the item below has someone to wake.
        Assert.True(SpinWait.SpinUntil(() => queue.ConsumerWaiting, Generous), "the consumer never waited");
        Assert.False(await taking.FinishesWithin(Blocked));
        queue.TryAdd("segment", CancellationToken.None);
        Assert.True(await taking.FinishesWithin(Generous));
        Assert.Equal("segment", await taking);
    }

    [Fact]
    public async Task Completing_refuses_new_items_wakes_a_blocked_producer_and_lets_the_consumer_drain_first()
    {
        var queue = new HandoffQueue<int>(capacity: 2);
        queue.TryAdd(1, CancellationToken.None);
        queue.TryAdd(2, CancellationToken.None);
        var blocked = Task.Run(() => queue.TryAdd(3, CancellationToken.None));
        Assert.True(SpinWait.SpinUntil(() => queue.WaitingProducers == 1, Generous), "the producer never blocked");
        Assert.False(await blocked.FinishesWithin(Blocked));

        queue.CompleteAdding();
        Assert.True(await blocked.FinishesWithin(Generous));
        Assert.False(await blocked);
        Assert.False(queue.TryAdd(4, CancellationToken.None));
        Assert.True(queue.TryTake(out int a, CancellationToken.None));
        Assert.True(queue.TryTake(out int b, CancellationToken.None));
        Assert.Equal((1, 2), (a, b));
        Assert.False(queue.TryTake(out _, CancellationToken.None));
    }

    [Fact]
    public void Cancelling_wakes_a_blocked_producer_and_a_blocked_consumer()
    {
        using var stop = new CancellationTokenSource();
        var full = new HandoffQueue<int>(capacity: 1);
        full.TryAdd(1, CancellationToken.None);
        var producer = Task.Factory.StartNew(() => full.TryAdd(2, stop.Token), TaskCreationOptions.LongRunning);
        var empty = new HandoffQueue<int>(capacity: 1);
        var consumer = Task.Factory.StartNew(() => empty.TryTake(out _, stop.Token), TaskCreationOptions.LongRunning);
        // Both parked for sure before cancelling (else a late start would meet a cancelled token and prove nothing).
        Assert.True(SpinWait.SpinUntil(() => full.WaitingProducers == 1 && empty.ConsumerWaiting, Generous), "not both parked");

        stop.Cancel();
        Assert.Throws<AggregateException>(() => producer.Wait(Generous));
        Assert.IsType<OperationCanceledException>(producer.Exception!.InnerException, exactMatch: false);
        Assert.Throws<AggregateException>(() => consumer.Wait(Generous));
        Assert.IsType<OperationCanceledException>(consumer.Exception!.InnerException, exactMatch: false);
        Assert.Equal(1, full.InFlight);
    }

    [Fact]
    public async Task Held_items_count_against_the_capacity_until_done()
    {
        var queue = new HandoffQueue<int>(capacity: 2, holdUntilDone: true);
        queue.TryAdd(1, CancellationToken.None);
        queue.TryAdd(2, CancellationToken.None);
        Assert.True(queue.TryTake(out _, CancellationToken.None));
        Assert.True(queue.TryTake(out _, CancellationToken.None));
        Assert.Equal(2, queue.InFlight); // both on the model, none queued: still full

        var blocked = Task.Run(() => queue.TryAdd(3, CancellationToken.None));
        Assert.True(SpinWait.SpinUntil(() => queue.WaitingProducers == 1, Generous), "the producer never blocked");
        Assert.False(await blocked.FinishesWithin(Blocked));
        queue.Done();
        Assert.True(await blocked.FinishesWithin(Generous));
        Assert.Equal(2, queue.InFlight);
        queue.Done();
        Assert.Throws<InvalidOperationException>(queue.Done);
    }

    [Fact]
    public void Draining_without_blocking_takes_what_is_queued()
    {
        var queue = new HandoffQueue<int>(capacity: 3, holdUntilDone: true);
        queue.TryAdd(1, CancellationToken.None);
        queue.TryAdd(2, CancellationToken.None);
        Assert.True(queue.TryTakeNow(out int first));
        Assert.True(queue.TryTakeNow(out int second));
        Assert.False(queue.TryTakeNow(out _));
        Assert.Equal((1, 2), (first, second));
        Assert.Equal(0, queue.InFlight); // drained items are not in progress
    }
}
