using CGDmer.TestSupport;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace CGDmer.Deploy.Tests.Prometheus;

/// <summary>
/// Debian's <c>/usr/bin/prometheus</c> as a process on 127.0.0.1 and a free port, with a temporary TSDB, and its HTTP
/// API (/api/v1/query, /api/v1/alerts). Killed and its data deleted on dispose.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly HttpClient _http;

    private PrometheusServer(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>Starts Prometheus on <paramref name="configFile"/> and waits until it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(string configFile, string dir)
    {
        string binary = PromTools.Find("prometheus");
        int port = TestPorts.Free();
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir };
        info.ArgumentList.Add($"--config.file={configFile}");
        info.ArgumentList.Add($"--storage.tsdb.path={Path.Combine(dir, "data")}");
        info.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        var process = Process.Start(info) ?? throw new InvalidOperationException("prometheus did not start");
        var server = new PrometheusServer(process, dir, port);
        process.OutputDataReceived += (_, e) => server.Log(e.Data);
        process.ErrorDataReceived += (_, e) => server.Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"prometheus exited ({process.ExitCode}):\n{server.Log()}");
            try
            {
                using var ready = await server._http.GetAsync("-/ready");
                if (ready.StatusCode == HttpStatusCode.OK) return server;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"prometheus was not ready within 30 s:\n{server.Log()}");
            await Task.Delay(100);
        }
    }

    private void Log(string? line)
    {
        if (line is null) return;
        _log.Enqueue(line);
        while (_log.Count > 100) _log.TryDequeue(out _);
    }

    public string Log() => string.Join('\n', _log);

    /// <summary>An instant query: the result array on success, else the error Prometheus gives.</summary>
    public async Task<(JsonElement? Result, string? Error)> QueryAsync(string promql)
    {
        using var response = await _http.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(promql));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = doc.RootElement;
        if (root.GetProperty("status").GetString() != "success")
            return (null, $"{root.GetProperty("errorType").GetString()}: {root.GetProperty("error").GetString()}");
        return (root.GetProperty("data").GetProperty("result").Clone(), null);
    }

    /// <summary>The active alerts (pending and firing): their labels and state.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, string State)>> AlertsAsync()
    {
        using var response = await _http.GetAsync("api/v1/alerts");
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
            .Select(a => ((IReadOnlyDictionary<string, string>)a.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                          a.GetProperty("state").GetString()!))
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
