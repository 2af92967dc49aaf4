namespace CGDmer.Pipeline.Concurrency;

/// <summary>
/// The one worker loop behind every dedicated pipeline thread (the model's, the publish thread, the patient lanes):
/// take from a bounded <see cref="HandoffQueue{T}"/> until it is completed and drained, then say so once.
/// </summary>
/// <remarks>
/// Why shared: the three stages differ in what they do per item and in how their bound is counted (the model's queue
/// counts a batch until the model has run it, the others until it is taken), not in how their thread ends. That part
/// is where the subtle cases are (a downstream observer that throws on a thread nobody called, a dispose while a
/// producer is parked), so it is written and tested once.
/// </remarks>
internal static class QueueWorker
{
    /// <summary>
    /// Starts a background thread named <paramref name="name"/> that passes every item it takes from
    /// <paramref name="queue"/> to <paramref name="deliver"/>, then calls <paramref name="finish"/> once the queue is
    /// completed and empty. Cancelling <paramref name="stop"/> ends it quietly (the subscriber has gone: nobody to
    /// tell). Any other exception (from <paramref name="deliver"/> or <paramref name="finish"/>: the downstream threw)
    /// goes to <paramref name="fail"/>, since on this thread there is no caller to throw to. <paramref name="cleanup"/>
    /// runs last in every case.
    /// </summary>
    /// <param name="nice">Linux nice value of the thread (0 = as the rest of the process).</param>
    public static Thread Start<T>(string name, HandoffQueue<T> queue, CancellationToken stop, Action<T> deliver,
                                  Action finish, Action<Exception> fail, Action? cleanup = null, int nice = 0)
    {
        var thread = new Thread(() =>
        {
            if (nice != 0) ThreadNice.TrySet(nice);
            try
            {
                while (queue.TryTake(out var item, stop)) deliver(item);
                // The upstream completed the queue and a dispose came before this line: no terminal notification (a
                // lane would flush its patients) to a subscriber that has gone. (A take after a cancel throws anyway.)
                stop.ThrowIfCancellationRequested();
                finish();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Disposed: nobody listens any more.
            }
            catch (Exception e)
            {
                fail(e);
            }
            finally
            {
                cleanup?.Invoke();
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return thread;
    }

    /// <summary>
    /// Passes a failure of the downstream on to it (its OnError), swallowing a second throw: it already failed once,
    /// and this runs on a worker thread where an escaping exception would end the process.
    /// </summary>
    public static void TellFailed<T>(IObserver<T> observer, Exception error)
    {
        try { observer.OnError(error); } catch { /* it already failed once */ }
    }

    /// <summary>The terminal notification of a finished queue: the upstream's error if it ended with one, else completion.</summary>
    public static void Finish<T>(IObserver<T> observer, Exception? upstreamError)
    {
        if (upstreamError is not null) observer.OnError(upstreamError);
        else observer.OnCompleted();
    }
}
