using System.Diagnostics;

namespace CGDmer.Pipeline.Diagnostics;

/// <summary>Per-unit time and allocation of a piece of work, as the stage benchmarks report them.</summary>
/// <param name="MedianMicroseconds">Median over the rounds of µs per unit.</param>
/// <param name="FastestMicroseconds">Fastest round's µs per unit (the least disturbed by a shared machine).</param>
/// <param name="AllocatedBytes">Bytes allocated per unit on the measuring thread.</param>
public readonly record struct StageTiming(double MedianMicroseconds, double FastestMicroseconds, double AllocatedBytes);

/// <summary>
/// The timing loop the stage benchmarks share: one warm-up pass (JIT, tiering, pools), then <c>rounds</c> rounds of at
/// least <c>seconds / rounds</c> each over all units.
/// </summary>
public static class StageTimer
{
    public static StageTiming Measure(int units, Action<int> run, int rounds, double seconds)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        for (int i = 0; i < units; i++) run(i);
        var perRound = new double[rounds];
        long bytes = 0, done = 0;
        for (int r = 0; r < rounds; r++)
        {
            long count = 0;
            long before = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            do
            {
                for (int i = 0; i < units; i++) run(i);
                count += units;
            } while (sw.Elapsed.TotalSeconds < seconds / rounds);
            perRound[r] = 1e6 * sw.Elapsed.TotalSeconds / count;
            bytes += GC.GetAllocatedBytesForCurrentThread() - before;
            done += count;
        }
        Array.Sort(perRound);
        return new StageTiming(perRound[rounds / 2], perRound[0], (double)bytes / done);
    }
}
