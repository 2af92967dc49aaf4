using CGDmer.Model.Export;
using CGDmer.Signal.Beats;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;
using ModelMetadata = CGDmer.Contracts.Model.ModelMetadata;

namespace CGDmer.Model.Tests;

/// <summary>An ensemble exports as one graph: the members on the same inputs, their mean probability, the first's embedding.</summary>
public class EnsembleExportTests
{
    private static readonly int Features = RhythmFeatures.CountOf(RhythmFeatures.Identifier);

    private static FindingsModel Member(CgDmerConfig cfg, int seed, int labels = 3, bool zeroShot = true)
    {
        torch.manual_seed(seed);
        var pre = new CgDmerModel(cfg, vocabularySize: 40);
        var prompts = zeroShot ? nn.functional.normalize(randn(labels, cfg.ProjectionDim), 2, -1) : null;
        var model = new FindingsModel(pre.ecgEncoder, labels, cfg.Dim, zeroShot ? pre.ecgShared : null, prompts, rhythmFeatures: Features, headHidden: 12);
        using (no_grad()) foreach (var p in model.parameters()) p.add_(randn_like(p) * 0.3);
        model.eval();
        return model;
    }

    private static ModelMetadata Metadata(CgDmerConfig cfg, int labels = 3, bool zeroShot = true) =>
        ExportParityTests.Metadata(cfg, labels, zeroShot) with { RhythmFeatures = RhythmFeatures.Identifier };

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 6)]
    public void The_ensemble_s_probabilities_are_the_mean_of_its_members_and_its_embedding_the_first_s(int members, int batch)
    {
        var cfg = CgDmerConfig.Tiny;
        var models = Enumerable.Range(0, members).Select(m => Member(cfg, seed: 20 + m)).ToList();
        using var session = new InferenceSession(OnnxExporter.Export(models, Metadata(cfg)));
        Assert.Contains($"an ensemble of {members} members", session.ModelMetadata.Description);

        var rng = new Random(batch);
        long[] ids = [1, 6];
        var ecg = new float[batch * 2 * cfg.WindowSamples];
        for (int i = 0; i < ecg.Length; i++) ecg[i] = (float)(rng.NextDouble() * 2 - 1);
        var mask = Enumerable.Repeat(1f, batch * 2).ToArray();
        var rhythm = new float[batch * Features];
        for (int i = 0; i < rhythm.Length; i++) rhythm[i] = (float)(rng.NextDouble() * 2);
        var (onnxProbs, onnxEmb, onnxZero) = ExportParityTests.RunOnnx(session, ecg, mask, batch, cfg.WindowSamples, ids, rhythm);

        using var _ = no_grad();
        var memberProbs = new List<float[]>();
        Tensor? firstEmbedding = null;
        foreach (var model in models)
        {
            var (probs, emb) = model.Infer(tensor(ecg, [batch, 2, cfg.WindowSamples]), tensor(mask, [batch, 2]), tensor(ids), tensor(rhythm, [batch, Features]));
            memberProbs.Add(probs.data<float>().ToArray());
            firstEmbedding ??= emb;
        }
        var mean = new float[onnxProbs.Length];
        for (int i = 0; i < mean.Length; i++) mean[i] = memberProbs.Sum(p => p[i]) / members;
        double max = ExportParityTests.MaxAbs(mean, onnxProbs);
        Assert.True(max < 1e-5, $"probabilities differ from the members' mean by {max}");
        // The members differ, so the mean is not any one member's.
        Assert.All(memberProbs, p => Assert.True(ExportParityTests.MaxAbs(p, onnxProbs) > 1e-3));
        Assert.True(ExportParityTests.MaxAbs(firstEmbedding!.data<float>().ToArray(), onnxEmb) < 1e-5);
        var zeroShot = models[0].ZeroShot(firstEmbedding)!.data<float>().ToArray();
        Assert.True(ExportParityTests.MaxAbs(zeroShot, onnxZero!) < 1e-5);
    }

    [Fact]
    public void Members_that_do_not_fit_the_metadata_or_each_other_are_refused()
    {
        var cfg = CgDmerConfig.Tiny;
        var threeLabels = Member(cfg, seed: 30);
        var twoLabels = Member(cfg, seed: 31, labels: 2);
        var e = Assert.Throws<ArgumentException>(() => OnnxExporter.Export([threeLabels, twoLabels], Metadata(cfg)));
        Assert.Contains("2 heads but the metadata lists 3 labels", e.Message);
        torch.manual_seed(32);
        var withoutRhythm = new FindingsModel(new CgDmerModel(cfg, vocabularySize: 40).ecgEncoder, 3, cfg.Dim);
        e = Assert.Throws<ArgumentException>(() => OnnxExporter.Export([threeLabels, withoutRhythm], Metadata(cfg)));
        Assert.Contains("no rhythm input", e.Message);
        Assert.Throws<ArgumentException>(() => OnnxExporter.Export(Array.Empty<FindingsModel>(), Metadata(cfg)));
    }
}
