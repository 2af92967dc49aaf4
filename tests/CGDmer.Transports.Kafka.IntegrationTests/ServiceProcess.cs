using CGDmer.TestSupport;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Reflection;
using Xunit.Abstractions;

namespace CGDmer.Transports.Kafka.IntegrationTests;

/// <summary>
/// The streaming service (<c>cgdmer-stream run</c>) as its own OS process, so a test can SIGKILL it like a crash, or
/// SIGTERM it like an orchestrator. Its log lines go to the test output, prefixed with the instance name.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private static string Metadata(string key) => typeof(ServiceProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public static string RepositoryRoot => Metadata("RepositoryRoot");
    public static string ServiceAssembly => Metadata("ServiceAssembly");

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ITestOutputHelper _output;
    private readonly string _name;

    private ServiceProcess(string name, Process process, ITestOutputHelper output, int metricsPort)
    {
        _name = name;
        _process = process;
        _output = output;
        MetricsPort = metricsPort;
    }

    public int MetricsPort { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>Starts <c>cgdmer-stream run</c> with <paramref name="settings"/> (Section:Option=value pairs) and waits until it is ready.</summary>
    public static async Task<ServiceProcess> StartAsync(string name, IEnumerable<string> settings, ITestOutputHelper output, TimeSpan? readyWithin = null)
    {
        if (!File.Exists(ServiceAssembly))
            throw new InvalidOperationException($"The service is not built at {ServiceAssembly}; build the solution first (dotnet test CGDmer.Streaming.sln builds it).");
        int port = TestPorts.Free();
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(ServiceAssembly);
        info.ArgumentList.Add("run");
        foreach (var s in settings.Append($"Metrics:Port={port}"))
        {
            info.ArgumentList.Add("--set");
            info.ArgumentList.Add(s);
        }
        // One thread for the model: the broker, the producer and the test share two cores.
        info.Environment["CGDMER_OnnxRuntime__IntraOpThreads"] = "1";
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var service = new ServiceProcess(name, process, output, port);
        process.OutputDataReceived += (_, e) => service.Log(e.Data);
        process.ErrorDataReceived += (_, e) => service.Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await service.WaitForLogAsync("ready; reading", readyWithin ?? TimeSpan.FromSeconds(60));
        return service;
    }

    private void Log(string? line)
    {
        if (line is null) return;
        _lines.Enqueue(line);
        // librdkafka's deprecation notices for the 0.9 settings repeat on every client: noise in the test log.
        if (line.Contains("CONFWARN", StringComparison.Ordinal)) return;
        try { _output.WriteLine($"[{_name}] {line}"); } catch (InvalidOperationException) { /* the test has finished */ }
    }

    public async Task WaitForLogAsync(string fragment, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!_lines.Any(l => l.Contains(fragment, StringComparison.Ordinal)))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{_name} exited ({_process.ExitCode}) before logging '{fragment}'");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{_name} did not log '{fragment}' within {within}");
            await Task.Delay(100);
        }
    }

    /// <summary>GET on the service's metrics/probe server: (status code, body); (0, "") when it does not answer.</summary>
    public async Task<(int Status, string Body)> GetAsync(string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync($"http://localhost:{MetricsPort}{path}");
            return ((int)response.StatusCode, (await response.Content.ReadAsStringAsync()).Trim());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return (0, ""); }
    }

    /// <summary>The value of an unlabelled metric (or the sum over its labelled series), null when absent.</summary>
    public async Task<double?> MetricAsync(string name)
    {
        var (status, body) = await GetAsync("/metrics");
        if (status != 200) return null;
        double? sum = null;
        foreach (var line in body.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length <= name.Length || (line[name.Length] != ' ' && line[name.Length] != '{')) continue;
            var value = double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            sum = (sum ?? 0) + value;
        }
        return sum;
    }

    /// <summary>Resident memory of the process (VmRSS), in bytes.</summary>
    public long ResidentBytes()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException) { }
        return 0;
    }

    /// <summary>SIGKILL: no flush, no commit, no leaving the group — a crash.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _output.WriteLine($"[{_name}] SIGKILLed");
    }

    /// <summary>SIGTERM (what an orchestrator sends) and waits for the graceful exit; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan within)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill!.WaitForExitAsync();
        using var cts = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
