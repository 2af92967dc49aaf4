namespace CGDmer.Transports;

/// <summary>
/// Whether a system a sink writes to (a FHIR server, an HL7 receiver) answers: not answering from the first attempt that
/// failed transiently until one that did not, with how long and the last failure. Thread-safe and lock-free.
/// </summary>
public sealed class AnsweringTracker(TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    // When the current run of failed attempts began (TimeProvider timestamp); 0 while answering.
    private long _failingSince;
    private volatile string? _lastProblem;

    /// <summary>Records a transiently failed attempt; true when it is the first of a run (the state changed).</summary>
    public bool Failed(string problem)
    {
        _lastProblem = problem;
        // Max(1, …): 0 means "answering", and a test clock may start there.
        return Interlocked.CompareExchange(ref _failingSince, Math.Max(1, _time.GetTimestamp()), 0) == 0;
    }

    /// <summary>Records an attempt that did not fail transiently; true when it ends a run of failures (the state changed).</summary>
    public bool Answered() => Interlocked.Exchange(ref _failingSince, 0) != 0;

    /// <summary>Now: whether it answers, for how long it has not, and the last failure (null while answering).</summary>
    public (bool IsAnswering, TimeSpan FailingFor, string? LastProblem) Now()
    {
        long since = Interlocked.Read(ref _failingSince);
        return since == 0 ? (true, TimeSpan.Zero, null) : (false, _time.GetElapsedTime(since), _lastProblem);
    }
}
