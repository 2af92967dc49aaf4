using CGDmer.Contracts.Model;
using CGDmer.Model.Export;
using CGDmer.Signal;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using ModelMetadata = CGDmer.Contracts.Model.ModelMetadata;
using static TorchSharp.torch;

namespace CGDmer.Model.Tests;

public class ExportParityTests
{
    internal static FindingsModel MakeModel(CgDmerConfig cfg, int labels, bool zeroShot, int seed = 4)
    {
        torch.manual_seed(seed);
        var pre = new CgDmerModel(cfg, vocabularySize: 40);
        // Untrained LayerNorms are identity; perturb every parameter so parity is tested on non-trivial weights.
        using (no_grad())
            foreach (var p in pre.parameters()) p.add_(randn_like(p) * 0.1);
        var prompts = zeroShot ? nn.functional.normalize(randn(labels, cfg.ProjectionDim), 2, -1) : null;
        var m = new FindingsModel(pre.ecgEncoder, labels, cfg.Dim, zeroShot ? pre.ecgShared : null, prompts);
        using (no_grad()) foreach (var p in m.head.parameters()) p.add_(randn_like(p) * 0.5);
        m.eval();
        return m;
    }

    internal static ModelMetadata Metadata(CgDmerConfig cfg, int labels, bool zeroShot) => new()
    {
        ModelName = "parity-test", ModelVersion = "0.0.0-test",
        Labels = EcgLabels.All.Take(labels).Select((l, i) => new LabelMetadata(l.Key, l.SnomedCode, l.Display, 0.5, Validated: i % 2 == 0)).ToList(),
        SampleRateHz = cfg.SampleRateHz, WindowSamples = cfg.WindowSamples, Preprocessing = "test", EmbeddingDim = cfg.Dim,
        ZeroShotLabels = zeroShot ? EcgLabels.All.Take(labels).Select(l => l.Key).ToList() : null,
    };

    [Theory]
    [InlineData(1, false)]
    [InlineData(32, true)]
    [InlineData(5, true)]
    public void Onnx_runtime_matches_torchsharp_on_random_inputs_with_missing_leads(int batch, bool zeroShot)
    {
        var cfg = CgDmerConfig.Tiny with { Depth = 2 };
        var model = MakeModel(cfg, labels: 4, zeroShot);
        var bytes = OnnxExporter.Export(model, Metadata(cfg, 4, zeroShot));
        using var session = new InferenceSession(bytes);

        var rng = new Random(batch);
        var ecg = new float[batch * 12 * cfg.WindowSamples];
        for (int i = 0; i < ecg.Length; i++) ecg[i] = (float)(rng.NextDouble() * 2 - 1);
        var mask = new float[batch * 12];
        for (int b = 0; b < batch; b++)
        {
            int kind = b % 4; // 12 leads, 2 leads (II + V1), 1 lead, random subset
            for (int l = 0; l < 12; l++)
                mask[b * 12 + l] = kind switch { 0 => 1, 1 => l is 1 or 6 ? 1 : 0, 2 => l == 1 ? 1 : 0, _ => rng.Next(2) };
        }
        var (onnxProbs, onnxEmb, onnxZero) = RunOnnx(session, ecg, mask, batch, cfg.WindowSamples);

        using var _ = no_grad();
        var (probs, emb) = model.Infer(tensor(ecg, [batch, 12, cfg.WindowSamples]), tensor(mask, [batch, 12]));
        Assert.Equal(probs.shape, new long[] { batch, 4 });
        double maxProb = MaxAbs(probs.data<float>().ToArray(), onnxProbs);
        double maxEmb = MaxAbs(emb.data<float>().ToArray(), onnxEmb);
        Assert.True(maxProb < 1e-4, $"probabilities differ by {maxProb}");
        Assert.True(maxEmb < 1e-4, $"embeddings differ by {maxEmb}");
        if (zeroShot)
        {
            var zs = model.ZeroShot(emb)!;
            double maxZ = MaxAbs(zs.data<float>().ToArray(), onnxZero!);
            Assert.True(maxZ < 1e-4, $"zero-shot scores differ by {maxZ}");
        }
    }

    [Fact]
    public void Absent_leads_do_not_change_the_output()
    {
        var cfg = CgDmerConfig.Tiny;
        var model = MakeModel(cfg, 3, false);
        using var session = new InferenceSession(OnnxExporter.Export(model, Metadata(cfg, 3, false)));
        var rng = new Random(9);
        var ecg = new float[12 * cfg.WindowSamples];
        for (int i = 0; i < ecg.Length; i++) ecg[i] = (float)rng.NextDouble();
        var mask = new float[12];
        mask[1] = mask[6] = 1;
        var (p1, e1, _) = RunOnnx(session, ecg, mask, 1, cfg.WindowSamples);
        // Scribble over every absent lead: the result must not move.
        for (int l = 0; l < 12; l++)
            if (mask[l] == 0) for (int k = 0; k < cfg.WindowSamples; k++) ecg[l * cfg.WindowSamples + k] = 100f * (float)rng.NextDouble();
        var (p2, e2, _) = RunOnnx(session, ecg, mask, 1, cfg.WindowSamples);
        Assert.True(MaxAbs(p1, p2) < 1e-6);
        Assert.True(MaxAbs(e1, e2) < 1e-6);
    }

    [Fact]
    public void Metadata_round_trips_through_the_onnx_file()
    {
        var cfg = CgDmerConfig.Tiny;
        var model = MakeModel(cfg, 3, true);
        var meta = Metadata(cfg, 3, true);
        using var session = new InferenceSession(OnnxExporter.Export(model, meta));
        var read = ModelMetadata.FromProperties(session.ModelMetadata.CustomMetadataMap, "test");
        Assert.Equal(meta.Labels, read.Labels);
        Assert.Equal(cfg.SampleRateHz, read.SampleRateHz);
        Assert.Equal(cfg.WindowSamples, read.WindowSamples);
        Assert.Equal(Leads.StandardOrder.Select(Leads.Name), read.LeadOrder);
        Assert.Equal(ModelMetadata.ContractVersion, session.ModelMetadata.CustomMetadataMap["cgdmer.contract_version"]);
        Assert.Equal("3", ModelMetadata.ContractVersion);
        Assert.Equal(ModelMetadata.NoRhythmFeatures, read.RhythmFeatures);
        Assert.Equal(new[] { "ecg", "lead_mask", "lead_ids" }, session.InputMetadata.Keys.ToArray());
        Assert.Equal(new[] { "probabilities", "embedding", "zero_shot_scores" }, session.OutputMetadata.Keys.ToArray());
        // Batch and lead axes are dynamic; the window length is fixed.
        Assert.Equal(new[] { -1, -1, cfg.WindowSamples }, session.InputMetadata["ecg"].Dimensions);
        Assert.Equal(new[] { "batch", "leads", "" }, session.InputMetadata["ecg"].SymbolicDimensions);
        Assert.Equal(new[] { -1, -1 }, session.InputMetadata["lead_mask"].Dimensions);
        Assert.Equal(new[] { -1 }, session.InputMetadata["lead_ids"].Dimensions);
        Assert.Equal(typeof(long), session.InputMetadata["lead_ids"].ElementType);
    }

    public static TheoryData<string, int> LeadSets => new()
    {
        { "I,II,III,aVR,aVL,aVF,V1,V2,V3,V4,V5,V6", 1 }, { "I,II,III,aVR,aVL,aVF,V1,V2,V3,V4,V5,V6", 5 },
        { "II,V1", 1 }, { "II,V1", 5 },
        { "V5,I,aVF", 1 }, { "V5,I,aVF", 5 },   // not in standard order
        { "II", 1 }, { "II", 5 },
    };

    private static long[] Ids(string leads) =>
        leads.Split(',').Select(n => Leads.TryParse(n, out var l) ? (long)l : throw new ArgumentException(n)).ToArray();

    /// <summary>Random rows; window b masks row (b − 1) mod L for b ≥ 1 when it has more than one row, so masks differ per window.</summary>
    private static (float[] Ecg, float[] Mask) RandomInput(int batch, int leads, int samples, int seed)
    {
        var rng = new Random(seed);
        var ecg = new float[batch * leads * samples];
        for (int i = 0; i < ecg.Length; i++) ecg[i] = (float)(rng.NextDouble() * 2 - 1);
        var mask = new float[batch * leads];
        Array.Fill(mask, 1f);
        for (int b = 1; b < batch; b++)
            if (leads > 1) mask[b * leads + (b - 1) % leads] = 0;
        return (ecg, mask);
    }

    [Theory]
    [MemberData(nameof(LeadSets))]
    public void Compacted_lead_sets_match_torchsharp(string leadNames, int batch)
    {
        var cfg = CgDmerConfig.Tiny with { Depth = 2 };
        var model = MakeModel(cfg, labels: 4, zeroShot: true);
        using var session = new InferenceSession(OnnxExporter.Export(model, Metadata(cfg, 4, true)));
        var ids = Ids(leadNames);
        var (ecg, mask) = RandomInput(batch, ids.Length, cfg.WindowSamples, seed: 17 * batch + ids.Length);

        var (op, oe, oz) = RunOnnx(session, ecg, mask, batch, cfg.WindowSamples, ids);

        using var _ = no_grad();
        var (p, e) = model.Infer(tensor(ecg, [batch, ids.Length, cfg.WindowSamples]), tensor(mask, [batch, ids.Length]), tensor(ids));
        Assert.Equal(new long[] { batch, 4 }, p.shape);
        double dp = MaxAbs(p.data<float>().ToArray(), op), de = MaxAbs(e.data<float>().ToArray(), oe);
        double dz = MaxAbs(model.ZeroShot(e)!.data<float>().ToArray(), oz!);
        Assert.True(dp <= 1e-5 && de <= 1e-5 && dz <= 1e-5, $"{leadNames} batch {batch}: max |Δ| probabilities {dp}, embedding {de}, zero-shot {dz}");
    }

    [Theory]
    [InlineData("II,V1", 1)]
    [InlineData("II,V1", 5)]
    [InlineData("V5,I,aVF", 5)]
    public void Compacted_rows_give_the_twelve_row_masked_output(string leadNames, int batch)
    {
        var cfg = CgDmerConfig.Tiny with { Depth = 2 };
        var model = MakeModel(cfg, labels: 4, zeroShot: true);
        using var session = new InferenceSession(OnnxExporter.Export(model, Metadata(cfg, 4, true)));
        var ids = Ids(leadNames);
        int s = cfg.WindowSamples, l = ids.Length;
        var (ecg, mask) = RandomInput(batch, l, s, seed: 3 + batch);

        // The same windows laid out as 12 standard rows: the compacted rows in their places, every other row filled
        // with large noise and masked (the mask, not zeros, must be what removes them).
        var rng = new Random(99);
        var full = new float[batch * 12 * s];
        for (int i = 0; i < full.Length; i++) full[i] = (float)(50 * rng.NextDouble());
        var fullMask = new float[batch * 12];
        for (int b = 0; b < batch; b++)
            for (int r = 0; r < l; r++)
            {
                Array.Copy(ecg, (b * l + r) * s, full, (b * 12 + ids[r]) * s, s);
                fullMask[b * 12 + ids[r]] = mask[b * l + r];
            }

        var (cp, ce, cz) = RunOnnx(session, ecg, mask, batch, s, ids);
        var (fp, fe, fz) = RunOnnx(session, full, fullMask, batch, s);
        double dp = MaxAbs(cp, fp), de = MaxAbs(ce, fe), dz = MaxAbs(cz!, fz!);
        Assert.True(dp <= 1e-5 && de <= 1e-5 && dz <= 1e-5, $"{leadNames} batch {batch}: max |Δ| probabilities {dp}, embedding {de}, zero-shot {dz}");
    }

    [Fact]
    public void Lead_ids_that_do_not_match_the_rows_are_refused_not_broadcast()
    {
        var cfg = CgDmerConfig.Tiny;
        var model = MakeModel(cfg, 3, false);
        using var session = new InferenceSession(OnnxExporter.Export(model, Metadata(cfg, 3, false))); // optimised, as deployed
        var (ecg, mask) = RandomInput(1, 2, cfg.WindowSamples, 1);
        int samples = cfg.WindowSamples;
        void Run(long[] ids) => session.Run([
            NamedOnnxValue.CreateFromTensor("ecg", new DenseTensor<float>(ecg, [1, 2, samples])),
            NamedOnnxValue.CreateFromTensor("lead_mask", new DenseTensor<float>(mask, [1, 2])),
            NamedOnnxValue.CreateFromTensor("lead_ids", new DenseTensor<long>(ids, [ids.Length])),
        ]).Dispose();
        Run([1, 6]); // the well-formed call runs
        // One id for two rows would broadcast lead II's embedding over both rows if the graph did not check.
        Assert.ThrowsAny<OnnxRuntimeException>(() => Run([1]));
        Assert.ThrowsAny<OnnxRuntimeException>(() => Run([1, 6, 7]));
        // An id outside the lead embedding table.
        Assert.ThrowsAny<OnnxRuntimeException>(() => Run([1, 12]));
    }

    [Fact]
    public void Missing_metadata_key_is_named()
    {
        var props = Metadata(CgDmerConfig.Tiny, 2, false).ToProperties().Where(kv => kv.Key != "cgdmer.window_samples").ToDictionary();
        var ex = Assert.Throws<InvalidDataException>(() => ModelMetadata.FromProperties(props, "x.onnx"));
        Assert.Contains("cgdmer.window_samples", ex.Message);
    }

    /// <summary>Runs the exported graph; <paramref name="leadIds"/> null means all 12 rows in standard order.</summary>
    [Theory]
    [InlineData(1, 0, -1, 0)]
    [InlineData(7, 0, -1, 0)]
    [InlineData(1, 24, -1, 0)]
    [InlineData(7, 24, -1, 0)]
    [InlineData(7, 24, 1, 0)]
    [InlineData(7, 24, 1, 10)]
    [InlineData(7, 0, 2, 10)]
    public void Onnx_runtime_matches_torchsharp_with_rhythm_features(int batch, int headHidden, int ownLayerHead, int ownWidth)
    {
        var cfg = CgDmerConfig.Tiny;
        torch.manual_seed(11);
        var pre = new CgDmerModel(cfg, vocabularySize: 40);
        var model = new FindingsModel(pre.ecgEncoder, 3, cfg.Dim, rhythmFeatures: Signal.Beats.RhythmFeatures.CountOf(Signal.Beats.RhythmFeatures.Identifier),
            headHidden: headHidden, ownLayerHeads: ownLayerHead >= 0 ? [ownLayerHead] : null, ownHiddenWidth: ownWidth);
        Assert.Equal(headHidden > 0, model.headHidden is not null);
        Assert.Equal(ownLayerHead >= 0, model.ownHidden is not null);
        using (no_grad()) foreach (var p in model.parameters()) p.add_(randn_like(p) * 0.3);
        model.eval();
        var meta = Metadata(cfg, 3, false) with { RhythmFeatures = Signal.Beats.RhythmFeatures.Identifier };
        using var session = new InferenceSession(OnnxExporter.Export(model, meta));
        Assert.Equal(new[] { "ecg", "lead_mask", "lead_ids", "rhythm_features" }, session.InputMetadata.Keys.ToArray());
        Assert.Equal(Signal.Beats.RhythmFeatures.Identifier, ModelMetadata.FromProperties(session.ModelMetadata.CustomMetadataMap, "test").RhythmFeatures);

        var rng = new Random(batch);
        long[] ids = [1, 6];
        var ecg = new float[batch * 2 * cfg.WindowSamples];
        for (int i = 0; i < ecg.Length; i++) ecg[i] = (float)(rng.NextDouble() * 2 - 1);
        var mask = Enumerable.Repeat(1f, batch * 2).ToArray();
        int f = Signal.Beats.RhythmFeatures.CountOf(Signal.Beats.RhythmFeatures.Identifier);
        var rhythm = new float[batch * f];
        for (int i = 0; i < rhythm.Length; i++) rhythm[i] = (float)(rng.NextDouble() * 2);
        var (onnxProbs, _, _) = RunOnnx(session, ecg, mask, batch, cfg.WindowSamples, ids, rhythm);

        using var _ = no_grad();
        var (probs, _) = model.Infer(tensor(ecg, [batch, 2, cfg.WindowSamples]), tensor(mask, [batch, 2]), tensor(ids), tensor(rhythm, [batch, f]));
        double max = MaxAbs(probs.data<float>().ToArray(), onnxProbs);
        Assert.True(max < 1e-5, $"probabilities differ by {max}");
        // The features reach the heads: other features, other probabilities.
        for (int i = 0; i < rhythm.Length; i++) rhythm[i] = -rhythm[i];
        var (moved, _, _) = RunOnnx(session, ecg, mask, batch, cfg.WindowSamples, ids, rhythm);
        Assert.True(MaxAbs(moved, onnxProbs) > 1e-3);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(24)]
    public void A_model_with_the_recording_context_exports_as_at_the_bedside(int headHidden)
    {
        var cfg = CgDmerConfig.Tiny;
        torch.manual_seed(12);
        string set = Signal.Beats.RhythmFeatures.Identifier;
        int f = Signal.Beats.RhythmFeatures.CountOf(set), batch = 5;
        var model = new FindingsModel(new CgDmerModel(cfg, vocabularySize: 40).ecgEncoder, 3, cfg.Dim, rhythmFeatures: f, headHidden: headHidden, recordingContexts: 1);
        using (no_grad()) foreach (var p in model.parameters()) p.add_(randn_like(p) * 0.3);
        model.eval();
        Assert.Equal(new long[] { FindingsModel.RhythmHidden, f + 1 }, model.rhythm!.weight!.shape);
        using var session = new InferenceSession(OnnxExporter.Export(model, Metadata(cfg, 3, false) with { RhythmFeatures = set }));
        Assert.Equal(f, session.InputMetadata["rhythm_features"].Dimensions[1]);   // the features alone, no context column

        var rng = new Random(5);
        long[] ids = [1, 6];
        var ecg = Enumerable.Range(0, batch * 2 * cfg.WindowSamples).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var mask = Enumerable.Repeat(1f, batch * 2).ToArray();
        var rhythm = Enumerable.Range(0, batch * f).Select(_ => (float)(rng.NextDouble() * 2)).ToArray();
        var (onnx, _, _) = RunOnnx(session, ecg, mask, batch, cfg.WindowSamples, ids, rhythm);

        float[] Torch(float context)
        {
            var withContext = new float[batch * (f + 1)];
            for (int b = 0; b < batch; b++)
            {
                rhythm.AsSpan(b * f, f).CopyTo(withContext.AsSpan(b * (f + 1), f));
                withContext[b * (f + 1) + f] = context;
            }
            using var _ = no_grad();
            return model.Infer(tensor(ecg, [batch, 2, cfg.WindowSamples]), tensor(mask, [batch, 2]), tensor(ids), tensor(withContext, [batch, f + 1]))
                .Probabilities.data<float>().ToArray();
        }
        double bedside = MaxAbs(Torch(FindingsModel.BedsideContext[0]), onnx);
        Assert.True(bedside < 1e-5, $"the export differs from the model at the bedside context by {bedside}");
        Assert.True(MaxAbs(Torch(0), onnx) > 1e-3, "the export does not fix the context at the bedside value");
    }

    [Fact]
    public void Without_context_columns_the_rhythm_layer_is_exported_as_it_is()
    {
        var cfg = CgDmerConfig.Tiny;
        var model = new FindingsModel(new CgDmerModel(cfg, 40).ecgEncoder, 3, cfg.Dim, rhythmFeatures: 4);
        var (weight, bias) = model.RhythmLayerAt([]);
        Assert.Equal(model.rhythm!.weight!.data<float>().ToArray(), weight);
        Assert.Equal(model.rhythm.bias!.data<float>().ToArray(), bias);
        Assert.Throws<ArgumentException>(() => model.RhythmLayerAt(FindingsModel.BedsideContext));
    }

    [Fact]
    public void The_recording_context_needs_a_rhythm_layer_and_is_one_column()
    {
        var cfg = CgDmerConfig.Tiny;
        var enc = new CgDmerModel(cfg, 40).ecgEncoder;
        Assert.Throws<ArgumentException>(() => new FindingsModel(enc, 3, cfg.Dim, recordingContexts: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FindingsModel(enc, 3, cfg.Dim, rhythmFeatures: 4, recordingContexts: 2));
    }

    [Fact]
    public void Export_refuses_metadata_that_disagrees_with_the_rhythm_input()
    {
        var cfg = CgDmerConfig.Tiny;
        var withRhythm = new FindingsModel(new CgDmerModel(cfg, 40).ecgEncoder, 3, cfg.Dim, rhythmFeatures: 4);
        Assert.Throws<ArgumentException>(() => OnnxExporter.Export(withRhythm, Metadata(cfg, 3, false)));
        Assert.Throws<ArgumentException>(() => OnnxExporter.Export(MakeModel(cfg, 3, false), Metadata(cfg, 3, false) with { RhythmFeatures = "rr-v1" }));
    }

    internal static (float[] Probs, float[] Emb, float[]? Zero) RunOnnx(InferenceSession session, float[] ecg, float[] mask, int batch, int samples,
        long[]? leadIds = null, float[]? rhythm = null)
    {
        leadIds ??= Enumerable.Range(0, 12).Select(i => (long)i).ToArray();
        int leads = leadIds.Length;
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("ecg", new DenseTensor<float>(ecg, [batch, leads, samples])),
            NamedOnnxValue.CreateFromTensor("lead_mask", new DenseTensor<float>(mask, [batch, leads])),
            NamedOnnxValue.CreateFromTensor("lead_ids", new DenseTensor<long>(leadIds, [leads])),
        };
        if (rhythm is not null)
            inputs.Add(NamedOnnxValue.CreateFromTensor("rhythm_features", new DenseTensor<float>(rhythm, [batch, rhythm.Length / batch])));
        using var results = session.Run(inputs);
        float[]? zero = results.FirstOrDefault(r => r.Name == "zero_shot_scores")?.AsTensor<float>().ToArray();
        return (results.First(r => r.Name == "probabilities").AsTensor<float>().ToArray(),
                results.First(r => r.Name == "embedding").AsTensor<float>().ToArray(), zero);
    }

    internal static double MaxAbs(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }
}

public class RealInputParityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void Onnx_runtime_matches_torchsharp_on_real_mitbih_windows()
    {
        var cfg = CgDmerConfig.Tiny;
        var set = new CGDmer.Trainer.Data.WindowSet(cfg.WindowSamples, EcgLabels.All);
        CGDmer.Trainer.Data.MitBihWindows.AddRecord(set, TestData.MitBih("201"), cfg.SampleRateHz, 10, 1, maxSeconds: 330);
        Assert.Equal(33, set.Count);
        var model = ExportParityTests.MakeModel(cfg, 3, zeroShot: true);
        using var session = new InferenceSession(OnnxExporter.Export(model, ExportParityTests.Metadata(cfg, 3, true)));
        foreach (int batch in new[] { 1, 32 })
        {
            var ecg = new float[batch * set.WindowStride];
            var mask = new float[batch * 12];
            var lab = new float[batch * set.Labels.Count];
            set.CopyBatch(Enumerable.Range(1, batch).ToArray(), ecg, mask, lab);
            var (op, oe, oz) = ExportParityTests.RunOnnx(session, ecg, mask, batch, cfg.WindowSamples);
            using var _ = no_grad();
            var (p, e) = model.Infer(tensor(ecg, [batch, 12, cfg.WindowSamples]), tensor(mask, [batch, 12]));
            double dp = ExportParityTests.MaxAbs(p.data<float>().ToArray(), op), de = ExportParityTests.MaxAbs(e.data<float>().ToArray(), oe);
            double dz = ExportParityTests.MaxAbs(model.ZeroShot(e)!.data<float>().ToArray(), oz!);
            output.WriteLine($"batch {batch}: max |Δ| probabilities {dp:E2}, embedding {de:E2}, zero-shot {dz:E2}");
            Assert.True(dp < 1e-4 && de < 1e-4 && dz < 1e-4, $"batch {batch}: {dp} {de} {dz}");
        }
    }
}
