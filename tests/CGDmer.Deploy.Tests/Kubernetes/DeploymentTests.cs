using System.Text.RegularExpressions;
using CGDmer.Streaming.Host;
using CGDmer.Transports.Kafka;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;
using static CGDmer.Deploy.Tests.Kubernetes.Manifests;

namespace CGDmer.Deploy.Tests.Kubernetes;

/// <summary>
/// What the base manifests promise about the service: probes on its health endpoints, a non-root and read-only
/// container, a grace period that covers the Kafka drain, KEDA capped at the segment topic's partitions, and the
/// cross-references (Service, budget, KEDA, secrets) that a cluster would only reveal by misbehaving.
/// </summary>
public sealed partial class DeploymentTests
{
    private static readonly V1Deployment Deployment = BaseDeployment();
    private static readonly V1Container Container = Assert.Single(Deployment.Spec.Template.Spec.Containers);
    private static readonly IReadOnlyDictionary<string, string> Env = ContainerEnvironment(Container, [BaseConfigMap()]);

    private static string? Setting(string key) =>
        Settings(Env).Where(s => s.Key.Equals(key, StringComparison.OrdinalIgnoreCase)).Select(s => s.Value).LastOrDefault();

    private static int MetricsPort => int.Parse(Setting("Metrics:Port") ?? new MetricsOptions().Port.ToString());

    [Fact]
    public void The_container_runs_the_service_verb()
    {
        Assert.Equal("cgdmer-stream", Container.Image);
        Assert.Equal(["run"], Container.Args);
        Assert.Null(Container.Command);   // the image's entry point: dotnet /app/cgdmer-stream.dll, no shell in between
    }

    [Fact]
    public void The_metrics_port_is_the_services_and_listens_on_all_interfaces()
    {
        var port = Assert.Single(Container.Ports);
        Assert.Equal("metrics", port.Name);
        Assert.Equal(9464, port.ContainerPort);
        Assert.Equal(MetricsPort, port.ContainerPort);
        // The kubelet probes the pod's address; the default Metrics:Hostname (localhost) would fail every probe.
        Assert.Equal("+", Setting("Metrics:Hostname"));
        Assert.NotEqual("false", Setting("Metrics:Enabled")?.ToLowerInvariant());
    }

    [Fact]
    public void The_probes_point_at_healthz_and_readyz_on_the_metrics_port()
    {
        Assert.Equal("/healthz", Container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/healthz", Container.StartupProbe.HttpGet.Path);
        Assert.Equal("/readyz", Container.ReadinessProbe.HttpGet.Path);
        foreach (var probe in new[] { Container.LivenessProbe, Container.StartupProbe, Container.ReadinessProbe })
        {
            Assert.Contains(probe.HttpGet.Port.Value, new[] { "metrics", MetricsPort.ToString() });
            Assert.True(probe.PeriodSeconds > 0 && probe.TimeoutSeconds > 0 && probe.TimeoutSeconds <= probe.PeriodSeconds);
        }
        // The start-up probe gives JIT and model loading a minute before the liveness probe may restart the pod.
        Assert.True(Container.StartupProbe.PeriodSeconds * Container.StartupProbe.FailureThreshold >= 60);
        // The readiness samples the brokers every 2 s and needs two failures: the probe reacts within a few periods.
        Assert.InRange(Container.ReadinessProbe.PeriodSeconds!.Value, 1, 10);
    }

    [Fact]
    public void The_pod_runs_as_a_fixed_non_root_user_on_a_read_only_root()
    {
        var pod = Deployment.Spec.Template.Spec.SecurityContext;
        Assert.True(pod.RunAsNonRoot);
        Assert.True(pod.RunAsUser > 0);
        Assert.True(pod.RunAsGroup > 0);
        Assert.Equal("RuntimeDefault", pod.SeccompProfile.Type);
        var container = Container.SecurityContext;
        Assert.True(container.RunAsNonRoot);
        Assert.True(container.ReadOnlyRootFilesystem);
        Assert.False(container.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], container.Capabilities.Drop);
        Assert.Null(container.Capabilities.Add);
        Assert.Null(container.Privileged);
        // The only writable path is an emptyDir at /tmp.
        var mount = Assert.Single(Container.VolumeMounts);
        Assert.Equal("/tmp", mount.MountPath);
        var volume = Assert.Single(Deployment.Spec.Template.Spec.Volumes, v => v.Name == mount.Name);
        Assert.NotNull(volume.EmptyDir);
        Assert.False(Deployment.Spec.Template.Spec.AutomountServiceAccountToken);
    }

    [Fact]
    public void Resources_have_requests_and_limits_for_cpu_and_memory()
    {
        var resources = Container.Resources;
        foreach (var name in new[] { "cpu", "memory" })
        {
            Assert.True(resources.Requests[name].ToDecimal() > 0, $"requests.{name}");
            Assert.True(resources.Limits[name].ToDecimal() >= resources.Requests[name].ToDecimal(), $"limits.{name} ≥ requests.{name}");
        }
        // The resident plateau measured under a backlog was up to 490 MB (docs/performance.md).
        Assert.True(resources.Limits["memory"].ToDecimal() >= 512m * 1024 * 1024);
    }

    [Fact]
    public void The_grace_period_covers_the_Kafka_drain_and_the_commit()
    {
        // Kafka:FlushTimeout as deployed: the ConfigMap's value, or KafkaOptions' default.
        var flush = Setting("Kafka:FlushTimeout") is { } configured ? TimeSpan.Parse(configured) : new KafkaOptions().FlushTimeout;
        Assert.Equal(TimeSpan.FromSeconds(30), new KafkaOptions().FlushTimeout);   // the arithmetic in deployment.yaml assumes it
        var margin = TimeSpan.FromSeconds(10);   // flush and drain minimums, watermark store, commit, leave, process exit
        Assert.True(TimeSpan.FromSeconds(Deployment.Spec.Template.Spec.TerminationGracePeriodSeconds!.Value) >= flush + margin,
            $"terminationGracePeriodSeconds {Deployment.Spec.Template.Spec.TerminationGracePeriodSeconds} < Kafka:FlushTimeout {flush} + {margin}");
    }

    [Fact]
    public void KEDA_owns_the_replica_count_and_rollouts_keep_capacity()
    {
        Assert.Null(Deployment.Spec.Replicas);   // applying the Deployment again must not reset KEDA's count
        Assert.Equal("RollingUpdate", Deployment.Spec.Strategy.Type);
        Assert.Equal("0", Deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
    }

    [Fact]
    public void Environment_variable_names_are_valid_and_map_to_the_services_settings()
    {
        // Kubernetes' rule for environment variable names and ConfigMap keys (dots allowed); envFrom skips invalid keys.
        foreach (var name in Env.Keys) Assert.Matches(EnvVarName(), name);
        foreach (var key in BaseConfigMap().Data.Keys) Assert.Matches(EnvVarName(), key);
        Assert.All(Env.Keys.Where(n => n.StartsWith("CGDMER", StringComparison.Ordinal)), n => Assert.StartsWith(EnvironmentPrefix, n));
        // Every variable in the service's prefix names Section:Option, with a known section.
        foreach (var (key, _) in Settings(Env))
        {
            Assert.Contains(':', key);
            Assert.Contains(key.Split(':')[0], ServiceComposition.KnownSections);
        }
        Assert.Equal("Cpu", Setting("OnnxRuntime:ExecutionProvider"));
        Assert.Equal(SecretPlaceholder("username"), Setting("Kafka:Settings:sasl.username"));
        Assert.Equal(SecretPlaceholder("password"), Setting("Kafka:Settings:sasl.password"));
        Assert.Equal(SecretPlaceholder("bearer-token"), Setting("FhirServer:BearerToken"));
    }

    [Fact]
    public void The_dotted_names_reach_the_service_as_Kafka_settings()
    {
        // .NET's environment-variable provider, as the service uses it (prefix removed, "__" → ":", dots kept), with a
        // prefix of this test's own so that no concurrent check-config sees the variable.
        const string prefix = "CGDMERK8STEST_";
        string name = prefix + "Kafka__Settings__sasl.username";
        Environment.SetEnvironmentVariable(name, "someone");
        try
        {
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build();
            Assert.Equal("someone", configuration["Kafka:Settings:sasl.username"]);
            var kafka = new KafkaOptions();
            configuration.GetSection("Kafka").Bind(kafka);
            Assert.Equal("someone", kafka.Settings["sasl.username"]);
        }
        finally { Environment.SetEnvironmentVariable(name, null); }
    }

    [Fact]
    public void Every_Secret_the_manifests_read_is_documented()
    {
        string readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var secretKeys = (Container.Env ?? []).Where(e => e.ValueFrom?.SecretKeyRef is not null)
            .Select(e => (e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)).ToList();
        var trigger = Assert.Single(Documents("base/triggerauthentication.yaml"));
        secretKeys.AddRange(Sequence(Map(trigger, "spec"), "secretTargetRef").Cast<YamlMappingNode>().Select(r => (Scalar(r, "name"), Scalar(r, "key"))));
        Assert.NotEmpty(secretKeys);
        foreach (var (secret, key) in secretKeys)
        {
            Assert.Contains(secret, readme);
            Assert.Contains($"--from-literal={key}=", readme);
        }
    }

    [Fact]
    public void The_Service_and_the_disruption_budget_select_the_pods()
    {
        var labels = Deployment.Spec.Template.Metadata.Labels;
        Assert.All(Deployment.Spec.Selector.MatchLabels, l => Assert.Equal(l.Value, labels[l.Key]));
        var service = Load<V1Service>("base/service.yaml");
        Assert.All(service.Spec.Selector, l => Assert.Equal(l.Value, labels[l.Key]));
        var port = Assert.Single(service.Spec.Ports);
        Assert.Equal("metrics", port.Name);
        Assert.Equal(MetricsPort, port.Port);
        Assert.Equal("metrics", port.TargetPort.Value);
        var budget = Load<V1PodDisruptionBudget>("base/poddisruptionbudget.yaml");
        Assert.Equal("1", budget.Spec.MaxUnavailable.Value);
        Assert.Null(budget.Spec.MinAvailable);
        Assert.All(budget.Spec.Selector.MatchLabels, l => Assert.Equal(l.Value, labels[l.Key]));
        // The ServiceMonitor scrapes the Service's port by name.
        var monitor = Map(Assert.Single(Documents("monitoring/servicemonitor.yaml")), "spec");
        Assert.All(Map(Map(monitor, "selector"), "matchLabels").Children, l => Assert.Equal(((YamlScalarNode)l.Value).Value, service.Metadata.Labels[((YamlScalarNode)l.Key).Value!]));
        Assert.Equal("metrics", Scalar(Sequence(monitor, "endpoints").Cast<YamlMappingNode>().Single(), "port"));
    }

    [Fact]
    public void KEDA_scales_this_Deployment_on_its_group_and_topic_up_to_the_partition_count()
    {
        var spec = Map(ScaledObject(), "spec");
        var target = Map(spec, "scaleTargetRef");
        Assert.Equal(Deployment.Metadata.Name, Scalar(target, "name"));
        Assert.Equal("Deployment", Scalar(target, "kind"));
        Assert.Equal(1, int.Parse(Scalar(spec, "minReplicaCount")));

        // The partition count stated for the segment topic: the one docker-compose.yml creates it with.
        int partitions = int.Parse(ComposeFile.Service("kafka").Environment["KAFKA_NUM_PARTITIONS"]);
        Assert.Equal(partitions, int.Parse(Scalar(spec, "maxReplicaCount")));

        var trigger = Assert.Single(Sequence(spec, "triggers").Cast<YamlMappingNode>());
        Assert.Equal("kafka", Scalar(trigger, "type"));
        var metadata = Map(trigger, "metadata");
        // KEDA's own cap is the partition count too; allowing idle consumers would let it exceed it.
        Assert.Equal("false", Scalar(metadata, "allowIdleConsumers"));
        // The lag KEDA reads is the service's: same brokers, group and input topic, and the same reset policy.
        Assert.Equal(Setting("Kafka:BootstrapServers"), Scalar(metadata, "bootstrapServers"));
        Assert.Equal(Setting("Kafka:GroupId") ?? new KafkaOptions().GroupId, Scalar(metadata, "consumerGroup"));
        Assert.Equal(Setting("Kafka:Topics:Segments") ?? new KafkaTopicOptions().Segments, Scalar(metadata, "topic"));
        Assert.Equal("earliest", Scalar(metadata, "offsetResetPolicy"));
        // SASL and TLS as the service's own client.
        Assert.Equal("SASL_SSL", Setting("Kafka:Settings:security.protocol"));
        Assert.Equal("enable", Scalar(metadata, "tls"));
        Assert.Equal("SCRAM-SHA-512", Setting("Kafka:Settings:sasl.mechanism"));
        Assert.Equal("scram_sha512", Scalar(metadata, "sasl"));
        var auth = Assert.Single(Documents("base/triggerauthentication.yaml"));
        Assert.Equal(Scalar(auth.Children[new YamlScalarNode("metadata")] as YamlMappingNode ?? throw new InvalidDataException(), "name"),
                     Scalar(Map(trigger, "authenticationRef"), "name"));
    }

    [GeneratedRegex("^[-._a-zA-Z][-._a-zA-Z0-9]*$")]
    private static partial Regex EnvVarName();
}
