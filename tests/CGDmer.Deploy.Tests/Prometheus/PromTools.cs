using System.Diagnostics;
using System.Text;

namespace CGDmer.Deploy.Tests.Prometheus;

/// <summary>
/// The Prometheus tools these tests run as processes: <c>promtool</c> and the <c>prometheus</c> server, from Debian's
/// prometheus package. Missing tools fail the test with a message that says so (they are not skipped).
/// </summary>
internal static class PromTools
{
    private const string Missing = "Debian's prometheus package is needed (apt-get install prometheus; .ci/run installs it)";

    /// <summary>The path of <paramref name="tool"/> on PATH (or in /usr/bin); fails the test when there is none.</summary>
    public static string Find(string tool)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin");
        foreach (var dir in dirs)
        {
            string candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate)) return candidate;
        }
        Assert.Fail($"{tool} is not on PATH: {Missing}.");
        return null!;
    }

    /// <summary>Runs promtool with <paramref name="args"/> in the repository root: (exit code, stdout and stderr).</summary>
    public static (int ExitCode, string Output) Promtool(params string[] args)
    {
        var info = new ProcessStartInfo(Find("promtool"))
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("promtool did not start");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"promtool {string.Join(' ', args)} ran for more than 60 s");
        }
        process.WaitForExit();   // the output's end
        lock (output) return (process.ExitCode, output.ToString());
    }
}
