using System.Reactive.Disposables;
using System.Reactive.Linq;
using CGDmer.Pipeline.Batching;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Concurrency;

namespace CGDmer.Pipeline.Inference;

/// <summary>Rx stage 6: the model, on one dedicated worker, behind a bounded queue.</summary>
public static class InferOperator
{
    /// <summary>
    /// Analyses each batch with <paramref name="model"/> (see <see cref="BatchInference"/>) and emits its windows in the
    /// order they came in. The model runs on one dedicated thread (it is not thread-safe), fed by a queue of at most
    /// <see cref="InferOptions.MaxBatchesInFlight"/> batches: when that many are in flight, OnNext blocks the upstream
    /// until the model finishes one (back-pressure). A failing run marks its windows and the stream goes on. Completion
    /// and errors of <paramref name="source"/> are passed on after the batches in flight were analysed and emitted. Each
    /// subscription has its own worker; there must be one subscription per model. Disposing stops the worker after its
    /// current batch and releases the samples of the batches still queued.
    /// </summary>
    public static IObservable<AnalyzedWindow> Infer(this IObservable<WindowBatch> source, IFindingsModel model,
                                                    InferOptions options, PipelineMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int capacity = options.MaxBatchesInFlight;

        return Observable.Create<AnalyzedWindow>(observer =>
        {
            var inference = new BatchInference(model, metrics, options.KeepStrips);
            // Counts batches queued or running: the bound covers the one on the model too (Done after each run).
            var queue = new HandoffQueue<WindowBatch>(capacity, holdUntilDone: true);
            var cancel = new CancellationTokenSource();
            Exception? sourceError = null;
            int stopped = 0; // 1 once the worker stopped taking batches (disposed or downstream failed)

            void Drop(WindowBatch batch)
            {
                foreach (var w in batch.Windows) w.Window.ReleaseSignal();
            }

            QueueWorker.Start("cgdmer-infer", queue, cancel.Token,
                deliver: batch =>
                {
                    AnalyzedWindow[] analyzed;
                    try { analyzed = inference.Analyze(batch); }
                    finally
                    {
                        // The bound counts a batch until the model has run it, not until its windows went downstream.
                        queue.Done();
                        metrics?.BatchesInFlight.Set(queue.InFlight);
                    }
                    foreach (var w in analyzed) observer.OnNext(w);
                },
                finish: () => QueueWorker.Finish(observer, sourceError),
                fail: e =>
                {
                    Volatile.Write(ref stopped, 1);
                    QueueWorker.TellFailed(observer, e);
                },
                cleanup: () =>
                {
                    // Stopped for whatever reason: the samples of the batches left are released, never leaked.
                    Volatile.Write(ref stopped, 1);
                    while (queue.TryTakeNow(out var left)) Drop(left);
                    metrics?.BatchesInFlight.Set(queue.InFlight);
                });

            var subscription = source.Subscribe(
                batch =>
                {
                    if (Volatile.Read(ref stopped) == 1) { Drop(batch); return; }
                    bool queued;
                    try { queued = queue.TryAdd(batch, cancel.Token); }
                    catch (OperationCanceledException) { queued = false; }
                    if (!queued)
                    {
                        // Disposed, or adding completed (source already terminated): drop.
                        Drop(batch);
                        return;
                    }
                    // The gauge follows the queue (queued + on the model); the worker sets it again after each run.
                    metrics?.BatchesInFlight.Set(queue.InFlight);
                    // The worker may have stopped between the check above and the add; it drains what it finds, but
                    // a batch added after its final drain would keep its samples. Release them here.
                    if (Volatile.Read(ref stopped) == 1)
                    {
                        while (queue.TryTakeNow(out var left)) Drop(left);
                        metrics?.BatchesInFlight.Set(queue.InFlight);
                    }
                },
                error =>
                {
                    sourceError = error;
                    queue.CompleteAdding();
                },
                () => queue.CompleteAdding());

            return Disposable.Create(() =>
            {
                subscription.Dispose();
                cancel.Cancel();
                queue.CompleteAdding();
            });
        });
    }
}
