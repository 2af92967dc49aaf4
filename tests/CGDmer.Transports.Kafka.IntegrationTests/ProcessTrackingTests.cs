namespace CGDmer.Transports.Kafka.IntegrationTests;

/// <summary>
/// start.sh decides whether the broker it launched is still starting or has exited by its pid file (common.sh's
/// launch and pid_of). A read of /proc just after the fork used to find the process mid-exec, with no command line,
/// so a starting broker was taken for a dead one: CI's restart after a kill failed with "the broker exited during
/// start" and no output, one run in several (the window is milliseconds). Needs no broker, only bash.
/// </summary>
public sealed class ProcessTrackingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cgdmer-launch-").FullName;

    [Fact]
    public async Task A_process_just_launched_is_recognised_as_ours()
    {
        const int launches = 300; // without the wait in launch: 1-5 % of them missed
        // Each launch goes through setsid and nohup's execs like the broker's; pid_of is asked at once, as start.sh does.
        var probe = Path.Combine(_directory, "probe.sh");
        await File.WriteAllTextAsync(probe, $$"""
            set -euo pipefail
            source "{{Path.Combine(KafkaScripts.Directory, "common.sh")}}"
            state_dir="{{_directory}}"
            missed=0
            for _ in $(seq {{launches}}); do
              launch probe sh -c 'sleep 10; :' "$state_dir"
              pid_of probe >/dev/null || missed=$((missed + 1))
              kill -- -"$(<"$state_dir/probe.pid")" # its own process group (setsid): sh and its sleep
              wait || true
            done
            echo "$missed"
            """);

        var result = await KafkaScripts.RunAsync(probe, [], TimeSpan.FromSeconds(120));

        Assert.True(result.ExitCode == 0, result.Describe("probe.sh"));
        Assert.Equal("0", result.StandardOutput.Trim()); // launches whose pid_of said "not running"
    }

    [Fact]
    public async Task A_pid_file_naming_another_process_is_not_ours()
    {
        // A pid recycled by the OS for something else must never be signalled by stop.sh. The foreign process is
        // asked about only once it has exec'd: until then /proc shows this script's command line, which names the
        // state directory (CI read it mid-fork once and got "ours").
        var probe = Path.Combine(_directory, "foreign.sh");
        await File.WriteAllTextAsync(probe, $$"""
            set -euo pipefail
            source "{{Path.Combine(KafkaScripts.Directory, "common.sh")}}"
            state_dir="{{_directory}}"
            sleep 5 & other=$!
            deadline=$((SECONDS + 5))
            until [[ "$(tr '\0' ' ' <"/proc/$other/cmdline" 2>/dev/null)" == "sleep 5 " ]]; do
              ((SECONDS < deadline)) || { echo "sleep never exec'd"; exit 1; }
              sleep 0.01
            done
            echo "$other" >"$state_dir/other.pid"
            if pid_of other; then echo ours; else echo foreign; fi
            kill "$other"
            """);

        var result = await KafkaScripts.RunAsync(probe, [], TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 0, result.Describe("foreign.sh"));
        Assert.Equal("foreign", result.StandardOutput.Trim());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
