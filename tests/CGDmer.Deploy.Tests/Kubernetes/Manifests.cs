using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace CGDmer.Deploy.Tests.Kubernetes;

/// <summary>
/// The manifests under deploy/k8s, read as the API server and kustomize would: built-in kinds strictly into
/// KubernetesClient's types (an unknown or misspelt field throws), custom resources (KEDA, Prometheus Operator) and
/// kustomizations as YAML trees.
/// </summary>
internal static class Manifests
{
    public static readonly string Root = RepositoryRoot.Of("deploy", "k8s");

    /// <summary>Kinds without types in KubernetesClient (custom resources), by apiVersion/kind.</summary>
    public static readonly IReadOnlySet<string> CustomKinds = new HashSet<string>(StringComparer.Ordinal)
    {
        "keda.sh/v1alpha1/ScaledObject", "keda.sh/v1alpha1/TriggerAuthentication",
        "monitoring.coreos.com/v1/ServiceMonitor", "monitoring.coreos.com/v1/PrometheusRule",
    };

    /// <summary>Every manifest (.yaml/.yml) under deploy/k8s, kustomizations included, relative to deploy/k8s.</summary>
    public static IEnumerable<string> AllFiles() =>
        Directory.EnumerateFiles(Root, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    public static bool IsKustomization(string relative) => Path.GetFileName(relative) == "kustomization.yaml";

    public static string Read(string relative) => File.ReadAllText(Path.Combine(Root, relative));

    /// <summary>The documents of a YAML file as trees (comments dropped).</summary>
    public static IReadOnlyList<YamlMappingNode> Documents(string relative)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Read(relative)));
        return [.. stream.Documents.Select(d => d.RootNode as YamlMappingNode
                                               ?? throw new InvalidDataException($"{relative}: a document is not a mapping"))];
    }

    public static string TypeOf(YamlMappingNode document) => $"{Scalar(document, "apiVersion")}/{Scalar(document, "kind")}";

    /// <summary>The built-in objects of a file, deserialized strictly (KubernetesYaml, strict: unknown fields throw).</summary>
    public static IReadOnlyList<object> LoadStrict(string relative) =>
        [.. KubernetesYaml.LoadAllFromString(Read(relative), typeMap: null, strict: true)];

    /// <summary>The one object of <paramref name="relative"/>, strictly, as <typeparamref name="T"/>.</summary>
    public static T Load<T>(string relative) => Assert.IsType<T>(Assert.Single(LoadStrict(relative)));

    public static V1Deployment BaseDeployment() => Load<V1Deployment>("base/deployment.yaml");
    public static V1ConfigMap BaseConfigMap() => Load<V1ConfigMap>("base/configmap.yaml");
    public static YamlMappingNode ScaledObject() => Assert.Single(Documents("base/scaledobject.yaml"));

    // ---- YAML tree helpers -------------------------------------------------------------------------------------

    public static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    public static YamlMappingNode Map(YamlMappingNode map, string key) =>
        Child(map, key) as YamlMappingNode ?? throw new InvalidDataException($"'{key}' is missing or not a mapping");

    public static YamlSequenceNode Sequence(YamlMappingNode map, string key) =>
        Child(map, key) as YamlSequenceNode ?? throw new InvalidDataException($"'{key}' is missing or not a list");

    public static string Scalar(YamlMappingNode map, string key) =>
        (Child(map, key) as YamlScalarNode)?.Value ?? throw new InvalidDataException($"'{key}' is missing or not a scalar");

    public static IEnumerable<string> Keys(YamlMappingNode map) => map.Children.Keys.Select(k => ((YamlScalarNode)k).Value!);

    // ---- the container's environment as the kubelet builds it --------------------------------------------------

    /// <summary>
    /// The environment of <paramref name="container"/> as the kubelet sets it: the <c>envFrom</c> sources in order, then
    /// <c>env</c>, later names replacing earlier ones (an <c>env</c> entry wins over an <c>envFrom</c> key). ConfigMap
    /// values come from <paramref name="configMaps"/>; a Secret's value is a placeholder that names its key, because
    /// Secrets are not in the repository.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ContainerEnvironment(V1Container container, IReadOnlyList<V1ConfigMap> configMaps)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        V1ConfigMap? ConfigMap(string name, bool? optional) =>
            configMaps.FirstOrDefault(c => c.Metadata.Name == name)
            ?? (optional == true ? null : throw new InvalidDataException($"container {container.Name}: ConfigMap '{name}' is not among the manifests"));
        foreach (var source in container.EnvFrom ?? [])
        {
            if (source.ConfigMapRef is { } cmRef)
            {
                foreach (var (key, value) in ConfigMap(cmRef.Name, cmRef.Optional)?.Data ?? new Dictionary<string, string>())
                    env[(source.Prefix ?? "") + key] = value;
            }
            else throw new NotSupportedException($"container {container.Name}: envFrom other than a ConfigMap (a Secret's keys are unknown here)");
        }
        foreach (var variable in container.Env ?? [])
        {
            if (variable.ValueFrom is null) env[variable.Name] = variable.Value ?? "";
            else if (variable.ValueFrom.SecretKeyRef is { } secret) env[variable.Name] = SecretPlaceholder(secret.Key);
            else if (variable.ValueFrom.ConfigMapKeyRef is { } cmKey)
            {
                if (ConfigMap(cmKey.Name, cmKey.Optional)?.Data?.TryGetValue(cmKey.Key, out var value) == true) env[variable.Name] = value;
                else if (cmKey.Optional != true) throw new InvalidDataException($"{variable.Name}: key '{cmKey.Key}' is not in ConfigMap '{cmKey.Name}'");
            }
            else throw new NotSupportedException($"{variable.Name}: only values, ConfigMap keys and Secret keys are supported here");
        }
        return env;
    }

    /// <summary>What a Secret's value stands in as: a token without spaces, as a password or bearer token would be.</summary>
    public static string SecretPlaceholder(string key) => "placeholder-" + key;

    public const string EnvironmentPrefix = "CGDMER_";

    /// <summary>
    /// The settings that the service reads from <paramref name="environment"/>: each <c>CGDMER_X__Y</c> as <c>X:Y</c>, as
    /// .NET's environment-variable configuration provider does (prefix removed, "__" → ":", dots kept).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Settings(IReadOnlyDictionary<string, string> environment) =>
        [.. environment.Where(e => e.Key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
                       .Select(e => KeyValuePair.Create(e.Key[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal), e.Value))
                       .OrderBy(e => e.Key, StringComparer.Ordinal)];

    // ---- strategic merge patch (the fields kustomize merges by key in a Deployment) -----------------------------

    /// <summary>Lists that a strategic merge patch merges item by item, and the key that identifies an item
    /// (Kubernetes' patchMergeKey); every other list is replaced whole, as kustomize does (tolerations among them).</summary>
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name", ["initContainers"] = "name", ["env"] = "name", ["volumes"] = "name",
        ["volumeMounts"] = "mountPath", ["ports"] = "containerPort", ["imagePullSecrets"] = "name",
    };

    /// <summary>Applies a strategic merge patch to a Deployment: maps merge, keyed lists merge by key, other lists and
    /// scalars are replaced.</summary>
    public static V1Deployment StrategicMerge(V1Deployment target, V1Deployment patch)
    {
        var merged = Merge(JsonNode.Parse(KubernetesJson.Serialize(target)), JsonNode.Parse(KubernetesJson.Serialize(patch))!, null);
        return KubernetesJson.Deserialize<V1Deployment>(merged!.ToJsonString());
    }

    private static JsonNode? Merge(JsonNode? target, JsonNode patch, string? field)
    {
        if (patch is JsonObject patchObject && target is JsonObject targetObject)
        {
            foreach (var (key, value) in patchObject)
            {
                if (value is null) { targetObject.Remove(key); continue; }
                var existing = targetObject[key];
                targetObject.Remove(key);
                targetObject[key] = Merge(existing, value, key);
            }
            return targetObject;
        }
        if (patch is JsonArray patchArray && target is JsonArray targetArray && field is not null && MergeKeys.TryGetValue(field, out var mergeKey))
        {
            foreach (var item in patchArray)
            {
                string? id = item?[mergeKey]?.ToJsonString();
                int at = id is null ? -1 : targetArray.ToList().FindIndex(t => t?[mergeKey]?.ToJsonString() == id);
                if (at < 0) { targetArray.Add(item!.DeepClone()); continue; }
                var existing = targetArray[at];
                targetArray[at] = null;
                targetArray[at] = Merge(existing, item!, null);
            }
            return targetArray;
        }
        return patch.DeepClone();
    }
}
