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
        Labels = EcgLabels.All.Take(labels).Select(l => new LabelMetadata(l.Key, l.SnomedCode, l.Display, 0.5)).ToList(),
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
        Assert.Equal(new[] { "ecg", "lead_mask" }, session.InputMetadata.Keys.ToArray());
        Assert.Equal(new[] { "probabilities", "embedding", "zero_shot_scores" }, session.OutputMetadata.Keys.ToArray());
        Assert.Equal(-1, session.InputMetadata["ecg"].Dimensions[0]);
    }

    [Fact]
    public void Missing_metadata_key_is_named()
    {
        var props = Metadata(CgDmerConfig.Tiny, 2, false).ToProperties().Where(kv => kv.Key != "cgdmer.window_samples").ToDictionary();
        var ex = Assert.Throws<InvalidDataException>(() => ModelMetadata.FromProperties(props, "x.onnx"));
        Assert.Contains("cgdmer.window_samples", ex.Message);
    }

    internal static (float[] Probs, float[] Emb, float[]? Zero) RunOnnx(InferenceSession session, float[] ecg, float[] mask, int batch, int samples)
    {
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("ecg", new DenseTensor<float>(ecg, [batch, 12, samples])),
            NamedOnnxValue.CreateFromTensor("lead_mask", new DenseTensor<float>(mask, [batch, 12])),
        };
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
        var set = new CGDmer.Model.Data.WindowSet(cfg.WindowSamples, EcgLabels.All);
        CGDmer.Model.Data.MitBihWindows.AddRecord(set, TestData.MitBih("201"), cfg.SampleRateHz, 10, 1, maxSeconds: 330);
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
