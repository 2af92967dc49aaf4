using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace CGDmer.Transports.Kafka.IntegrationTests;

/// <summary>Runs the broker scripts in tests/kafka (install.sh, start.sh, stop.sh) and reports their output.</summary>
public static class KafkaScripts
{
    /// <summary>Exit statuses of start.sh (see its header).</summary>
    public const int JavaMissing = 3, DistributionMissing = 4, DidNotStart = 5;

    /// <summary>The tests/kafka folder of the source tree this assembly was built from.</summary>
    public static string Directory { get; } =
        typeof(KafkaScripts).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "KafkaScriptsDir").Value!;

    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        public string Describe(string script) =>
            $"{script} exited with {ExitCode}.{Environment.NewLine}{StandardError.TrimEnd()}";
    }

    /// <summary>Runs <paramref name="script"/> with bash; <paramref name="environment"/> entries override (null removes).</summary>
    public static async Task<Result> RunAsync(
        string script, IEnumerable<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var path = Path.Combine(Directory, script);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The Kafka test-broker script {path} is missing (tests/kafka in the source tree).", path);

        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        start.ArgumentList.Add(path);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} {string.Join(' ', arguments)} did not finish within {timeout}. Output so far:{Environment.NewLine}{stderr}");
        }
        process.WaitForExit(); // drains the redirected streams
        return new Result(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
