using System.Runtime.InteropServices;

namespace CGDmer.Pipeline.Concurrency;

/// <summary>
/// Lowers the scheduling priority (nice value) of the calling thread on Linux. Lowering needs no privilege; elsewhere,
/// or if the call fails, the thread keeps its priority (a performance setting, never a reason to fail).
/// </summary>
internal static class ThreadNice
{
    /// <summary>Sets the calling thread's nice value; true if it took effect.</summary>
    public static bool TrySet(int nice)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            // On Linux, PRIO_PROCESS with who = 0 names the calling thread, not the whole process.
            return SetPriority(PrioProcess, 0, nice) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private const int PrioProcess = 0;

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int prio);
}
