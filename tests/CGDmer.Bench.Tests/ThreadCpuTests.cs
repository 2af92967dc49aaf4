namespace CGDmer.Bench.Tests;

public class ThreadCpuTests
{
    [Fact]
    public void Threads_of_one_kind_are_summed_with_their_busiest_and_idle_ones_left_out()
    {
        // Ticks are 1/100 s; over 2 s of wall time 100 ticks is a busy share of 0.50.
        var before = new Dictionary<int, (string Name, long Ticks)>
        {
            [1] = ("cgdmer-infer", 1000), [2] = ("patient-lane-0", 50), [9] = ("old-thread", 10),
        };
        var after = new Dictionary<int, (string Name, long Ticks)>
        {
            [1] = ("cgdmer-infer", 1180),      // 180 ticks: 0.90
            [2] = ("patient-lane-0", 130),     // 80: 0.40
            [3] = ("patient-lane-1", 60),      // new during the run: 60 → 0.30
            [4] = ("replay-source", 2),        // 0.01: below 2 %, left out
            [5] = ("patient-lane-12", 100),    // 0.50: the kind's busiest
        };
        Assert.Equal("cgdmer-infer 0.90, patient-lane ×3 1.20 (max 0.50)", ThreadCpu.Describe(before, after, 2.0));
    }

    [Fact]
    public void Each_kind_s_CPU_seconds_sum_its_threads_and_keep_the_busiest()
    {
        var before = new Dictionary<int, (string Name, long Ticks)> { [2] = ("patient-lane-0", 50), [7] = ("old-thread", 30) };
        var after = new Dictionary<int, (string Name, long Ticks)>
        {
            [2] = ("patient-lane-0", 130),   // 80 ticks: 0.8 s
            [3] = ("patient-lane-1", 60),    // new during the run: 0.6 s
            [7] = ("cgdmer-infer", 25),      // the id of an ended thread, reused: from zero, 0.25 s
            [8] = ("replay-source", 0),      // no CPU: left out
        };
        var kinds = ThreadCpu.Kinds(before, after);
        Assert.Equal(["cgdmer-infer", "patient-lane"], kinds.Keys.Order());
        Assert.Equal((1.4, 0.8, 2), (Math.Round(kinds["patient-lane"].Seconds, 9), kinds["patient-lane"].Max, kinds["patient-lane"].Count));
        Assert.Equal((0.25, 0.25, 1), kinds["cgdmer-infer"]);
    }

    [Fact]
    public void Many_idle_threads_of_one_kind_show_when_together_they_are_busy()
    {
        // Five thread-pool workers at 0.01 each: none is 2 % busy, together they are 5 %; one lone 1 % thread stays out.
        var after = new Dictionary<int, (string Name, long Ticks)>();
        for (int t = 0; t < 5; t++) after[t] = (".NET TP Worker", 1);
        after[9] = ("replay-source", 1);
        Assert.Equal(".NET TP Worker ×5 0.05 (max 0.01)", ThreadCpu.Describe([], after, 1.0));
    }

    [Fact]
    public void A_thread_id_reused_by_another_thread_counts_from_zero()
    {
        var before = new Dictionary<int, (string Name, long Ticks)> { [7] = ("patient-lane-0", 500) };
        var after = new Dictionary<int, (string Name, long Ticks)> { [7] = ("cgdmer-publish", 40) };
        Assert.Equal("cgdmer-publish 0.40", ThreadCpu.Describe(before, after, 1.0));
    }

    [Fact]
    public void The_thread_clock_advances_with_this_thread_work_and_not_with_its_sleep()
    {
        if (!OperatingSystem.IsLinux()) { Assert.Null(ThreadCpu.CurrentThreadSeconds()); return; }
        double start = ThreadCpu.CurrentThreadSeconds()!.Value;
        var spin = System.Diagnostics.Stopwatch.StartNew();
        while (spin.ElapsedMilliseconds < 60) { }
        double afterWork = ThreadCpu.CurrentThreadSeconds()!.Value;
        Thread.Sleep(200);
        double afterSleep = ThreadCpu.CurrentThreadSeconds()!.Value;
        Assert.True(afterWork - start >= 0.02, $"60 ms of spinning read as {afterWork - start:F3} s");
        Assert.True(afterSleep - afterWork < 0.05, $"200 ms of sleep read as {afterSleep - afterWork:F3} s of CPU");
    }

    [Fact]
    public void On_linux_a_sampler_sees_this_process_work()
    {
        if (!OperatingSystem.IsLinux()) return;
        var sampler = new ThreadCpu.Sampler();
        using var spun = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var busy = new Thread(() =>
        {
            var end = DateTime.UtcNow.AddMilliseconds(300);
            double x = 0;
            while (DateTime.UtcNow < end) x += Math.Sqrt(x + 1);
            GC.KeepAlive(x);
            spun.Set();
            release.Wait();   // alive when the sampler stops, so its last reading sees it whatever the timer did
        }) { Name = "spin-test-0" };
        busy.Start();
        Assert.True(spun.Wait(TimeSpan.FromSeconds(10)));
        string described = sampler.Stop();
        release.Set();
        busy.Join();
        Assert.StartsWith("the process ", described);
        Assert.Matches(@"spin-test (0\.[2-9]\d|1\.\d\d)", described);   // about 300 ms of CPU over the sampled time
    }

    [Fact]
    public void On_linux_a_thread_that_ended_before_the_sampler_stopped_keeps_its_last_reading()
    {
        // The pipeline's threads end with a run: the sampler reads them while they live and keeps what it read.
        if (!OperatingSystem.IsLinux()) return;
        var sampler = new ThreadCpu.Sampler();
        var busy = new Thread(() =>
        {
            var end = DateTime.UtcNow.AddMilliseconds(300);
            double x = 0;
            while (DateTime.UtcNow < end) x += Math.Sqrt(x + 1);
            GC.KeepAlive(x);
            // Alive until the sampler has read it after its work (its timer may run late on a loaded machine).
            int after = sampler.Readings + 2;
            var patience = DateTime.UtcNow.AddSeconds(20);
            while (sampler.Readings < after && DateTime.UtcNow < patience) Thread.Sleep(10);
        }) { Name = "spin-ended-0" };
        busy.Start();
        busy.Join();
        Thread.Sleep(150);
        string described = sampler.Stop();
        Assert.Matches(@"spin-ended \d\.\d\d", described);   // listed (2 % or more of the sampled time): its last reading kept
    }
}
