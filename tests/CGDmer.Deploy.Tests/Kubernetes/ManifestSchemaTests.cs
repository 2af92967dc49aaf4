using System.Diagnostics;
using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;
using static CGDmer.Deploy.Tests.Kubernetes.Manifests;

namespace CGDmer.Deploy.Tests.Kubernetes;

/// <summary>
/// Every manifest under deploy/k8s is a valid object of its kind: built-in kinds deserialize strictly into
/// KubernetesClient's API types (a misspelt or misplaced field fails), custom resources have their apiVersion, kind and
/// required fields and no unknown ones, and the kustomizations list only files that exist. Nothing here needs a cluster
/// or the kustomize binary.
/// </summary>
public sealed class ManifestSchemaTests
{
    public static TheoryData<string> Files() => [.. AllFiles().Where(f => !IsKustomization(f))];
    public static TheoryData<string> Kustomizations() => [.. AllFiles().Where(IsKustomization)];

    [Fact]
    public void The_layout_is_there()
    {
        string[] expected =
        [
            "base/kustomization.yaml", "base/configmap.yaml", "base/deployment.yaml", "base/service.yaml",
            "base/poddisruptionbudget.yaml", "base/scaledobject.yaml", "base/triggerauthentication.yaml",
            "overlays/gpu/kustomization.yaml", "overlays/gpu/deployment-gpu.yaml",
            "monitoring/kustomization.yaml", "monitoring/servicemonitor.yaml", "monitoring/prometheusrule.yaml",
        ];
        Assert.Empty(expected.Except(AllFiles()));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_manifest_deserializes_strictly_into_its_API_type(string file)
    {
        var documents = Documents(file);
        Assert.NotEmpty(documents);
        if (documents.All(d => CustomKinds.Contains(TypeOf(d))))
        {
            foreach (var document in documents) CustomResources.Check(document);
            return;
        }
        Assert.DoesNotContain(documents, d => CustomKinds.Contains(TypeOf(d)));   // one file, one family: keeps dispatch simple
        var objects = LoadStrict(file);
        Assert.Equal(documents.Count, objects.Count);
        foreach (var o in objects)
        {
            var meta = Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(o);
            Assert.False(string.IsNullOrEmpty(meta.Metadata?.Name), $"{file}: metadata.name");
            Assert.Null(meta.Metadata!.NamespaceProperty);   // the namespace is chosen when applying (README)
        }
    }

    [Fact]
    public void Strict_loading_fails_on_a_misspelt_field()
    {
        // The check above can fail: the same Deployment with one field misspelt is refused.
        string misspelt = Read("base/deployment.yaml").Replace("readOnlyRootFilesystem:", "readOnlyRootFileSystem:", StringComparison.Ordinal);
        Assert.NotEqual(Read("base/deployment.yaml"), misspelt);
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(misspelt, typeMap: null, strict: true));
        // ... and only in strict mode, which is why the tests use it.
        Assert.Single(KubernetesYaml.LoadAllFromString(misspelt, typeMap: null, strict: false));
    }

    [Fact]
    public void Custom_resource_checks_fail_on_a_misspelt_field()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Read("base/scaledobject.yaml").Replace("maxReplicaCount:", "maxReplicas:", StringComparison.Ordinal)));
        Assert.ThrowsAny<Exception>(() => CustomResources.Check((YamlMappingNode)stream.Documents[0].RootNode));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Each_kustomization_lists_only_files_that_exist(string file)
    {
        var kustomization = Assert.Single(Documents(file));
        Assert.Equal("kustomize.config.k8s.io/v1beta1/Kustomization", TypeOf(kustomization));
        string[] known = ["apiVersion", "kind", "resources", "patches", "images", "labels", "commonLabels", "commonAnnotations", "namespace", "namePrefix", "nameSuffix", "configMapGenerator", "secretGenerator", "replicas", "components"];
        Assert.Empty(Keys(kustomization).Except(known));
        string folder = Path.GetDirectoryName(Path.Combine(Root, file))!;
        var referenced = KustomizationReferences(kustomization).ToList();
        Assert.NotEmpty(referenced);
        foreach (var reference in referenced)
        {
            string path = Path.GetFullPath(Path.Combine(folder, reference));
            Assert.True(File.Exists(path) || File.Exists(Path.Combine(path, "kustomization.yaml")),
                $"{file} lists '{reference}', which is neither a file nor a folder with a kustomization.yaml");
        }
    }

    [Fact]
    public void Every_manifest_is_in_a_kustomization()
    {
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in AllFiles().Where(IsKustomization))
        {
            string folder = Path.GetDirectoryName(Path.Combine(Root, file))!;
            foreach (var reference in KustomizationReferences(Assert.Single(Documents(file))))
                listed.Add(Path.GetRelativePath(Root, Path.GetFullPath(Path.Combine(folder, reference))).Replace('\\', '/'));
        }
        Assert.Empty(AllFiles().Where(f => !IsKustomization(f)).Except(listed));
    }

    [Fact]
    public void The_deployment_rules_are_valid_PromQL()
    {
        // promtool (Debian's prometheus package, which .ci/run installs) checks the PrometheusRule's groups as a rule file.
        var rule = Assert.Single(Documents("monitoring/prometheusrule.yaml"));
        var groups = new YamlMappingNode { { "groups", Sequence(Map(rule, "spec"), "groups") } };
        string path = Path.Combine(Path.GetTempPath(), $"cgdmer-k8s-rules-{Environment.ProcessId}-{Guid.NewGuid():N}.yml");
        using (var writer = new StreamWriter(path)) new YamlStream(new YamlDocument(groups)).Save(writer, assignAnchors: false);
        try
        {
            var info = new ProcessStartInfo("promtool", ["check", "rules", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var promtool = Process.Start(info)!;
            string output = promtool.StandardOutput.ReadToEnd() + promtool.StandardError.ReadToEnd();
            promtool.WaitForExit();
            Assert.True(promtool.ExitCode == 0, output);
            Assert.Contains("SUCCESS: 3 rules found", output);
        }
        finally { File.Delete(path); }
    }

    /// <summary>Every file a kustomization points at: resources (files or folders), patches and generator files.</summary>
    internal static IEnumerable<string> KustomizationReferences(YamlMappingNode kustomization)
    {
        if (Child(kustomization, "resources") is YamlSequenceNode resources)
            foreach (var r in resources) yield return ((YamlScalarNode)r).Value!;
        if (Child(kustomization, "components") is YamlSequenceNode components)
            foreach (var c in components) yield return ((YamlScalarNode)c).Value!;
        if (Child(kustomization, "patches") is YamlSequenceNode patches)
            foreach (var p in patches.Cast<YamlMappingNode>())
                if (Child(p, "path") is YamlScalarNode path) yield return path.Value!;
        foreach (var generator in new[] { "configMapGenerator", "secretGenerator" })
            if (Child(kustomization, generator) is YamlSequenceNode entries)
                foreach (var entry in entries.Cast<YamlMappingNode>())
                    foreach (var list in new[] { "files", "envs" })
                        if (Child(entry, list) is YamlSequenceNode files)
                            foreach (var f in files) yield return ((YamlScalarNode)f).Value!.Split('=')[^1];
    }
}

/// <summary>
/// The custom resources' schemas, as far as the manifests use them: apiVersion and kind, the fields each kind requires,
/// and no field outside the CRD's (so that a misspelt one is caught as the API server's structural schema would).
/// </summary>
internal static class CustomResources
{
    public static void Check(YamlMappingNode document)
    {
        string type = TypeOf(document);
        Assert.Empty(Keys(document).Except(["apiVersion", "kind", "metadata", "spec"]));
        var metadata = Map(document, "metadata");
        Assert.False(string.IsNullOrEmpty(Scalar(metadata, "name")));
        Assert.Null(Child(metadata, "namespace"));
        var spec = Map(document, "spec");
        switch (type)
        {
            case "keda.sh/v1alpha1/ScaledObject": ScaledObject(spec); break;
            case "keda.sh/v1alpha1/TriggerAuthentication": TriggerAuthentication(spec); break;
            case "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor(spec); break;
            case "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule(spec); break;
            default: Assert.Fail($"no schema for {type}"); break;
        }
    }

    private static void OnlyKnown(YamlMappingNode map, params string[] known) => Assert.Empty(Keys(map).Except(known));

    private static void ScaledObject(YamlMappingNode spec)
    {
        OnlyKnown(spec, "scaleTargetRef", "pollingInterval", "cooldownPeriod", "initialCooldownPeriod", "idleReplicaCount",
                  "minReplicaCount", "maxReplicaCount", "fallback", "advanced", "triggers");
        var target = Map(spec, "scaleTargetRef");
        OnlyKnown(target, "apiVersion", "kind", "name", "envSourceContainerName");
        Assert.False(string.IsNullOrEmpty(Scalar(target, "name")));
        int min = int.Parse(Scalar(spec, "minReplicaCount")), max = int.Parse(Scalar(spec, "maxReplicaCount"));
        Assert.InRange(min, 0, max);
        if (Child(spec, "advanced") is YamlMappingNode advanced)
        {
            OnlyKnown(advanced, "horizontalPodAutoscalerConfig", "restoreToOriginalReplicaCount", "scalingModifiers");
            if (Child(advanced, "horizontalPodAutoscalerConfig") is YamlMappingNode hpa)
            {
                OnlyKnown(hpa, "name", "behavior");
                // The behavior is the HPA's own type: check it strictly with KubernetesClient.
                if (Child(hpa, "behavior") is YamlMappingNode behavior)
                    Assert.NotNull(KubernetesYaml.Deserialize<V2HorizontalPodAutoscalerBehavior>(ToYaml(behavior), strict: true));
            }
        }
        var triggers = Sequence(spec, "triggers").Cast<YamlMappingNode>().ToList();
        Assert.NotEmpty(triggers);
        foreach (var trigger in triggers)
        {
            OnlyKnown(trigger, "type", "name", "metadata", "authenticationRef", "metricType", "useCachedMetrics");
            Assert.False(string.IsNullOrEmpty(Scalar(trigger, "type")));
            var metadata = Map(trigger, "metadata");
            if (Child(trigger, "authenticationRef") is YamlMappingNode auth)
            {
                OnlyKnown(auth, "name", "kind");
                Assert.False(string.IsNullOrEmpty(Scalar(auth, "name")));
            }
            // KEDA's metadata values are strings; a YAML number or boolean there is refused by the CRD's schema.
            foreach (var value in metadata.Children.Values.Cast<YamlScalarNode>())
                Assert.False(value.Style == YamlDotNet.Core.ScalarStyle.Plain && IsNumberOrBoolean(value.Value!),
                    $"trigger metadata value {value.Value} must be a string: quote it");
            if (Scalar(trigger, "type") == "kafka")
            {
                OnlyKnown(metadata, "bootstrapServers", "consumerGroup", "topic", "lagThreshold", "activationLagThreshold",
                          "offsetResetPolicy", "allowIdleConsumers", "scaleToZeroOnInvalidOffset", "excludePersistentLag",
                          "limitToPartitionsWithLag", "version", "partitionLimitation", "sasl", "saslTokenProvider", "tls",
                          "unsafeSsl", "ensureEvenDistributionOfPartitions");
                foreach (var required in new[] { "bootstrapServers", "consumerGroup", "topic", "lagThreshold" })
                    Assert.False(string.IsNullOrEmpty(Scalar(metadata, required)), required);
                Assert.True(long.Parse(Scalar(metadata, "lagThreshold")) > 0);
                if (Child(metadata, "offsetResetPolicy") is YamlScalarNode reset) Assert.Contains(reset.Value, new[] { "earliest", "latest" });
                if (Child(metadata, "sasl") is YamlScalarNode sasl) Assert.Contains(sasl.Value, new[] { "none", "plaintext", "scram_sha256", "scram_sha512", "gssapi", "oauthbearer" });
                if (Child(metadata, "tls") is YamlScalarNode tls) Assert.Contains(tls.Value, new[] { "enable", "disable" });
            }
        }
    }

    private static bool IsNumberOrBoolean(string value) =>
        double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out _) || value is "true" or "false";

    private static void TriggerAuthentication(YamlMappingNode spec)
    {
        OnlyKnown(spec, "secretTargetRef", "env", "configMapTargetRef", "podIdentity", "hashiCorpVault", "azureKeyVault", "awsSecretManager", "gcpSecretManager", "boundServiceAccountToken");
        var refs = Sequence(spec, "secretTargetRef").Cast<YamlMappingNode>().ToList();
        Assert.NotEmpty(refs);
        foreach (var r in refs)
        {
            OnlyKnown(r, "parameter", "name", "key");
            foreach (var field in new[] { "parameter", "name", "key" }) Assert.False(string.IsNullOrEmpty(Scalar(r, field)), field);
        }
    }

    private static void ServiceMonitor(YamlMappingNode spec)
    {
        OnlyKnown(spec, "jobLabel", "targetLabels", "podTargetLabels", "endpoints", "selector", "namespaceSelector", "sampleLimit",
                  "scrapeProtocols", "targetLimit", "labelLimit", "labelNameLengthLimit", "labelValueLengthLimit", "attachMetadata", "scrapeClass");
        var selector = Map(spec, "selector");
        Assert.NotNull(KubernetesYaml.Deserialize<V1LabelSelector>(ToYaml(selector), strict: true));
        var endpoints = Sequence(spec, "endpoints").Cast<YamlMappingNode>().ToList();
        Assert.NotEmpty(endpoints);
        foreach (var endpoint in endpoints)
        {
            OnlyKnown(endpoint, "port", "targetPort", "path", "scheme", "interval", "scrapeTimeout", "honorLabels", "honorTimestamps",
                      "relabelings", "metricRelabelings", "tlsConfig", "authorization", "basicAuth", "bearerTokenSecret", "params", "followRedirects", "enableHttp2", "filterRunning");
            Assert.True(Child(endpoint, "port") is not null || Child(endpoint, "targetPort") is not null, "an endpoint needs port or targetPort");
        }
    }

    private static void PrometheusRule(YamlMappingNode spec)
    {
        OnlyKnown(spec, "groups");
        var groups = Sequence(spec, "groups").Cast<YamlMappingNode>().ToList();
        Assert.NotEmpty(groups);
        foreach (var group in groups)
        {
            OnlyKnown(group, "name", "interval", "rules", "limit", "partial_response_strategy", "query_offset", "labels");
            Assert.False(string.IsNullOrEmpty(Scalar(group, "name")));
            var rules = Sequence(group, "rules").Cast<YamlMappingNode>().ToList();
            Assert.NotEmpty(rules);
            foreach (var rule in rules)
            {
                OnlyKnown(rule, "alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations");
                Assert.True(Child(rule, "alert") is null != (Child(rule, "record") is null), "a rule is an alert or a record, not both");
                Assert.False(string.IsNullOrWhiteSpace(Scalar(rule, "expr")));
            }
        }
    }

    private static string ToYaml(YamlNode node)
    {
        var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
