using k8s.Models;
using YamlDotNet.RepresentationModel;
using static CGDmer.Deploy.Tests.Kubernetes.Manifests;

namespace CGDmer.Deploy.Tests.Kubernetes;

/// <summary>
/// The gpu overlay, applied here as kustomize would (a strategic merge of deployment-gpu.yaml into the base Deployment,
/// then the overlay's image), without the kustomize binary: it targets the base Deployment and yields a pod that asks
/// for a GPU node and one GPU and runs ONNX Runtime on CUDA, with everything else of the base kept.
/// </summary>
public sealed class GpuOverlayTests
{
    private const string Overlay = "overlays/gpu";

    private static YamlMappingNode Kustomization() => Assert.Single(Documents($"{Overlay}/kustomization.yaml"));

    /// <summary>The base Deployment with the overlay's patch and image applied.</summary>
    internal static V1Deployment PatchedDeployment()
    {
        var patch = Assert.Single(Sequence(Kustomization(), "patches").Cast<YamlMappingNode>());
        var deployment = StrategicMerge(BaseDeployment(), Load<V1Deployment>($"{Overlay}/{Scalar(patch, "path")}"));
        foreach (var image in Sequence(Kustomization(), "images").Cast<YamlMappingNode>())
            foreach (var container in deployment.Spec.Template.Spec.Containers.Where(c => c.Image == Scalar(image, "name")))
                container.Image = Scalar(image, "newName");
        return deployment;
    }

    [Fact]
    public void The_overlay_builds_on_base_and_its_patch_targets_the_base_Deployment()
    {
        var kustomization = Kustomization();
        Assert.Equal(["../../base"], Sequence(kustomization, "resources").Cast<YamlScalarNode>().Select(s => s.Value));
        var entry = Assert.Single(Sequence(kustomization, "patches").Cast<YamlMappingNode>());
        var target = Map(entry, "target");
        var baseDeployment = BaseDeployment();
        Assert.Equal("Deployment", Scalar(target, "kind"));
        Assert.Equal(baseDeployment.Metadata.Name, Scalar(target, "name"));
        Assert.Equal(baseDeployment.ApiVersion, $"{Scalar(target, "group")}/{Scalar(target, "version")}");
        // The patch itself names the same object, and its container the base's container (containers merge by name).
        var patch = Load<V1Deployment>($"{Overlay}/{Scalar(entry, "path")}");
        Assert.Equal((baseDeployment.ApiVersion, baseDeployment.Kind, baseDeployment.Metadata.Name), (patch.ApiVersion, patch.Kind, patch.Metadata.Name));
        Assert.Equal(baseDeployment.Spec.Template.Spec.Containers.Select(c => c.Name), patch.Spec.Template.Spec.Containers.Select(c => c.Name));
        // The image entry renames the base's image.
        var image = Assert.Single(Sequence(kustomization, "images").Cast<YamlMappingNode>());
        Assert.Equal(Assert.Single(baseDeployment.Spec.Template.Spec.Containers).Image, Scalar(image, "name"));
    }

    [Fact]
    public void The_patched_pod_asks_for_a_GPU_node_and_one_GPU()
    {
        var pod = PatchedDeployment().Spec.Template.Spec;
        Assert.Equal("true", pod.NodeSelector["nvidia.com/gpu.present"]);
        var toleration = Assert.Single(pod.Tolerations);
        Assert.Equal(("nvidia.com/gpu", "Exists", "NoSchedule"), (toleration.Key, toleration.OperatorProperty, toleration.Effect));
        var container = Assert.Single(pod.Containers);
        Assert.Equal(1m, container.Resources.Limits["nvidia.com/gpu"].ToDecimal());
        Assert.True(container.Resources.Limits["memory"].ToDecimal() >= container.Resources.Requests["memory"].ToDecimal());
        Assert.Equal("cgdmer-stream-gpu", container.Image);
    }

    [Fact]
    public void The_patched_container_runs_on_CUDA_and_keeps_everything_else_of_base()
    {
        var baseContainer = Assert.Single(BaseDeployment().Spec.Template.Spec.Containers);
        var patched = PatchedDeployment();
        var container = Assert.Single(patched.Spec.Template.Spec.Containers);
        // The env entry wins over the ConfigMap's Cpu (envFrom).
        Assert.Equal("Cpu", BaseConfigMap().Data["CGDMER_OnnxRuntime__ExecutionProvider"]);
        Assert.Equal("Cuda", ContainerEnvironment(container, [BaseConfigMap()])["CGDMER_OnnxRuntime__ExecutionProvider"]);
        // The base's variables, probes, security and CPU are kept.
        Assert.Empty(baseContainer.Env.Select(e => e.Name).Except(container.Env.Select(e => e.Name)));
        Assert.Equal(baseContainer.EnvFrom.Single().ConfigMapRef.Name, container.EnvFrom.Single().ConfigMapRef.Name);
        Assert.Equal(baseContainer.LivenessProbe.HttpGet.Path, container.LivenessProbe.HttpGet.Path);
        Assert.Equal(baseContainer.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Path);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Equal(baseContainer.Resources.Limits["cpu"], container.Resources.Limits["cpu"]);
        Assert.Equal(BaseDeployment().Spec.Template.Spec.TerminationGracePeriodSeconds, patched.Spec.Template.Spec.TerminationGracePeriodSeconds);
        Assert.True(patched.Spec.Template.Spec.SecurityContext.RunAsNonRoot);
    }
}
