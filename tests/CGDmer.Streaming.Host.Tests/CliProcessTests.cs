using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using CGDmer.Transports.Files;
using Microsoft.Extensions.Logging.Abstractions;

namespace CGDmer.Streaming.Host.Tests;

/// <summary>
/// The built <c>cgdmer-stream</c> as a child process: bad files and options end in one line and exit 2 (no stack trace,
/// no secret echoed), a port in use too, and SIGTERM or SIGINT stops a real-time replay cleanly (exit 143 or 130, complete lines, summary).
/// </summary>
public class CliProcessTests
{
    private sealed record Result(int ExitCode, string Output);

    private static string Dll => Path.Combine(AppContext.BaseDirectory, "cgdmer-stream.dll");
    private static string Model => HostFixture.Asset("cgdmer-small.onnx");

    private static ProcessStartInfo StartInfo(string workDir, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        return info;
    }

    /// <summary>Runs the CLI to its end (killed after <paramref name="timeout"/>) and returns its exit code and stdout + stderr.</summary>
    private static Result Run(string workDir, IEnumerable<string> args, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        using var process = Process.Start(StartInfo(workDir, args, environment))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("cgdmer-stream did not exit: " + stdout.Result + stderr.Result);
        }
        return new Result(process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string TempDir() => Directory.CreateTempSubdirectory("cgdmer-cli-tests-").FullName;

    private static void AssertOneErrorLine(Result r, params string[] naming)
    {
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.Output}");
        Assert.DoesNotContain("   at ", r.Output);   // no stack trace
        Assert.DoesNotContain("Unhandled exception", r.Output);
        foreach (var n in naming) Assert.Contains(n, r.Output);
    }

    [Theory]
    [InlineData("empty-atr", "201.atr")]
    [InlineData("garbled-atr", "201.atr")]
    [InlineData("rate-1e-300", "sample rate")]
    [InlineData("rate-1e300", "sample rate")]
    [InlineData("rate-10", "sample rate 10 Hz")]
    [InlineData("bad-rate-field", "201.hea")]
    [InlineData("truncated-dat", "201.dat")]
    [InlineData("missing-dat", "201.dat")]
    [InlineData("signal-file-outside", "201.hea")]
    public void A_bad_record_file_is_one_line_naming_it_and_exit_2(string fault, string named)
    {
        var dir = TempDir();
        try
        {
            string header = File.ReadAllText(HostFixture.Asset("mitbih", "201.hea"));
            byte[] dat = File.ReadAllBytes(HostFixture.Asset("mitbih", "201.dat")), atr = File.ReadAllBytes(HostFixture.Asset("mitbih", "201.atr"));
            switch (fault)
            {
                case "empty-atr": atr = []; break;
                case "garbled-atr": atr = [0x00, 0xEC, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00]; break;
                case "rate-1e-300": header = header.Replace("201 2 360 ", "201 2 1e-300 "); break;
                case "rate-1e300": header = header.Replace("201 2 360 ", "201 2 1e300 "); break;
                case "rate-10": header = header.Replace("201 2 360 ", "201 2 10 "); break;
                case "bad-rate-field": header = header.Replace("201 2 360 ", "201 2 abc "); break;
                case "truncated-dat": dat = dat[..1001]; break;
                case "missing-dat": dat = []; break;
                case "signal-file-outside": header = header.Replace("201.dat", "../201.dat"); break;
            }
            File.WriteAllText(Path.Combine(dir, "201.hea"), header);
            if (fault != "missing-dat") File.WriteAllBytes(Path.Combine(dir, "201.dat"), dat);
            File.WriteAllBytes(Path.Combine(dir, "201.atr"), atr);
            var r = Run(dir, ["replay", "--record", Path.Combine(dir, "201"), "--model", Model, "--out", Path.Combine(dir, "out")]);
            AssertOneErrorLine(r, named, dir);   // the message names the file (or the record and its rate)
            Assert.Single(r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Run_from_another_directory_the_default_model_and_records_come_from_beside_the_program()
    {
        var dir = TempDir();
        try
        {
            var replay = Run(dir, ["replay", "--out", Path.Combine(dir, "replay")]);
            Assert.True(replay.ExitCode == 0, replay.Output);
            using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "replay", "summary.json"))))
                Assert.Contains("mitbih-201", summary.RootElement.GetRawText());
            Assert.NotEmpty(File.ReadAllLines(Path.Combine(dir, "replay", "observations.ndjson")));

            var evaluate = Run(dir, ["evaluate", "--no-alarms", "--out", Path.Combine(dir, "ec57")]);
            Assert.True(evaluate.ExitCode == 0, evaluate.Output);
            Assert.Equal(["122.qrs", "201.qrs", "203.qrs"], Directory.GetFiles(Path.Combine(dir, "ec57"), "*.qrs").Select(Path.GetFileName).Order());

            // Only the default falls back: a model path the user names is read from the working directory.
            AssertOneErrorLine(Run(dir, ["replay", "--out", dir, "--set", "Model:Path=models/other.onnx"]), Path.Combine(dir, "models", "other.onnx"));
            // --leads: the monitor sends II alone (V1 off), and the impressions say which lead they analysed.
            var leadOff = Run(dir, ["replay", "--out", Path.Combine(dir, "ii"), "--leads", "II"]);
            Assert.True(leadOff.ExitCode == 0, leadOff.Output);
            var notes = File.ReadAllLines(Path.Combine(dir, "ii", "observations.ndjson")).Where(l => l.Contains("Leads analysed")).ToList();
            Assert.NotEmpty(notes);
            Assert.All(notes, l => Assert.Contains("Leads analysed: II.", l));
            AssertOneErrorLine(Run(dir, ["replay", "--out", dir, "--leads", "II,V7"]), "--leads", "'V7'");
            AssertOneErrorLine(Run(dir, ["replay", "--out", dir, "--leads", "V5"]), "none of the leads V5", "MLII, V1");
            AssertOneErrorLine(Run(dir, ["replay", "--out", dir, "--set", "Model:Path=data/../models/cgdmer-small.onnx"]), Path.Combine(dir, "models", "cgdmer-small.onnx"));   // there beside the program, but not the default
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_misspelt_section_in_an_environment_variable_is_one_line_and_exit_2()
    {
        var dir = TempDir();
        try
        {
            var r = Run(dir, ["replay", "--synthetic", "1", "--synthetic-seconds", "10", "--model", Model, "--out", dir],
                        new Dictionary<string, string> { ["CGDMER_Bacthing__MaxBatchSize"] = "8" });
            AssertOneErrorLine(r, "Bacthing", "unknown configuration section");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Replay_with_hl7_to_a_file_writes_PCD_messages_and_a_bad_hl7_target_is_one_line_and_exit_2()
    {
        var dir = TempDir();
        try
        {
            string file = Path.Combine(dir, "ward.er7");
            var ok = Run(dir, ["replay", "--synthetic", "2", "--synthetic-seconds", "30", "--model", Model, "--out", dir, "--hl7", file]);
            Assert.True(ok.ExitCode == 0, ok.Output);
            Assert.Contains("HL7:", ok.Output);
            Assert.Contains("MSH|^~\\&|CGDMER", File.ReadAllText(file));

            AssertOneErrorLine(Run(dir, ["replay", "--synthetic", "1", "--model", Model, "--out", dir, "--hl7", "mllp-host:70000"]), "--hl7", "mllp-host:70000");
            AssertOneErrorLine(Run(dir, ["replay", "--synthetic", "1", "--model", Model, "--out", dir, "--set", "Hl7:ProcessingId=X"]), "Hl7:ProcessingId");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_malformed_set_of_a_token_does_not_echo_it()
    {
        var dir = TempDir();
        try
        {
            var r = Run(dir, ["replay", "--synthetic", "1", "--model", Model, "--set", "FhirServer:BearerToken:SECRET-TOKEN-1234"]);
            AssertOneErrorLine(r, "FhirServer:BearerToken");
            Assert.DoesNotContain("SECRET-TOKEN-1234", r.Output);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Run_with_its_metrics_port_taken_is_one_line_naming_it_and_exit_2()
    {
        var dir = TempDir();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }
        using var taken = new HealthServer("localhost", port, registry, ServiceHealthChecks.For(new ServiceHealth()), NullLogger.Instance);
        taken.Start();
        try
        {
            var r = Run(dir, ["run", "--simulated-patients", "1", "--seconds", "20", "--model", Model, "--out", dir,
                              "--set", $"Metrics:Port={port}", "--set", "Metrics:Hostname=localhost"]);
            AssertOneErrorLine(r, "Metrics:Port", port.ToString());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Run_with_an_output_file_it_cannot_write_is_one_line_naming_it_and_exit_2()
    {
        var dir = TempDir();
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, NdjsonPipelineSink.ObservationsFile));   // a folder where the file goes
            var r = Run(dir, ["run", "--simulated-patients", "1", "--seconds", "20", "--model", Model, "--out", dir, "--set", "Metrics:Enabled=false"]);
            AssertOneErrorLine(r, Path.Combine(dir, NdjsonPipelineSink.ObservationsFile));
            Assert.DoesNotContain("Hosting failed", r.Output);
        }
        finally { Directory.Delete(dir, true); }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    /// <summary>Whether this process ignores <paramref name="signal"/> (the SigIgn mask of /proc/self/status), which its children inherit.</summary>
    private static bool IgnoredHere(int signal)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) >> (signal - 1) & 1) == 1;
    }

    [Theory]
    [InlineData(15, 143)]   // SIGTERM
    [InlineData(2, 130)]    // SIGINT
    public async Task A_signal_stops_a_realtime_replay_with_complete_lines_a_summary_and_its_exit_code(int signal, int exitCode)
    {
        if (OperatingSystem.IsWindows()) return;
        var dir = TempDir();
        try
        {
            var output = Path.Combine(dir, "out");
            using var process = Process.Start(StartInfo(dir, ["replay", "--record", HostFixture.Asset("mitbih", "201"), "--model", Model,
                                                              "--pace", "realtime", "--speed", "20", "--out", output]))!;
            var text = new StringBuilder();
            var replaying = new TaskCompletionSource();
            process.OutputDataReceived += (_, e) =>
            {
                lock (text) text.AppendLine(e.Data);
                if (e.Data?.Contains("replaying") == true) replaying.TrySetResult();
            };
            process.ErrorDataReceived += (_, e) => { lock (text) text.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await Task.WhenAny(replaying.Task, process.WaitForExitAsync()).WaitAsync(TimeSpan.FromSeconds(90));
            // A minute or so of ECG: windows, Observations and alerts in flight. The record lasts 90 s at this speed, so a
            // loaded machine (the "replaying" line or this delay late by tens of seconds) still signals it mid-replay.
            await Task.Delay(TimeSpan.FromSeconds(4));
            Assert.False(process.HasExited, text.ToString());
            Assert.Equal(0, kill(process.Id, signal));
            if (signal == 2 && IgnoredHere(signal))
            {
                // This test runs with SIGINT ignored (a background job of a shell without job control), and the replay
                // inherits that, as a background job should: it runs on, and SIGTERM stops it instead.
                Assert.False(process.WaitForExit(TimeSpan.FromSeconds(2)), "replay stopped on an inherited, ignored SIGINT: " + text);
                Assert.Equal(0, kill(process.Id, 15));
                exitCode = 143;
            }
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), $"replay did not stop on signal {signal}: " + text);
            process.WaitForExit();
            string log;
            lock (text) log = text.ToString();
            Assert.True(process.ExitCode == exitCode, $"exit {process.ExitCode}: {log}");
            Assert.Contains("interrupted", log);
            Assert.DoesNotContain("   at ", log);

            var summary = Path.Combine(output, "summary.json");
            Assert.True(File.Exists(summary), log);
            using (var json = JsonDocument.Parse(File.ReadAllText(summary)))
                Assert.NotEqual("0", json.RootElement.GetProperty("windows").GetRawText());
            long observations = 0;
            foreach (var file in new[] { NdjsonPipelineSink.ObservationsFile, NdjsonPipelineSink.AlertsFile, NdjsonPipelineSink.DeadLetterFile, "summary.json" })
            {
                var path = Path.Combine(output, file);
                Assert.Equal(PatientDataFile.Mode, File.GetUnixFileMode(path));
                if (file == "summary.json") continue;
                var content = File.ReadAllText(path);
                Assert.True(content.Length == 0 || content.EndsWith('\n'), file + " ends mid-line");
                foreach (var line in content.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    using var _ = JsonDocument.Parse(line);
                    if (file == NdjsonPipelineSink.ObservationsFile) observations++;
                }
            }
            Assert.True(observations > 0, log);
        }
        finally { Directory.Delete(dir, true); }
    }
}
