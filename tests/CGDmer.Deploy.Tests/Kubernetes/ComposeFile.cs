using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace CGDmer.Deploy.Tests.Kubernetes;

/// <summary>docker-compose.yml as compose reads it, merge keys (<c>&lt;&lt;: *kafka-client</c>) resolved.</summary>
internal static class ComposeFile
{
    public sealed record ComposeService(IReadOnlyDictionary<string, string> Environment, string? StopGracePeriod);

    private static readonly Dictionary<object, object> Root = Load();

    private static Dictionary<object, object> Load()
    {
        using var reader = new StringReader(File.ReadAllText(RepositoryRoot.Of("docker-compose.yml")));
        return new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(new MergingParser(new Parser(reader)));
    }

    /// <summary>The service's entrypoint as a list of arguments (empty when it has none).</summary>
    public static IReadOnlyList<string> Entrypoint(string name)
    {
        var service = (Dictionary<object, object>)((Dictionary<object, object>)Root["services"])[name];
        return service.GetValueOrDefault("entrypoint") is List<object> list ? [.. list.Select(o => o.ToString() ?? "")] : [];
    }

    public static ComposeService Service(string name)
    {
        var services = (Dictionary<object, object>)Root["services"];
        var service = (Dictionary<object, object>)services[name];
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (service.GetValueOrDefault("environment"))
        {
            case Dictionary<object, object> map:
                foreach (var (key, value) in map) environment[(string)key] = value?.ToString() ?? "";
                break;
            case List<object> list:   // the KEY=value form
                foreach (string entry in list.Cast<string>())
                {
                    int eq = entry.IndexOf('=');
                    if (eq > 0) environment[entry[..eq]] = entry[(eq + 1)..];
                }
                break;
        }
        return new ComposeService(environment, service.GetValueOrDefault("stop_grace_period") as string);
    }

    /// <summary>A compose duration such as "45s", "1m30s".</summary>
    public static TimeSpan Duration(string text)
    {
        var total = TimeSpan.Zero;
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"(\d+(?:\.\d+)?)(h|ms|m|s|us)"))
        {
            double n = double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            total += m.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(n), "m" => TimeSpan.FromMinutes(n), "s" => TimeSpan.FromSeconds(n),
                "ms" => TimeSpan.FromMilliseconds(n), _ => TimeSpan.FromMicroseconds(n),
            };
        }
        return total;
    }
}
