namespace CGDmer.Streaming.Host;

/// <summary>Counts the acknowledgements of a second sink's writes (a replay's HL7 sink): accepted, failed, and the first failure's message.</summary>
public sealed class DeliveryTally
{
    private long _written, _accepted, _failed;
    private string? _firstFailure;
    private readonly System.Collections.Concurrent.ConcurrentQueue<Task> _counted = new();

    public long Written => Interlocked.Read(ref _written);
    public long Accepted => Interlocked.Read(ref _accepted);
    public long Failed => Interlocked.Read(ref _failed);
    public string? FirstFailure => Volatile.Read(ref _firstFailure);

    /// <summary>Counts <paramref name="acknowledgement"/> when it settles.</summary>
    public void Track(Task acknowledgement)
    {
        Interlocked.Increment(ref _written);
        _counted.Enqueue(acknowledgement.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) { Interlocked.Increment(ref _accepted); return; }
            Interlocked.Increment(ref _failed);
            var e = t.Exception?.InnerException;
            Interlocked.CompareExchange(ref _firstFailure, e is null ? "cancelled" : $"{e.GetType().Name}: {e.Message}", null);
        }, TaskContinuationOptions.ExecuteSynchronously));
    }

    /// <summary>Waits until every tracked write is counted; false on timeout.</summary>
    public bool WaitCounted(TimeSpan timeout) => Task.WaitAll([.. _counted], timeout);
}
