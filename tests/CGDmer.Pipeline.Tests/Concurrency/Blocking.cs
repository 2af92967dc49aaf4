namespace CGDmer.Pipeline.Tests;

/// <summary>Waiting, without blocking the test's own thread, for tasks that block on purpose (a producer held back by a
/// full hand-off, a consumer waiting for its first item).</summary>
internal static class Blocking
{
    /// <summary>True when <paramref name="task"/> finished (in any state) within <paramref name="timeout"/>.</summary>
    public static async Task<bool> FinishesWithin(this Task task, TimeSpan timeout) =>
        await Task.WhenAny(task, Task.Delay(timeout)) == task;

    public static Task<bool> FinishesWithin(this Task task, int milliseconds) =>
        task.FinishesWithin(TimeSpan.FromMilliseconds(milliseconds));
}
