using System.Reactive.Concurrency;

namespace CGDmer.Pipeline.Concurrency;

/// <summary>The check every stage that arms a timer makes on the scheduler it is given.</summary>
internal static class TimerScheduler
{
    /// <summary>
    /// Throws unless <paramref name="scheduler"/> runs a due time on a thread of its own. Rx's Immediate and CurrentThread
    /// schedulers run one by sleeping: on the caller (a lane blocked for the batch delay), or, for due times further
    /// out, in Rx's timer thread while it holds the lock every LocalScheduler arms timers under, which stalls every other
    /// pipeline's timers.
    /// </summary>
    public static void RequireNonBlocking(IScheduler scheduler, string stage, string paramName)
    {
        ArgumentNullException.ThrowIfNull(scheduler, paramName);
        if (scheduler is ImmediateScheduler or CurrentThreadScheduler)
            throw new ArgumentException($"the {stage} stage arms a timer and needs a scheduler that runs it on its own thread (e.g. TaskPoolScheduler), not {scheduler.GetType().Name}", paramName);
    }
}
