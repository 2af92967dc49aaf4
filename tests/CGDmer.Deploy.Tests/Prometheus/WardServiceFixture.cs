using CGDmer.TestSupport;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace CGDmer.Deploy.Tests.Prometheus;

/// <summary>
/// <c>cgdmer-stream run --simulated-patients 2</c> as its own process (the service without Kafka: synthetic monitors
/// in, NDJSON files out), writing its Observations to a <see cref="FhirStub"/>, with /metrics on a free port. Shared by
/// the tests of the <see cref="WardServiceCollection"/>; killed at the end.
/// </summary>
public sealed class WardServiceFixture : IAsyncLifetime
{
    private Process? _process;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly string _out = Directory.CreateTempSubdirectory("cgdmer-deploy-ward-").FullName;

    internal FhirStub Fhir { get; } = new();
    public int MetricsPort { get; } = TestPorts.Free();
    public string MetricsTarget => $"localhost:{MetricsPort}";

    /// <summary>The service's assembly: beside the test assembly (the project reference copies it), else the host's build.</summary>
    public static string ServiceAssembly()
    {
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "cgdmer-stream.dll"),
            RepositoryRoot.Of("src", "CGDmer.Streaming.Host", "bin", "Release", "net10.0", "linux-x64", "cgdmer-stream.dll"),
        ];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("cgdmer-stream.dll is not built (looked at " + string.Join(", ", candidates) +
                                                   "); build with: dotnet build tests/CGDmer.Deploy.Tests -c Release");
    }

    public async Task InitializeAsync()
    {
        string model = Path.Combine(AppContext.BaseDirectory, "assets", "cgdmer-small.onnx");
        if (!File.Exists(model)) model = RepositoryRoot.Of("models", "cgdmer-small.onnx");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // 2 patients at 5× real time for up to 3 minutes: longer than the tests that share it need.
        string[] args =
        [
            ServiceAssembly(), "run", "--simulated-patients", "2", "--speed", "5", "--seconds", "900", "--out", _out,
            "--set", $"Metrics:Port={MetricsPort}",
            "--set", $"Model:Path={model}",
            "--set", $"FhirServer:BaseUrl={Fhir.BaseUrl}",
            // While the stub plays a server that is down, the writes are retried about once a second, so that they
            // succeed within a second or two of its recovery (the default back-off grows to 15 s).
            "--set", "FhirServer:MaxBackoff=00:00:01",
            "--set", "FhirServer:MaxRetries=1000",
        ];
        foreach (var a in args) info.ArgumentList.Add(a);
        // One thread for the model: the service, Prometheus and the test share the machine's cores.
        info.Environment["CGDMER_OnnxRuntime__IntraOpThreads"] = "1";
        _process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        _process.OutputDataReceived += (_, e) => Log(e.Data);
        _process.ErrorDataReceived += (_, e) => Log(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // Ready: the model is loaded and warmed up and the pipeline runs (/readyz 200).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"cgdmer-stream exited ({_process.ExitCode}) before it was ready:\n{Log()}");
            if (await GetAsync("/readyz") is (200, _)) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"cgdmer-stream was not ready within 60 s:\n{Log()}");
            await Task.Delay(200);
        }
    }

    private void Log(string? line)
    {
        if (line is null) return;
        _log.Enqueue(line);
        while (_log.Count > 200) _log.TryDequeue(out _);
    }

    /// <summary>The service's last log lines (for failure messages).</summary>
    public string Log() => string.Join('\n', _log);

    public bool HasExited => _process?.HasExited ?? true;

    /// <summary>GET on the service's metrics and probe server: (status, body); (0, "") when it does not answer.</summary>
    public async Task<(int Status, string Body)> GetAsync(string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync($"http://localhost:{MetricsPort.ToString(CultureInfo.InvariantCulture)}{path}");
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return (0, ""); }
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
        Fhir.Dispose();
        try { Directory.Delete(_out, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The tests that share one running service (<see cref="WardServiceFixture"/>); they run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class WardServiceCollection : ICollectionFixture<WardServiceFixture>
{
    public const string Name = "cgdmer-stream with a FHIR stub";
}
