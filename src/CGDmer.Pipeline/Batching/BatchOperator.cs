using CGDmer.Pipeline.Concurrency;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Metrics;


namespace CGDmer.Pipeline.Batching;

/// <summary>Rx stage 5: dynamic batching of the windows of all patients for the model.</summary>
public static class BatchOperator
{
    /// <summary>
    /// Groups windows into <see cref="WindowBatch"/>es, closed when <see cref="BatchingOptions.MaxBatchSize"/> analyzable
    /// windows are in, or <see cref="BatchingOptions.MaxDelay"/> after the batch's first window (timer on
    /// <paramref name="scheduler"/>). Windows keep their order; batches are numbered 0, 1, 2, …; never empty. Completion
    /// closes the open batch first; an error of <paramref name="source"/> is passed on (the open batch is dropped with
    /// its windows' samples released, as the stream is over).
    /// </summary>
    public static IObservable<WindowBatch> BatchWindows(this IObservable<MeasuredWindow> source, BatchingOptions options,
                                                       IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        TimerScheduler.RequireNonBlocking(scheduler, "batch", nameof(scheduler));
        options.Validate();
        var maxDelay = options.MaxDelay;

        return Observable.Create<WindowBatch>(observer =>
        {
            var batcher = new WindowBatcher(options);
            var gate = new object();
            var timer = new SerialDisposable();
            bool stopped = false;
            // The timer of an older batch may fire after that batch was closed by size; the generation tells it so,
            // so an idle timer never closes a newer batch early nor an empty one.
            long generation = 0;

            void Emit(WindowBatch? batch)
            {
                if (batch is null) return;
                generation++;
                timer.Disposable = Disposable.Empty;
                observer.OnNext(batch);
            }

            var subscription = source.Subscribe(
                window =>
                {
                    lock (gate)
                    {
                        if (stopped) return;
                        var closed = batcher.Add(window, out bool opened);
                        if (closed is not null) { Emit(closed); return; }
                        if (!opened) return;
                        if (maxDelay <= TimeSpan.Zero) { Emit(batcher.Flush()); return; }
                        long mine = generation;
                        timer.Disposable = scheduler.Schedule(maxDelay, () =>
                        {
                            lock (gate)
                            {
                                if (stopped || generation != mine) return;
                                Emit(batcher.Flush());
                            }
                        });
                    }
                },
                error =>
                {
                    lock (gate)
                    {
                        if (stopped) return;
                        stopped = true;
                        timer.Dispose();
                        var dropped = batcher.Flush();
                        if (dropped is not null) foreach (var w in dropped.Windows) w.Window.ReleaseSignal();
                        observer.OnError(error);
                    }
                },
                () =>
                {
                    lock (gate)
                    {
                        if (stopped) return;
                        stopped = true;
                        timer.Dispose();
                        var last = batcher.Flush();
                        if (last is not null) observer.OnNext(last);
                        observer.OnCompleted();
                    }
                });

            return Disposable.Create(() =>
            {
                lock (gate) { stopped = true; }
                timer.Dispose();
                subscription.Dispose();
            });
        });
    }
}
