using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using System.Text.RegularExpressions;

namespace CGDmer.Bench;

/// <summary>
/// CPU time of this process's threads by name, read from <c>/proc/self/task</c> (Linux): which stage's thread a benchmark
/// run saturates. The pipeline names its threads (replay-source, patient-lane-N, cgdmer-infer, cgdmer-publish[-N]);
/// numbered threads of one kind are summed and their busiest one reported.
/// </summary>
internal static partial class ThreadCpu
{
    /// <summary>USER_HZ, the unit of the stat files' times on Linux.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>Ticks of utime + stime per thread id, with the thread's name; empty where /proc is not there.</summary>
    public static Dictionary<int, (string Name, long Ticks)> Snapshot()
    {
        var result = new Dictionary<int, (string, long)>();
        const string tasks = "/proc/self/task";
        if (!Directory.Exists(tasks)) return result;
        foreach (var dir in Directory.EnumerateDirectories(tasks))
        {
            if (TryRead(Path.Combine(dir, "stat")) is { } reading) result[reading.Id] = (reading.Name, reading.Ticks);
        }
        return result;
    }

    /// <summary>CPU seconds the calling thread has run so far (CLOCK_THREAD_CPUTIME_ID, nanosecond resolution); null off Linux.</summary>
    public static double? CurrentThreadSeconds()
    {
        if (!OperatingSystem.IsLinux()) return null;
        return clock_gettime(ClockThreadCpuTime, out var t) == 0 ? t.Seconds + t.Nanoseconds * 1e-9 : null;
    }

    private const int ClockThreadCpuTime = 3;
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }
    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern int clock_gettime(int clock, out TimeSpec time);

    /// <summary>CPU ticks of the whole process so far, the threads that have ended included; null where /proc is not there.</summary>
    public static long? ProcessTicks() => TryRead("/proc/self/stat")?.Ticks;

    /// <summary>"id (name) state ppid … utime stime …" of a stat file; null if it is gone (the thread ended) or unreadable.</summary>
    private static (int Id, string Name, long Ticks)? TryRead(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A stat file's text; null if it does not parse.</summary>
    internal static (int Id, string Name, long Ticks)? Parse(string stat)
    {
        try
        {
            // The name may hold spaces and parentheses, so the fields count from the last ')'.
            int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            return (int.Parse(stat[..(open - 1)]), stat[(open + 1)..close], long.Parse(fields[11]) + long.Parse(fields[12]));
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads every thread's CPU time every 50 ms until disposed, keeping each thread's last reading: the pipeline's
    /// threads end with the run, so a snapshot taken after it would miss them. Each thread's stat file stays open and is
    /// read again from its start: opening it for every reading made the sampler a visible share of the CPU it measures.
    /// </summary>
    public sealed class Sampler : IDisposable
    {
        private const string Tasks = "/proc/self/task";
        private readonly Dictionary<int, (string Name, long Ticks)> _start = Snapshot();
        private readonly long? _processStart = ProcessTicks();
        private readonly Dictionary<int, (string Name, long Ticks)> _last = new();
        private readonly Dictionary<string, SafeFileHandle?> _files = new();   // per task directory; null once its thread ended
        private readonly byte[] _buffer = new byte[1024];
        private bool _closed;

        /// <summary>Readings taken so far (tests wait for one while a thread lives).</summary>
        internal int Readings { get { lock (_last) return field; } private set; }
        private readonly Timer _timer;
        private readonly Stopwatch _wall = Stopwatch.StartNew();

        public Sampler() => _timer = new Timer(_ => Sample(), null, 0, 50);

        private void Sample()
        {
            lock (_last)
            {
                if (_closed || !Directory.Exists(Tasks)) return;
                Readings++;
                foreach (var dir in Directory.EnumerateDirectories(Tasks))
                {
                    if (!_files.TryGetValue(dir, out var file))
                    {
                        try { file = File.OpenHandle(Path.Combine(dir, "stat")); }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { file = null; }
                        _files[dir] = file;
                    }
                    if (file is null) continue;
                    if (ReadAgain(file) is { } reading) _last[reading.Id] = (reading.Name, reading.Ticks);
                    else
                    {
                        file.Dispose();   // the thread ended (or its id was reused): its last reading stays
                        _files[dir] = null;
                    }
                }
            }
        }

        private (int Id, string Name, long Ticks)? ReadAgain(SafeFileHandle file)
        {
            try
            {
                int n = RandomAccess.Read(file, _buffer, 0);
                return n > 0 ? Parse(System.Text.Encoding.ASCII.GetString(_buffer, 0, n)) : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>CPU time of the whole process (all threads, kernel included) over the sampled time, once stopped;
        /// null where /proc is not there.</summary>
        public double? ProcessCpuSeconds { get; private set; }

        /// <summary>CPU seconds per kind of thread over the sampled time (<see cref="Kinds"/>), once stopped.</summary>
        public IReadOnlyDictionary<string, double> CpuSecondsByKind { get; private set; } = new Dictionary<string, double>();

        /// <summary>Stops sampling and describes the threads' busy shares over the sampled time.</summary>
        public string Stop()
        {
            _timer.Dispose();
            Sample();   // the last reading, before the files close
            CloseFiles();
            double wall = _wall.Elapsed.TotalSeconds;
            ProcessCpuSeconds = ProcessTicks() - _processStart is { } t ? t / TicksPerSecond : null;
            string process = ProcessCpuSeconds is { } cpu ? $"the process {cpu / wall:F2} cores of {Environment.ProcessorCount}; " : "";
            lock (_last)
            {
                CpuSecondsByKind = Kinds(_start, _last).ToDictionary(k => k.Key, k => k.Value.Seconds);
                return process + Describe(_start, _last, wall);
            }
        }

        public void Dispose()
        {
            _timer.Dispose();
            CloseFiles();
        }

        private void CloseFiles()
        {
            lock (_last)
            {
                foreach (var file in _files.Values) file?.Dispose();
                _files.Clear();
                _closed = true;   // a timer callback still in flight must not open them again
            }
        }
    }

    /// <summary>
    /// The busy share of <paramref name="wallSeconds"/> per kind of thread between two snapshots, busiest first, e.g.
    /// "replay-source 0.97, patient-lane ×16 5.60 (max 0.41), …"; kinds of thread under 2 % together are left out (many
    /// short-lived or mostly idle threads of one kind, such as thread-pool workers, still show).
    /// </summary>
    public static string Describe(Dictionary<int, (string Name, long Ticks)> before, Dictionary<int, (string Name, long Ticks)> after, double wallSeconds)
    {
        if (after.Count == 0 || wallSeconds <= 0) return "per-thread CPU not available on this OS";
        var kinds = Kinds(before, after);
        return string.Join(", ", kinds.Where(k => k.Value.Seconds / wallSeconds >= 0.02).OrderByDescending(k => k.Value.Max).Select(k => k.Value.Count == 1
            ? $"{k.Key} {k.Value.Seconds / wallSeconds:F2}"
            : $"{k.Key} ×{k.Value.Count} {k.Value.Seconds / wallSeconds:F2} (max {k.Value.Max / wallSeconds:F2})"));
    }

    /// <summary>
    /// CPU seconds per kind of thread between two snapshots (a kind is the name without its "-N" number: the signal lanes
    /// "patient-lane-0", "patient-lane-1" are one kind), with its busiest thread's seconds and its thread count.
    /// </summary>
    public static Dictionary<string, (double Seconds, double Max, int Count)> Kinds(Dictionary<int, (string Name, long Ticks)> before,
        Dictionary<int, (string Name, long Ticks)> after)
    {
        var kinds = new Dictionary<string, (double Seconds, double Max, int Count)>();
        foreach (var (tid, (name, ticks)) in after)
        {
            double seconds = (ticks - (before.TryGetValue(tid, out var b) && b.Name == name ? b.Ticks : 0)) / TicksPerSecond;
            if (seconds <= 0) continue;
            string kind = Numbered().Replace(name, "");
            var k = kinds.GetValueOrDefault(kind);
            kinds[kind] = (k.Seconds + seconds, Math.Max(k.Max, seconds), k.Count + 1);
        }
        return kinds;
    }

    [GeneratedRegex(@"-\d+$")]
    private static partial Regex Numbered();
}
