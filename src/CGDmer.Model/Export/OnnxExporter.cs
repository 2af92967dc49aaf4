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
/// Inputs (model contract version 2): <c>ecg</c> float32 [batch, leads, samples] (preprocessed mV), <c>lead_mask</c>
/// float32 [batch, leads] (1 present) and <c>lead_ids</c> int64 [leads], the standard-lead index (0..11, <see cref="Lead"/>
/// order) of each row. The <c>leads</c> axis is dynamic: a caller feeds only the leads a monitor records (II and V1 for
/// MIT-BIH), so the graph computes 40 tokens instead of 240. Absent leads' tokens are masked out of attention and pooling
/// anyway, so feeding fewer rows gives the same output as the 12-row masked input, at a fraction of the cost.
/// Outputs: <c>probabilities</c> [batch, labels], <c>embedding</c> [batch, dim] and, when the model has a zero-shot head,
/// <c>zero_shot_scores</c> [batch, prompts] (cosine similarities).
/// </summary>
public static class OnnxExporter
{
    public const string EcgInput = ModelMetadata.EcgInput;
    public const string LeadMaskInput = ModelMetadata.LeadMaskInput;
    public const string LeadIdsInput = ModelMetadata.LeadIdsInput;
    public const string RhythmFeaturesInput = ModelMetadata.RhythmFeaturesInput;
    public const string ProbabilitiesOutput = ModelMetadata.ProbabilitiesOutput;
    public const string EmbeddingOutput = ModelMetadata.EmbeddingOutput;
    public const string ZeroShotOutput = ModelMetadata.ZeroShotOutput;

    public static byte[] Export(FindingsModel model, ModelMetadata metadata) => Export([model], metadata);

    /// <summary>
    /// The graph of one model, or of an ensemble: every member's graph on the same inputs (scopes <c>member0</c>,
    /// <c>member1</c>, ...), <c>probabilities</c> the mean of the members' (summed in order, then scaled by 1/n), and
    /// <c>embedding</c> and <c>zero_shot_scores</c> the first member's. The members must share the architecture's
    /// inputs: window, labels and rhythm features.
    /// </summary>
    public static byte[] Export(IReadOnlyList<FindingsModel> members, ModelMetadata metadata)
    {
        if (members.Count == 0) throw new ArgumentException("An export needs at least one model.", nameof(members));
        var first = members[0];
        var cfg = first.encoder.Config;
        foreach (var model in members)
        {
            int labels = (int)model.head.weight!.shape[0];
            if (labels != metadata.Labels.Count)
                throw new ArgumentException($"Model has {labels} heads but the metadata lists {metadata.Labels.Count} labels.");
            if ((model.rhythm is not null) != metadata.HasRhythmInput)
                throw new ArgumentException(model.rhythm is null
                    ? $"The metadata names rhythm features '{metadata.RhythmFeatures}' but the model has no rhythm input."
                    : "The model takes rhythm features but the metadata names none (cgdmer.rhythm_features).");
            if (model.encoder.Config.WindowSamples != cfg.WindowSamples || model.RhythmFeatureCount != first.RhythmFeatureCount)
                throw new ArgumentException("An ensemble's members must take the same window and rhythm features.");
        }

        var g = new OnnxGraphBuilder("cgdmer_findings")
        {
            ProducerName = "CGDmer.Trainer", ProducerVersion = metadata.ModelVersion,
            DocString = members.Count == 1 ? "CG-DMER ECG findings model; see schemas/model-contract.md"
                : $"CG-DMER ECG findings model, an ensemble of {members.Count} members (mean probability); see schemas/model-contract.md",
        };
        foreach (var (k, v) in metadata.ToProperties()) g.AddMetadata(k, v);

        var ecg = g.AddInput(EcgInput, ElementType.Float, "batch", "leads", cfg.WindowSamples);
        var leadMask = g.AddInput(LeadMaskInput, ElementType.Float, "batch", "leads");
        // Its own symbolic axis name on purpose: were it "leads", ONNX Runtime would take the lengths as equal unchecked.
        var leadIds = g.AddInput(LeadIdsInput, ElementType.Int64, "lead_ids");
        var rhythmFeatures = first.rhythm is null ? null
            : g.AddInput(RhythmFeaturesInput, ElementType.Float, "batch", first.RhythmFeatureCount);
        var inputs = new MemberInputs(ecg, leadMask, leadIds, rhythmFeatures);

        // One model's graph stays unscoped, as it was before ensembles, so its file is unchanged.
        var outputs = new List<(string Probabilities, string Pooled)>();
        for (int m = 0; m < members.Count; m++)
            using (members.Count == 1 ? null : g.Scope($"member{m}"))
                outputs.Add(Member(g, members[m], inputs));
        var probabilities = outputs[0].Probabilities;
        if (members.Count > 1)
        {
            using var _ = g.Scope("ensemble");
            for (int m = 1; m < members.Count; m++) probabilities = g.Add(probabilities, outputs[m].Probabilities, "probability_sum");
            probabilities = g.Mul(probabilities, g.ConstFloat(1f / members.Count), "mean_probability");
        }
        int labelCount = metadata.Labels.Count, d = cfg.Dim;
        var pooled = outputs[0].Pooled;
        g.AddOutput(ProbabilitiesOutput, probabilities, ElementType.Float, "batch", labelCount);
        g.AddOutput(EmbeddingOutput, g.Identity(pooled), ElementType.Float, "batch", d);

        if (first.sharedProjection is not null && first.PromptEmbeddings is not null)
        {
            using var _ = g.Scope("zero_shot");
            var sp = first.sharedProjection;
            int e = (int)sp.fc2.weight!.shape[0];
            var h = g.Linear(g.Gelu(g.Linear(pooled, W(sp.fc1.weight!), W(sp.fc1.bias!), d, d)), W(sp.fc2.weight!), W(sp.fc2.bias!), e, d);
            // L2 normalisation as F.normalize does it: x / max(‖x‖, 1e-12).
            var norm = g.Max(g.Sqrt(g.ReduceSum(g.Mul(h, h), [-1], keepDims: true)), g.ConstFloat(1e-12f));
            var unit = g.Div(h, norm);
            int prompts = (int)first.PromptEmbeddings.shape[0];
            using var pt = first.PromptEmbeddings.detach().t().contiguous();
            var scores = g.MatMul(unit, g.AddInitializer("prompt_embeddings_t", W(pt), e, prompts));
            g.AddOutput(ZeroShotOutput, scores, ElementType.Float, "batch", prompts);
        }
        return g.ToBytes();
    }

    private sealed record MemberInputs(string Ecg, string LeadMask, string LeadIds, string? RhythmFeatures);

    /// <summary>One model's graph from the inputs to its probabilities (sigmoid) and its pooled embedding.</summary>
    private static (string Probabilities, string Pooled) Member(OnnxGraphBuilder g, FindingsModel model, MemberInputs inputs)
    {
        var cfg = model.encoder.Config;
        int leads = Leads.Count, t = cfg.PatchesPerLead, p = cfg.PatchSize, d = cfg.Dim;
        int labels = (int)model.head.weight!.shape[0];
        var (ecg, leadMask, leadIds, rhythmFeatures) = (inputs.Ecg, inputs.LeadMask, inputs.LeadIds, inputs.RhythmFeatures);
        var enc = model.encoder;
        string x;
        using (g.Scope("patch"))
        {
            // [B, L, S] → [B, L, T, P]: 0 copies batch and lead count from the input, so both stay dynamic.
            var patches = g.Reshape(ecg, [0, 0, t, p]);
            x = g.Linear(patches, W(enc.patchProjection.weight!), W(enc.patchProjection.bias!), d, p);
            // Lead embedding of each row (Gather by lead id) + position embedding → [L, 1, D] + [T, D] = [L, T, D].
            var leadEmbedding = g.AddInitializer("lead_embedding", W(enc.leadEmbedding), leads, d);
            var rowEmbedding = g.Unsqueeze(g.Gather(leadEmbedding, leadIds, 0, "row_lead_embedding"), [1]);
            var positionEmbedding = g.AddInitializer("position_embedding", W(enc.positionEmbedding), t, d);
            x = g.Add(x, g.Add(rowEmbedding, positionEmbedding, "lead_position_embedding"));
            x = g.Reshape(x, [0, -1, d]);                                                                              // [B, L·T, D]
        }
        string keep, additive;
        using (g.Scope("mask"))
        {
            // lead_ids must have exactly one id per row. Broadcasting would otherwise let a single id spread one lead's
            // embedding over every row without an error, and ONNX Runtime's reshape fusion drops a shape-only check; a
            // Concat on the lead axis does not broadcast, so [1, ids] stacked on lead_mask [B, L] fails unless the
            // lengths agree. The mask is then taken back out of the stack and used as usual.
            var idRow = g.Unsqueeze(g.Cast(leadIds, ElementType.Float, "lead_ids_float"), [0]);                  // [1, L]
            var checkedMask = g.Slice(g.Concat([idRow, leadMask], 0, "lead_ids_match_rows"), [1], [long.MaxValue], [0]); // [B, L]
            // [B, L] → [B, L, T] → [B, L·T]: every token of an absent lead is dropped.
            var ones = g.ConstFloats(Enumerable.Repeat(1f, t).ToArray(), 1, 1, t);
            keep = g.Reshape(g.Mul(g.Unsqueeze(checkedMask, [2]), ones), [0, -1]);
            additive = g.AdditiveKeyPaddingMask(keep, Masks.MaskedLogit);
        }
        int i = 0;
        foreach (var layer in enc.layers)
            using (g.Scope($"layer{i++}"))
                x = g.TransformerEncoderLayer(x, LayerWeights(layer), layer.attn.Heads, additive);
        x = g.LayerNorm(x, W(enc.norm.weight!), W(enc.norm.bias!), 1e-5f);
        var pooled = g.MaskedMeanPool(x, keep);
        var headInput = pooled;
        int headWidth = d;
        if (model.rhythm is { } rhythm)
        {
            using var _ = g.Scope("rhythm");
            // A model trained with the recording context runs here as at the bedside: the context folds into the bias.
            var (weight, bias) = model.RhythmLayerAt(model.RecordingContextCount > 0 ? FindingsModel.BedsideContext : []);
            var hidden = g.Gelu(g.Linear(rhythmFeatures!, weight, bias, FindingsModel.RhythmHidden, model.RhythmFeatureCount));
            headInput = g.Concat([pooled, hidden], 1, "head_input");
            headWidth = d + FindingsModel.RhythmHidden;
        }
        var sharedInput = headInput;
        int sharedWidth = headWidth;
        if (model.headHidden is { } shared)
        {
            using var _ = g.Scope("head_hidden");
            headInput = g.Gelu(g.Linear(headInput, W(shared.weight!), W(shared.bias!), model.HeadHiddenWidth, headWidth));
            headWidth = model.HeadHiddenWidth;
        }
        var logits = g.Linear(headInput, W(model.head.weight!), W(model.head.bias!), labels, headWidth, "head");
        if (model is { ownHidden: { } ownHidden, ownHead: { } ownHead })
        {
            // As FindingsModel.HeadLogits: the own-layer heads' logits replace the shared ones at their labels.
            using var _ = g.Scope("own_heads");
            int k = model.OwnLayerHeads.Count;
            var own = g.Linear(g.Gelu(g.Linear(sharedInput, W(ownHidden.weight!), W(ownHidden.bias!), model.OwnHiddenWidth, sharedWidth)),
                W(ownHead.weight!), W(ownHead.bias!), k, model.OwnHiddenWidth);
            var (sharedKeep, ownScatter) = model.OwnLayerPlacement();
            logits = g.Add(g.Mul(logits, g.AddInitializer("own_keep", sharedKeep, labels)), g.MatMul(own, g.AddInitializer("own_scatter", ownScatter, k, labels)));
        }
        return (g.Sigmoid(logits), pooled);
    }

    public static void Save(FindingsModel model, ModelMetadata metadata, string path) => Save([model], metadata, path);

    /// <summary>Writes <see cref="Export(IReadOnlyList{FindingsModel}, ModelMetadata)"/> to <paramref name="path"/>.</summary>
    public static void Save(IReadOnlyList<FindingsModel> members, ModelMetadata metadata, string path)
    {
        var bytes = Export(members, metadata);
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
