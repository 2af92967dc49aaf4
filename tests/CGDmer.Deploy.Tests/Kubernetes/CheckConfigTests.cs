using CGDmer.Pipeline.OnnxRuntime;
using CGDmer.Streaming.Host;
using CGDmer.Transports.Kafka;
using k8s.Models;
using static CGDmer.Deploy.Tests.Kubernetes.Manifests;

namespace CGDmer.Deploy.Tests.Kubernetes;

/// <summary>
/// The settings each deployment gives the service pass <c>cgdmer-stream check-config</c>, run in process: the
/// Kubernetes container's environment (ConfigMap values, Secrets as placeholders), the GPU overlay's, and
/// docker-compose.yml's cgdmer-stream service. Each <c>CGDMER_X__Y</c> variable becomes <c>--set X:Y=value</c>, the setting
/// .NET's environment provider makes of it, plus the model. A misspelt copy must fail, so the check can fail.
/// </summary>
public sealed class CheckConfigTests
{
    private static readonly string ModelPath = Path.Combine(AppContext.BaseDirectory, "assets", "cgdmer-small.onnx");

    /// <summary>check-config's exit code for <paramref name="environment"/>'s CGDMER_* variables and the shipped model.</summary>
    internal static int CheckConfig(IReadOnlyDictionary<string, string> environment)
    {
        Assert.True(File.Exists(ModelPath), ModelPath);
        var args = new List<string>();
        foreach (var (key, value) in Settings(environment)) args.AddRange(["--set", $"{key}={value}"]);
        args.AddRange(["--set", $"Model:Path={ModelPath}"]);
        return CheckConfigCommand.Create().Parse(args).Invoke();
    }

    private static IReadOnlyDictionary<string, string> Renamed(IReadOnlyDictionary<string, string> environment, string from, string to)
    {
        Assert.True(environment.ContainsKey(from), $"{from} is not in the environment");
        return environment.ToDictionary(e => e.Key == from ? to : e.Key, e => e.Value, StringComparer.Ordinal);
    }

    private static IReadOnlyDictionary<string, string> BaseEnvironment() =>
        ContainerEnvironment(Assert.Single(BaseDeployment().Spec.Template.Spec.Containers), [BaseConfigMap()]);

    private static string InheritedVariables() =>
        string.Join(", ", System.Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase)));

    [Fact]
    public void The_Kubernetes_environment_passes_check_config()
    {
        var environment = BaseEnvironment();
        Assert.True(Settings(environment).Count >= 10);
        Assert.True(CheckConfig(environment) == 0, $"check-config refused the base Deployment's settings (this process also has: {InheritedVariables()})");
    }

    [Theory]
    [InlineData("CGDMER_Kafka__BootstrapServers", "CGDMER_Kafka__BootstrapServer")]             // a misspelt option
    [InlineData("CGDMER_Metrics__Hostname", "CGDMER_Metric__Hostname")]                          // a misspelt section
    [InlineData("CGDMER_Kafka__Topics__Segments", "CGDMER_Kafka__Topics__Segment")]             // a misspelt nested option
    public void A_misspelt_Kubernetes_environment_fails_check_config(string name, string misspelt) =>
        Assert.Equal(2, CheckConfig(Renamed(BaseEnvironment(), name, misspelt)));

    [Fact]
    public void A_reserved_Kafka_setting_fails_check_config()
    {
        var environment = BaseEnvironment().ToDictionary(StringComparer.Ordinal);
        environment["CGDMER_Kafka__Settings__enable.auto.commit"] = "true";
        Assert.Equal(2, CheckConfig(environment));
    }

    [Fact]
    public void The_GPU_overlays_environment_passes_check_config_with_the_CPU_standing_in_for_CUDA()
    {
        var container = Assert.Single(GpuOverlayTests.PatchedDeployment().Spec.Template.Spec.Containers);
        var environment = ContainerEnvironment(container, [BaseConfigMap()]).ToDictionary(StringComparer.Ordinal);
        const string provider = "CGDMER_OnnxRuntime__ExecutionProvider";
        Assert.Equal("Cuda", environment[provider]);
        Assert.True(Enum.TryParse<ExecutionProviderChoice>(environment[provider], ignoreCase: false, out _));
        // This machine has no GPU: ExecutionProvider=Cuda fails there by design (it names the missing CUDA library), so
        // the rest of the overlay's settings are checked with the CPU provider.
        environment[provider] = nameof(ExecutionProviderChoice.Cpu);
        Assert.Equal(0, CheckConfig(environment));
    }

    [Fact]
    public void The_compose_stream_service_passes_check_config()
    {
        var environment = ComposeFile.Service("cgdmer-stream").Environment;
        Assert.Contains("CGDMER_Kafka__BootstrapServers", environment.Keys);   // from the <<: *kafka-client merge
        Assert.Equal("+", environment["CGDMER_Metrics__Hostname"]);
        Assert.True(CheckConfig(environment) == 0, $"check-config refused docker-compose.yml's settings (this process also has: {InheritedVariables()})");
    }

    [Fact]
    public void A_misspelt_compose_environment_fails_check_config() =>
        Assert.Equal(2, CheckConfig(Renamed(ComposeFile.Service("cgdmer-stream").Environment, "CGDMER_OnnxRuntime__ExecutionProvider", "CGDMER_OnnxRuntime__ExecutionProvder")));

    [Fact]
    public void The_compose_stop_grace_period_covers_the_Kafka_drain()
    {
        var service = ComposeFile.Service("cgdmer-stream");
        var flush = Settings(service.Environment).Where(s => s.Key == "Kafka:FlushTimeout").Select(s => TimeSpan.Parse(s.Value)).FirstOrDefault(new KafkaOptions().FlushTimeout);
        Assert.NotNull(service.StopGracePeriod);
        Assert.True(ComposeFile.Duration(service.StopGracePeriod!) >= flush + TimeSpan.FromSeconds(10), $"stop_grace_period {service.StopGracePeriod}");
    }

    [Fact]
    public void Compose_creates_the_alert_state_topic_the_service_uses_compacted_with_a_retention()
    {
        var topic = Settings(ComposeFile.Service("cgdmer-stream").Environment).Where(s => s.Key == "Kafka:Topics:AlertState")
                                                                              .Select(s => s.Value).FirstOrDefault(new KafkaTopicOptions().AlertState);
        var create = ComposeFile.Entrypoint("kafka-topics");
        Assert.Contains("--create", create);
        Assert.Equal(topic, create[create.ToList().IndexOf("--topic") + 1]);
        Assert.Contains("cleanup.policy=compact,delete", create);
        Assert.Contains(create, a => a.StartsWith("retention.ms=", StringComparison.Ordinal));
    }

    [Fact]
    public void The_Kubernetes_config_names_the_same_alert_state_topic_as_compose()
    {
        var create = ComposeFile.Entrypoint("kafka-topics");
        Assert.Equal(create[create.ToList().IndexOf("--topic") + 1],
                     Settings(BaseEnvironment()).Single(s => s.Key == "Kafka:Topics:AlertState").Value);
    }
}
