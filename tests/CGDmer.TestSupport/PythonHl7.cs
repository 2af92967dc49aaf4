using System.Diagnostics;
using Xunit;

namespace CGDmer.TestSupport;

/// <summary>
/// Runs the HL7 peers in <c>Hl7Peers/</c> with Debian's Python and its python3-hl7 (<c>/usr/bin/python3</c>, not a python3 on
/// PATH that lacks the package); .ci/run installs it. A missing package fails the test naming it.
/// </summary>
public static class PythonHl7
{
    public const string Python = "/usr/bin/python3";

    public static string Script(string name) => Path.Combine(AppContext.BaseDirectory, "Hl7Peers", name);

    public static ProcessStartInfo Start(string script, params string[] args)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing: install Debian's python3 and python3-hl7 (.ci/run does)");
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Script(script));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>Runs a script to its end: exit code and everything it printed.</summary>
    public static (int ExitCode, string Output) Run(string script, params string[] args)
    {
        using var p = Process.Start(Start(script, args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), $"{script} did not finish within 60 s");
        string output = stdout.Result + stderr.Result;
        Assert.False(output.Contains("No module named 'hl7'"), $"python3-hl7 is not installed: apt-get install python3-hl7 ({output})");
        return (p.ExitCode, output);
    }
}

/// <summary>An MLLP receiver: python-hl7's asyncio MLLP server (Hl7Peers/mllp_listener.py) in one of its modes, on a free port.</summary>
public sealed class PythonMllpListener : IDisposable
{
    private readonly Process _process;
    private readonly string _log = Path.Combine(Path.GetTempPath(), $"cgdmer-mllp-{Guid.NewGuid():N}.log");

    /// <param name="tls">A PEM certificate and key: the listener serves MLLP over TLS.</param>
    public PythonMllpListener(string mode, double delaySeconds = 0.2, (string CertificatePem, string KeyPem)? tls = null)
    {
        string[] args = ["--mode", mode, "--delay", delaySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log", _log];
        if (tls is { } t) args = [.. args, "--tls-cert", t.CertificatePem, "--tls-key", t.KeyPem];
        _process = Process.Start(PythonHl7.Start("mllp_listener.py", args))!;
        var line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(20)) || line.Result is not { } text || !text.StartsWith("listening ", StringComparison.Ordinal))
        {
            string err = _process.HasExited ? _process.StandardError.ReadToEnd() : "";
            Dispose();
            throw new InvalidOperationException($"the python-hl7 listener did not start: {err}");
        }
        Port = int.Parse(text["listening ".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public int Port { get; }
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Every message the listener parsed, in arrival order: control id, MSH-9, how many times that id had arrived, and the SHA-256 of its text.</summary>
    public IReadOnlyList<(string ControlId, string Kind, int Copy, string Sha256)> Received()
    {
        if (!File.Exists(_log)) return [];
        using var stream = new FileStream(_log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).Select(p => (p[0], p[1], int.Parse(p[2], System.Globalization.CultureInfo.InvariantCulture), p[3])).ToList();
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); } catch (InvalidOperationException) { }
        _process.Dispose();
        try { File.Delete(_log); } catch (IOException) { }
    }
}
