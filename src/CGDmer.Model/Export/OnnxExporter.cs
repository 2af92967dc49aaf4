using CGDmer.Contracts.Model;
using CGDmer.Model.Layers;
using CGDmer.Onnx;
using CGDmer.Signal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CGDmer.Model.Export;

/// <summary>
/// Writes the inference graph of a <see cref="FindingsModel"/> as ONNX, operation for operation from the trained
/// weights (TorchSharp has no exporter). The graph mirrors <see cref="EcgEncoder.Encode"/> and
/// <see cref="FindingsModel.Infer"/>; parity is checked by tests against TorchSharp's forward pass.
/// Inputs: <c>ecg</c> float32 [batch, 12, samples] (preprocessed mV), <c>lead_mask</c> float32 [batch, 12] (1 present).
/// Outputs: <c>probabilities</c> [batch, labels], <c>embedding</c> [batch, dim] and, when the model has a zero-shot head,
/// <c>zero_shot_scores</c> [batch, prompts] (cosine similarities).
/// </summary>
public static class OnnxExporter
{
    public const string EcgInput = ModelMetadata.EcgInput;
    public const string LeadMaskInput = ModelMetadata.LeadMaskInput;
    public const string ProbabilitiesOutput = ModelMetadata.ProbabilitiesOutput;
    public const string EmbeddingOutput = ModelMetadata.EmbeddingOutput;
    public const string ZeroShotOutput = ModelMetadata.ZeroShotOutput;

    public static byte[] Export(FindingsModel model, ModelMetadata metadata)
    {
        var cfg = model.encoder.Config;
        int leads = Leads.Count, t = cfg.PatchesPerLead, p = cfg.PatchSize, d = cfg.Dim;
        int labels = (int)model.head.weight!.shape[0];
        if (labels != metadata.Labels.Count)
            throw new ArgumentException($"Model has {labels} heads but the metadata lists {metadata.Labels.Count} labels.");

        var g = new OnnxGraphBuilder("cgdmer_findings") { ProducerName = "CGDmer.Trainer", ProducerVersion = metadata.ModelVersion, DocString = "CG-DMER ECG findings model; see schemas/model-contract.md" };
        foreach (var (k, v) in metadata.ToProperties()) g.AddMetadata(k, v);

        var ecg = g.AddInput(EcgInput, ElementType.Float, "batch", leads, cfg.WindowSamples);
        var leadMask = g.AddInput(LeadMaskInput, ElementType.Float, "batch", leads);
        var enc = model.encoder;

        string x;
        using (g.Scope("patch"))
        {
            var patches = g.Reshape(ecg, [0, leads, t, p]);
            x = g.Linear(patches, W(enc.patchProjection.weight!), W(enc.patchProjection.bias!), d, p);
            // Lead and position embeddings are both fixed at inference: fold them into one [1, 12, T, D] constant.
            using var sum = enc.leadEmbedding.detach().view(1, leads, 1, d) + enc.positionEmbedding.detach().view(1, 1, t, d);
            x = g.Add(x, g.AddInitializer("lead_position_embedding", W(sum), 1, leads, t, d));
            x = g.Reshape(x, [0, leads * t, d]);
        }
        string keep, additive;
        using (g.Scope("mask"))
        {
            // [B, 12] → [B, 12, T] → [B, 12·T]: every token of an absent lead is dropped.
            var ones = g.ConstFloats(Enumerable.Repeat(1f, t).ToArray(), 1, 1, t);
            keep = g.Reshape(g.Mul(g.Unsqueeze(leadMask, [2]), ones), [0, leads * t]);
            additive = g.AdditiveKeyPaddingMask(keep, Masks.MaskedLogit);
        }
        int i = 0;
        foreach (var layer in enc.layers)
            using (g.Scope($"layer{i++}"))
                x = g.TransformerEncoderLayer(x, LayerWeights(layer), layer.attn.Heads, additive);
        x = g.LayerNorm(x, W(enc.norm.weight!), W(enc.norm.bias!), 1e-5f);
        var pooled = g.MaskedMeanPool(x, keep);
        var logits = g.Linear(pooled, W(model.head.weight!), W(model.head.bias!), labels, d, "head");
        g.AddOutput(ProbabilitiesOutput, g.Sigmoid(logits), ElementType.Float, "batch", labels);
        g.AddOutput(EmbeddingOutput, g.Identity(pooled), ElementType.Float, "batch", d);

        if (model.sharedProjection is not null && model.PromptEmbeddings is not null)
        {
            using var _ = g.Scope("zero_shot");
            var sp = model.sharedProjection;
            int e = (int)sp.fc2.weight!.shape[0];
            var h = g.Linear(g.Gelu(g.Linear(pooled, W(sp.fc1.weight!), W(sp.fc1.bias!), d, d)), W(sp.fc2.weight!), W(sp.fc2.bias!), e, d);
            // L2 normalisation as F.normalize does it: x / max(‖x‖, 1e-12).
            var norm = g.Max(g.Sqrt(g.ReduceSum(g.Mul(h, h), [-1], keepDims: true)), g.ConstFloat(1e-12f));
            var unit = g.Div(h, norm);
            int prompts = (int)model.PromptEmbeddings.shape[0];
            using var pt = model.PromptEmbeddings.detach().t().contiguous();
            var scores = g.MatMul(unit, g.AddInitializer("prompt_embeddings_t", W(pt), e, prompts));
            g.AddOutput(ZeroShotOutput, scores, ElementType.Float, "batch", prompts);
        }
        return g.ToBytes();
    }

    public static void Save(FindingsModel model, ModelMetadata metadata, string path)
    {
        var bytes = Export(model, metadata);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, bytes);
    }

    private static TransformerEncoderLayerWeights LayerWeights(TransformerLayer l) => new(
        W(l.norm1.weight!), W(l.norm1.bias!),
        new MultiHeadAttentionWeights(W(l.attn.qkv.weight!), W(l.attn.qkv.bias!), W(l.attn.proj.weight!), W(l.attn.proj.bias!)),
        W(l.norm2.weight!), W(l.norm2.bias!),
        W(l.fc1.weight!), W(l.fc1.bias!), W(l.fc2.weight!), W(l.fc2.bias!));

    /// <summary>Row-major copy of a tensor's values.</summary>
    private static float[] W(Tensor t)
    {
        using var c = t.detach().cpu().contiguous();
        return c.data<float>().ToArray();
    }
}
