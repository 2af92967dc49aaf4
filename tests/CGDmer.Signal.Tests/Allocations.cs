namespace CGDmer.Signal.Tests;

/// <summary>Managed allocation of code that should allocate nothing once warm.</summary>
internal static class Allocations
{
    /// <summary>
    /// Bytes this thread allocated in the least of three runs of <paramref name="pass"/>. The shared array pool drops its
    /// cached arrays when a gen-2 collection trims it (other tests run beside these), and the next rent then allocates
    /// once; an allocation per call shows in every run.
    /// </summary>
    public static long LeastOfThree(Action pass)
    {
        long least = long.MaxValue;
        for (int run = 0; run < 3 && least != 0; run++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            pass();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
