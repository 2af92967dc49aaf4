using System.Reactive.Disposables;
using System.Reactive.Linq;

namespace CGDmer.Pipeline.Concurrency;

/// <summary>
/// Moves the rest of a pipeline onto its own thread behind a bounded queue: <c>ObserveOn</c> with back-pressure.
/// </summary>
/// <remarks>
/// Why: everything downstream of an operator runs on the thread that calls its OnNext. Behind the infer stage that is
/// the model's worker, so interpreting, building the Observations and the sink's serialisation would run between two
/// model runs and hold the model back while other cores idle. Handed off here, the model's thread only runs the model.
/// </remarks>
public static class DedicatedThreadOperator
{
    /// <summary>
    /// Delivers the notifications of <paramref name="source"/> in order on one dedicated thread named
    /// <paramref name="threadName"/>. At most <paramref name="capacity"/> items wait; when that many do, the upstream
    /// OnNext blocks (back-pressure, as every queue in the pipeline). An error or completion is delivered after the
    /// items before it. Disposing stops the thread after its current item; items still queued are dropped.
    /// </summary>
    public static IObservable<T> OnDedicatedThread<T>(this IObservable<T> source, int capacity, string threadName)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentException.ThrowIfNullOrEmpty(threadName);

        return Observable.Create<T>(observer =>
        {
            var queue = new HandoffQueue<T>(capacity);
            var stop = new CancellationTokenSource();
            Exception? upstreamError = null;
            int failed = 0; // 1 once the downstream threw: later items are dropped instead of blocking the upstream

            QueueWorker.Start(threadName, queue, stop.Token,
                deliver: observer.OnNext,
                finish: () => QueueWorker.Finish(observer, upstreamError),
                fail: e =>
                {
                    // Later items are dropped, and a blocked upstream Add wakes up.
                    Volatile.Write(ref failed, 1);
                    queue.CompleteAdding();
                    QueueWorker.TellFailed(observer, e);
                });

            var subscription = source.Subscribe(
                item =>
                {
                    if (Volatile.Read(ref failed) == 1) return;
                    try { queue.TryAdd(item, stop.Token); }
                    catch (OperationCanceledException) { /* disposed */ }
                },
                error =>
                {
                    upstreamError = error;
                    queue.CompleteAdding();
                },
                queue.CompleteAdding);

            return Disposable.Create(() =>
            {
                subscription.Dispose();
                stop.Cancel();
                queue.CompleteAdding();
            });
        });
    }
}
